// Kept wrong solution (exercise 4): create_ticket moved after verify_consumer, but its
// .on_reply<TicketCreated>/<TicketRejected> lines were lost on the way: ConfirmCreateTicket then
// carries ticket id 0. The command names are all right; only their contents are not.
#include "create_order_chain.h"

namespace workshop {

saga::DefinitionResult create_order_pessimistic_definition() {
  using namespace chain;  // NOLINT
  auto moved = order_and_consumer(define_create_order(4))
                   .step("create_ticket")
                   .invoke(kitchen_service::create_ticket, &make_create_ticket)
                   .compensate_with(kitchen_service::cancel_ticket, &make_cancel_ticket);
  return approve_order(confirm_ticket(pivot(std::move(moved)))).build();
}

}  // namespace workshop
