// Exercise 3 — add a step: award loyalty points (docs/workshop/03-loyalty-points.md).
//
// Below is the Create Order definition of examples/create_order. Add a step named
// "award_loyalty_points" that sends loyalty_channel::award_points, made by
// &make_award_loyalty_points (both in docs/workshop/checks/create_order_parts.h).
// Decide where it goes and which kind it is: step() (compensatable), pivot() or retriable().
// The compiler refuses some choices; read its message.
#include "create_order_parts.h"

namespace workshop {

saga::DefinitionResult create_order_with_loyalty_definition() {
  using namespace ftgo;  // NOLINT: the channels, as in examples/ftgo/src/create_order_saga.cpp
  // clang-format off
  return saga::define<CreateOrderData>("create_order", 2)
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
      // TODO(exercise 3): add the award_loyalty_points step.
      .build();
  // clang-format on
}

}  // namespace workshop
