// FTGO's participants as DSL endpoints: one namespace per service, with its registry name
// (ParticipantRegistry), its content type, and the commands it takes with every reply type the
// service answers them with (the exported contracts list them, docs/contracts). Create Order's
// endpoints first (quoted by docs/dsl.md), then those of Cancel Order and Revise Order.
#pragma once

#include "ftgo/messages.h"
#include "saga/dsl.h"

namespace ftgo {

// [endpoints]
namespace order_service {
inline constexpr saga::Channel channel{"order"};
inline constexpr auto reject_order = saga::command<RejectOrder>(channel).replies<OrderRejected>();
inline constexpr auto approve_order = saga::command<ApproveOrder>(channel).replies<OrderApproved>();
}  // namespace order_service

namespace consumer_service {
inline constexpr saga::Channel channel{"consumer"};
inline constexpr auto validate_order =
    saga::command<ValidateOrderByConsumer>(channel).replies<ConsumerVerified>();
}  // namespace consumer_service

namespace kitchen_service {
inline constexpr saga::Channel channel{"kitchen"};
inline constexpr auto create_ticket =
    saga::command<CreateTicket>(channel).replies<TicketCreated, TicketRejected>();
inline constexpr auto cancel_ticket =
    saga::command<CancelCreateTicket>(channel).replies<TicketCancelled>();
inline constexpr auto confirm_ticket =
    saga::command<ConfirmCreateTicket>(channel).replies<TicketConfirmed>();
}  // namespace kitchen_service

namespace accounting_service {
// Accounting is written in another language: its commands and replies travel as JSON.
inline constexpr saga::Channel channel{"accounting", saga::ContentType::kJson};
inline constexpr auto authorize_card =
    saga::command<AuthorizeCard>(channel).replies<CardAuthorized, CardDeclined>();
}  // namespace accounting_service
// [endpoints]

// Cancel Order and Revise Order (cancel_order_saga.h, revise_order_saga.h).
namespace order_service {
inline constexpr auto begin_cancel =
    saga::command<BeginCancelOrder>(channel).replies<OrderCancelBegun>();
inline constexpr auto undo_begin_cancel =
    saga::command<UndoBeginCancelOrder>(channel).replies<OrderCancelUndone>();
inline constexpr auto confirm_cancel =
    saga::command<ConfirmCancelOrder>(channel).replies<OrderCancelled>();
inline constexpr auto begin_revise =
    saga::command<BeginReviseOrder>(channel).replies<OrderRevisionBegun>();
inline constexpr auto undo_begin_revise =
    saga::command<UndoBeginReviseOrder>(channel).replies<OrderRevisionUndone>();
inline constexpr auto confirm_revise =
    saga::command<ConfirmReviseOrder>(channel).replies<OrderRevised>();
}  // namespace order_service

namespace kitchen_service {
inline constexpr auto begin_cancel_ticket =
    saga::command<BeginCancelTicket>(channel).replies<TicketCancelBegun>();
inline constexpr auto undo_begin_cancel_ticket =
    saga::command<UndoBeginCancelTicket>(channel).replies<TicketCancelUndone>();
inline constexpr auto confirm_cancel_ticket =
    saga::command<ConfirmCancelTicket>(channel).replies<TicketCancelled>();
inline constexpr auto begin_revise_ticket =
    saga::command<BeginReviseTicket>(channel).replies<TicketRevisionBegun>();
inline constexpr auto undo_begin_revise_ticket =
    saga::command<UndoBeginReviseTicket>(channel).replies<TicketRevisionUndone>();
inline constexpr auto confirm_revise_ticket =
    saga::command<ConfirmReviseTicket>(channel).replies<TicketRevised>();
}  // namespace kitchen_service

namespace accounting_service {
inline constexpr auto reverse_authorization =
    saga::command<ReverseAuthorization>(channel).replies<AuthorizationReversed>();
inline constexpr auto revise_authorization =
    saga::command<ReviseAuthorization>(channel).replies<AuthorizationRevised, CardDeclined>();
}  // namespace accounting_service

}  // namespace ftgo
