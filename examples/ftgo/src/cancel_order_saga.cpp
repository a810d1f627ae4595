#include "ftgo/cancel_order_saga.h"

#include "ftgo/cancel_order_steps.h"

namespace ftgo {

saga::DefinitionResult cancel_order_definition(const SagaTiming& timing) {
  // As in Create Order (SagaTiming in create_order_saga.h).
  const saga::RetryPolicy resend = timing.resend();
  const saga::RetryPolicy until_done = timing.until_done();
  // clang-format off
  return saga::define<CancelOrderData>(std::string(kCancelOrderSaga), 1)
      // Semantic lock in the engine: wait for whichever saga holds the order to end.
      .lock([](const CancelOrderData& d) { return order_lock_key(d.order_id); },
            saga::LockMode::kWait)
      // Semantic lock on the order: APPROVED -> CANCEL_PENDING, or "order_locked" when another
      // saga holds the order (APPROVAL_PENDING, REVISION_PENDING, CANCEL_PENDING).
      .step("begin_cancel")
          .invoke(order_service::begin_cancel, &make_begin_cancel)
          .compensate_with(order_service::undo_begin_cancel, &make_undo_begin_cancel)
          .timeout(timing.reply_timeout)
          .retry(resend)
      // Pessimistic view: the kitchen, which may refuse ("ticket_being_prepared") and is cheap
      // to undo, goes before the payment, which is not (see cancel_order_saga.h).
      .step("begin_cancel_ticket")
          .invoke(kitchen_service::begin_cancel_ticket, &make_begin_cancel_ticket)
          .compensate_with(kitchen_service::undo_begin_cancel_ticket,
                           &make_undo_begin_cancel_ticket)
          .timeout(timing.reply_timeout)
          .retry(resend)
      .pivot("reverse_authorization")
          .invoke(accounting_service::reverse_authorization, &make_reverse_authorization)
          .on_reply<AuthorizationReversed>(&on_authorization_reversed)
          .timeout(timing.reply_timeout)
          .retry(resend)
      .retriable("confirm_cancel_ticket")
          .invoke(kitchen_service::confirm_cancel_ticket, &make_confirm_cancel_ticket)
          .timeout(timing.reply_timeout)
          .retry(until_done)
      .retriable("confirm_cancel_order")
          .invoke(order_service::confirm_cancel, &make_confirm_cancel_order)
          .timeout(timing.reply_timeout)
          .retry(until_done)
      .build();
  // clang-format on
}

std::string cancel_saga_id(std::int64_t order_id, int n) {
  return "cancel-" + std::to_string(order_id) + "-" + std::to_string(n);
}

}  // namespace ftgo
