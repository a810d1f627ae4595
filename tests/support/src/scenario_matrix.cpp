// The scenario matrix: generation, a scripted driver over SagaHarness, built-in checks.
#include "saga/testing/scenario_matrix.h"

#include <algorithm>
#include <set>
#include <sstream>
#include <utility>

#include "scenario_matrix_events.h"

namespace saga::testing {

std::string_view to_string(ScenarioKind kind) {
  switch (kind) {
    case ScenarioKind::kHappyPath:
      return "happy_path";
    case ScenarioKind::kActionFails:
      return "action_fails";
    case ScenarioKind::kActionFailsThenSucceeds:
      return "action_fails_then_succeeds";
    case ScenarioKind::kCompensationFails:
      return "compensation_fails";
    case ScenarioKind::kCompensationExhausted:
      return "compensation_exhausted";
    case ScenarioKind::kReplyDuplicated:
      return "reply_duplicated";
    case ScenarioKind::kActionTimesOut:
      return "action_times_out";
    case ScenarioKind::kEventEarly:
      return "event_early";
    case ScenarioKind::kEventLate:
      return "event_late";
    case ScenarioKind::kEventDuplicated:
      return "event_duplicated";
    case ScenarioKind::kEventNever:
      return "event_never";
    case ScenarioKind::kCancelled:
      return "cancelled";
  }
  return "unknown";
}

std::vector<std::string> ScenarioOutcome::compensated_steps() const {
  std::vector<std::string> out;
  for (const SentCommand& c : commands) {
    // Resends and retries of the compensation being run are one compensation.
    if (c.envelope.compensation && (out.empty() || out.back() != c.envelope.step)) {
      out.push_back(c.envelope.step);
    }
  }
  return out;
}

std::size_t ScenarioReport::failed() const {
  return static_cast<std::size_t>(
      std::count_if(outcomes.begin(), outcomes.end(), [](const auto& o) { return !o.passed(); }));
}

namespace {

std::string join(const std::vector<std::string>& items) {
  std::string s;
  for (const std::string& x : items) s += (s.empty() ? "" : ", ") + x;
  return "[" + s + "]";
}

}  // namespace

std::string ScenarioReport::to_string() const {
  std::ostringstream out;
  out << outcomes.size() << " scenarios, " << failed() << " failed\n";
  for (const ScenarioOutcome& o : outcomes) {
    out << (o.passed() ? "  ok   " : "  FAIL ") << o.scenario.name << " -> "
        << saga::to_string(o.phase) << (o.operator_retried ? " (after an operator retry)" : "")
        << "\n";
    if (o.passed()) continue;
    for (const std::string& p : o.problems) out << "         " << p << "\n";
    std::vector<std::string> labels;
    for (const SentCommand& c : o.commands) labels.push_back(c.label());
    out << "         commands: " << join(labels) << "\n";
  }
  if (!omitted.empty()) out << omitted.size() << " left out\n";
  for (const OmittedScenario& o : omitted) out << "  skip " << o.name << ": " << o.reason << "\n";
  return out.str();
}

namespace {

Scenario make(ScenarioKind kind, const SagaDefinition& def, std::size_t step, int failures = 0,
              std::size_t trigger = 0) {
  return Scenario{kind, step, trigger, failures,
                  std::string(to_string(kind)) + "/" + def.steps[step].name};
}

bool finite(const RetryPolicy& p) { return p.maximum_attempts != 0; }

// The step after `i`, at or before the pivot, whose failing action rolls `i` back.
std::optional<std::size_t> trigger_for(const SagaDefinition& def, std::size_t i) {
  const std::optional<std::size_t> pivot = def.pivot_index();
  if (!pivot) return std::nullopt;
  for (std::size_t j = i + 1; j <= *pivot && j < def.steps.size(); ++j) {
    if (def.steps[j].action && def.steps[j].kind != StepKind::kRetriable) return j;
  }
  return std::nullopt;
}

}  // namespace

ScenarioPlan plan_scenarios(const SagaDefinition& def, const ScenarioConfig& config) {
  ScenarioPlan plan;
  std::vector<Scenario>& out = plan.scenarios;
  const auto omit = [&](ScenarioKind kind, std::size_t step, std::string reason) {
    plan.omitted.push_back(OmittedScenario{
        std::string(to_string(kind)) + "/" + def.steps[step].name, std::move(reason)});
  };
  out.push_back(Scenario{ScenarioKind::kHappyPath, 0, 0, 0, "happy_path"});
  for (std::size_t i = 0; i < def.steps.size(); ++i) {
    const StepDefinition& st = def.steps[i];
    if (st.action) {
      const bool retriable = st.kind == StepKind::kRetriable;
      if (!retriable || finite(st.retry)) {
        out.push_back(make(ScenarioKind::kActionFails, def, i, -1));
      } else {
        omit(ScenarioKind::kActionFails, i,
             "the step's retry policy is unlimited: a failing retriable step is retried forever "
             "and never ends failed");
      }
      if (retriable && st.retry.maximum_attempts != 1) {
        const int k = finite(st.retry) ? static_cast<int>(st.retry.maximum_attempts) - 1 : 2;
        out.push_back(make(ScenarioKind::kActionFailsThenSucceeds, def, i, k));
      } else if (retriable) {
        omit(ScenarioKind::kActionFailsThenSucceeds, i,
             "the step's retry policy allows one send: a failure is never retried");
      }
      out.push_back(make(ScenarioKind::kReplyDuplicated, def, i));
      if (finite(st.retry)) {
        out.push_back(make(ScenarioKind::kActionTimesOut, def, i));
      } else {
        omit(ScenarioKind::kActionTimesOut, i,
             "the step's retry policy is unlimited: a command nobody answers is resent forever");
      }
      out.push_back(make(ScenarioKind::kCancelled, def, i));
    }
    if (!st.compensation) continue;
    const std::optional<std::size_t> trigger = trigger_for(def, i);
    if (!trigger) {
      const std::string why =
          "no later step at or before the pivot sends a command that can fail, so this "
          "compensation never runs";
      omit(ScenarioKind::kCompensationFails, i, why);
      omit(ScenarioKind::kCompensationExhausted, i, why);
      continue;
    }
    const RetryPolicy& p = st.compensation_retry;
    int k = config.compensation_failures;
    if (finite(p)) k = std::min(k, static_cast<int>(p.maximum_attempts) - 1);
    if (k > 0) {
      out.push_back(make(ScenarioKind::kCompensationFails, def, i, k, *trigger));
    } else {
      omit(ScenarioKind::kCompensationFails, i,
           finite(p) ? "the compensation's retry policy allows one send: a failure is never "
                       "retried"
                     : "ScenarioConfig::compensation_failures is 0");
    }
    if (finite(p)) {
      out.push_back(make(ScenarioKind::kCompensationExhausted, def, i,
                         static_cast<int>(p.maximum_attempts), *trigger));
    } else {
      omit(ScenarioKind::kCompensationExhausted, i,
           "the compensation's retry policy is unlimited (the default): a failing compensation "
           "is retried forever and never ends failed");
    }
  }
  matrix_events::plan(def, out);  // wait steps: event_*/<s>, cancelled/<s>
  return plan;
}

std::vector<Scenario> scenarios_for(const SagaDefinition& def, const ScenarioConfig& config) {
  return plan_scenarios(def, config).scenarios;
}

namespace {

enum class Answer { kSuccess, kFailure, kSilent };

class ScenarioRun {
 public:
  ScenarioRun(std::shared_ptr<const SagaDefinition> def, const ScenarioConfig& config,
              const Scenario& scenario)
      : def_(*def), config_(config), h_(def, harness_options()), events_(*def, config, scenario) {
    out_.scenario = scenario;
  }

