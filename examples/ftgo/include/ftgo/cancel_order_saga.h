// The Cancel Order saga (Richardson, Microservices Patterns §4.3-4.4; FTGO's CancelOrderSaga):
// cancels an APPROVED order in every service, or leaves it APPROVED everywhere.
//
//   step                   kind           action (participant)                compensation
//   begin_cancel           compensatable  BeginCancelOrder (order)            UndoBeginCancelOrder
//                                         APPROVED -> CANCEL_PENDING          -> APPROVED
//   begin_cancel_ticket    compensatable  BeginCancelTicket (kitchen)         UndoBeginCancelTicket
//                                         -> CANCEL_PENDING; refused once     -> its state before
//                                         the food is being PREPARED
//   reverse_authorization  pivot          ReverseAuthorization (accounting)   -
//                                         AUTHORIZED -> REVERSED
//   confirm_cancel_ticket  retriable      ConfirmCancelTicket (kitchen)       -
//                                         CANCEL_PENDING -> CANCELLED
//   confirm_cancel_order   retriable      ConfirmCancelOrder (order)          -
//                                         CANCEL_PENDING -> CANCELLED
//
// Isolation countermeasures (Richardson §4.4.2):
//  - Semantic lock, in the engine: the saga declares the lock "order:<id>" (order_lock_key) in
//    mode kWait. The engine takes it before begin_cancel; while Create Order or a Revise holds
//    it, this saga waits (history: lock_waiting, then lock_acquired when the holder ended) and
//    then runs against the order as that saga left it. Released when this saga ends.
//  - Semantic lock, in the services. CANCEL_PENDING, in the Order and in the Kitchen service,
//    is a flag that every other saga and every local transaction can see: "a saga is changing
//    this; do not build on it". BeginCancelOrder takes it only from APPROVED, so a Cancel that
//    reaches the order while Create Order still holds it (APPROVAL_PENDING, Create Order's own
//    lock) or while a Revise holds it (REVISION_PENDING) is refused with reason
//    "order_locked". With the engine lock this only happens when something bypassed it (an
//    operator released the key, a client of another orchestrator): the services do not count
//    on every saga taking the engine lock. The service lock is released by the saga's last
//    step (CANCELLED) or by its compensation (APPROVED again).
//  - Pessimistic view. The step that is likely to be refused and cheap to undo (the kitchen
//    ticket: refused once the food is being prepared; undoing it flips a state back) runs
//    before the step that is expensive to undo (giving the money back). Reversing the
//    authorization is the pivot: after it the saga only moves forward. Were the payment
//    reversed first and the kitchen then refused, undoing the reversal would mean a new card
//    authorization, which can be declined (limit, expiry) and would leave an order being
//    cooked that nobody pays for.
//  - Commutative updates: the reversal gives the consumer's authorized balance back by a delta
//    (examples/create_order/accounting_service.h).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "ftgo/channels.h"
#include "ftgo/create_order_saga.h"
#include "ftgo/messages.h"
#include "saga/dsl.h"

namespace ftgo {

inline constexpr std::string_view kCancelOrderSaga = "cancel_order";

// The definition; timeouts and retries as Create Order's (create_order_saga.h).
saga::DefinitionResult cancel_order_definition(const SagaTiming& timing = {});

// "cancel-<order>-<n>": the n-th cancel requested for the order (n from 1).
std::string cancel_saga_id(std::int64_t order_id, int n);

}  // namespace ftgo
