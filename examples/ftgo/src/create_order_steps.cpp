// docs/dsl.md, "The Create Order saga", quotes the functions below.
#include "ftgo/create_order_steps.h"

namespace ftgo {

// [functions]
RejectOrder make_reject_order(const CreateOrderData& d) { return {d.order_id}; }
ValidateOrderByConsumer make_validate_order(const CreateOrderData& d) {
  return {d.consumer_id, d.order_id, d.order_total_cents};
}
CreateTicket make_create_ticket(const CreateOrderData& d) {
  return {d.restaurant_id, d.order_id, d.line_items};
}
CancelCreateTicket make_cancel_ticket(const CreateOrderData& d) { return {d.order_id}; }
AuthorizeCard make_authorize_card(const CreateOrderData& d) {
  return {d.consumer_id, d.order_id, d.order_total_cents};
}
ConfirmCreateTicket make_confirm_ticket(const CreateOrderData& d) { return {d.ticket_id}; }
ApproveOrder make_approve_order(const CreateOrderData& d) { return {d.order_id}; }

void on_ticket_created(CreateOrderData& d, const TicketCreated& r) { d.ticket_id = r.ticket_id; }
void on_ticket_rejected(CreateOrderData& d, const TicketRejected& r) {
  d.rejection_reason = r.reason;
}
void on_card_authorized(CreateOrderData& d, const CardAuthorized& r) {
  d.transaction_id = r.transaction_id;
}
void on_card_declined(CreateOrderData& d, const CardDeclined& r) { d.rejection_reason = r.reason; }
// [functions]

}  // namespace ftgo
