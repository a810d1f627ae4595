// The Revise Order saga (Richardson, Microservices Patterns §4.4; FTGO's ReviseOrderSaga):
// changes an APPROVED order's line items and total in every service, or in none.
//
//   step                     kind           action (participant)               compensation
//   begin_revise_order       compensatable  BeginReviseOrder (order)           UndoBeginReviseOrder
//                                           APPROVED -> REVISION_PENDING;      -> APPROVED
//                                           replies its version and total
//   begin_revise_ticket      compensatable  BeginReviseTicket (kitchen) UndoBeginReviseTicket
//                                           checks the new items, ticket ->    -> its state before
//                                           REVISION_PENDING; refused once the
//                                           food is being PREPARED
//   revise_authorization     pivot          ReviseAuthorization (accounting)   -
//                                           re-authorizes the new total;
//                                           CardDeclined rolls the saga back
//   confirm_ticket_revision  retriable      ConfirmReviseTicket (kitchen)      -
//                                           the ticket gets the new items
//   confirm_order_revision   retriable      ConfirmReviseOrder (order)         -
//                                           rereads, then new items/total,
//                                           version + 1, APPROVED
//
// Isolation countermeasures (Richardson §4.4.2):
//  - Semantic lock: the engine lock "order:<id>" for the whole saga, and REVISION_PENDING in
//    the Order and the Kitchen service (see cancel_order_saga.h). The revised items only reach the
//    order and the ticket after the pivot, so nobody ever reads a revision that is then rolled back
//    (no dirty read).
//  - Reread value: confirm_order_revision carries the order's version read by
//    begin_revise_order; the Order service rereads the order and applies the revision only if
//    it is still REVISION_PENDING, locked by this saga, at that version. Otherwise it fails
//    with "order_changed", which is not retried: the saga stops as failed for an operator
//    (sagactl) instead of overwriting a change it never saw.
//  - Commutative updates: the re-authorization changes the consumer's authorized balance by
//    the difference, new total - old total (examples/create_order/accounting_service.h).
//  - By value: the engine lock's mode is chosen from the amount at stake (the larger of the
//    order's total before and after the revision). A revision of kReviseWaitsFromCents or more
//    waits for the order like a Cancel: it is worth the wait, and the customer would rather
//    not be told to try again. A smaller one fails fast, reason "lock_held: order:<id> held by
//    <saga>": the customer is told at once to try again, and small revisions never pile up in
//    the queue in front of a cancel.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "ftgo/channels.h"
#include "ftgo/create_order_saga.h"
#include "ftgo/messages.h"
#include "saga/dsl.h"

namespace ftgo {

inline constexpr std::string_view kReviseOrderSaga = "revise_order";

// Revisions with this much at stake (100.00) or more wait for the order's lock; smaller ones
// fail fast when it is held.
inline constexpr std::int64_t kReviseWaitsFromCents = 10'000;

// The lock mode of a revision (by value).
saga::LockMode revise_lock_mode(const ReviseOrderData& data);

// The reason ConfirmReviseOrder fails with when the reread finds the order changed.
inline constexpr std::string_view kOrderChanged = "order_changed";

saga::DefinitionResult revise_order_definition(const SagaTiming& timing = {});

// "revise-<order>-<n>": the n-th revision requested for the order (n from 1).
std::string revise_saga_id(std::int64_t order_id, int n);

}  // namespace ftgo
