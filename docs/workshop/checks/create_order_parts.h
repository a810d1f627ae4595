// The pieces of the Create Order definition (examples/ftgo: create_order_steps.h,
// create_order_saga.cpp) that the workshop's exercises reuse: the command makers, the reply
// handlers, the resend policy, and the Loyalty service of exercise 3. Exercises write their own DSL
// chains from these.
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>

#include "ftgo/channels.h"
#include "ftgo/create_order_saga.h"
#include "ftgo/create_order_steps.h"
#include "ftgo/messages.h"
#include "saga/dsl.h"

namespace workshop {

// --- the Loyalty service (exercise 3) -----------------------------------------------------------
// Awards one point per whole euro of the order. The service has no "revoke" command: points,
// once awarded, stay (the customer may already have spent them).
struct AwardLoyaltyPoints {
  static constexpr std::string_view kMessageName = "AwardLoyaltyPoints";
  std::int64_t consumer_id = 0;
  std::int64_t order_id = 0;
  std::int64_t points = 0;
  template <class A>
  void serialize(A& a) {
    a(CEREAL_NVP(consumer_id), CEREAL_NVP(order_id), CEREAL_NVP(points));
  }
  friend bool operator==(const AwardLoyaltyPoints&, const AwardLoyaltyPoints&) = default;
};

namespace loyalty_channel {
inline constexpr saga::Channel channel{"loyalty"};
inline constexpr auto award_points = saga::command<AwardLoyaltyPoints>(channel);
}  // namespace loyalty_channel

// --- command makers and reply handlers: the example's (examples/ftgo/create_order_steps.h) ----
using ftgo::make_approve_order;
using ftgo::make_authorize_card;
using ftgo::make_cancel_ticket;
using ftgo::make_confirm_ticket;
using ftgo::make_create_ticket;
using ftgo::make_reject_order;
using ftgo::make_validate_order;
using ftgo::on_card_authorized;
using ftgo::on_card_declined;
using ftgo::on_ticket_created;
using ftgo::on_ticket_rejected;
AwardLoyaltyPoints make_award_loyalty_points(const ftgo::CreateOrderData& d);

// The example's policies: a timed-out command is resent (same message_id) with back-off,
// without limit; a failed retriable step is retried every 50 ms until it succeeds.
saga::RetryPolicy resend_policy();
saga::RetryPolicy until_done_policy();
inline constexpr saga::Millis kReplyTimeout{2'000};

// The Create Order definition with `confirm_ticket_retry` as confirm_ticket's policy
// (exercise 5).
saga::DefinitionResult create_order_with_confirm_policy(const saga::RetryPolicy& confirm_retry);

// Exercise 7: version 3 of the Create Order definition, from a colleague's refactoring. It
// builds, it passes the scenario matrix's built-in checks, and it has a bug.
saga::DefinitionResult create_order_v3_definition();

}  // namespace workshop