  ScenarioOutcome run() {
    h_.start(config_.start_data);
    events_.at_start(h_);
    int inputs = 0;
    for (; inputs < config_.max_inputs && step(); ++inputs) {
    }
    if (inputs == config_.max_inputs) problem("no end after " + std::to_string(inputs) + " inputs");
    out_.phase = h_.instance().phase;
    out_.commands = h_.commands();
    out_.history = h_.history();
    out_.data = h_.instance().data;
    check();
    if (config_.expect) config_.expect(out_);
    return std::move(out_);
  }

 private:
  HarnessOptions harness_options() {
    HarnessOptions o;
    o.on_error = [this](const std::string& e) { problem("harness: " + e); };
    return o;
  }
  void problem(std::string p) { out_.problems.push_back(std::move(p)); }
  const Scenario& sc() const { return out_.scenario; }

  // One input. False when the run is over.
  bool step() {
    const SagaInstance& s = h_.instance();
    if (s.phase == Phase::kFailed) {
      if (out_.operator_retried) return false;
      out_.operator_retried = true;
      return h_.operator_retry("scenario: operator retry").applied;
    }
    if (is_terminal(s.phase)) return false;
    if (sc().kind == ScenarioKind::kCancelled && !cancel_tried_ && s.wait == Wait::kReply &&
        !h_.commands().back().envelope.compensation &&
        index_of(h_.commands().back().envelope.step) == sc().step) {
      cancel_tried_ = true;  // instead of its reply: the command stays out
      cancel_status_ = h_.cancel("scenario: cancel");
      return true;
    }
    if (s.wait == Wait::kReply && answered_.insert({s.last_request_id, s.delivery}).second) {
      answer(h_.commands().back());
      return true;
    }
    if (s.wait == Wait::kEvent) return events_.at_wait(h_, cancel_tried_, cancel_status_);
    if (s.wait != Wait::kNone) return h_.fire_timer();
    problem("stuck in " + std::string(to_string(s.phase)) + " with no timer");
    return false;
  }

