// The Create Order saga, written with the DSL from the pieces in create_order_steps.h and the
// endpoints in channels.h: the book's version 1 and the example's version 2.
//
//   step               kind           action (participant)                 compensation
//   reject_order       compensatable  -                                    RejectOrder (order)
//   verify_consumer    compensatable  ValidateOrderByConsumer (consumer)   - (read-only)
//   create_ticket      compensatable  CreateTicket (kitchen)               CancelCreateTicket
//   authorize_card     pivot          AuthorizeCard (accounting)           -
//   confirm_ticket     retriable      ConfirmCreateTicket (kitchen)        -
//   approve_order      retriable      ApproveOrder (order)                 -
//
// Version 2 (create_order_definition, the example's) holds the engine lock "order:<id>"
// (order_lock_key) from start to end and resends timed-out commands; version 1
// (book_create_order_definition, Richardson's table 4.1, the DSL guide's) has no lock.
#pragma once

#include <string>
#include <string_view>

#include "ftgo/channels.h"
#include "ftgo/create_order_steps.h"
#include "ftgo/messages.h"
#include "saga/clock.h"
#include "saga/dsl.h"

namespace ftgo {

inline constexpr std::string_view kCreateOrderSaga = "create_order";

// How long the orchestrator waits for a reply, and how soon it retries a failed retriable step.
// Both use the engine's clock (the real clock in the demo).
struct SagaTiming {
  saga::Millis reply_timeout{2'000};  // per delivery; then the same command is sent again
  saga::Millis retry_interval{50};    // between attempts of a failed retriable step
  // Attempts of a failed retriable step before the saga stops as failed for an operator;
  // 0: without limit (the default; a limit changes the definition's fingerprint).
  std::uint32_t retry_attempts = 0;

  // The policies every saga of the example uses. resend: a timed-out command is sent again
  // (same message_id) with back-off, without limit. until_done: a failed retriable step is
  // retried after retry_interval until it succeeds (or retry_attempts ran out).
  saga::RetryPolicy resend() const;
  saga::RetryPolicy until_done() const;
};

// Version 1, the book's saga as docs/dsl.md teaches it: no lock, default timeouts, the pivot
// waits 5 s for Accounting, retriable steps back off from 200 ms to 1 min without limit.
saga::DefinitionResult book_create_order_definition();

// Version 2, the example's. Timeouts are resent without limit before and at the pivot: a command
// whose outcome is unknown is never given up on (giving up on AuthorizeCard could leave a card
// authorized for a rejected order). Retriable steps are retried until they succeed.
saga::DefinitionResult create_order_definition(const SagaTiming& timing = {});

// Version 3, the parallel variant (docs/dsl.md, "Parallel groups"): version 2 with
// verify_consumer and create_ticket in one compensatable group "prepare", sent together, and
// confirm_ticket and approve_order in one retriable group "finish". When the consumer is
// refused, a ticket created meanwhile is cancelled; when the ticket is refused, the (read-only)
// verification needs no undo. The demo and the bench select it with --parallel.
saga::DefinitionResult create_order_parallel_definition(const SagaTiming& timing = {});

// The saga id of an order: one saga per order, chosen by the Order service.
std::string saga_id_of_order(std::int64_t order_id);

// The engine-level semantic lock on an order, "order:<id>". Create Order, Cancel Order and
// Revise Order each declare it for the whole saga: the engine takes it before the first step
// and releases it when the saga ends, so at most one of them runs on an order at a time.
// Create Order waits for it (it is the first saga of its order, so in practice it never
// has to); Cancel Order waits; Revise Order waits or fails fast by value (revise_order_saga.h).
std::string order_lock_key(std::int64_t order_id);

}  // namespace ftgo
