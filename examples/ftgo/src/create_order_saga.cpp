// docs/dsl.md, "The Create Order saga", and README.md quote the book's definition below.
#include "ftgo/create_order_saga.h"

namespace ftgo {
// [definition]
saga::DefinitionResult book_create_order_definition() {
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
          .compensate_with(order_service::reject_order, &make_reject_order)
          .timeout(timing.reply_timeout)
      .step("verify_consumer")
          .invoke(consumer_service::validate_order, &make_validate_order)
          .timeout(timing.reply_timeout)
          .retry(resend)
      .step("create_ticket")
          .invoke(kitchen_service::create_ticket, &make_create_ticket)
          .on_reply<TicketCreated>(&on_ticket_created)
          .on_reply<TicketRejected>(&on_ticket_rejected)
          .compensate_with(kitchen_service::cancel_ticket, &make_cancel_ticket)
          .timeout(timing.reply_timeout)
          .retry(resend)
      .pivot("authorize_card")
          .invoke(accounting_service::authorize_card, &make_authorize_card)
          .on_reply<CardAuthorized>(&on_card_authorized)
          .on_reply<CardDeclined>(&on_card_declined)
          .timeout(timing.reply_timeout)
          .retry(resend)
      .retriable("confirm_ticket")
          .invoke(kitchen_service::confirm_ticket, &make_confirm_ticket)
          .timeout(timing.reply_timeout)
          .retry(until_done)
      .retriable("approve_order")
          .invoke(order_service::approve_order, &make_approve_order)
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
  saga::RetryPolicy p = saga::RetryPolicy::fixed(retry_interval, retry_attempts);
  p.jitter = saga::Jitter::kNone;
  return p;
}

std::string saga_id_of_order(std::int64_t order_id) { return "order-" + std::to_string(order_id); }

std::string order_lock_key(std::int64_t order_id) { return "order:" + std::to_string(order_id); }

}  // namespace ftgo
