// The pieces exercises 10 (semantic lock) and 11 (timeouts and the circuit breaker) build on:
// the Cancel Order saga's command makers (examples/ftgo/src/cancel_order_saga.cpp keeps its own
// private), the example's Revise Order with the lock mode a student chooses, and the example's
// Create Order with the AuthorizeCard reply timeout a student chooses.
#pragma once

#include "ftgo/cancel_order_saga.h"
#include "ftgo/create_order_saga.h"
#include "ftgo/revise_order_saga.h"
#include "saga/dsl.h"

namespace workshop {

// --- Cancel Order's command makers and reply handler (exercise 10) ------------------------------
ftgo::BeginCancelOrder make_begin_cancel(const ftgo::CancelOrderData& d);
ftgo::UndoBeginCancelOrder make_undo_begin_cancel(const ftgo::CancelOrderData& d);
ftgo::BeginCancelTicket make_begin_cancel_ticket(const ftgo::CancelOrderData& d);
ftgo::UndoBeginCancelTicket make_undo_begin_cancel_ticket(const ftgo::CancelOrderData& d);
ftgo::ReverseAuthorization make_reverse_authorization(const ftgo::CancelOrderData& d);
ftgo::ConfirmCancelTicket make_confirm_cancel_ticket(const ftgo::CancelOrderData& d);
ftgo::ConfirmCancelOrder make_confirm_cancel_order(const ftgo::CancelOrderData& d);
void on_authorization_reversed(ftgo::CancelOrderData& d, const ftgo::AuthorizationReversed& r);

// The example's Revise Order (ftgo::revise_order_definition()) with its engine lock's mode
// chosen by `mode` instead of ftgo::revise_lock_mode (exercise 10).
using LockModeOf = saga::LockMode (*)(const ftgo::ReviseOrderData&);
saga::DefinitionResult revise_order_with_lock_mode(LockModeOf mode);

// The example's Create Order (ftgo::create_order_definition()) with `reply_timeout` for
// authorize_card's AuthorizeCard (exercise 11).
saga::DefinitionResult create_order_with_authorize_timeout(saga::Millis reply_timeout);

}  // namespace workshop
