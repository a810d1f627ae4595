// The Kitchen service: CreateTicket, its compensation CancelCreateTicket, and
// ConfirmCreateTicket; the ticket commands of Cancel Order and Revise Order.
//
// Tables: restaurants(id, name, open), menu_items(id, restaurant_id, name, price_cents) and
// tickets(id, order_id, restaurant_id, state, line_items). Ticket states, after Richardson:
//   CreateTicket          -> CREATE_PENDING (the reply carries the ticket id)
//   CancelCreateTicket    CREATE_PENDING -> CREATE_REJECTED
//   ConfirmCreateTicket   CREATE_PENDING -> AWAITING_ACCEPTANCE, or ACCEPTED when the
//                         restaurant accepted it already (the TicketAccepted event,
//                         ticket_acceptance_desk.h, when ServiceOptions::events_endpoint is set)
// CreateTicket fails with "restaurant_closed" (unknown or closed restaurant) or
// "unknown_menu_item" (an item the restaurant does not sell), with a TicketRejected payload.
//
// The restaurant then works on the ticket (KitchenService below, not saga commands):
//   accept_ticket         AWAITING_ACCEPTANCE -> ACCEPTED
//   start_preparing       AWAITING_ACCEPTANCE | ACCEPTED -> PREPARING
//
// Cancel Order and Revise Order (cancel_order_saga.h, revise_order_saga.h). The kitchen's
// semantic lock is the ticket's *_PENDING state; table ticket_locks(order_id, saga_id,
// previous_state) says which saga holds it and which state to go back to:
//   BeginCancelTicket      AWAITING_ACCEPTANCE | ACCEPTED -> CANCEL_PENDING
//   UndoBeginCancelTicket  CANCEL_PENDING -> the state before (when this saga holds the lock)
//   ConfirmCancelTicket    CANCEL_PENDING -> CANCELLED
//   BeginReviseTicket      AWAITING_ACCEPTANCE | ACCEPTED -> REVISION_PENDING (items checked)
//   UndoBeginReviseTicket  REVISION_PENDING -> the state before
//   ConfirmReviseTicket    REVISION_PENDING -> the state before, with the new line items
// BeginCancelTicket and BeginReviseTicket fail with "ticket_being_prepared" once the ticket is
// PREPARING (too late: the food is being cooked), "ticket_locked" while another saga holds it,
// "unknown_ticket", or "ticket_<state>" otherwise; BeginReviseTicket also with
// "unknown_menu_item".
//
// The Delivery saga's commands (ScheduleDelivery, CancelDelivery, AssignCourier): delivery_desk.h.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <memory>
#include <string>
#include <string_view>

#include "saga/participant.h"
#include "service_options.h"

namespace ftgo {

saga::Result<std::unique_ptr<saga::Participant>> open_kitchen_service(
    const ServiceOptions& options);

// What the restaurant's staff do with a ticket (the kitchen's UI, not saga commands): each
// call is one local transaction on the Kitchen service's database, beside the participant.
// The kitchen's semantic lock holds here too: a ticket that a saga is cancelling or revising
// (CANCEL_PENDING, REVISION_PENDING) cannot be accepted or prepared (kFailedPrecondition).
class KitchenService {
 public:
  explicit KitchenService(std::string database_path) : database_path_(std::move(database_path)) {}

  // AWAITING_ACCEPTANCE -> ACCEPTED: the restaurant will cook it.
  saga::Status accept_ticket(std::int64_t order_id);
  // AWAITING_ACCEPTANCE | ACCEPTED -> PREPARING: the food is being cooked; from now on the
  // ticket can no longer be cancelled or revised.
  saga::Status start_preparing(std::int64_t order_id);
  // The ticket's state; kNotFound when the order has none.
  saga::Result<std::string> ticket_state(std::int64_t order_id) const;

 private:
  saga::Status move_ticket(std::int64_t order_id, std::initializer_list<std::string_view> from,
                           std::string_view to);
  std::string database_path_;
};

}  // namespace ftgo
