// Kept wrong solution (exercise 10): the right key, but a cancel fails fast when the order is
// held ("like a small revision"); and the revision's mode by the new total only.
#include "cancel_steps.h"

namespace workshop {

saga::DefinitionResult cancel_order_with_lock_definition() {
  return with_cancel_steps(
      saga::define<ftgo::CancelOrderData>(std::string(ftgo::kCancelOrderSaga), 1)
          .lock([](const ftgo::CancelOrderData& d) { return ftgo::order_lock_key(d.order_id); },
                saga::LockMode::kFailFast));
}

saga::LockMode revise_lock_mode_by_value(const ftgo::ReviseOrderData& d) {
  return d.order_total_cents >= ftgo::kReviseWaitsFromCents ? saga::LockMode::kWait
                                                            : saga::LockMode::kFailFast;
}

}  // namespace workshop
