// The restaurant's acceptance of a ticket as an external event, and the Create Order saga that
// waits for it (version 4 of "create_order", on only when the example asks for it: the book's
// table 4.1 saga, version 1, and the example's version 2 stay as they are).
//
//   step               kind           action (participant)                 compensation
//   reject_order       compensatable  -                                    RejectOrder (order)
//   verify_consumer    compensatable  ValidateOrderByConsumer (consumer)   - (read-only)
//   create_ticket      compensatable  CreateTicket (kitchen)               CancelCreateTicket
//   await_acceptance   compensatable  wait for TicketAccepted, key "order:<id>", `accept_within`;
//                                     no acceptance in time: the saga compensates (the order is
//                                     REJECTED, reason "event_timeout: TicketAccepted")
//   authorize_card     pivot          AuthorizeCard (accounting)           -
//   confirm_ticket     retriable      ConfirmCreateTicket (kitchen)        -
//   approve_order      retriable      ApproveOrder (order)                 -
//
// The Kitchen service sends TicketAccepted (saga::send_event, docs/protocol.md "Events") when the
// restaurant accepts the ticket, some time after CreateTicket; an event that comes before the
// saga waits is kept until it does. The wait is before the pivot, so an order whose restaurant
// does not answer in time is rejected before its card is charged, and a cancel during the wait
// compensates (Engine::cancel).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "ftgo/create_order_saga.h"
#include "saga/dsl.h"

namespace ftgo {

// The event: the restaurant accepted the ticket of `order_id`.
struct TicketAccepted {
  static constexpr std::string_view kMessageName = "TicketAccepted";
  std::int64_t order_id = 0;
  std::int64_t ticket_id = 0;
  template <class A>
  void serialize(A& a) {
    a(CEREAL_NVP(order_id), CEREAL_NVP(ticket_id));
  }
  friend bool operator==(const TicketAccepted&, const TicketAccepted&) = default;
};

// The version of "create_order" that waits for TicketAccepted.
inline constexpr std::uint32_t kAcceptingCreateOrderVersion = 4;

// The correlation key of an order's TicketAccepted: "order:<id>" (the Kitchen service knows the
// order, not the saga).
std::string acceptance_key(std::int64_t order_id);

// The event's id: one acceptance per order, so a resend is a duplicate ("ticket-accepted-<id>").
std::string acceptance_event_id(std::int64_t order_id);

// Takes the event: refused (the wait step fails, the saga compensates) when it names another
// order or ticket than the saga's.
saga::Status on_ticket_accepted(CreateOrderData& d, const TicketAccepted& e);

// Version 4: create_order_definition(timing) with the await_acceptance step after
// create_ticket. `accept_within` must be positive.
saga::DefinitionResult accepting_create_order_definition(const SagaTiming& timing,
                                                         saga::Millis accept_within);

}  // namespace ftgo
