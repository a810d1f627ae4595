#include "create_order_parts.h"

namespace workshop {

using ftgo::CreateOrderData;

AwardLoyaltyPoints make_award_loyalty_points(const CreateOrderData& d) {
  return {d.consumer_id, d.order_id, d.order_total_cents / 100};
}

// The example's SagaTiming defaults: a reply timeout of 2 s, retries every 50 ms.
saga::RetryPolicy resend_policy() { return ftgo::SagaTiming{kReplyTimeout}.resend(); }

saga::RetryPolicy until_done_policy() { return ftgo::SagaTiming{kReplyTimeout}.until_done(); }

saga::DefinitionResult create_order_with_confirm_policy(const saga::RetryPolicy& confirm_retry) {
  using namespace ftgo;  // NOLINT: the channels, as in examples/ftgo/src/create_order_saga.cpp
  // clang-format off
  return saga::define<CreateOrderData>("create_order", 1)
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
          .retry(confirm_retry)
      .retriable("approve_order")
          .invoke(order_service::approve_order, &make_approve_order)
          .timeout(kReplyTimeout)
          .retry(until_done_policy())
      .build();
  // clang-format on
}

// The planted bug: create_ticket lost its compensation (compensate_with) in the refactoring, so
// a rollback after the ticket was created leaves it CREATE_PENDING in Kitchen forever. The
// definition is still valid (a compensatable step may have no compensation, as verify_consumer)
// and consistent with itself, so only a domain rule finds it.
saga::DefinitionResult create_order_v3_definition() {
  using namespace ftgo;  // NOLINT: the channels, as in examples/ftgo/src/create_order_saga.cpp
  // clang-format off
  return saga::define<CreateOrderData>("create_order", 3)
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