  std::size_t index_of(const std::string& step_name) const {
    for (std::size_t i = 0; i < def_.steps.size(); ++i) {
      if (def_.steps[i].name == step_name) return i;
    }
    return def_.steps.size();
  }

  Answer choose(std::size_t i, bool compensation, int tries) const {
    if (out_.operator_retried) return Answer::kSuccess;  // the operator fixed the cause
    const bool fails_while = sc().failures < 0 || tries <= sc().failures;
    switch (sc().kind) {
      case ScenarioKind::kActionFails:
      case ScenarioKind::kActionFailsThenSucceeds:
        return i == sc().step && !compensation && fails_while ? Answer::kFailure : Answer::kSuccess;
      case ScenarioKind::kCompensationFails:
      case ScenarioKind::kCompensationExhausted:
        if (i == sc().trigger && !compensation) return Answer::kFailure;
        return i == sc().step && compensation && fails_while ? Answer::kFailure : Answer::kSuccess;
      case ScenarioKind::kActionTimesOut:
        return i == sc().step && !compensation ? Answer::kSilent : Answer::kSuccess;
      default:
        return Answer::kSuccess;
    }
  }

  // By value: replying appends to the harness's command list, which may move its elements.
  void answer(SentCommand c) {
    const std::size_t i = index_of(c.envelope.step);
    if (seen_.insert(c.envelope.message_id).second) ++tries_[{i, c.envelope.compensation}];
    switch (choose(i, c.envelope.compensation, tries_[{i, c.envelope.compensation}])) {
      case Answer::kSilent:
        return;
      case Answer::kFailure:
        h_.reply_failure(config_.failure_reason);
        return;
      case Answer::kSuccess:
        break;
    }
    ReplyBody reply{c.envelope.name + "Done", {}};
    if (auto f = config_.replies.find(c.envelope.name); f != config_.replies.end()) {
      reply = f->second(c.envelope);
    }
    h_.reply_success(reply.name, reply.body);
    if (sc().kind == ScenarioKind::kReplyDuplicated && i == sc().step && !c.envelope.compensation) {
      const SagaInstance before = h_.instance();
      if (h_.reply_again().applied) problem("a duplicate reply to " + c.label() + " was applied");
      if (!(h_.instance() == before)) problem("a duplicate reply changed the instance");
    }
  }

  // Compensations expected when step `j` failed: the completed steps below it (and `j` itself
  // after timeouts) that have a compensation, newest first.
  std::vector<std::string> expected_compensations(std::size_t j, bool own) const {
    std::vector<std::string> out;
    const std::uint64_t skipped = h_.instance().skipped_mask;
    for (std::size_t k = own ? j + 1 : j; k-- > 0;) {
      if (((skipped >> k) & 1u) == 0 && def_.steps[k].compensation) {
        out.push_back(def_.steps[k].name);
      }
    }
    return out;
  }

