// A second right solution (exercise 3): its own maker (whole euros, rounded down) and an
// exponential back-off without limit instead of the example's fixed retry.
#include "create_order_chain.h"

namespace workshop {

namespace {
AwardLoyaltyPoints one_point_per_euro(const ftgo::CreateOrderData& d) {
  AwardLoyaltyPoints award;
  award.consumer_id = d.consumer_id;
  award.order_id = d.order_id;
  award.points = d.order_total_cents / 100;
  return award;
}
}  // namespace

saga::DefinitionResult create_order_with_loyalty_definition() {
  const saga::RetryPolicy back_off =
      saga::RetryPolicy::exponential(saga::Millis{100}, 2.0, saga::Millis{800}, 0);
  auto example = chain::example(chain::define_create_order(2));
  return std::move(example)
      .retriable("award_loyalty_points")
      .invoke(loyalty_channel::award_points, &one_point_per_euro)
      .timeout(saga::Millis{5'000})
      .retry(back_off)
      .build();
}

}  // namespace workshop
