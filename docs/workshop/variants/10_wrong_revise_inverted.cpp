// Kept wrong solution (exercise 10): the cancel is right; the revision's modes are swapped
// ("a big revision is risky: refuse it while the order is busy; a small one can wait").
#include <algorithm>

#include "cancel_steps.h"

namespace workshop {

saga::DefinitionResult cancel_order_with_lock_definition() {
  return with_cancel_steps(
      saga::define<ftgo::CancelOrderData>(std::string(ftgo::kCancelOrderSaga), 1)
          .lock([](const ftgo::CancelOrderData& d) { return ftgo::order_lock_key(d.order_id); },
                saga::LockMode::kWait));
}

saga::LockMode revise_lock_mode_by_value(const ftgo::ReviseOrderData& d) {
  const std::int64_t at_stake = std::max(d.order_total_cents, d.previous_total_cents);
  return at_stake >= ftgo::kReviseWaitsFromCents ? saga::LockMode::kFailFast
                                                 : saga::LockMode::kWait;
}

}  // namespace workshop
