#include "change_scenarios.h"

#include "control_scenarios.h"
#include "domain_state.h"
#include "ftgo/cancel_order_saga.h"
#include "ftgo/create_order_saga.h"
#include "ftgo/revise_order_saga.h"
#include "scenarios.h"
#include "seed_data.h"

namespace ftgo {
namespace {

OrderRequest order(std::int64_t id, std::int64_t consumer, std::vector<LineItem> items,
                   std::int64_t total_cents) {
  OrderRequest r;
  r.order_id = id;
  r.consumer_id = consumer;
  r.restaurant_id = kRestaurantAjanta;
  r.line_items = std::move(items);
  r.total_cents = total_cents;
  return r;
}

const std::vector<LineItem> kCurryNight{{"vindaloo", 2}, {"naan", 1}};  // 29.40
const std::vector<LineItem> kBiggerCurryNight{
    {"vindaloo", 2}, {"naan", 2}, {"samosa", 1}};           // 37.85
const std::vector<LineItem> kSamosas{{"samosa", 3}};        // 14.85
const std::vector<LineItem> kPartyCurry{{"vindaloo", 10}};  // 129.50

std::string change_name(Change c) { return c == Change::kCancel ? "cancel" : "revise"; }

// Whether the change saga's reason is the scenario's ("lock_held" matches
// "lock_held: order:14 held by order-14").
bool reason_matches(const saga::SagaInstance& saga, const std::string& expected) {
  return expected.empty() || change_reason(saga.last_reason).starts_with(expected);
}

}  // namespace

std::vector<ChangeScenario> change_scenarios() {
  std::vector<ChangeScenario> all;
  {
    ChangeScenario s;
    s.name = "cancel";
    s.explanation =
        "Ada cancels an approved order: the ticket is cancelled, then the payment reversed.";
    s.order = order(9, kConsumerAda, kCurryNight, 2940);
    s.expected_state = "CANCELLED";
    s.expected_total_cents = 2940;
    all.push_back(s);
  }
  {
    ChangeScenario s;
    s.name = "cancel too late";
    s.explanation =
        "The restaurant is already preparing the food: the kitchen refuses, the order is "
        "APPROVED again.";
    s.order = order(10, kConsumerAda, kCurryNight, 2940);
    s.prepare_first = true;
    s.expected_phase = saga::Phase::kCompensated;
    s.expected_reason = "ticket_being_prepared";
    s.expected_state = "APPROVED";
    s.expected_total_cents = 2940;
    all.push_back(s);
  }
  {
    ChangeScenario s;
    s.name = "revise";
    s.explanation =
        "Ada adds a naan and a samosa: ticket, authorization and order all take the new "
        "total.";
    s.order = order(11, kConsumerAda, kCurryNight, 2940);
    s.change = Change::kRevise;
    s.revised_items = kBiggerCurryNight;
    s.revised_total_cents = 3785;
    s.expected_state = "APPROVED";
    s.expected_total_cents = 3785;
    all.push_back(s);
  }
  {
    ChangeScenario s;
    s.name = "revise declined";
    s.explanation =
        "Bob's 14.85 order fits his card's 20.00 limit; 29.40 does not: the re-authorization "
        "is declined and the revision rolled back.";
    s.order = order(12, kConsumerBob, kSamosas, 1485);
    s.change = Change::kRevise;
    s.revised_items = kCurryNight;
    s.revised_total_cents = 2940;
    s.expected_phase = saga::Phase::kCompensated;
    s.expected_reason = "card_declined";
    s.expected_state = "APPROVED";
    s.expected_total_cents = 1485;
    all.push_back(s);
  }
  {
    ChangeScenario s;
    s.name = "cancel during create";
    s.explanation =
        "Ada cancels while Create Order is still running, at its slow AuthorizeCard: past its "
        "pivot, so the engine refuses to cancel it. Create Order holds the engine lock "
        "order:13; the Cancel Order saga waits for it, runs once the order is APPROVED, and "
        "cancels it.";
    s.order = order(13, kConsumerAda, kCurryNight, 2940);
    s.during_create = true;
    s.expected_state = "CANCELLED";
    s.expected_total_cents = 2940;
    all.push_back(s);
  }
  {
    ChangeScenario s;
    s.name = "revise during create";
    s.explanation =
        "Ada revises her 29.40 order to 37.85 while Create Order is still running. By value: "
        "a revision under 100.00 does not wait for the lock; it fails fast (lock_held) and "
        "the order stays as created.";
    s.order = order(14, kConsumerAda, kCurryNight, 2940);
    s.change = Change::kRevise;
    s.revised_items = kBiggerCurryNight;
    s.revised_total_cents = 3785;
    s.during_create = true;
    s.expected_phase = saga::Phase::kCompensated;
    s.expected_reason = "lock_held";
    s.expected_state = "APPROVED";
    s.expected_total_cents = 2940;
    all.push_back(s);
  }
  {
    ChangeScenario s;
    s.name = "big revise during create";
    s.explanation =
        "Ada revises her order to ten vindaloos (129.50) while Create Order is still running. "
        "By value: 100.00 or more is worth the wait; the revision waits for the lock, then "
        "runs.";
    s.order = order(15, kConsumerAda, kCurryNight, 2940);
    s.change = Change::kRevise;
    s.revised_items = kPartyCurry;
    s.revised_total_cents = 12950;
    s.during_create = true;
    s.expected_state = "APPROVED";
    s.expected_total_cents = 12950;
    all.push_back(s);
  }
  return all;
}

void add_change_injections(const std::vector<ChangeScenario>& scenarios, FailurePlan& plan) {
  for (const ChangeScenario& s : scenarios) {
    if (s.during_create) {
      plan.delay["AuthorizeCard@" + saga_id_of_order(s.order.order_id)] = kSlowCreate;
    }
  }
}

std::string change_reason(const std::string& last_reason) {
  // A refused saga lock: "saga locks: lock_held: order:14 held by order-14".
  constexpr std::string_view kSagaLocks = "saga locks: ";
  if (last_reason.starts_with(kSagaLocks)) return last_reason.substr(kSagaLocks.size());
  return business_reason(last_reason);
}

std::string expected_text(const ChangeScenario& s) {
  std::string text = s.expected_state;
  if (s.expected_phase == saga::Phase::kCompensated) {
    return text + " (" + change_name(s.change) + " refused: " + s.expected_reason + ")";
  }
  if (s.change == Change::kRevise) text += ", revised to " + money(s.expected_total_cents);
  return text;
}

std::string actual_text(const ChangeResult& r) {
  std::string text = r.order.state;
  const saga::SagaInstance& saga = r.change_saga;
  if (saga.phase == saga::Phase::kCompensated) {
    std::string reason = change_reason(saga.last_reason);
    // Only as much of the reason as the scenario expects ("lock_held", not who holds it).
    if (!r.scenario.expected_reason.empty() && reason.starts_with(r.scenario.expected_reason)) {
      reason = r.scenario.expected_reason;
    }
    text += " (" + change_name(r.scenario.change) + " refused: " + reason + ")";
  } else if (saga.phase != saga::Phase::kCompleted) {
    text += ", " + change_name(r.scenario.change) + " saga " + std::string(to_string(saga.phase));
  } else if (r.scenario.change == Change::kRevise) {
    text += ", revised to " + money(r.order.total_cents);
  }
  if (r.create_saga.phase != saga::Phase::kCompleted) {
    text += ", create saga " + std::string(to_string(r.create_saga.phase));
  }
  return text;
}

saga::Result<std::vector<ChangeResult>> run_change_scenarios(
    OrderService& service, KitchenService& kitchen, const std::vector<ChangeScenario>& scenarios,
    saga::Millis wait_timeout) {
  std::vector<ChangeResult> results;
  // Waits for a saga; a wait that times out reads the saga as it is and counts as not ended.
  auto wait = [&](const std::string& id, saga::SagaInstance& out) -> saga::Result<bool> {
    auto ended = service.engine().wait(id, wait_timeout);
    if (ended) {
      out = std::move(ended).value();
      return true;
    }
    if (ended.status().code() != saga::StatusCode::kTimeout) return ended.status();
    auto now = service.engine().get(id);
    if (!now) return now.status();
    out = std::move(now).value();
    return false;
  };
  for (const ChangeScenario& s : scenarios) {
    ChangeResult r;
    r.scenario = s;
    auto created = service.create_order(s.order);
    if (!created && created.status().code() != saga::StatusCode::kAlreadyExists) {
      return created.status();
    }
    r.create_saga_id = saga_id_of_order(s.order.order_id);
    bool create_ended = false;
    if (!s.during_create) {
      auto w = wait(r.create_saga_id, r.create_saga);
      if (!w) return w.status();
      create_ended = w.value();
      if (s.prepare_first) {
        if (saga::Status st = kitchen.start_preparing(s.order.order_id); !st) return st;
      }
    }
    // A cancel before Create Order's pivot would cancel Create Order itself
    // (create_order_cancel.h): this scenario asks once AuthorizeCard is out.
    if (s.during_create && s.change == Change::kCancel) {
      if (saga::Status st = wait_until_at_step(service.engine(), service.definition(),
                                               r.create_saga_id, "authorize_card");
          !st) {
        return st;
      }
    }
    auto started =
        s.change == Change::kCancel
            ? service.cancel_order(s.order.order_id)
            : service.revise_order(s.order.order_id, s.revised_items, s.revised_total_cents);
    if (!started) return started.status();
    r.change_saga_id = started.value();
    auto change_ended = wait(r.change_saga_id, r.change_saga);
    if (!change_ended) return change_ended.status();
    if (s.during_create) {
      auto w = wait(r.create_saga_id, r.create_saga);
      if (!w) return w.status();
      create_ended = w.value();
    }
    auto o = service.order(s.order.order_id);
    if (!o) return o.status();
    r.order = std::move(o).value();
    r.ended = create_ended && change_ended.value();
    r.ok = r.ended && r.create_saga.phase == saga::Phase::kCompleted &&
           r.change_saga.phase == s.expected_phase &&
           reason_matches(r.change_saga, s.expected_reason) && r.order.state == s.expected_state &&
           r.order.total_cents == s.expected_total_cents;
    results.push_back(std::move(r));
  }
  return results;
}

}  // namespace ftgo
