// HandlerContext::start_saga: a transactional start (saga/transactional_start.h) on the
// participant's own connection, inside the command's savepoint (saga/participant.h, "Saga
// starts").
#include "handler_context_access.h"
#include "saga/participant.h"
#include "saga/pg_transactional_start.h"
#include "saga/transactional_start.h"

namespace saga {
namespace {

// What the handler is told; anything else is a database error that ends the batch.
bool for_the_handler(StatusCode code) {
  return code == StatusCode::kFailedPrecondition || code == StatusCode::kAlreadyExists ||
         code == StatusCode::kInvalidArgument;
}

}  // namespace

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
  if (for_the_handler(started.status().code())) return started;
  return Access::checked(*this, std::move(started));
}

}  // namespace saga