  void check() {
    const StepDefinition& st = def_.steps[sc().step];
    const bool retriable = st.kind == StepKind::kRetriable;
    const bool skipped = (h_.instance().skipped_mask >> sc().step) & 1u;
    if (sc().kind != ScenarioKind::kHappyPath && skipped) return;  // the fault never had a chance
    Phase phase = Phase::kCompleted;
    bool operator_expected = false;
    std::vector<std::string> compensations;
    switch (sc().kind) {
      case ScenarioKind::kActionFails:
      case ScenarioKind::kActionTimesOut: {
        // A pivot that timed out may have taken effect: the saga waits for an operator.
        const bool pivot_timeout =
            sc().kind == ScenarioKind::kActionTimesOut && st.kind == StepKind::kPivot;
        operator_expected = retriable || pivot_timeout;
        if (!retriable && !pivot_timeout) {
          phase = Phase::kCompensated;
          compensations =
              expected_compensations(sc().step, /*own=*/sc().kind == ScenarioKind::kActionTimesOut);
        }
        break;
      }
      case ScenarioKind::kCancelled:
        check_cancel(phase, compensations);
        break;
      case ScenarioKind::kEventEarly:
      case ScenarioKind::kEventLate:
      case ScenarioKind::kEventDuplicated:
      case ScenarioKind::kEventNever: {
        const matrix_events::Driver::Expectation e = events_.check(out_, out_.problems);
        phase = e.phase;
        if (e.compensates) compensations = expected_compensations(sc().step, /*own=*/false);
        break;
      }
      case ScenarioKind::kCompensationExhausted:
        operator_expected = true;
        [[fallthrough]];
      case ScenarioKind::kCompensationFails:
        phase = Phase::kCompensated;
        compensations = expected_compensations(sc().trigger, /*own=*/false);
        break;
      default:
        break;
    }
    if (out_.phase != phase) {
      problem("ended " + std::string(to_string(out_.phase)) + ", expected " +
              std::string(to_string(phase)));
    }
    if (out_.operator_retried != operator_expected) {
      problem(operator_expected ? "expected kFailed and an operator retry, which never happened"
                                : "went to kFailed and needed an operator retry");
    }
    if (out_.compensated_steps() != compensations) {
      problem("compensations " + join(out_.compensated_steps()) + ", expected " +
              join(compensations));
    }
    for (const SentCommand& c : out_.commands) {
      const std::size_t i = index_of(c.envelope.step);
      if (c.envelope.compensation && i < def_.steps.size() &&
          def_.steps[i].kind != StepKind::kCompensatable) {
        problem("compensation sent for " + std::string(to_string(def_.steps[i].kind)) + " step '" +
                def_.steps[i].name + "'");
      }
    }
  }

  // cancelled/<step>: applied before the point of no return, refused after it.
  void check_cancel(Phase& phase, std::vector<std::string>& compensations) {
    if (!cancel_tried_) return problem("the saga never waited for the step: no cancel tried");
    if (static_cast<std::int32_t>(sc().step) >= point_of_no_return(def_)) {
      if (cancel_status_.code() != StatusCode::kFailedPrecondition) {
        problem("a cancel past the point of no return was not refused: " +
                cancel_status_.to_string());
      }
      return;
    }
    if (!cancel_status_) problem("the cancel was refused: " + cancel_status_.to_string());
    const bool recorded = std::any_of(out_.history.begin(), out_.history.end(),
                                      [](auto& h) { return h.event == Event::kCancelled; });
    if (!recorded) problem("no cancelled entry in the history");
    phase = Phase::kCompensated;
    compensations = expected_compensations(sc().step, /*own=*/true);
  }

  const SagaDefinition& def_;
  const ScenarioConfig& config_;
  bool cancel_tried_ = false;
  Status cancel_status_ = Status::ok();
  ScenarioOutcome out_;
  SagaHarness h_;
  std::set<std::pair<std::string, std::uint32_t>> answered_;  // (message_id, delivery)
  std::set<std::string> seen_;
  std::map<std::pair<std::size_t, bool>, int> tries_;  // distinct messages per (step, direction)
  matrix_events::Driver events_;                       // wait steps (scenario_matrix_events.h)
};

}  // namespace

ScenarioReport run_scenario_matrix(std::shared_ptr<const SagaDefinition> definition,
                                   const ScenarioConfig& config) {
  ScenarioReport report;
  ScenarioPlan plan = plan_scenarios(*definition, config);
  for (const Scenario& s : plan.scenarios) {
    report.outcomes.push_back(ScenarioRun(definition, config, s).run());
  }
  report.omitted = std::move(plan.omitted);
  return report;
}

::testing::AssertionResult scenarios_pass(std::shared_ptr<const SagaDefinition> definition,
                                          const ScenarioConfig& config) {
  ScenarioReport report = run_scenario_matrix(std::move(definition), config);
  if (report.ok()) {
    ::testing::AssertionResult ok = ::testing::AssertionSuccess();
    ok << report.outcomes.size() << " scenarios passed, " << report.omitted.size() << " left out";
    for (const OmittedScenario& o : report.omitted) ok << "\n  skip " << o.name << ": " << o.reason;
    return ok;
  }
  return ::testing::AssertionFailure() << report.to_string();
}

}  // namespace saga::testing
