// A second right solution (exercise 10): the key written out, the lock given an explicit lease,
// the revision's mode as a switch over the two amounts.
#include "cancel_steps.h"

namespace workshop {

namespace {
std::string order_key(const ftgo::CancelOrderData& d) {
  return "order:" + std::to_string(d.order_id);
}
}  // namespace

saga::DefinitionResult cancel_order_with_lock_definition() {
  saga::LockOptions options;
  options.lease = saga::Millis{120'000};
  return with_cancel_steps(
      saga::define<ftgo::CancelOrderData>(std::string(ftgo::kCancelOrderSaga), 1)
          .lock(&order_key, saga::LockMode::kWait, options));
}

saga::LockMode revise_lock_mode_by_value(const ftgo::ReviseOrderData& d) {
  if (d.order_total_cents >= ftgo::kReviseWaitsFromCents) return saga::LockMode::kWait;
  if (d.previous_total_cents >= ftgo::kReviseWaitsFromCents) return saga::LockMode::kWait;
  return saga::LockMode::kFailFast;
}

}  // namespace workshop
