#include "create_order_saga.h"

namespace ftgo {
namespace {

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

}  // namespace

saga::DefinitionResult create_order_definition(const SagaTiming& timing) {
  const saga::RetryPolicy resend = timing.resend();
  const saga::RetryPolicy until_done = timing.until_done();
  // clang-format off
  return saga::define<CreateOrderData>(std::string(kCreateOrderSaga), 2)
      // Semantic lock: a Cancel or Revise of this order asked for while it is being created
      // waits for (or is refused by) the engine until Create Order has ended.
      .lock([](const CreateOrderData& d) { return order_lock_key(d.order_id); },
            saga::LockMode::kWait)
      .step("reject_order")
          .compensate_with(order_channel::reject_order, &make_reject_order)
          .timeout(timing.reply_timeout)
      .step("verify_consumer")
          .invoke(consumer_channel::validate_order, &make_validate_order)
          .timeout(timing.reply_timeout)
          .retry(resend)
      .step("create_ticket")
          .invoke(kitchen_channel::create_ticket, &make_create_ticket)
          .on_reply<TicketCreated>(&on_ticket_created)
          .on_reply<TicketRejected>(&on_ticket_rejected)
          .compensate_with(kitchen_channel::cancel_ticket, &make_cancel_ticket)
          .timeout(timing.reply_timeout)
          .retry(resend)
      .pivot("authorize_card")
          .invoke(accounting_channel::authorize_card, &make_authorize_card)
          .on_reply<CardAuthorized>(&on_card_authorized)
          .on_reply<CardDeclined>(&on_card_declined)
          .timeout(timing.reply_timeout)
          .retry(resend)
      .retriable("confirm_ticket")
          .invoke(kitchen_channel::confirm_ticket, &make_confirm_ticket)
          .timeout(timing.reply_timeout)
          .retry(until_done)
      .retriable("approve_order")
          .invoke(order_channel::approve_order, &make_approve_order)
          .timeout(timing.reply_timeout)
          .retry(until_done)
      .build();
  // clang-format on
}

saga::RetryPolicy SagaTiming::resend() const {
  saga::RetryPolicy p =
      saga::RetryPolicy::exponential(reply_timeout / 4, 2.0, saga::Millis{5'000}, 0);
  p.jitter = saga::Jitter::kNone;
  return p;
}

saga::RetryPolicy SagaTiming::until_done() const {
  saga::RetryPolicy p = saga::RetryPolicy::fixed(retry_interval, 0);
  p.jitter = saga::Jitter::kNone;
  return p;
}

std::string saga_id_of_order(std::int64_t order_id) { return "order-" + std::to_string(order_id); }

std::string order_lock_key(std::int64_t order_id) { return "order:" + std::to_string(order_id); }

}  // namespace ftgo
