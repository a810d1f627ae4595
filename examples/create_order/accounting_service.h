// The Accounting service: AuthorizeCard, the saga's pivot.
//
// Tables: cards(consumer_id, last4, expires, limit_cents) and authorizations(order_id,
// consumer_id, amount_cents, state, transaction_id). A successful AuthorizeCard inserts an
// AUTHORIZED row in the handler's transaction. It fails with "card_expired" (expiry month before
// the current month) or "card_declined" (no card, or an amount over the card's limit), with a
// CardDeclined payload, and then writes nothing: a declined card is never authorized, which is
// why AuthorizeCard needs no compensation and can be the pivot.
#pragma once

#include <memory>

#include "saga/participant.h"
#include "service_options.h"

namespace ftgo {

saga::Result<std::unique_ptr<saga::Participant>> open_accounting_service(
    const ServiceOptions& options);

}  // namespace ftgo
