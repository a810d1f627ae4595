#include "ftgo/cancel_order_steps.h"

namespace ftgo {

BeginCancelOrder make_begin_cancel(const CancelOrderData& d) { return {d.order_id}; }
UndoBeginCancelOrder make_undo_begin_cancel(const CancelOrderData& d) { return {d.order_id}; }
BeginCancelTicket make_begin_cancel_ticket(const CancelOrderData& d) { return {d.order_id}; }
UndoBeginCancelTicket make_undo_begin_cancel_ticket(const CancelOrderData& d) {
  return {d.order_id};
}
ReverseAuthorization make_reverse_authorization(const CancelOrderData& d) { return {d.order_id}; }
ConfirmCancelTicket make_confirm_cancel_ticket(const CancelOrderData& d) { return {d.order_id}; }
ConfirmCancelOrder make_confirm_cancel_order(const CancelOrderData& d) { return {d.order_id}; }

void on_authorization_reversed(CancelOrderData& d, const AuthorizationReversed& r) {
  d.reversed_cents = r.amount_cents;
}

}  // namespace ftgo
