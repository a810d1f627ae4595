// The Kitchen service: CreateTicket, its compensation CancelCreateTicket, and
// ConfirmCreateTicket.
//
// Tables: restaurants(id, name, open), menu_items(id, restaurant_id, name, price_cents) and
// tickets(id, order_id, restaurant_id, state, line_items). Ticket states, after Richardson:
//   CreateTicket          -> CREATE_PENDING (the reply carries the ticket id)
//   CancelCreateTicket    CREATE_PENDING -> CREATE_REJECTED
//   ConfirmCreateTicket   CREATE_PENDING -> AWAITING_ACCEPTANCE
// CreateTicket fails with "restaurant_closed" (unknown or closed restaurant) or
// "unknown_menu_item" (an item the restaurant does not sell), with a TicketRejected payload.
#pragma once

#include <memory>

#include "saga/participant.h"
#include "service_options.h"

namespace ftgo {

saga::Result<std::unique_ptr<saga::Participant>> open_kitchen_service(
    const ServiceOptions& options);

}  // namespace ftgo
