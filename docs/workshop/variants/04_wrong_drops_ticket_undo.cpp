// Kept wrong solution (exercise 4): reordered, but create_ticket's compensate_with was left
// behind: a failing consumer check costs one compensation, and so does a declined card, which
// leaves Kitchen's ticket standing.
#include "create_order_chain.h"

namespace workshop {

saga::DefinitionResult create_order_pessimistic_definition() {
  using namespace chain;  // NOLINT
  auto moved = order_and_consumer(define_create_order(4))
                   .step("create_ticket")
                   .invoke(kitchen_service::create_ticket, &make_create_ticket)
                   .on_reply<TicketCreated>(&on_ticket_created)
                   .on_reply<TicketRejected>(&on_ticket_rejected);
  return approve_order(confirm_ticket(pivot(std::move(moved)))).build();
}

}  // namespace workshop
