// The scenario matrix: the standard failure scenarios of a definition, generated and checked.
//
// run_scenario_matrix(definition, config) derives from the definition's steps
//   happy_path                      every command answered with its happy reply
//   action_fails/<step>             the step's action always fails (retriable: until its
//                                   policy is exhausted, then an operator retry succeeds)
//   action_fails_then_succeeds/<s>  retriable steps: fails while the policy allows, then succeeds
//   compensation_fails/<step>       a later step at or before the pivot fails; this step's
//                                   compensation fails k times, then succeeds
//   compensation_exhausted/<step>   the same, beyond its policy: kFailed, then an operator retry
//   reply_duplicated/<step>         every reply to the step's action is delivered twice
//   action_times_out/<step>         the action is never answered until the policy is exhausted
//   cancelled/<step>                cancel() while the step's action is out: before the point
//                                   of no return (point_of_no_return, decide.h) the saga ends
//                                   compensated, the step's own compensation included (its
//                                   outcome is unknown); past it the cancel is refused
//                                   (kFailedPrecondition) and the saga completes; a wait
//                                   step is cancelled while it waits for its event
// and for every wait step (scenario_matrix_events.cpp; every other scenario delivers the
// event on time when the saga waits for it):
//   event_early/<step>              the event is delivered right after the start, before the
//                                   saga waits: kept, then taken when it does; ends completed
//   event_late/<step>               the time limit passes, then the event comes: refused
//                                   (kFailedPrecondition), nothing changes; the saga ends as
//                                   the timeout says (compensated, or completed going on)
//   event_duplicated/<step>         the same event id is delivered twice: the second is a
//                                   duplicate and changes nothing; ends completed
//   event_never/<step>              the event never comes: as event_late without the event
// runs each with a SagaHarness (decide() only, virtual time), and checks the built-in
// invariants: the expected end phase (completed; compensated when a step at or before the pivot
// fails; failed when a retriable step's or a compensation's policy is exhausted); compensations
// run newest first over exactly the completed steps that have one, never for the failing step
// (except after timeouts: its outcome is unknown, so its own compensation runs), never for a
// pivot or retriable step; a duplicate reply changes nothing. A user callback adds checks.
//
// Happy replies come from `ScenarioConfig::replies` by command name (a factory gets the command
// and returns the reply's name and body); commands without one get an empty body.
//
// Some scenarios cannot end for some definitions, and are left out rather than run forever;
// the report names each one and why (ScenarioReport::omitted, printed as "skip" lines):
//   action_fails/<s>, action_times_out/<s>   the step's retry policy is unlimited (a retriable
//                                            step is retried forever; a command nobody answers
//                                            is resent forever)
//   action_fails_then_succeeds/<s>           the retriable step's policy allows one send
//   compensation_fails/<s>                   the compensation's policy allows one send
//   compensation_exhausted/<s>               the compensation's policy is unlimited (the default)
//   compensation_*/<s>                       no later step at or before the pivot sends a
//                                            command that can fail, so the compensation never runs
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "saga/body_codec.h"
#include "saga/definition.h"
#include "saga/message.h"
#include "saga/testing/harness.h"

