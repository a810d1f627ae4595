// Exercise 10 — reference solution.
//
// Part A: the lock is on the order ("order:<id>", the key Create Order and Revise Order take
// too), for the whole saga, in mode kWait: a cancel is worth waiting for, and it then runs
// against the order as Create Order left it.
// Part B: by value: kWait from ftgo::kReviseWaitsFromCents at stake, else kFailFast.
#include <algorithm>

#include "order_change_parts.h"

namespace workshop {

saga::DefinitionResult cancel_order_with_lock_definition() {
  using namespace ftgo;  // NOLINT: the channels, as in examples/ftgo/src/cancel_order_saga.cpp
  const SagaTiming timing;
  // clang-format off
  return saga::define<CancelOrderData>(std::string(kCancelOrderSaga), 1)
      .lock([](const CancelOrderData& d) { return order_lock_key(d.order_id); },
            saga::LockMode::kWait)
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
  const std::int64_t at_stake = std::max(d.order_total_cents, d.previous_total_cents);
  return at_stake >= ftgo::kReviseWaitsFromCents ? saga::LockMode::kWait
                                                 : saga::LockMode::kFailFast;
}

}  // namespace workshop
