// Create Order version 3: the example's saga with its independent steps in parallel groups.
#include "ftgo/create_order_saga.h"

namespace ftgo {

saga::DefinitionResult create_order_parallel_definition(const SagaTiming& timing) {
  const saga::RetryPolicy resend = timing.resend();
  const saga::RetryPolicy until_done = timing.until_done();
  // clang-format off
  return saga::define<CreateOrderData>(std::string(kCreateOrderSaga), 3)
      .lock([](const CreateOrderData& d) { return order_lock_key(d.order_id); },
            saga::LockMode::kWait)
      .step("reject_order")
          .compensate_with(order_service::reject_order, &make_reject_order)
          .timeout(timing.reply_timeout)
      // The consumer's verification and the kitchen's ticket do not depend on each other.
      .parallel("prepare")
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
      .end_parallel()
      .pivot("authorize_card")
          .invoke(accounting_service::authorize_card, &make_authorize_card)
          .on_reply<CardAuthorized>(&on_card_authorized)
          .on_reply<CardDeclined>(&on_card_declined)
          .timeout(timing.reply_timeout)
          .retry(resend)
      .parallel("finish")
          .retriable("confirm_ticket")
              .invoke(kitchen_service::confirm_ticket, &make_confirm_ticket)
              .timeout(timing.reply_timeout)
              .retry(until_done)
          .retriable("approve_order")
              .invoke(order_service::approve_order, &make_approve_order)
              .timeout(timing.reply_timeout)
              .retry(until_done)
      .end_parallel()
      .build();
  // clang-format on
}

}  // namespace ftgo
