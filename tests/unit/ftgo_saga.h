// The FTGO Create Order saga written with the DSL, shared by the DSL and diagram tests: the
// functions that build commands from the saga data, the reply handlers, and the definition.
#pragma once

#include "saga/dsl.h"
#include "unit/ftgo_messages.h"

namespace test_ftgo {

using saga::Millis;

inline RejectOrder make_reject_order(const CreateOrderData& d) { return {d.order_id}; }
inline ValidateOrderByConsumer make_validate(const CreateOrderData& d) {
  return {d.consumer_id, d.order_id, d.order_total_cents};
}
inline CreateTicket make_create_ticket(const CreateOrderData& d) {
  return {d.restaurant_id, d.order_id, d.line_items};
}
inline CancelCreateTicket make_cancel_ticket(const CreateOrderData& d) { return {d.order_id}; }
inline AuthorizeCard make_authorize(const CreateOrderData& d) {
  return {d.consumer_id, d.order_id, d.order_total_cents};
}
inline ConfirmCreateTicket make_confirm(const CreateOrderData& d) { return {d.ticket_id}; }
inline ApproveOrder make_approve(const CreateOrderData& d) { return {d.order_id}; }

inline void on_ticket_created(CreateOrderData& d, const TicketCreated& r) {
  d.ticket_id = r.ticket_id;
}
inline void on_ticket_rejected(CreateOrderData& d, const TicketRejected& r) {
  d.rejection_reason = r.reason;
}
inline void on_card_authorized(CreateOrderData& d, const CardAuthorized& r) {
  d.transaction_id = r.transaction_id;
}
inline saga::Status on_card_declined(CreateOrderData&, const CardDeclined& r) {
  return saga::invalid_argument("declined: " + r.reason);
}
inline void add_loyalty_points(CreateOrderData& d) { d.loyalty_points_added = true; }
inline bool has_items(const CreateOrderData& d) { return !d.line_items.empty(); }

inline const saga::RetryPolicy kForever =
    saga::RetryPolicy::exponential(Millis{100}, 2.0, Millis{60'000}, 0);

// clang-format off
inline saga::DefinitionResult build_create_order() {
  return saga::define<CreateOrderData>("create_order", 3)
      .step("reject_order")
          .compensate_with(order_service::reject_order, &make_reject_order)
          .compensation_retry(saga::RetryPolicy::fixed(Millis{500}, 0))
      .step("verify_consumer")
          .invoke(consumer::validate_order, &make_validate)
          .timeout(Millis{2'000})
      .step("create_ticket")
          .invoke(kitchen::create_ticket, &make_create_ticket)
          .on_reply<TicketCreated>(&on_ticket_created)
          .on_reply<TicketRejected>(&on_ticket_rejected)
          .compensate_with(kitchen::cancel_ticket, &make_cancel_ticket)
          .when(&has_items)
      .pivot("authorize_card")
          .invoke(accounting::authorize_card, &make_authorize)
          .on_reply<CardAuthorized>(&on_card_authorized)
          .on_reply<CardDeclined>(&on_card_declined)
          .retry(saga::RetryPolicy::immediate(2))
      .retriable("confirm_ticket")
          .invoke(kitchen::confirm_ticket, &make_confirm)
          .retry(kForever)
      .retriable("add_loyalty_points")
          .local(&add_loyalty_points)
          .retry(kForever)
      .retriable("approve_order")
          .invoke(order_service::approve_order, &make_approve)
          .retry(kForever)
      .build();
}
// clang-format on

}  // namespace test_ftgo
