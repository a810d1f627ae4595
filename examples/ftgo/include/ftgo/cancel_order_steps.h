// Cancel Order's command makers and reply handler (cancel_order_saga.h's steps), public so that
// variants of the saga (the workshop's exercise 10) build on the same pieces.
#pragma once

#include "ftgo/messages.h"

namespace ftgo {

BeginCancelOrder make_begin_cancel(const CancelOrderData& d);
UndoBeginCancelOrder make_undo_begin_cancel(const CancelOrderData& d);
BeginCancelTicket make_begin_cancel_ticket(const CancelOrderData& d);
UndoBeginCancelTicket make_undo_begin_cancel_ticket(const CancelOrderData& d);
ReverseAuthorization make_reverse_authorization(const CancelOrderData& d);
ConfirmCancelTicket make_confirm_cancel_ticket(const CancelOrderData& d);
ConfirmCancelOrder make_confirm_cancel_order(const CancelOrderData& d);
// Keeps the amount Accounting gave back.
void on_authorization_reversed(CancelOrderData& d, const AuthorizationReversed& r);

}  // namespace ftgo
