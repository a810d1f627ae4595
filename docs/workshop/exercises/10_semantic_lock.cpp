// Exercise 10 — the semantic lock (docs/workshop/10-semantic-lock.md).
//
// Part A: Cancel Order below has no engine lock. A customer who cancels while Create Order is
// still running on the same order reaches the Order service too early, and is refused. Declare
// the saga's semantic lock, so that a cancel that arrives early is delayed, not lost.
//
// Part B: Revise Order already locks the order; choose its lock mode by value:
// a revision with 100.00 or more at stake (the larger of the order's total before and after)
// is worth waiting for; a smaller one is refused at once so the customer can try again.
//
// The makers (make_begin_cancel, ...) are in examples/ftgo/include/ftgo/cancel_order_steps.h; the
// lock's DSL in docs/dsl.md ("Semantic locks") and docs/isolation.md, section 1.
#include "order_change_parts.h"

namespace workshop {

saga::DefinitionResult cancel_order_with_lock_definition() {
  using namespace ftgo;  // NOLINT: the channels, as in examples/ftgo/src/cancel_order_saga.cpp
  const SagaTiming timing;
  // clang-format off
  return saga::define<CancelOrderData>(std::string(kCancelOrderSaga), 1)
      // TODO(exercise 10, part A): the saga's semantic lock.
      .step("begin_cancel")
          .invoke(order_service::begin_cancel, &make_begin_cancel)
          .compensate_with(order_service::undo_begin_cancel, &make_undo_begin_cancel)
          .timeout(timing.reply_timeout)
          .retry(timing.resend())
      .step("begin_cancel_ticket")
          .invoke(kitchen_service::begin_cancel_ticket, &make_begin_cancel_ticket)
          .compensate_with(kitchen_service::undo_begin_cancel_ticket,
                           &make_undo_begin_cancel_ticket)
          .timeout(timing.reply_timeout)
          .retry(timing.resend())
      .pivot("reverse_authorization")
          .invoke(accounting_service::reverse_authorization, &make_reverse_authorization)
          .on_reply<AuthorizationReversed>(&on_authorization_reversed)
          .timeout(timing.reply_timeout)
          .retry(timing.resend())
      .retriable("confirm_cancel_ticket")
          .invoke(kitchen_service::confirm_cancel_ticket, &make_confirm_cancel_ticket)
          .timeout(timing.reply_timeout)
          .retry(timing.until_done())
      .retriable("confirm_cancel_order")
          .invoke(order_service::confirm_cancel, &make_confirm_cancel_order)
          .timeout(timing.reply_timeout)
          .retry(timing.until_done())
      .build();
  // clang-format on
}

saga::LockMode revise_lock_mode_by_value(const ftgo::ReviseOrderData& d) {
  // TODO(exercise 10, part B): wait or fail fast, by what is at stake.
  (void)d;
  return saga::LockMode::kNone;
}

}  // namespace workshop
