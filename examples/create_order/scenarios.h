// The demo's scenarios: an order, the failure injected for it (if any), and the outcome it must
// have. Shared by the demo, the integration test and the crash test.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "failure_injection.h"
#include "order_service.h"
#include "saga/instance.h"

namespace ftgo {

enum class Expected : std::uint8_t { kApproved = 1, kRejected = 2 };

struct Scenario {
  std::string name;         // "happy path"
  std::string explanation;  // one sentence for a newcomer
  OrderRequest order;       // order_id set
  Expected expected = Expected::kApproved;
  std::string expected_reason;          // why it is rejected ("card_declined")
  std::optional<FailureRule> injected;  // scoped to this order's saga
};

// The five scenarios of the walkthrough (plus three more business rules), orders 1..8.
std::vector<Scenario> demo_scenarios();

// `count` orders with a mix of outcomes (mostly happy), ids first_id.., deterministic in `seed`.
std::vector<Scenario> mixed_scenarios(std::size_t count, std::uint64_t seed,
                                      std::int64_t first_id = 1);

// The failure rules the scenarios need, added to `plan`.
void add_injections(const std::vector<Scenario>& scenarios, FailurePlan& plan);

// "APPROVED", "REJECTED (card_declined)": what the scenario expects.
std::string expected_text(const Scenario& scenario);

// The business reason in an instance's last_reason.
std::string business_reason(const std::string& last_reason);

// What actually happened, from the saga and the order's state, in the same words as
// expected_text; and whether it matches.
std::string actual_text(const saga::SagaInstance& saga, const std::string& order_state);
bool matches(const Scenario& scenario, const saga::SagaInstance& saga,
             const std::string& order_state);

}  // namespace ftgo
