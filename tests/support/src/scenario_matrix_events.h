// The scenario matrix's wait steps (scenario_matrix.h): which event scenarios each wait step
// gets, how a run drives a saga that waits for an event, and what each event scenario expects.
// Internal to the matrix (scenario_matrix.cpp holds the hooks).
#pragma once

#include <string>
#include <vector>

#include "saga/testing/harness.h"
#include "saga/testing/scenario_matrix.h"

namespace saga::testing::matrix_events {

bool is_event_kind(ScenarioKind kind);

// Appends, for every wait step, event_early/<s>, event_late/<s>, event_duplicated/<s>,
// event_never/<s> and cancelled/<s>.
void plan(const SagaDefinition& definition, std::vector<Scenario>& out);

// One run's events.
class Driver {
 public:
  Driver(const SagaDefinition& definition, const ScenarioConfig& config, Scenario scenario)
      : def_(definition), config_(config), sc_(std::move(scenario)) {}

  // Right after the saga started: event_early delivers its event now (kept until the saga
  // reaches its wait step).
  void at_start(SagaHarness& h);
  // The saga waits for an event (Wait::kEvent). By default the event comes on time; at the
  // scenario's step: cancelled/<s> cancels instead (cancel_tried, cancel_status), event_never
  // lets the time limit pass, event_late lets it pass and then delivers (which must be
  // refused), event_duplicated delivers the same event id twice (the second must change
  // nothing). False when the run is over.
  bool at_wait(SagaHarness& h, bool& cancel_tried, Status& cancel_status);

  struct Expectation {
    Phase phase = Phase::kCompleted;
    bool compensates = false;  // the steps before the wait step are compensated
  };
  // After the run: what the event scenario expects; its own problems go to `problems`.
  Expectation check(const ScenarioOutcome& out, std::vector<std::string>& problems) const;

 private:
  Result<EventDisposition> deliver(SagaHarness& h, const std::string& name,
                                   const std::string& event_id) const;
  bool in_history(const ScenarioOutcome& out, Event event) const;

  const SagaDefinition& def_;
  const ScenarioConfig& config_;
  Scenario sc_;
  std::vector<std::string> problems_;  // found while running
  bool early_sent_ = false;
  bool late_refused_ = false;
  bool duplicate_ignored_ = false;
  bool timed_out_ = false;
};

}  // namespace saga::testing::matrix_events
