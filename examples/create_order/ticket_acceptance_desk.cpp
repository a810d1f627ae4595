#include "ticket_acceptance_desk.h"

#include <SQLiteCpp/SQLiteCpp.h>

#include <chrono>
#include <cstdio>
#include <vector>

#include "ftgo/ticket_acceptance.h"
#include "saga/event_sender.h"
#include "service_support.h"

namespace ftgo {
namespace {

constexpr std::string_view kTicketAccepted = TicketAccepted::kMessageName;
constexpr auto kRound = std::chrono::milliseconds(20);

std::int64_t wall_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

struct Due {
  std::int64_t order_id = 0;
  std::int64_t ticket_id = 0;
  std::int64_t lost_answers = 0;
};

// "consumed" from the accepted answer's body {"disposition":"consumed","saga_id":...}.
std::string disposition(const std::string& body) {
  constexpr std::string_view kKey = "\"disposition\":\"";
  const std::size_t at = body.find(kKey);
  if (at == std::string::npos) return body;
  const std::size_t from = at + kKey.size();
  return body.substr(from, body.find('"', from) - from);
}

}  // namespace

void schedule_acceptance(saga::HandlerContext& context, const ServiceOptions& options,
                         std::int64_t order_id) {
  if (options.events_endpoint.empty()) return;
  FailureInjector::EventPlan plan;
  if (options.failures) {
    plan = options.failures->event_plan(kTicketAccepted, context.saga_id());
  }
  const std::int64_t due = wall_ms() + options.accept_after.count() + plan.delay.count();
  // Only for the ticket this CreateTicket created (a rejected one created none).
  throw_on_error(
      context.db().exec("INSERT OR IGNORE INTO ticket_acceptances "
                        "SELECT order_id, id, ?, ?, ?, ?, '' FROM tickets "
                        "WHERE order_id = ? AND state = 'CREATE_PENDING'",
                        {context.saga_id(), due, plan.lost_answers,
                         std::string(plan.never ? "IGNORED" : "DUE"), order_id}));
}

bool acceptance_sent(saga::Sql& db, std::int64_t ticket_id) {
  auto row = db.query_one(
      "SELECT 1 FROM ticket_acceptances WHERE ticket_id = ? AND state IN ('DUE', 'SENT')",
      {ticket_id});
  throw_on_error(row);
  return row.value().has_value();
}

saga::Result<AcceptanceRecord> read_acceptance(const std::string& database_path,
                                               std::int64_t order_id) {
  try {
    SQLite::Database db(database_path, SQLite::OPEN_READONLY, 5'000);
    SQLite::Statement q(db, "SELECT state, answer FROM ticket_acceptances WHERE order_id = ?");
    q.bind(1, order_id);
    if (!q.executeStep()) {
      return saga::not_found("no acceptance for order " + std::to_string(order_id));
    }
    return AcceptanceRecord{q.getColumn(0).getString(), q.getColumn(1).getString()};
  } catch (const std::exception& e) {
    return saga::Status(saga::StatusCode::kIoError, std::string("kitchen: ") + e.what());
  }
}

std::unique_ptr<AcceptanceDesk> AcceptanceDesk::start(const ServiceOptions& options) {
  if (options.events_endpoint.empty()) return nullptr;
  std::unique_ptr<AcceptanceDesk> desk(new AcceptanceDesk(options));
  desk->thread_ = std::thread([d = desk.get()] { d->run(); });
  return desk;
}

AcceptanceDesk::~AcceptanceDesk() { stop(); }

void AcceptanceDesk::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void AcceptanceDesk::run() {
  std::unique_ptr<SQLite::Database> db;
  saga::EventSenderOptions sender{options_.events_endpoint, saga::Millis{2'000}, saga::Millis{300}};
  std::unique_lock lock(mutex_);
  while (!wake_.wait_for(lock, kRound, [this] { return stopping_; })) {
    lock.unlock();
    try {
      if (!db) {
        db = std::make_unique<SQLite::Database>(options_.database_path, SQLite::OPEN_READWRITE,
                                                5'000);
      }
      std::vector<Due> due;
      SQLite::Statement q(*db,
                          "SELECT order_id, ticket_id, lost_answers FROM ticket_acceptances "
                          "WHERE state = 'DUE' AND due_at_ms <= ? ORDER BY due_at_ms");
      q.bind(1, wall_ms());
      while (q.executeStep()) {
        due.push_back(
            {q.getColumn(0).getInt64(), q.getColumn(1).getInt64(), q.getColumn(2).getInt64()});
      }
      for (const Due& d : due) {
        auto event =
            saga::make_event_by_key(acceptance_key(d.order_id), acceptance_event_id(d.order_id),
                                    TicketAccepted{d.order_id, d.ticket_id});
        if (!event) continue;
        std::string answer;
        bool accepted = false;
        bool answered = true;
        // An answer that is "lost" (injected) makes the restaurant send the same event again.
        for (std::int64_t send = 0; send <= d.lost_answers && answered; ++send) {
          saga::Result<saga::EventAnswer> a = saga::send_event(sender, event.value());
          if (!a) {
            // The orchestrator is down or slow: the row stays DUE and goes out next round.
            std::fprintf(stderr, "kitchen: TicketAccepted for order %lld: %s\n",
                         static_cast<long long>(d.order_id), a.status().to_string().c_str());
            answered = false;
            break;
          }
          accepted = a->accepted;
          answer += (answer.empty() ? "" : "; ") + (accepted ? disposition(a->body) : a->reason);
        }
        if (!answered) continue;
        SQLite::Statement update(*db,
                                 "UPDATE ticket_acceptances SET state = ?, answer = ? "
                                 "WHERE order_id = ?");
        update.bind(1, accepted ? "SENT" : "REFUSED");
        update.bind(2, answer);
        update.bind(3, d.order_id);
        update.exec();
      }
    } catch (const std::exception& e) {
      std::fprintf(stderr, "kitchen: acceptance desk: %s\n", e.what());
      db.reset();
    }
    lock.lock();
  }
}

}  // namespace ftgo
