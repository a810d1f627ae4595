// The steps of Cancel Order, after its lock: the kept variants of exercise 10 differ only in
// the lock, so they share the rest. `builder` is saga::define<CancelOrderData>(...) with or
// without .lock(...).
#pragma once

#include <utility>

#include "order_change_parts.h"

namespace workshop {

template <typename Builder>
saga::DefinitionResult with_cancel_steps(Builder builder) {
  using namespace ftgo;  // NOLINT
  const SagaTiming timing;
  // clang-format off
  return std::move(builder)
    .step("begin_cancel").invoke(order_service::begin_cancel, &make_begin_cancel)
      .compensate_with(order_service::undo_begin_cancel, &make_undo_begin_cancel)
    .step("begin_cancel_ticket").invoke(kitchen_service::begin_cancel_ticket, &make_begin_cancel_ticket)
      .compensate_with(kitchen_service::undo_begin_cancel_ticket, &make_undo_begin_cancel_ticket)
    .pivot("reverse_authorization")
      .invoke(accounting_service::reverse_authorization, &make_reverse_authorization)
      .template on_reply<AuthorizationReversed>(&on_authorization_reversed)
    .retriable("confirm_cancel_ticket")
      .invoke(kitchen_service::confirm_cancel_ticket, &make_confirm_cancel_ticket)
      .retry(timing.until_done())
    .retriable("confirm_cancel_order")
      .invoke(order_service::confirm_cancel, &make_confirm_cancel_order).retry(timing.until_done())
    .build();
  // clang-format on
}

}  // namespace workshop
