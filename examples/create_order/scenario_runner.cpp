#include "scenario_runner.h"

#include <cstdio>

#include "ftgo/create_order_saga.h"

namespace ftgo {

saga::Result<std::vector<ScenarioResult>> run_scenarios(OrderService& service,
                                                        const std::vector<Scenario>& scenarios,
                                                        const RunOptions& options) {
  std::vector<ScenarioResult> results;
  results.reserve(scenarios.size());
  for (const Scenario& s : scenarios) {
    auto id = service.create_order(s.order);
    if (!id && id.status().code() != saga::StatusCode::kAlreadyExists) return id.status();
    ScenarioResult r;
    r.scenario = s;
    r.saga_id = saga_id_of_order(s.order.order_id);
    results.push_back(std::move(r));
  }
  std::size_t done = 0;
  for (ScenarioResult& r : results) {
    auto ended = service.engine().wait(r.saga_id, options.wait_timeout);
    if (ended) {
      r.saga = std::move(ended).value();
      r.ended = true;
    } else if (ended.status().code() == saga::StatusCode::kTimeout) {
      auto now = service.engine().get(r.saga_id);
      if (!now) return now.status();
      r.saga = std::move(now).value();
    } else {
      return ended.status();
    }
    auto state = service.order_state(r.scenario.order.order_id);
    if (!state) return state.status();
    r.order_state = std::move(state).value();
    r.ok = r.ended && matches(r.scenario, r.saga, r.order_state);
    if (options.progress) options.progress(++done, results.size());
  }
  return results;
}

const char* verdict(bool ok, bool ended) {
  if (ok) return "OK";
  return ended ? "MISMATCH" : "STILL RUNNING";
}

int run_orchestrator_process(OrchestratorConfig config) {
  auto service = OrderService::open(std::move(config.order));
  if (!service) {
    std::fprintf(stderr, "orchestrator: %s\n", service.status().to_string().c_str());
    return 2;
  }
  if (saga::Status started = service.value()->start(); !started) {
    std::fprintf(stderr, "orchestrator: start: %s\n", started.to_string().c_str());
    return 2;
  }
  std::printf("orchestrator: started\n");
  std::fflush(stdout);
  auto results = run_scenarios(*service.value(), config.scenarios, config.run);
  if (!results) {
    std::fprintf(stderr, "orchestrator: %s\n", results.status().to_string().c_str());
    return 2;
  }
  int mismatches = 0;
  int running = 0;
  for (const ScenarioResult& r : results.value()) {
    if (!r.ok) ++(r.ended ? mismatches : running);
    std::printf("%-10s %-18s expected %-32s got %-32s %s\n", r.saga_id.c_str(),
                r.scenario.name.c_str(), expected_text(r.scenario).c_str(),
                actual_text(r.saga, r.order_state).c_str(), verdict(r.ok, r.ended));
  }
  std::printf("orchestrator: %zu orders, %d mismatch(es), %d still running\n",
              results.value().size(), mismatches, running);
  std::fflush(stdout);
  service.value()->stop();
  if (mismatches > 0) return 1;
  return running == 0 ? 0 : 3;
}

}  // namespace ftgo
