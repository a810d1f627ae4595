// The Accounting service: AuthorizeCard, the Create Order saga's pivot; ReverseAuthorization
// and ReviseAuthorization.
//
// Tables: cards(consumer_id, last4, expires, limit_cents) and authorizations(order_id,
// consumer_id, amount_cents, state, transaction_id). A successful AuthorizeCard inserts an
// AUTHORIZED row in the handler's transaction. It fails with "card_expired" (expiry month before
// the current month) or "card_declined" (no card, or an amount over the card's limit), with a
// CardDeclined payload, and then writes nothing: a declined card is never authorized, which is
// why AuthorizeCard needs no compensation and can be the pivot.
//
// Cancel Order and Revise Order: ReverseAuthorization (AUTHORIZED -> REVERSED; Cancel Order's
// pivot) and ReviseAuthorization (the authorization takes the revised total under the same
// card rules, or CardDeclined and nothing written; Revise Order's pivot). Both fail with
// "no_authorization" or "authorization_<state>" when there is no AUTHORIZED row to change.
//
// consumer_balances(consumer_id, authorized_cents): what is authorized in total on each
// consumer's card, kept by commutative updates (a delta per authorization, reversal and
// revision; see add_to_balance in the .cpp). Invariant: it equals the sum of the consumer's
// AUTHORIZED amounts.
#pragma once

#include <memory>

#include "saga/participant.h"
#include "service_options.h"

namespace ftgo {

saga::Result<std::unique_ptr<saga::Participant>> open_accounting_service(
    const ServiceOptions& options);

}  // namespace ftgo
