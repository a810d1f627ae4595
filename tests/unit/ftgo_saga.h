// The DSL and diagram tests' variant of FTGO's Create Order (version 3), built from the shared
// messages, endpoints and step functions (saga::ftgo, examples/ftgo): a local step that adds
// loyalty points (so the saga data carries a flag for it), a condition on create_ticket, a
// CardDeclined handler that fails the step, and explicit timeouts and retry policies.
#pragma once

#include "ftgo/channels.h"
#include "ftgo/create_order_steps.h"
#include "ftgo/messages.h"
#include "saga/dsl.h"

namespace test_ftgo {

using namespace ftgo;  // NOLINT: the FTGO messages, endpoints and step functions
using saga::Millis;

// The Create Order data, plus what the local step sets.
struct LoyaltyOrderData : CreateOrderData {
  bool loyalty_points_added = false;
  template <class A>
  void serialize(A& a) {
    CreateOrderData::serialize(a);
    a(CEREAL_NVP(loyalty_points_added));
  }
  friend bool operator==(const LoyaltyOrderData&, const LoyaltyOrderData&) = default;
};

inline saga::Status fail_on_card_declined(LoyaltyOrderData&, const CardDeclined& r) {
  return saga::invalid_argument("declined: " + r.reason);
}
inline void add_loyalty_points(LoyaltyOrderData& d) { d.loyalty_points_added = true; }
inline bool has_items(const LoyaltyOrderData& d) { return !d.line_items.empty(); }

inline const saga::RetryPolicy kForever =
    saga::RetryPolicy::exponential(Millis{100}, 2.0, Millis{60'000}, 0);

// clang-format off
inline saga::DefinitionResult build_create_order() {
  return saga::define<LoyaltyOrderData>("create_order", 3)
      .step("reject_order")
          .compensate_with(order_service::reject_order, &make_reject_order)
          .compensation_retry(saga::RetryPolicy::fixed(Millis{500}, 0))
      .step("verify_consumer")
          .invoke(consumer_service::validate_order, &make_validate_order)
          .timeout(Millis{2'000})
      .step("create_ticket")
          .invoke(kitchen_service::create_ticket, &make_create_ticket)
          .on_reply<TicketCreated>(&on_ticket_created)
          .on_reply<TicketRejected>(&on_ticket_rejected)
          .compensate_with(kitchen_service::cancel_ticket, &make_cancel_ticket)
          .when(&has_items)
      .pivot("authorize_card")
          .invoke(accounting_service::authorize_card, &make_authorize_card)
          .on_reply<CardAuthorized>(&on_card_authorized)
          .on_reply<CardDeclined>(&fail_on_card_declined)
          .retry(saga::RetryPolicy::immediate(2))
      .retriable("confirm_ticket")
          .invoke(kitchen_service::confirm_ticket, &make_confirm_ticket)
          .retry(kForever)
      .retriable("add_loyalty_points")
          .local(&add_loyalty_points)
          .retry(kForever)
      .retriable("approve_order")
          .invoke(order_service::approve_order, &make_approve_order)
          .retry(kForever)
      .build();
}
// clang-format on

}  // namespace test_ftgo
