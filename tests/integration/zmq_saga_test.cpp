// Goal: whole sagas run over real ZeroMQ sockets between the engine and participant services
// built on the participant library (and one written in Python), with real SQLite everywhere:
// late and restarted participants, resends executed once, late replies ignored, CURVE.
// Method: start participants on tcp://127.0.0.1:* or ipc:// in a temp dir, an Engine with the
// ZeroMQ transport, run FTGO sagas, and check saga phases, data and the services' databases.
#include <SQLiteCpp/SQLiteCpp.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <memory>
#include <string>
#include <thread>

#include "ftgo/channels.h"
#include "ftgo/create_order_steps.h"
#include "ftgo/messages.h"
#include "saga/dsl.h"
#include "saga/engine.h"
#include "saga/participant.h"
#include "saga/testing/temp_dir.h"
#include "saga/testing/threads.h"
#include "saga/zmq_transport.h"

namespace saga {
namespace {

using testing::threads_named;

using namespace ftgo;

constexpr Millis kWait{20'000};  // bound on waiting for a saga; never a timing assertion

// --- the saga, with short timeouts so resends happen quickly --------------------------------

// Create Order from FTGO's shared step functions (ftgo/create_order_steps.h), with short
// timeouts and a fixed 50 ms retry; create_ticket handles TicketCreated only.
std::shared_ptr<const SagaDefinition> create_order(Millis timeout) {
  const RetryPolicy retry = RetryPolicy::fixed(Millis{50}, 0);
  // clang-format off
  auto built = define<CreateOrderData>("create_order", 1)
      .step("reject_order")
          .compensate_with(order_service::reject_order,
                           &make_reject_order)
      .step("verify_consumer")
          .invoke(consumer_service::validate_order, &make_validate_order).timeout(timeout)
      .step("create_ticket")
          .invoke(kitchen_service::create_ticket, &make_create_ticket)
          .on_reply<TicketCreated>(&on_ticket_created)
          .compensate_with(kitchen_service::cancel_ticket,
                           &make_cancel_ticket)
          .timeout(timeout).retry(retry)
      .pivot("authorize_card")
          .invoke(accounting_service::authorize_card, &make_authorize_card)
          .on_reply<CardAuthorized>(&on_card_authorized).on_reply<CardDeclined>(&on_card_declined)
          .timeout(timeout).retry(retry)
      .retriable("confirm_ticket")
          .invoke(kitchen_service::confirm_ticket,
                  &make_confirm_ticket)
          .timeout(timeout).retry(retry)
      .retriable("approve_order")
          .invoke(order_service::approve_order,
                  &make_approve_order)
          .timeout(timeout).retry(retry)
      .build();
  // clang-format on
  EXPECT_TRUE(built.is_ok()) << built.status().to_string();
  return built.value();
}

// --- participants -----------------------------------------------------------------------------

// A participant serving on its own thread until destroyed.
class Running {
 public:
  explicit Running(std::unique_ptr<Participant> p) : p_(std::move(p)) {
    thread_ = std::thread([this] { p_->run(); });
  }
  ~Running() {
    p_->stop();
    thread_.join();
  }
  Participant& operator*() { return *p_; }
  Participant* operator->() { return p_.get(); }

 private:
  std::unique_ptr<Participant> p_;
  std::thread thread_;
};

std::unique_ptr<Participant> open_participant(const std::string& endpoint, const std::string& db,
                                              std::optional<CurveServerKeys> curve = {}) {
  ParticipantOptions options;
  options.endpoint = endpoint;
  options.database_path = db;
  options.curve = std::move(curve);
  Result<std::unique_ptr<Participant>> p = Participant::open(std::move(options));
  EXPECT_TRUE(p.is_ok()) << p.status().to_string();
  return p.is_ok() ? std::move(p).value() : nullptr;
}

// Kitchen: tickets in its own table, written in the inbox's transaction.
std::unique_ptr<Participant> kitchen(const std::string& endpoint, const std::string& db,
                                     std::atomic<int>* create_delay_ms = nullptr,
                                     std::optional<CurveServerKeys> curve = {}) {
  auto p = open_participant(endpoint, db, std::move(curve));
  if (!p) return p;
  EXPECT_TRUE(p->exec_schema("CREATE TABLE IF NOT EXISTS tickets (order_id INTEGER PRIMARY KEY,"
                             " state TEXT NOT NULL, creations INTEGER NOT NULL DEFAULT 0)")
                  .is_ok());
  p->on<CreateTicket>([create_delay_ms](const CreateTicket& c, HandlerContext& ctx) {
    if (create_delay_ms && *create_delay_ms > 0) {
      std::this_thread::sleep_for(Millis{create_delay_ms->load()});
    }
    (void)ctx.db().exec(
        "INSERT INTO tickets (order_id, state, creations) VALUES (?, 'CREATE_PENDING', 1) "
        "ON CONFLICT(order_id) DO UPDATE SET creations = creations + 1",
        {c.order_id});
    return success(TicketCreated{c.order_id + 1000});
  });
  p->on_compensation<CancelCreateTicket>([](const CancelCreateTicket& c, HandlerContext& ctx) {
    (void)ctx.db().exec("UPDATE tickets SET state = 'CREATE_REJECTED' WHERE order_id = ?",
                        {c.order_id});
    return success(CancelCreateTicket{c.order_id});
  });
  p->on<ConfirmCreateTicket>([](const ConfirmCreateTicket& c, HandlerContext& ctx) {
    (void)ctx.db().exec("UPDATE tickets SET state = 'AWAITING_ACCEPTANCE' WHERE order_id = ?",
                        {c.ticket_id - 1000});
    return success(ConfirmCreateTicket{c.ticket_id});
  });
  return p;
}

std::unique_ptr<Participant> consumer(const std::string& endpoint, const std::string& db) {
  auto p = open_participant(endpoint, db);
  p->on<ValidateOrderByConsumer>([](const ValidateOrderByConsumer& c, HandlerContext&) {
    if (c.consumer_id == 13) return failure("consumer_disabled");
    return success(c);
  });
  return p;
}

std::unique_ptr<Participant> order(const std::string& endpoint, const std::string& db) {
  auto p = open_participant(endpoint, db);
  EXPECT_TRUE(p->exec_schema("CREATE TABLE IF NOT EXISTS orders (id INTEGER PRIMARY KEY,"
                             " state TEXT NOT NULL)")
                  .is_ok());
  const auto set_state = [](std::int64_t id, const char* state, HandlerContext& ctx) {
    (void)ctx.db().exec("INSERT OR REPLACE INTO orders VALUES (?, ?)", {id, std::string(state)});
  };
  // RejectOrder undoes the order's creation at saga start: no saga action to pair it with.
  p->on_compensation<RejectOrder>(
      [set_state](const RejectOrder& c, HandlerContext& ctx) {
        set_state(c.order_id, "REJECTED", ctx);
        return success(c);
      },
      BarrierMode::kNone);
  p->on<ApproveOrder>([set_state](const ApproveOrder& c, HandlerContext& ctx) {
    set_state(c.order_id, "APPROVED", ctx);
    return success(c);
  });
  return p;
}

std::unique_ptr<Participant> accounting(const std::string& endpoint, const std::string& db) {
  auto p = open_participant(endpoint, db);
  p->on<AuthorizeCard>([](const AuthorizeCard& c, HandlerContext&) {
    if (c.amount_cents > 10'000) return failure("card_declined", CardDeclined{"over limit"});
    return success(CardAuthorized{"tx-" + std::to_string(c.order_id)});
  });
  return p;
}

std::string query_string(const std::string& db, const std::string& sql) {
  SQLite::Database d(db, SQLite::OPEN_READONLY);
  SQLite::Statement s(d, sql);
  return s.executeStep() ? s.getColumn(0).getString() : "<none>";
}

CreateOrderData order_data(std::int64_t id, std::int64_t consumer_id, std::int64_t total) {
  CreateOrderData d;
  d.order_id = id;
  d.consumer_id = consumer_id;
  d.restaurant_id = 1;
  d.order_total_cents = total;
  d.line_items = {{"samosa", 2}};
  return d;
}

// --- fixture ----------------------------------------------------------------------------------

class ZmqSagaTest : public ::testing::Test {
 protected:
  std::string ipc(const std::string& name) { return "ipc://" + dir.file(name + ".sock"); }
  std::string db(const std::string& name) { return dir.file(name + ".db"); }

  void start_services(bool with_kitchen = true) {
    order_ = std::make_unique<Running>(order(ipc("order"), db("order")));
    consumer_ = std::make_unique<Running>(consumer(ipc("consumer"), db("consumer")));
    accounting_ = std::make_unique<Running>(accounting(ipc("accounting"), db("accounting")));
    if (with_kitchen) start_kitchen();
  }
  void start_kitchen() {
    kitchen_ = std::make_unique<Running>(kitchen(ipc("kitchen"), db("kitchen"), &create_delay_));
  }

  Status open_engine(Millis timeout, std::optional<CurveClientKeys> curve = {},
                     std::string accounting_endpoint = "") {
    ParticipantRegistry registry;
    for (const char* name : {"order", "consumer", "kitchen"}) {
      EXPECT_TRUE(registry.add(name, ipc(name)).is_ok());
    }
    EXPECT_TRUE(registry
                    .add("accounting",
                         accounting_endpoint.empty() ? ipc("accounting") : accounting_endpoint)
                    .is_ok());
    ZmqTransportOptions transport_options;
    transport_options.registry = std::move(registry);
    transport_options.curve = std::move(curve);
    Result<std::unique_ptr<Transport>> transport = make_zmq_transport(std::move(transport_options));
    if (!transport) return transport.status();
    EngineOptions options;
    options.database_path = db("engine");
    options.transport = std::move(transport).value();
    options.log = [](LogLevel, std::string_view) {};
    Result<std::unique_ptr<Engine>> engine = Engine::open(std::move(options));
    if (!engine) return engine.status();
    engine_ = std::move(engine).value();
    if (Status s = engine_->register_definition(create_order(timeout)); !s) return s;
    return engine_->start();
  }

  std::string start(const CreateOrderData& data) {
    StartOptions options;
    options.id = "order-" + std::to_string(data.order_id);
    Result<std::string> id = engine_->start_saga_with("create_order", data, options);
    EXPECT_TRUE(id.is_ok()) << id.status().to_string();
    return options.id;
  }

  SagaInstance finish(const std::string& id) {
    Result<SagaInstance> end = engine_->wait(id, kWait);
    EXPECT_TRUE(end.is_ok()) << id << ": " << end.status().to_string();
    return end.is_ok() ? end.value() : SagaInstance{};
  }

  testing::TempDir dir;
  std::atomic<int> create_delay_{0};
  std::unique_ptr<Running> order_, consumer_, kitchen_, accounting_;
  std::unique_ptr<Engine> engine_;
};

TEST_F(ZmqSagaTest, HappyPathAndCardDeclinedOverRealSockets) {
  start_services();
  ASSERT_TRUE(open_engine(Millis{5'000}).is_ok());
  const std::string ok = start(order_data(1, 7, 2'500));
  const std::string declined = start(order_data(2, 7, 50'000));
  const std::string disabled = start(order_data(3, 13, 100));

  SagaInstance end = finish(ok);
  EXPECT_EQ(end.phase, Phase::kCompleted);
  CreateOrderData data = decode_body<CreateOrderData>(end.data).value();
  EXPECT_EQ(data.ticket_id, 1001);
  EXPECT_EQ(data.transaction_id, "tx-1");
  EXPECT_EQ(query_string(db("kitchen"), "SELECT state FROM tickets WHERE order_id = 1"),
            "AWAITING_ACCEPTANCE");
  EXPECT_EQ(query_string(db("order"), "SELECT state FROM orders WHERE id = 1"), "APPROVED");

  end = finish(declined);
  EXPECT_EQ(end.phase, Phase::kCompensated);
  EXPECT_EQ(decode_body<CreateOrderData>(end.data).value().rejection_reason, "over limit");
  EXPECT_EQ(query_string(db("kitchen"), "SELECT state FROM tickets WHERE order_id = 2"),
            "CREATE_REJECTED");
  EXPECT_EQ(query_string(db("order"), "SELECT state FROM orders WHERE id = 2"), "REJECTED");

  end = finish(disabled);
  EXPECT_EQ(end.phase, Phase::kCompensated);
  EXPECT_EQ(query_string(db("kitchen"), "SELECT state FROM tickets WHERE order_id = 3"), "<none>");
  EXPECT_EQ(query_string(db("order"), "SELECT state FROM orders WHERE id = 3"), "REJECTED");
}

// top -H, perf and the benchmarks (engine thread's CPU per saga) find the engine's thread by name.
TEST_F(ZmqSagaTest, TheEngineThreadIsNamedWhileItRuns) {
  start_services();
  EXPECT_EQ(threads_named("saga-engine"), 0);
  ASSERT_TRUE(open_engine(Millis{5'000}).is_ok());
  EXPECT_EQ(threads_named("saga-engine"), 1);
  EXPECT_EQ(finish(start(order_data(1, 7, 2'500))).phase, Phase::kCompleted);
  engine_.reset();
  EXPECT_EQ(threads_named("saga-engine"), 0);
}

TEST_F(ZmqSagaTest, ParticipantStartedAfterTheOrchestratorGetsItsCommands) {
  start_services(/*with_kitchen=*/false);
  ASSERT_TRUE(open_engine(Millis{300}).is_ok());
  const std::string id = start(order_data(4, 7, 100));
  // The kitchen is not there yet: CreateTicket waits (queued, then resent after timeouts).
  EXPECT_EQ(engine_->wait(id, Millis{500}).status().code(), StatusCode::kTimeout);
  start_kitchen();
  EXPECT_EQ(finish(id).phase, Phase::kCompleted);
  EXPECT_EQ(query_string(db("kitchen"), "SELECT creations FROM tickets WHERE order_id = 4"), "1");
}

TEST_F(ZmqSagaTest, ParticipantRestartedMidSagaExecutesEachCommandOnce) {
  start_services();
  ASSERT_TRUE(open_engine(Millis{300}).is_ok());
  create_delay_ = 400;  // the kitchen is slow: the orchestrator times out and resends
  const std::string id = start(order_data(5, 7, 100));
  std::this_thread::sleep_for(Millis{100});  // CreateTicket is being handled...
  kitchen_.reset();                          // ...and the kitchen goes down (after its commit)
  create_delay_ = 0;
  start_kitchen();  // same endpoint, same database
  EXPECT_EQ(finish(id).phase, Phase::kCompleted);
  // Every delivery after the first was answered from the inbox.
  EXPECT_EQ(query_string(db("kitchen"), "SELECT creations FROM tickets WHERE order_id = 5"), "1");
  EXPECT_EQ(query_string(db("kitchen"), "SELECT state FROM tickets WHERE order_id = 5"),
            "AWAITING_ACCEPTANCE");
}

TEST_F(ZmqSagaTest, ResentCommandRunsOnceAndTheLateReplyIsIgnored) {
  start_services();
  ASSERT_TRUE(open_engine(Millis{150}).is_ok());
  create_delay_ = 500;  // longer than the reply timeout: at least one resend
  const std::string id = start(order_data(6, 7, 100));
  EXPECT_EQ(finish(id).phase, Phase::kCompleted);
  EXPECT_EQ(query_string(db("kitchen"), "SELECT creations FROM tickets WHERE order_id = 6"), "1");
  EngineStats stats = engine_->stats();
  EXPECT_GE(stats.timeouts, 1u);
  // Each delivery of CreateTicket got a reply; only the first to arrive was applied.
  EXPECT_GE(stats.stale_replies, 1u);
}

TEST_F(ZmqSagaTest, CurveAllowsListedOrchestratorsOnly) {
  const CurveKeyPair server = generate_curve_keypair().value();
  const CurveKeyPair allowed = generate_curve_keypair().value();
  const CurveKeyPair stranger = generate_curve_keypair().value();
  CurveServerKeys server_keys{server.public_key, server.secret_key, {allowed.public_key}};

  // Every participant runs as a CURVE server with the same key pair.
  std::atomic<int> no_delay{0};
  std::vector<std::unique_ptr<Running>> running;
  for (const char* name : {"order", "consumer", "kitchen", "accounting"}) {
    auto p = std::string(name) == "kitchen" ? kitchen(ipc(name), db(name), &no_delay, server_keys)
                                            : open_participant(ipc(name), db(name), server_keys);
    if (std::string(name) == "consumer") {
      p->on<ValidateOrderByConsumer>(
          [](const ValidateOrderByConsumer& c, HandlerContext&) { return success(c); });
    } else if (std::string(name) == "accounting") {
      p->on<AuthorizeCard>(
          [](const AuthorizeCard&, HandlerContext&) { return success(CardAuthorized{"tx"}); });
    } else if (std::string(name) == "order") {
      p->on<ApproveOrder>([](const ApproveOrder& c, HandlerContext&) { return success(c); });
    }
    running.push_back(std::make_unique<Running>(std::move(p)));
  }

  ASSERT_TRUE(open_engine(Millis{300}, CurveClientKeys{stranger.public_key, stranger.secret_key,
                                                       server.public_key})
                  .is_ok());
  const std::string refused = start(order_data(7, 7, 100));
  EXPECT_EQ(engine_->wait(refused, Millis{1'000}).status().code(), StatusCode::kTimeout);
  engine_.reset();
  EXPECT_EQ(query_string(db("kitchen"), "SELECT count(*) FROM tickets"), "0");

  ASSERT_TRUE(open_engine(Millis{300}, CurveClientKeys{allowed.public_key, allowed.secret_key,
                                                       server.public_key})
                  .is_ok());
  // The same saga, recovered by an orchestrator the participants accept, now completes.
  EXPECT_EQ(finish(refused).phase, Phase::kCompleted);
  EXPECT_EQ(query_string(db("kitchen"), "SELECT creations FROM tickets WHERE order_id = 7"), "1");
}

// --- a participant in another language ------------------------------------------------------

bool python_zmq_available() {
  return std::system("/usr/bin/python3 -c 'import zmq' >/dev/null 2>&1") == 0;
}

TEST_F(ZmqSagaTest, PythonParticipantSpeakingJsonTakesPartInFullSagas) {
  if (!python_zmq_available()) {
    GTEST_SKIP() << "python3-zmq is not installed (apt-get install python3-zmq): "
                    "the Python interoperability test cannot run";
  }
  int to_child[2];
  int from_child[2];
  ASSERT_EQ(::pipe(to_child), 0);
  ASSERT_EQ(::pipe(from_child), 0);
  const std::string script =
      std::string(SAGA_SOURCE_DIR) + "/tests/integration/python/accounting_participant.py";
  const std::string python_db = db("python_accounting");
  pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    ::dup2(to_child[0], 0);
    ::dup2(from_child[1], 1);
    ::close(to_child[1]);
    ::close(from_child[0]);
    ::execl("/usr/bin/python3", "python3", script.c_str(), "tcp://127.0.0.1:*", python_db.c_str(),
            "10000", static_cast<char*>(nullptr));
    ::_exit(127);
  }
  ::close(to_child[0]);
  ::close(from_child[1]);
  FILE* out = ::fdopen(from_child[0], "r");
  char line[256] = {};
  ASSERT_NE(std::fgets(line, sizeof line, out), nullptr) << "the Python participant did not start";
  std::string ready(line);
  ASSERT_EQ(ready.rfind("READY ", 0), 0u) << ready;
  const std::string endpoint = ready.substr(6, ready.find_last_not_of("\r\n") - 5);

  order_ = std::make_unique<Running>(order(ipc("order"), db("order")));
  consumer_ = std::make_unique<Running>(consumer(ipc("consumer"), db("consumer")));
  start_kitchen();
  ASSERT_TRUE(open_engine(Millis{2'000}, std::nullopt, endpoint).is_ok());

  const std::string ok = start(order_data(8, 7, 2'500));
  const std::string declined = start(order_data(9, 7, 20'000));
  SagaInstance end = finish(ok);
  EXPECT_EQ(end.phase, Phase::kCompleted);
  EXPECT_EQ(decode_body<CreateOrderData>(end.data).value().transaction_id, "tx-8");
  end = finish(declined);
  EXPECT_EQ(end.phase, Phase::kCompensated);
  EXPECT_EQ(decode_body<CreateOrderData>(end.data).value().rejection_reason,
            "over the card's limit");
  EXPECT_EQ(query_string(db("kitchen"), "SELECT state FROM tickets WHERE order_id = 9"),
            "CREATE_REJECTED");

  engine_.reset();
  ::close(to_child[1]);  // the participant stops when its stdin closes
  int status = 0;
  ::waitpid(child, &status, 0);
  std::fclose(out);
  EXPECT_EQ(query_string(python_db, "SELECT amount_cents FROM authorizations WHERE order_id = 8"),
            "2500");
  EXPECT_EQ(query_string(python_db, "SELECT count(*) FROM authorizations"), "1");
}

}  // namespace
}  // namespace saga
