// The Create Order saga: its participants' channels and its definition, written with the DSL.
//
//   step               kind           action (participant)                 compensation
//   reject_order       compensatable  -                                    RejectOrder (order)
//   verify_consumer    compensatable  ValidateOrderByConsumer (consumer)   - (read-only)
//   create_ticket      compensatable  CreateTicket (kitchen)               CancelCreateTicket
//   authorize_card     pivot          AuthorizeCard (accounting)           -
//   confirm_ticket     retriable      ConfirmCreateTicket (kitchen)        -
//   approve_order      retriable      ApproveOrder (order)                 -
//
// The saga holds the engine lock "order:<id>" (order_lock_key) from start to end (version 2;
// version 1 had no lock).
#pragma once

#include <string>
#include <string_view>

#include "messages.h"
#include "saga/clock.h"
#include "saga/dsl.h"

namespace ftgo {

inline constexpr std::string_view kCreateOrderSaga = "create_order";

// The participants' registry names (ParticipantRegistry) and content types.
namespace order_channel {
inline constexpr saga::Channel channel{"order"};
inline constexpr auto reject_order = saga::command<RejectOrder>(channel);
inline constexpr auto approve_order = saga::command<ApproveOrder>(channel);
// Cancel Order and Revise Order (cancel_order_saga.h, revise_order_saga.h).
inline constexpr auto begin_cancel = saga::command<BeginCancelOrder>(channel);
inline constexpr auto undo_begin_cancel = saga::command<UndoBeginCancelOrder>(channel);
inline constexpr auto confirm_cancel = saga::command<ConfirmCancelOrder>(channel);
inline constexpr auto begin_revise =
    saga::command<BeginReviseOrder>(channel).replies<OrderRevisionBegun>();
inline constexpr auto undo_begin_revise = saga::command<UndoBeginReviseOrder>(channel);
inline constexpr auto confirm_revise = saga::command<ConfirmReviseOrder>(channel);
}  // namespace order_channel

namespace consumer_channel {
inline constexpr saga::Channel channel{"consumer"};
inline constexpr auto validate_order = saga::command<ValidateOrderByConsumer>(channel);
}  // namespace consumer_channel

namespace kitchen_channel {
inline constexpr saga::Channel channel{"kitchen"};
inline constexpr auto create_ticket =
    saga::command<CreateTicket>(channel).replies<TicketCreated, TicketRejected>();
inline constexpr auto cancel_ticket = saga::command<CancelCreateTicket>(channel);
inline constexpr auto confirm_ticket = saga::command<ConfirmCreateTicket>(channel);
// Cancel Order and Revise Order.
inline constexpr auto begin_cancel_ticket = saga::command<BeginCancelTicket>(channel);
inline constexpr auto undo_begin_cancel_ticket = saga::command<UndoBeginCancelTicket>(channel);
inline constexpr auto confirm_cancel_ticket = saga::command<ConfirmCancelTicket>(channel);
inline constexpr auto begin_revise_ticket = saga::command<BeginReviseTicket>(channel);
inline constexpr auto undo_begin_revise_ticket = saga::command<UndoBeginReviseTicket>(channel);
inline constexpr auto confirm_revise_ticket = saga::command<ConfirmReviseTicket>(channel);
}  // namespace kitchen_channel

namespace accounting_channel {
// Accounting could be written in another language: its commands and replies travel as JSON.
inline constexpr saga::Channel channel{"accounting", saga::ContentType::kJson};
inline constexpr auto authorize_card =
    saga::command<AuthorizeCard>(channel).replies<CardAuthorized, CardDeclined>();
// Cancel Order and Revise Order.
inline constexpr auto reverse_authorization =
    saga::command<ReverseAuthorization>(channel).replies<AuthorizationReversed>();
inline constexpr auto revise_authorization =
    saga::command<ReviseAuthorization>(channel).replies<AuthorizationRevised, CardDeclined>();
}  // namespace accounting_channel

// How long the orchestrator waits for a reply, and how soon it retries a failed retriable step.
// Both use the engine's clock (the real clock in the demo).
struct SagaTiming {
  saga::Millis reply_timeout{2'000};  // per delivery; then the same command is sent again
  saga::Millis retry_interval{50};    // between attempts of a failed retriable step

  // The policies every saga of the example uses. resend: a timed-out command is sent again
  // (same message_id) with back-off, without limit. until_done: a failed retriable step is
  // retried after retry_interval until it succeeds.
  saga::RetryPolicy resend() const;
  saga::RetryPolicy until_done() const;
};

// The definition. Timeouts are resent without limit before and at the pivot: a command whose
// outcome is unknown is never given up on (giving up on AuthorizeCard could leave a card
// authorized for a rejected order). Retriable steps are retried until they succeed.
saga::DefinitionResult create_order_definition(const SagaTiming& timing = {});

// The saga id of an order: one saga per order, chosen by the Order service.
std::string saga_id_of_order(std::int64_t order_id);

// The engine-level semantic lock on an order, "order:<id>". Create Order, Cancel Order and
// Revise Order each declare it for the whole saga: the engine takes it before the first step
// and releases it when the saga ends, so at most one of them runs on an order at a time.
// Create Order waits for it (it is the first saga of its order, so in practice it never
// has to); Cancel Order waits; Revise Order waits or fails fast by value (revise_order_saga.h).
std::string order_lock_key(std::int64_t order_id);

}  // namespace ftgo
