// Exercise 3 — reference solution.
//
// Awarding points cannot be undone (Loyalty has no revoke command), so the step cannot be
// compensatable, and it must not decide the saga's outcome: it goes after the pivot, as a
// retriable step that is retried until Loyalty accepts it. Points are awarded only for an
// approved order, so it comes last.
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
      .retriable("award_loyalty_points")
          .invoke(loyalty_channel::award_points, &make_award_loyalty_points)
          .timeout(kReplyTimeout)
          .retry(until_done_policy())
      .build();
  // clang-format on
}

}  // namespace workshop
