#include "scenarios.h"

#include <random>

#include "ftgo/create_order_saga.h"
#include "seed_data.h"

namespace ftgo {
namespace {

OrderRequest order(std::int64_t consumer, std::int64_t restaurant, std::vector<LineItem> items,
                   std::int64_t total_cents) {
  OrderRequest r;
  r.consumer_id = consumer;
  r.restaurant_id = restaurant;
  r.line_items = std::move(items);
  r.total_cents = total_cents;
  return r;
}

const std::vector<LineItem> kCurryNight{{"vindaloo", 2}, {"naan", 1}};  // 29.40

Scenario happy() {
  return {"happy path",
          "Ada orders curry; every service says yes.",
          order(kConsumerAda, kRestaurantAjanta, kCurryNight, 2940),
          Expected::kApproved,
          "",
          std::nullopt};
}
Scenario consumer_disabled() {
  return {"consumer invalid",
          "Carol's account is disabled: the Consumer service says no.",
          order(kConsumerCarol, kRestaurantAjanta, kCurryNight, 2940),
          Expected::kRejected,
          "consumer_disabled",
          std::nullopt};
}
Scenario kitchen_rejects() {
  return {"kitchen rejects",
          "The Closed Diner is closed: no ticket is created.",
          order(kConsumerAda, kRestaurantClosed, {{"burger", 1}}, 999),
          Expected::kRejected,
          "restaurant_closed",
          std::nullopt};
}
Scenario card_declined() {
  return {"card declined",
          "Bob's card limit is 20.00: the ticket is cancelled.",
          order(kConsumerBob, kRestaurantAjanta, kCurryNight, 2940),
          Expected::kRejected,
          "card_declined",
          std::nullopt};
}
Scenario confirm_retried() {
  return {"confirm retried",
          "ConfirmCreateTicket fails twice after the pivot; retried.",
          order(kConsumerAda, kRestaurantAjanta, {{"samosa", 3}}, 1485),
          Expected::kApproved,
          "",
          FailureRule{"ConfirmCreateTicket", "", 2}};
}
Scenario unknown_consumer() {
  return {"unknown consumer",
          "Consumer 99 does not exist.",
          order(kConsumerUnknown, kRestaurantAjanta, kCurryNight, 2940),
          Expected::kRejected,
          "consumer_invalid",
          std::nullopt};
}
Scenario unknown_item() {
  return {"unknown menu item",
          "Ajanta does not sell burgers.",
          order(kConsumerAda, kRestaurantAjanta, {{"burger", 1}}, 999),
          Expected::kRejected,
          "unknown_menu_item",
          std::nullopt};
}
Scenario card_expired() {
  return {"card expired",
          "Dan's card expired in 2020: the ticket is cancelled.",
          order(kConsumerDan, kRestaurantAjanta, kCurryNight, 2940),
          Expected::kRejected,
          "card_expired",
          std::nullopt};
}

Scenario with_id(Scenario s, std::int64_t id) {
  s.order.order_id = id;
  if (s.injected) s.injected->saga_id = saga_id_of_order(id);
  return s;
}

}  // namespace

std::vector<Scenario> demo_scenarios() {
  std::vector<Scenario> all{happy(),         consumer_disabled(), kitchen_rejects(),
                            card_declined(), confirm_retried(),   unknown_consumer(),
                            unknown_item(),  card_expired()};
  for (std::size_t i = 0; i < all.size(); ++i) {
    all[i] = with_id(std::move(all[i]), static_cast<std::int64_t>(i + 1));
  }
  return all;
}

std::vector<Scenario> mixed_scenarios(std::size_t count, std::uint64_t seed,
                                      std::int64_t first_id) {
  // Mostly happy orders; one in two something else.
  const std::vector<Scenario> kinds{happy(),           happy(),         happy(),
                                    happy(),           happy(),         consumer_disabled(),
                                    kitchen_rejects(), card_declined(), confirm_retried(),
                                    unknown_item()};
  std::mt19937_64 random(seed);
  std::vector<Scenario> all;
  all.reserve(count);
  for (std::size_t i = 0; i < count; ++i) {
    all.push_back(with_id(kinds[random() % kinds.size()], first_id + static_cast<std::int64_t>(i)));
  }
  return all;
}

void add_injections(const std::vector<Scenario>& scenarios, FailurePlan& plan) {
  for (const Scenario& s : scenarios) {
    if (s.injected) plan.fail.push_back(*s.injected);
  }
}

std::string expected_text(const Scenario& s) {
  if (s.expected == Expected::kApproved) return "APPROVED";
  return "REJECTED (" + s.expected_reason + ")";
}

std::string business_reason(const std::string& last_reason) {
  // The engine writes "step 'create_ticket': restaurant_closed".
  const std::size_t colon = last_reason.rfind("': ");
  return colon == std::string::npos ? last_reason : last_reason.substr(colon + 3);
}

std::string actual_text(const saga::SagaInstance& saga, const std::string& order_state) {
  std::string text = order_state;
  if (saga.phase == saga::Phase::kCompensated) {
    text += " (" + business_reason(saga.last_reason) + ")";
  }
  if (saga.phase != saga::Phase::kCompleted && saga.phase != saga::Phase::kCompensated) {
    text += ", saga " + std::string(to_string(saga.phase));
  }
  return text;
}

bool matches(const Scenario& s, const saga::SagaInstance& saga, const std::string& order_state) {
  return actual_text(saga, order_state) == expected_text(s) &&
         (s.expected == Expected::kApproved ? saga.phase == saga::Phase::kCompleted
                                            : saga.phase == saga::Phase::kCompensated);
}

}  // namespace ftgo
