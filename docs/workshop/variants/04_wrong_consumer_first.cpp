// Kept wrong solution (exercise 4): "the check most likely to fail goes first of all", before
// reject_order: a failing consumer check then has nothing to undo, and the order is never
// rejected.
#include "create_order_chain.h"

namespace workshop {

saga::DefinitionResult create_order_pessimistic_definition() {
  using namespace chain;  // NOLINT
  auto first = define_create_order(4)
                   .step("verify_consumer")
                   .invoke(consumer_service::validate_order, &make_validate_order)
                   .step("reject_order")
                   .compensate_with(order_service::reject_order, &make_reject_order);
  return approve_order(confirm_ticket(pivot(ticket(std::move(first))))).build();
}

}  // namespace workshop
