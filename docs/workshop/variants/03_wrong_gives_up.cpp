// Kept wrong solution (exercise 3): retriable and last, but it gives up after three sends.
#include "create_order_chain.h"

namespace workshop {

saga::DefinitionResult create_order_with_loyalty_definition() {
  return chain::example(chain::define_create_order(2))
      .retriable("award_loyalty_points")
      .invoke(loyalty_channel::award_points, &make_award_loyalty_points)
      .retry(saga::RetryPolicy::fixed(saga::Millis{500}, 3))
      .build();
}

}  // namespace workshop
