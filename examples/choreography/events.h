// The events of Create Order as choreography (examples/choreography/README.md). Each event
// carries the order as it stands (ftgo::CreateOrderData, the orchestrated saga's data: order,
// consumer, restaurant, total, items, and what the services added so far -- ticket id,
// transaction id, rejection reason). Events travel as saga/1 commands to each subscriber's
// participant, which answers EventAccepted once the event is handled and committed.
#pragma once

#include <string_view>

#include "ftgo/messages.h"

namespace ftgo::choreography {

struct OrderEvent {
  CreateOrderData order;
  template <class A>
  void serialize(A& a) {
    a(CEREAL_NVP(order));
  }
};

#define FTGO_CHOREOGRAPHY_EVENT(Name)                       \
  struct Name : OrderEvent {                                \
    static constexpr std::string_view kMessageName = #Name; \
  }

// Order -> Consumer.
FTGO_CHOREOGRAPHY_EVENT(OrderCreated);
// Consumer -> Kitchen.
FTGO_CHOREOGRAPHY_EVENT(ConsumerVerified);
// Kitchen -> Accounting (order.ticket_id set).
FTGO_CHOREOGRAPHY_EVENT(TicketCreatedEvent);
// Accounting -> Kitchen and Order (order.transaction_id set).
FTGO_CHOREOGRAPHY_EVENT(CardAuthorizedEvent);
// Accounting -> Kitchen and Order (order.rejection_reason set).
FTGO_CHOREOGRAPHY_EVENT(CardDeclinedEvent);
// Consumer or Kitchen -> Order: the order cannot be made (order.rejection_reason set).
FTGO_CHOREOGRAPHY_EVENT(OrderNotPossible);
// Order -> Kitchen and Accounting: the consumer cancelled the order.
FTGO_CHOREOGRAPHY_EVENT(OrderCancelled);

// A client -> Order: place the order (order filled in), cancel it (order.order_id).
FTGO_CHOREOGRAPHY_EVENT(PlaceOrder);
FTGO_CHOREOGRAPHY_EVENT(CancelOrder);

#undef FTGO_CHOREOGRAPHY_EVENT

// A subscriber's answer: the event is handled and its effects committed.
struct EventAccepted {
  static constexpr std::string_view kMessageName = "EventAccepted";
  template <class A>
  void serialize(A&) {}
};

}  // namespace ftgo::choreography
