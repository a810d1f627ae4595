// Pieces of the Create Order DSL chain the kept variants of exercises 3 and 4 share, so that
// each variant file shows only where it differs from the example. Each function takes a
// builder and returns it with the example's steps appended.
#pragma once

#include <utility>

#include "create_order_parts.h"

namespace workshop::chain {

using namespace ftgo;  // NOLINT: the channels, as in examples/ftgo/src/create_order_saga.cpp

// reject_order and verify_consumer, as in the example.
template <typename Builder>
auto order_and_consumer(Builder builder) {
  return std::move(builder)
      .step("reject_order")
      .compensate_with(order_service::reject_order, &make_reject_order)
      .step("verify_consumer")
      .invoke(consumer_service::validate_order, &make_validate_order);
}

// create_ticket, as in the example.
template <typename Builder>
auto ticket(Builder builder) {
  return std::move(builder)
      .step("create_ticket")
      .invoke(kitchen_service::create_ticket, &make_create_ticket)
      .template on_reply<TicketCreated>(&on_ticket_created)
      .template on_reply<TicketRejected>(&on_ticket_rejected)
      .compensate_with(kitchen_service::cancel_ticket, &make_cancel_ticket);
}

// The pivot authorize_card, as in the example.
template <typename Builder>
auto pivot(Builder builder) {
  return std::move(builder)
      .pivot("authorize_card")
      .invoke(accounting_service::authorize_card, &make_authorize_card)
      .template on_reply<CardAuthorized>(&on_card_authorized)
      .template on_reply<CardDeclined>(&on_card_declined);
}

// The retriable confirm_ticket and approve_order, as in the example.
template <typename Builder>
auto confirm_ticket(Builder builder) {
  return std::move(builder)
      .retriable("confirm_ticket")
      .invoke(kitchen_service::confirm_ticket, &make_confirm_ticket)
      .retry(until_done_policy());
}
template <typename Builder>
auto approve_order(Builder builder) {
  return std::move(builder)
      .retriable("approve_order")
      .invoke(order_service::approve_order, &make_approve_order)
      .retry(until_done_policy());
}

// The example's whole chain, before build().
template <typename Builder>
auto example(Builder builder) {
  return approve_order(confirm_ticket(pivot(ticket(order_and_consumer(std::move(builder))))));
}

inline auto define_create_order(std::uint32_t version) {
  return saga::define<CreateOrderData>("create_order", version);
}

}  // namespace workshop::chain
