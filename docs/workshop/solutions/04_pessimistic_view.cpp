// Exercise 4 — reference solution.
//
// The failure-prone, read-only verify_consumer goes first: a consumer failure then has nothing
// to undo in Kitchen (one compensation, RejectOrder, instead of two), and no other service ever
// sees a ticket for an order that was never valid.
#include "create_order_parts.h"

namespace workshop {

saga::DefinitionResult create_order_pessimistic_definition() {
  using namespace ftgo;  // NOLINT: the channels, as in examples/ftgo/src/create_order_saga.cpp
  // clang-format off
  return saga::define<CreateOrderData>("create_order", 4)
      .step("reject_order")
          .compensate_with(order_service::reject_order, &make_reject_order)
          .timeout(kReplyTimeout)
      .step("verify_consumer")
          .invoke(consumer_service::validate_order, &make_validate_order)
          .timeout(kReplyTimeout)
          .retry(resend_policy())
      .step("create_ticket")
          .invoke(kitchen_service::create_ticket, &make_create_ticket)
          .on_reply<TicketCreated>(&on_ticket_created)
          .on_reply<TicketRejected>(&on_ticket_rejected)
          .compensate_with(kitchen_service::cancel_ticket, &make_cancel_ticket)
          .timeout(kReplyTimeout)
          .retry(resend_policy())
      .pivot("authorize_card")
          .invoke(accounting_service::authorize_card, &make_authorize_card)
          .on_reply<CardAuthorized>(&on_card_authorized)
          .on_reply<CardDeclined>(&on_card_declined)
          .timeout(kReplyTimeout)
          .retry(resend_policy())
      .retriable("confirm_ticket")
          .invoke(kitchen_service::confirm_ticket, &make_confirm_ticket)
          .timeout(kReplyTimeout)
          .retry(until_done_policy())
      .retriable("approve_order")
          .invoke(order_service::approve_order, &make_approve_order)
          .timeout(kReplyTimeout)
          .retry(until_done_policy())
      .build();
  // clang-format on
}

}  // namespace workshop
