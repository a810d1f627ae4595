// The restaurant's acceptance of tickets, sent to the orchestrator as the TicketAccepted event
// (ftgo/ticket_acceptance.h) for Create Order version 4, which waits for it.
//
// When ServiceOptions::events_endpoint is set, the Kitchen service's CreateTicket handler also
// writes, in its own transaction, a row in ticket_acceptances: the restaurant will accept the
// new ticket at now + accept_after (+ the injected --delay-ms TicketAccepted:MS@SAGA). The
// AcceptanceDesk, a thread beside the participant, sends each due row's event with
// saga::send_event (same event id on every send: a resend is a duplicate) and records the
// orchestrator's answer. The rows are durable: a Kitchen process killed before it sent (or
// before it recorded the answer) sends again when it restarts; an orchestrator that is down
// is tried again every round.
//
//   ticket_acceptances(order_id, ticket_id, saga_id, due_at_ms, lost_answers, state, answer)
//   state: DUE      to be sent at due_at_ms
//          IGNORED  the restaurant never answers (--fail TicketAccepted:always@SAGA)
//          SENT     the orchestrator took it; answer: "consumed", "pending" (then "; duplicate"
//                   for each resend of an answer that was lost, --drop-replies TicketAccepted:N)
//          REFUSED  the orchestrator refused it; answer: its reason (the saga gave up waiting,
//                   was cancelled, ...)
// ConfirmCreateTicket moves a ticket whose acceptance was sent straight to ACCEPTED.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

#include "saga/participant.h"
#include "service_options.h"

namespace ftgo {

inline constexpr std::string_view kTicketAcceptanceSchema = R"sql(
CREATE TABLE IF NOT EXISTS ticket_acceptances (
  order_id INTEGER PRIMARY KEY, ticket_id INTEGER NOT NULL, saga_id TEXT NOT NULL,
  due_at_ms INTEGER NOT NULL, lost_answers INTEGER NOT NULL, state TEXT NOT NULL,
  answer TEXT NOT NULL);
)sql";

// In the CreateTicket handler's transaction: schedules the acceptance of the ticket just
// created for `order_id` (nothing when the handler created none, or when events are off).
void schedule_acceptance(saga::HandlerContext& context, const ServiceOptions& options,
                         std::int64_t order_id);

// Whether the order's ticket was accepted by the restaurant (its event sent or being sent).
bool acceptance_sent(saga::Sql& db, std::int64_t ticket_id);

struct AcceptanceRecord {
  std::string state;  // DUE, IGNORED, SENT, REFUSED
  std::string answer;
};
// The row of `order_id` in the Kitchen database at `database_path`; kNotFound without one.
saga::Result<AcceptanceRecord> read_acceptance(const std::string& database_path,
                                               std::int64_t order_id);

class AcceptanceDesk {
 public:
  // Starts the thread on options.database_path (the Kitchen's file, its tables created), sending
  // to options.events_endpoint. Null when events are off.
  static std::unique_ptr<AcceptanceDesk> start(const ServiceOptions& options);
  ~AcceptanceDesk();
  AcceptanceDesk(const AcceptanceDesk&) = delete;
  AcceptanceDesk& operator=(const AcceptanceDesk&) = delete;
  // Stops and joins the thread (an event being sent is sent to its end). Idempotent.
  void stop();

 private:
  explicit AcceptanceDesk(ServiceOptions options) : options_(std::move(options)) {}
  void run();

  ServiceOptions options_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace ftgo
