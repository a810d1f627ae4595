#include "create_order_parts.h"

namespace workshop {

using ftgo::CreateOrderData;

ftgo::RejectOrder make_reject_order(const CreateOrderData& d) { return {d.order_id}; }
ftgo::ValidateOrderByConsumer make_validate_order(const CreateOrderData& d) {
  return {d.consumer_id, d.order_id, d.order_total_cents};
}
ftgo::CreateTicket make_create_ticket(const CreateOrderData& d) {
  return {d.restaurant_id, d.order_id, d.line_items};
}
ftgo::CancelCreateTicket make_cancel_ticket(const CreateOrderData& d) { return {d.order_id}; }
ftgo::AuthorizeCard make_authorize_card(const CreateOrderData& d) {
  return {d.consumer_id, d.order_id, d.order_total_cents};
}
ftgo::ConfirmCreateTicket make_confirm_ticket(const CreateOrderData& d) { return {d.ticket_id}; }
ftgo::ApproveOrder make_approve_order(const CreateOrderData& d) { return {d.order_id}; }
AwardLoyaltyPoints make_award_loyalty_points(const CreateOrderData& d) {
  return {d.consumer_id, d.order_id, d.order_total_cents / 100};
}

void on_ticket_created(CreateOrderData& d, const ftgo::TicketCreated& r) {
  d.ticket_id = r.ticket_id;
}
void on_ticket_rejected(CreateOrderData& d, const ftgo::TicketRejected& r) {
  d.rejection_reason = r.reason;
}
void on_card_authorized(CreateOrderData& d, const ftgo::CardAuthorized& r) {
  d.transaction_id = r.transaction_id;
}
void on_card_declined(CreateOrderData& d, const ftgo::CardDeclined& r) {
  d.rejection_reason = r.reason;
}

saga::RetryPolicy resend_policy() {
  saga::RetryPolicy resend =
      saga::RetryPolicy::exponential(kReplyTimeout / 4, 2.0, saga::Millis{5'000}, 0);
  resend.jitter = saga::Jitter::kNone;
  return resend;
}

saga::RetryPolicy until_done_policy() {
  saga::RetryPolicy until_done = saga::RetryPolicy::fixed(saga::Millis{50}, 0);
  until_done.jitter = saga::Jitter::kNone;
  return until_done;
}

saga::DefinitionResult create_order_with_confirm_policy(const saga::RetryPolicy& confirm_retry) {
  using namespace ftgo;  // NOLINT: the channels, as in create_order_saga.cpp
  // clang-format off
  return saga::define<CreateOrderData>("create_order", 1)
      .step("reject_order")
          .compensate_with(order_channel::reject_order, &make_reject_order)
          .timeout(kReplyTimeout)
      .step("verify_consumer")
          .invoke(consumer_channel::validate_order, &make_validate_order)
          .timeout(kReplyTimeout)
          .retry(resend_policy())
      .step("create_ticket")
          .invoke(kitchen_channel::create_ticket, &make_create_ticket)
          .on_reply<TicketCreated>(&on_ticket_created)
          .on_reply<TicketRejected>(&on_ticket_rejected)
          .compensate_with(kitchen_channel::cancel_ticket, &make_cancel_ticket)
          .timeout(kReplyTimeout)
          .retry(resend_policy())
      .pivot("authorize_card")
          .invoke(accounting_channel::authorize_card, &make_authorize_card)
          .on_reply<CardAuthorized>(&on_card_authorized)
          .on_reply<CardDeclined>(&on_card_declined)
          .timeout(kReplyTimeout)
          .retry(resend_policy())
      .retriable("confirm_ticket")
          .invoke(kitchen_channel::confirm_ticket, &make_confirm_ticket)
          .timeout(kReplyTimeout)
          .retry(confirm_retry)
      .retriable("approve_order")
          .invoke(order_channel::approve_order, &make_approve_order)
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
  using namespace ftgo;  // NOLINT: the channels, as in create_order_saga.cpp
  // clang-format off
  return saga::define<CreateOrderData>("create_order", 3)
      .step("reject_order")
          .compensate_with(order_channel::reject_order, &make_reject_order)
          .timeout(kReplyTimeout)
      .step("verify_consumer")
          .invoke(consumer_channel::validate_order, &make_validate_order)
          .timeout(kReplyTimeout)
          .retry(resend_policy())
      .step("create_ticket")
          .invoke(kitchen_channel::create_ticket, &make_create_ticket)
          .on_reply<TicketCreated>(&on_ticket_created)
          .on_reply<TicketRejected>(&on_ticket_rejected)
          .timeout(kReplyTimeout)
          .retry(resend_policy())
      .pivot("authorize_card")
          .invoke(accounting_channel::authorize_card, &make_authorize_card)
          .on_reply<CardAuthorized>(&on_card_authorized)
          .on_reply<CardDeclined>(&on_card_declined)
          .timeout(kReplyTimeout)
          .retry(resend_policy())
      .retriable("confirm_ticket")
          .invoke(kitchen_channel::confirm_ticket, &make_confirm_ticket)
          .timeout(kReplyTimeout)
          .retry(until_done_policy())
      .retriable("approve_order")
          .invoke(order_channel::approve_order, &make_approve_order)
          .timeout(kReplyTimeout)
          .retry(until_done_policy())
      .build();
  // clang-format on
}

}  // namespace workshop
