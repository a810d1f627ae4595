// Exercise 4 — the pessimistic view: reorder steps (docs/workshop/04-pessimistic-view.md).
//
// In this version of Create Order, a colleague creates the Kitchen ticket before checking the
// consumer. Consumer checks fail often (disabled accounts, limits), and every such failure now
// costs a CancelCreateTicket, and Kitchen shows a ticket that is about to vanish. Reorder the
// steps so that a failing consumer check compensates as little as possible, without changing
// what a successful order does.
#include "create_order_parts.h"

namespace workshop {

saga::DefinitionResult create_order_pessimistic_definition() {
  using namespace ftgo;  // NOLINT: the channels, as in examples/ftgo/src/create_order_saga.cpp
  // TODO(exercise 4): reorder the steps.
  // clang-format off
  return saga::define<CreateOrderData>("create_order", 4)
      .step("reject_order")
          .compensate_with(order_service::reject_order, &make_reject_order)
          .timeout(kReplyTimeout)
      .step("create_ticket")
          .invoke(kitchen_service::create_ticket, &make_create_ticket)
          .on_reply<TicketCreated>(&on_ticket_created)
          .on_reply<TicketRejected>(&on_ticket_rejected)
          .compensate_with(kitchen_service::cancel_ticket, &make_cancel_ticket)
          .timeout(kReplyTimeout)
          .retry(resend_policy())
      .step("verify_consumer")
          .invoke(consumer_service::validate_order, &make_validate_order)
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
