// Placing the scenarios' orders through the Order service and waiting for their sagas.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "order_service.h"
#include "scenarios.h"

namespace ftgo {

struct ScenarioResult {
  Scenario scenario;
  std::string saga_id;
  saga::SagaInstance saga;  // as it ended (or as it was when the wait timed out)
  std::string order_state;
  bool ended = false;  // the saga completed or was compensated
  bool ok = false;     // ended as the scenario expects
};

// "OK", "MISMATCH" (ended otherwise than expected) or "STILL RUNNING" (not ended within the
// wait: not a mismatch, its outcome is not known yet).
const char* verdict(bool ok, bool ended);

struct RunOptions {
  saga::Millis wait_timeout{60'000};  // per saga
  // Called after each saga ended (done, total), from the calling thread.
  std::function<void(std::size_t, std::size_t)> progress;
};

// Creates every scenario's order (an order that exists already — a restart — is not created
// again) and waits for every saga. Errors are the Order service's or the engine's.
saga::Result<std::vector<ScenarioResult>> run_scenarios(OrderService& service,
                                                        const std::vector<Scenario>& scenarios,
                                                        const RunOptions& options = {});

struct OrchestratorConfig {
  OrderServiceOptions order;        // the Order service with the embedded engine
  std::vector<Scenario> scenarios;  // the orders to place
  RunOptions run;
};

// The main of the orchestrator process (the Order service with its engine): starts (restarting
// the sagas of orders left without one), places the orders not placed yet, waits for them all,
// prints one line per order and returns 0 when every saga ended as expected, 1 when one ended
// otherwise, 3 when none did but some were still running when the wait ran out.
int run_orchestrator_process(OrchestratorConfig config);

}  // namespace ftgo
