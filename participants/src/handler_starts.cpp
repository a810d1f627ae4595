// HandlerContext::start_saga and signal_saga: a transactional start (saga/transactional_start.h)
// or event (saga/transactional_event.h) on the participant's own connection, inside the
// command's savepoint (saga/participant.h, "Saga starts (and events)").
#include "handler_context_access.h"
#include "saga/participant.h"
#include "saga/pg_transactional_start.h"
#include "saga/transactional_start.h"

namespace saga {

Result<std::string> HandlerContext::start_saga(std::string_view type, std::string_view data,
                                               const StartOptions& options) {
  using Access = detail::HandlerContextAccess;
  Access::check_not_interrupted(*this);
  if (database_ == nullptr && postgres_ == nullptr) {
    return failed_precondition("start_saga: this context has no participant connection");
  }
  StartOptions start = options;
  if (start.trace_id.empty()) start.trace_id = trace_id();  // the new saga joins the trace
  // On PostgreSQL: saga/pg_transactional_start.h, in the same transaction and savepoint.
  Result<std::string> started = database_ != nullptr
                                    ? start_saga_in_transaction(*database_, type, data, start)
                                    : start_saga_in_transaction(postgres_, type, data, start);
  if (started) {
    ++outbox_writes_;
    return started;
  }
  if (Access::for_the_handler(started.status().code())) return started;
  return Access::checked(*this, std::move(started));
}

Status HandlerContext::signal_saga(const EventDelivery& event) {
  using Access = detail::HandlerContextAccess;
  Access::check_not_interrupted(*this);
  if (postgres_ != nullptr) {  // docs/participants.md, "On PostgreSQL"
    return failed_precondition(
        "signal_saga: not available on a PostgreSQL participant (the PostgreSQL schema has no "
        "event requests); send the event with saga::send_event once the command is handled");
  }
  if (database_ == nullptr) {
    return failed_precondition("signal_saga: this context has no participant connection");
  }
  Status written = signal_saga_in_transaction(*database_, event, trace_id());
  if (written) {
    ++event_writes_;
    return written;
  }
  if (Access::for_the_handler(written.code())) return written;
  Access::checked(*this, Result<bool>(written));  // throws HandlerInterrupted
  return written;
}

}  // namespace saga
