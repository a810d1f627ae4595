// Kept wrong solution (exercise 3): retriable, but awarded before the order is approved.
#include "create_order_chain.h"

namespace workshop {

saga::DefinitionResult create_order_with_loyalty_definition() {
  using namespace chain;  // NOLINT
  auto before = confirm_ticket(pivot(ticket(order_and_consumer(define_create_order(2)))));
  return approve_order(std::move(before)
                           .retriable("award_loyalty_points")
                           .invoke(loyalty_channel::award_points, &make_award_loyalty_points)
                           .retry(until_done_policy()))
      .build();
}

}  // namespace workshop
