// Kept wrong solution (exercise 10): a lock of the cancel saga's own ("cancel:<order>"), which
// no other saga takes: Create Order is not kept out. Revise Order is right.
#include <algorithm>

#include "cancel_steps.h"

namespace workshop {

saga::DefinitionResult cancel_order_with_lock_definition() {
  return with_cancel_steps(
      saga::define<ftgo::CancelOrderData>(std::string(ftgo::kCancelOrderSaga), 1)
          .lock(
              [](const ftgo::CancelOrderData& d) { return "cancel:" + std::to_string(d.order_id); },
              saga::LockMode::kWait));
}

saga::LockMode revise_lock_mode_by_value(const ftgo::ReviseOrderData& d) {
  if (std::max(d.order_total_cents, d.previous_total_cents) < ftgo::kReviseWaitsFromCents) {
    return saga::LockMode::kFailFast;
  }
  return saga::LockMode::kWait;
}

}  // namespace workshop
