// The Cancel Order and Revise Order scenarios: an order is created (Create Order), then a
// cancel or a revision is asked for -- after Create Order ended, or while it is still running
// -- and every saga involved must end as expected. Shared by the demo and the integration
// test. Orders 9..15 (the Create Order walkthrough uses 1..8).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "failure_injection.h"
#include "kitchen_service.h"
#include "order_service.h"
#include "saga/instance.h"

namespace ftgo {

enum class Change : std::uint8_t { kCancel = 1, kRevise = 2 };

struct ChangeScenario {
  std::string name;         // "cancel"
  std::string explanation;  // one or two sentences for a newcomer
  OrderRequest order;       // created first, order_id set
  Change change = Change::kCancel;
  std::vector<LineItem> revised_items;  // kRevise
  std::int64_t revised_total_cents = 0;
  // The restaurant starts cooking (KitchenService::start_preparing) before the change is asked.
  bool prepare_first = false;
  // The change is asked right after Create Order started, without waiting for it; Create
  // Order is slowed down (AuthorizeCard delayed for this order) so that it is still running.
  bool during_create = false;

  // Expected: the change saga's end, and the order's final state and total.
  saga::Phase expected_phase = saga::Phase::kCompleted;
  std::string expected_reason;  // how the compensated change saga's reason starts
  std::string expected_state;   // "CANCELLED", "APPROVED"
  std::int64_t expected_total_cents = 0;
};

// The scenarios, orders 9..15.
std::vector<ChangeScenario> change_scenarios();

// How long Create Order's AuthorizeCard is delayed in the during_create scenarios.
inline constexpr saga::Millis kSlowCreate{600};

// The failure injection the scenarios need (the during_create delays), added to `plan`.
void add_change_injections(const std::vector<ChangeScenario>& scenarios, FailurePlan& plan);

struct ChangeResult {
  ChangeScenario scenario;
  std::string create_saga_id;
  std::string change_saga_id;
  saga::SagaInstance create_saga;  // as they ended
  saga::SagaInstance change_saga;
  OrderRecord order;  // the order afterwards
  bool ended = false;
  bool ok = false;
};

// The reason a change saga was rolled back: the failing step's reason, or the engine's
// refusal of its lock ("lock_held: order:14 held by order-14").
std::string change_reason(const std::string& last_reason);

// "CANCELLED", "APPROVED, revised to 37.85", "APPROVED (revise refused: lock_held)".
std::string expected_text(const ChangeScenario& scenario);
std::string actual_text(const ChangeResult& result);

// Runs each scenario in turn: creates the order, (waits for Create Order,) asks for the change,
// waits for every saga involved, reads the order. `kitchen` is the Kitchen service's database.
saga::Result<std::vector<ChangeResult>> run_change_scenarios(
    OrderService& service, KitchenService& kitchen, const std::vector<ChangeScenario>& scenarios,
    saga::Millis wait_timeout = saga::Millis{60'000});

}  // namespace ftgo
