#include "create_order_cancel.h"

#include "ftgo/create_order_saga.h"

namespace ftgo {

saga::Result<bool> cancel_running_create_order(saga::Engine& engine, std::int64_t order_id) {
  const std::string id = saga_id_of_order(order_id);
  saga::Result<saga::SagaInstance> saga = engine.get(id);
  if (!saga) {
    // A start still pending in the orders database is not a saga yet: Cancel Order waits.
    if (saga.status().code() == saga::StatusCode::kNotFound) return false;
    return saga.status();
  }
  // A scheduled Create Order would end without running its compensations (the order would stay
  // APPROVAL_PENDING): Cancel Order handles it once it ran.
  if (saga->phase != saga::Phase::kExecuting) return false;
  saga::Status s = engine.cancel(id, "the consumer cancelled order " + std::to_string(order_id),
                                 kOrderServiceRequester);
  if (s) return true;
  if (s.code() == saga::StatusCode::kFailedPrecondition) return false;  // past its pivot, ...
  return s;
}

}  // namespace ftgo
