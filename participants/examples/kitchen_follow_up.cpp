// A participant whose handler starts a saga in its own transaction (docs/embedding.md,
// "Participants"). The Kitchen accepts a ticket (the "ticket" saga's command) and, in the SAME
// SQLite transaction as its ticket row and its inbox row, starts the "delivery" saga that sends
// a courier. The Kitchen's file also holds the engine's tables: the engine runs on that file
// (EngineOptions::shared_database) and takes the start when the Kitchen's commit is done.
//
//   kitchen_follow_up [--orders N] [--dir DIR]
//
// Runs N ticket sagas, waits for the N delivery sagas the Kitchen started, prints one line per
// saga, then checks with one query that no accepted ticket lacks its delivery saga. Exit code 0
// when every saga completed and the check holds. Everything runs in this one process (engine,
// Kitchen, Courier) over ipc:// sockets in DIR (default: a new temp dir).
#include <SQLiteCpp/SQLiteCpp.h>
#include <stdlib.h>

#include <cstdio>
#include <filesystem>
#include <string>
#include <thread>

#include "saga/dsl.h"
#include "saga/engine.h"
#include "saga/participant.h"
#include "saga/zmq_transport.h"

namespace {

using namespace saga;

struct TicketData {
  std::int64_t order_id = 0;
  template <class A>
  void serialize(A& a) {
    a(CEREAL_NVP(order_id));
  }
};

// Every message of the example carries the order id only; the template parameter names it.
template <const char* kName>
struct OrderMessage {
  static constexpr std::string_view kMessageName = kName;
  std::int64_t order_id = 0;
  template <class A>
  void serialize(A& a) {
    a(CEREAL_NVP(order_id));
  }
};
inline constexpr char kAcceptTicket[] = "AcceptTicket";
inline constexpr char kTicketAccepted[] = "TicketAccepted";
inline constexpr char kAssignCourier[] = "AssignCourier";
inline constexpr char kCourierAssigned[] = "CourierAssigned";
using AcceptTicket = OrderMessage<kAcceptTicket>;
using TicketAccepted = OrderMessage<kTicketAccepted>;
using AssignCourier = OrderMessage<kAssignCourier>;
using CourierAssigned = OrderMessage<kCourierAssigned>;

inline constexpr Channel kKitchen{"kitchen"};
inline constexpr Channel kCourier{"courier"};

std::string delivery_id(std::int64_t order_id) { return "delivery-" + std::to_string(order_id); }

// A saga of one retriable step that sends Cmd to `channel` and waits for Reply.
template <typename Cmd, typename Rep>
Result<std::shared_ptr<const SagaDefinition>> one_step_saga(std::string_view name,
                                                            std::string_view step,
                                                            Channel channel) {
  return define<TicketData>(std::string(name), 1)
      .retriable(std::string(step))
      .invoke(command<Cmd>(channel).template replies<Rep>(),
              [](const TicketData& d) { return Cmd{d.order_id}; })
      .retry(RetryPolicy::fixed(Millis{200}, 0))
      .build();
}

// The Kitchen's handler: the ticket row, and the delivery saga's start, in one transaction
// (the library adds the inbox row to it and commits).
Reply on_accept_ticket(const AcceptTicket& c, HandlerContext& ctx) {
  Result<std::int64_t> ticket =
      ctx.db().exec("INSERT INTO tickets (order_id, state) VALUES (?, 'ACCEPTED')", {c.order_id});
  if (!ticket) throw std::runtime_error(ticket.status().to_string());  // all rolled back
  StartOptions start;
  start.id = delivery_id(c.order_id);  // one delivery per order, whatever the message id
  Result<std::string> delivery = ctx.start_saga_with("delivery", TicketData{c.order_id}, start);
  if (!delivery && delivery.status().code() != StatusCode::kAlreadyExists) {
    throw std::runtime_error(delivery.status().to_string());  // all rolled back
  }
  return success(TicketAccepted{c.order_id});
}

Result<std::unique_ptr<Participant>> open_participant(const std::string& dir,
                                                      const std::string& name, bool engine_tables,
                                                      std::function<void(std::size_t)> committed) {
  ParticipantOptions options;
  options.endpoint = "ipc://" + dir + "/" + name + ".sock";
  options.database_path = dir + "/" + name + ".db";
  options.engine_tables = engine_tables;
  options.outbox_committed = std::move(committed);
  return Participant::open(std::move(options));
}

int run(std::int64_t orders, const std::string& dir) {
  // The engine's transport and the engine itself, on the Kitchen's file (opened first by the
  // Kitchen, so the engine's tables are there before either runs).
  std::unique_ptr<Engine> engine;
  auto kitchen = open_participant(dir, "kitchen", true, [&engine](std::size_t) {
    if (engine) engine->notify_starts();  // same process: take the starts at once
  });
  auto courier = open_participant(dir, "courier", false, nullptr);
  if (!kitchen || !courier) {
    std::fprintf(stderr, "participants: %s %s\n", kitchen.status().to_string().c_str(),
                 courier.status().to_string().c_str());
    return 1;
  }
  Participant& k = *kitchen.value();
  Participant& c = *courier.value();
  (void)k.exec_schema(
      "CREATE TABLE IF NOT EXISTS tickets (order_id INTEGER PRIMARY KEY, state TEXT NOT NULL)");
  (void)c.exec_schema("CREATE TABLE IF NOT EXISTS couriers (order_id INTEGER PRIMARY KEY)");
  k.on<AcceptTicket>(&on_accept_ticket);
  c.on<AssignCourier>([](const AssignCourier& cmd, HandlerContext& ctx) {
    (void)ctx.db().exec("INSERT OR IGNORE INTO couriers (order_id) VALUES (?)", {cmd.order_id});
    return success(CourierAssigned{cmd.order_id});
  });

  ZmqTransportOptions t;
  (void)t.registry.add("kitchen", k.endpoint());
  (void)t.registry.add("courier", c.endpoint());
  auto transport = make_zmq_transport(std::move(t));
  if (!transport) {
    std::fprintf(stderr, "transport: %s\n", transport.status().to_string().c_str());
    return 1;
  }
  EngineOptions o;
  o.database_path = dir + "/kitchen.db";
  o.shared_database = true;  // the Kitchen's tables live in it too
  o.transport = std::move(transport).value();
  auto opened = Engine::open(std::move(o));
  if (!opened) {
    std::fprintf(stderr, "engine: %s\n", opened.status().to_string().c_str());
    return 1;
  }
  engine = std::move(opened).value();
  auto ticket = one_step_saga<AcceptTicket, TicketAccepted>("ticket", "accept_ticket", kKitchen);
  auto delivery =
      one_step_saga<AssignCourier, CourierAssigned>("delivery", "assign_courier", kCourier);
  Status s = !ticket ? ticket.status() : !delivery ? delivery.status() : Status::ok();
  if (s) s = engine->register_definition(ticket.value());
  if (s) s = engine->register_definition(delivery.value());
  if (s) s = engine->start();
  if (!s) {
    std::fprintf(stderr, "engine: %s\n", s.to_string().c_str());
    return 1;
  }
  std::thread kitchen_thread([&k] { k.run(); });
  std::thread courier_thread([&c] { c.run(); });

  int failed = 0;
  for (std::int64_t order = 1; order <= orders; ++order) {
    StartOptions start;
    start.id = "ticket-" + std::to_string(order);
    if (!engine->start_saga_with("ticket", TicketData{order}, start)) ++failed;
  }
  for (std::int64_t order = 1; order <= orders; ++order) {
    for (const std::string& id : {"ticket-" + std::to_string(order), delivery_id(order)}) {
      Result<SagaInstance> done = engine->wait(id, Millis{10'000});
      const bool ok = done && done.value().phase == Phase::kCompleted;
      failed += ok ? 0 : 1;
      std::printf("%-12s %s\n", id.c_str(),
                  done ? std::string(to_string(done.value().phase)).c_str()
                       : done.status().to_string().c_str());
    }
  }
  k.stop();
  c.stop();
  kitchen_thread.join();
  courier_thread.join();
  engine.reset();

  // One query: every accepted ticket has its delivery saga.
  SQLite::Database db(dir + "/kitchen.db", SQLite::OPEN_READONLY);
  const std::int64_t orphans =
      db.execAndGet(
            "SELECT count(*) FROM tickets t WHERE NOT EXISTS (SELECT 1 FROM saga_instances i "
            "WHERE i.id = 'delivery-' || t.order_id AND i.type = 'delivery')")
          .getInt64();
  std::printf("tickets without their delivery saga: %lld\n", static_cast<long long>(orphans));
  return failed == 0 && orphans == 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  std::int64_t orders = 3;
  std::string dir;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--orders") {
      orders = std::stoll(argv[i + 1]);
    } else if (flag == "--dir") {
      dir = argv[i + 1];
    } else {
      std::fprintf(stderr, "usage: kitchen_follow_up [--orders N] [--dir DIR]\n");
      return 2;
    }
  }
  bool made = false;
  if (dir.empty()) {
    std::string pattern = (std::filesystem::temp_directory_path() / "kitchen_follow_up_XXXXXX");
    if (mkdtemp(pattern.data()) == nullptr) return 1;
    dir = pattern;
    made = true;
  }
  const int code = run(orders, dir);
  if (made) std::filesystem::remove_all(dir);
  return code;
}
