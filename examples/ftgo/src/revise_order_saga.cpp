#include "ftgo/revise_order_saga.h"

#include <algorithm>

namespace ftgo {
namespace {

BeginReviseOrder make_begin_revise_order(const ReviseOrderData& d) { return {d.order_id}; }
UndoBeginReviseOrder make_undo_begin_revise_order(const ReviseOrderData& d) { return {d.order_id}; }
BeginReviseTicket make_begin_revise_ticket(const ReviseOrderData& d) {
  return {d.restaurant_id, d.order_id, d.line_items};
}
UndoBeginReviseTicket make_undo_begin_revise_ticket(const ReviseOrderData& d) {
  return {d.order_id};
}
ReviseAuthorization make_revise_authorization(const ReviseOrderData& d) {
  return {d.consumer_id, d.order_id, d.order_total_cents};
}
ConfirmReviseTicket make_confirm_revise_ticket(const ReviseOrderData& d) {
  return {d.order_id, d.line_items};
}
ConfirmReviseOrder make_confirm_revise_order(const ReviseOrderData& d) {
  return {d.order_id, d.expected_version, d.line_items, d.order_total_cents};
}

void on_revision_begun(ReviseOrderData& d, const OrderRevisionBegun& r) {
  d.expected_version = r.version;
  d.previous_total_cents = r.total_cents;
}
void on_authorization_revised(ReviseOrderData& d, const AuthorizationRevised& r) {
  d.transaction_id = r.transaction_id;
}
void on_revision_declined(ReviseOrderData& d, const CardDeclined& r) {
  d.rejection_reason = r.reason;
}

}  // namespace

saga::DefinitionResult revise_order_definition(const SagaTiming& timing) {
  const saga::RetryPolicy resend = timing.resend();
  const saga::RetryPolicy until_done = timing.until_done();
  // Reread value: a ConfirmReviseOrder refused because the order changed will be refused
  // again; retrying it would only spin. The saga goes to `failed` for an operator.
  saga::RetryPolicy until_done_unless_changed = until_done;
  until_done_unless_changed.non_retryable_reasons = {std::string(kOrderChanged)};
  // clang-format off
  return saga::define<ReviseOrderData>(std::string(kReviseOrderSaga), 1)
      // Semantic lock in the engine, its mode chosen by value (revise_order_saga.h).
      .lock([](const ReviseOrderData& d) { return order_lock_key(d.order_id); },
            &revise_lock_mode)
      .step("begin_revise_order")
          .invoke(order_service::begin_revise, &make_begin_revise_order)
          .on_reply<OrderRevisionBegun>(&on_revision_begun)
          .compensate_with(order_service::undo_begin_revise, &make_undo_begin_revise_order)
          .timeout(timing.reply_timeout)
          .retry(resend)
      .step("begin_revise_ticket")
          .invoke(kitchen_service::begin_revise_ticket, &make_begin_revise_ticket)
          .compensate_with(kitchen_service::undo_begin_revise_ticket,
                           &make_undo_begin_revise_ticket)
          .timeout(timing.reply_timeout)
          .retry(resend)
      .pivot("revise_authorization")
          .invoke(accounting_service::revise_authorization, &make_revise_authorization)
          .on_reply<AuthorizationRevised>(&on_authorization_revised)
          .on_reply<CardDeclined>(&on_revision_declined)
          .timeout(timing.reply_timeout)
          .retry(resend)
      .retriable("confirm_ticket_revision")
          .invoke(kitchen_service::confirm_revise_ticket, &make_confirm_revise_ticket)
          .timeout(timing.reply_timeout)
          .retry(until_done)
      .retriable("confirm_order_revision")
          .invoke(order_service::confirm_revise, &make_confirm_revise_order)
          .timeout(timing.reply_timeout)
          .retry(until_done_unless_changed)
      .build();
  // clang-format on
}

saga::LockMode revise_lock_mode(const ReviseOrderData& d) {
  const std::int64_t at_stake = std::max(d.order_total_cents, d.previous_total_cents);
  return at_stake >= kReviseWaitsFromCents ? saga::LockMode::kWait : saga::LockMode::kFailFast;
}

std::string revise_saga_id(std::int64_t order_id, int n) {
  return "revise-" + std::to_string(order_id) + "-" + std::to_string(n);
}

}  // namespace ftgo
