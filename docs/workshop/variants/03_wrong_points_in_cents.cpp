// Kept wrong solution (exercise 3): the right step, with a maker of its own that awards one
// point per cent.
#include "create_order_chain.h"

namespace workshop {

namespace {
AwardLoyaltyPoints points_for(const ftgo::CreateOrderData& d) {
  return {d.consumer_id, d.order_id, d.order_total_cents};
}
}  // namespace

saga::DefinitionResult create_order_with_loyalty_definition() {
  return chain::example(chain::define_create_order(2))
      .retriable("award_loyalty_points")
      .invoke(loyalty_channel::award_points, &points_for)
      .retry(until_done_policy())
      .build();
}

}  // namespace workshop