namespace saga::testing {

struct ReplyBody {
  std::string name;
  std::string body;
};
using ReplyFactory = std::function<ReplyBody(const Envelope& command)>;

enum class ScenarioKind : std::uint8_t {
  kHappyPath,
  kActionFails,
  kActionFailsThenSucceeds,
  kCompensationFails,
  kCompensationExhausted,
  kReplyDuplicated,
  kActionTimesOut,
  kCancelled,
  kEventEarly,
  kEventLate,
  kEventDuplicated,
  kEventNever,
};
std::string_view to_string(ScenarioKind kind);

struct Scenario {
  ScenarioKind kind = ScenarioKind::kHappyPath;
  std::size_t step = 0;     // the step the fault hits
  std::size_t trigger = 0;  // compensation scenarios: the later step whose action fails
  int failures = 0;         // how many deliveries fail (-1: all)
  std::string name;         // "action_fails/create_ticket"
};

// A scenario the matrix left out for this definition, and why.
struct OmittedScenario {
  std::string name;    // "compensation_exhausted/create_ticket"
  std::string reason;  // "the compensation's retry policy is unlimited: ..."
};

struct ScenarioPlan {
  std::vector<Scenario> scenarios;       // what run_scenario_matrix runs
  std::vector<OmittedScenario> omitted;  // what it leaves out
};

struct ScenarioOutcome {
  Scenario scenario;
  Phase phase = Phase::kNotStarted;
  bool operator_retried = false;  // the run needed (and got) an operator retry
  std::vector<SentCommand> commands;
  std::vector<HistoryEntry> history;
  std::string data;
  std::vector<std::string> problems;  // empty: the scenario passed
  bool passed() const { return problems.empty(); }
  // The compensations run, as step names, in order (resends and retries counted once).
  std::vector<std::string> compensated_steps() const;
};

struct ScenarioReport {
  std::vector<ScenarioOutcome> outcomes;
  std::vector<OmittedScenario> omitted;
  std::size_t failed() const;
  bool ok() const { return failed() == 0; }
  // One line per scenario ("ok" or "FAIL" with its problems and command sequence), then one
  // "skip <name>: <reason>" line per omitted scenario.
  std::string to_string() const;
};

// An external event's payload, for wait steps (ScenarioConfig::events).
struct EventBody {
  ContentType content_type = ContentType::kCerealBinary;
  std::string body;
};

struct ScenarioConfig {
  std::string start_data;  // the saga data, encoded as the definition expects
  std::map<std::string, ReplyFactory, std::less<>> replies;  // happy replies by command name
  // The events wait steps wait for, by event name (none: an empty body).
  std::map<std::string, EventBody, std::less<>> events;
  std::string failure_reason = "scenario_failure";
  int compensation_failures = 2;  // k in compensation_fails (capped below the policy)
  int max_inputs = 10'000;        // per scenario; more is reported as a loop
  // Extra expectations, called for every scenario after the built-in checks; add problems.
  std::function<void(ScenarioOutcome& outcome)> expect;

  template <typename T>
  void start_with(const T& data) {
    start_data = encode_body(data).value();
  }
  // The event E (E::kMessageName) that wait steps get is `payload` (cereal portable binary).
  template <Message E>
  void event_with(const E& payload) {
    events[std::string(E::kMessageName)] =
        EventBody{ContentType::kCerealBinary, encode_body(payload).value()};
  }
  // The happy reply to `command` is `reply`, encoded as the command's content type.
  template <Message Reply>
  void reply_with(const std::string& command, Reply reply) {
    replies[command] = [reply](const Envelope& c) {
      return ReplyBody{std::string(Reply::kMessageName),
                       encode_body(reply, c.content_type).value()};
    };
  }
};

// The scenarios the matrix runs for `definition`, and those it leaves out with the reason.
ScenarioPlan plan_scenarios(const SagaDefinition& definition, const ScenarioConfig& config);
// plan_scenarios(...).scenarios.
std::vector<Scenario> scenarios_for(const SagaDefinition& definition, const ScenarioConfig& config);

// Runs every scenario and checks it. Never aborts; problems are in the report.
ScenarioReport run_scenario_matrix(std::shared_ptr<const SagaDefinition> definition,
                                   const ScenarioConfig& config);

// For GoogleTest: success (its message lists the omitted scenarios), or a failure listing the
// failed scenarios and the omitted ones.
::testing::AssertionResult scenarios_pass(std::shared_ptr<const SagaDefinition> definition,
                                          const ScenarioConfig& config);

}  // namespace saga::testing

#define EXPECT_SCENARIOS_PASS(definition, config) \
  EXPECT_TRUE(::saga::testing::scenarios_pass((definition), (config)))
