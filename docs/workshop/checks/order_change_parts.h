// The pieces exercises 10 (semantic lock) and 11 (timeouts and the circuit breaker) build on:
// the Cancel Order saga's command makers (ftgo/cancel_order_steps.h), the example's Revise Order
// with the lock mode a student chooses, and the example's Create Order with the AuthorizeCard reply
// timeout a student chooses.
#pragma once

#include "ftgo/cancel_order_saga.h"
#include "ftgo/cancel_order_steps.h"
#include "ftgo/create_order_saga.h"
#include "ftgo/revise_order_saga.h"
#include "saga/dsl.h"

namespace workshop {

// The example's Revise Order (ftgo::revise_order_definition()) with its engine lock's mode
// chosen by `mode` instead of ftgo::revise_lock_mode (exercise 10).
using LockModeOf = saga::LockMode (*)(const ftgo::ReviseOrderData&);
saga::DefinitionResult revise_order_with_lock_mode(LockModeOf mode);

// The example's Create Order (ftgo::create_order_definition()) with `reply_timeout` for
// authorize_card's AuthorizeCard (exercise 11).
saga::DefinitionResult create_order_with_authorize_timeout(saga::Millis reply_timeout);

}  // namespace workshop
