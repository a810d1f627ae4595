// docs/dsl.md, "The Create Order saga": FTGO's CreateOrderSaga written with the DSL.
#include "examples.h"
#include "ftgo.h"
#include "saga/dsl.h"

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

namespace examples {

// [definition]
saga::DefinitionResult create_order_saga() {
  using namespace ftgo;
  using saga::Millis;
  using saga::RetryPolicy;
  // Retriable steps must succeed: back off from 200 ms to 1 min, with no attempt limit.
  const RetryPolicy until_done = RetryPolicy::exponential(Millis{200}, 2.0, Millis{60'000}, 0);
  // clang-format off
  return saga::define<CreateOrderData>("create_order", 1)
      .step("reject_order")
          .compensate_with(order_service::reject_order, &make_reject_order)
      .step("verify_consumer")
          .invoke(consumer_service::validate_order, &make_validate_order)
      .step("create_ticket")
          .invoke(kitchen_service::create_ticket, &make_create_ticket)
          .on_reply<TicketCreated>(&on_ticket_created)
          .on_reply<TicketRejected>(&on_ticket_rejected)
          .compensate_with(kitchen_service::cancel_ticket, &make_cancel_ticket)
      .pivot("authorize_card")
          .invoke(accounting_service::authorize_card, &make_authorize_card)
          .on_reply<CardAuthorized>(&on_card_authorized)
          .on_reply<CardDeclined>(&on_card_declined)
          .timeout(Millis{5'000})
      .retriable("confirm_ticket")
          .invoke(kitchen_service::confirm_ticket, &make_confirm_ticket)
          .retry(until_done)
      .retriable("approve_order")
          .invoke(order_service::approve_order, &make_approve_order)
          .retry(until_done)
      .build();
  // clang-format on
}
// [definition]

}  // namespace examples
