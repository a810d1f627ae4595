// The FTGO simulator: simulated participants with a durable inbox in a SimWorld, and the
// invariants. See simulation.h.
#include "saga/testing/simulation.h"

#include <algorithm>
#include <map>
#include <sstream>
#include <string_view>
#include <tuple>
#include <utility>

#include "saga/engine.h"
#include "saga/testing/ftgo_definition.h"
#include "saga/testing/history_replay.h"

namespace saga::testing {

std::string SimulationResult::summary() const {
  std::ostringstream out;
  out << "seed " << seed << ": " << (ok() ? "ok" : "FAILED") << " (completed " << stats.completed
      << ", compensated " << stats.compensated << ", operator retries " << stats.operator_retries
      << ", messages " << stats.messages << ", dropped " << stats.dropped << ", duplicated "
      << stats.duplicated << ", participant crashes " << stats.participant_crashes
      << ", orchestrator crashes " << stats.orchestrator_crashes << " (" << stats.crash_points_hit
      << " at crash points), pivot effects kept " << stats.pivot_effects_kept;
  if (stats.store_faults > 0) {
    out << ", store faults " << stats.store_faults << " (" << stats.failed_commits
        << " failed commits)";
  }
  out << ", trace " << std::hex << trace_hash << std::dec << ")";
  for (const std::string& v : violations) out << "\n  violation: " << v;
  return out.str();
}

namespace {

using StepKey = std::pair<std::string, std::string>;           // (saga, step)
using EffectKey = std::tuple<std::string, std::string, bool>;  // (saga, step, compensation)

// A participant's durable state: its inbox and barrier survive crashes (the world's process
// does not).
struct SimParticipant {
  std::map<std::string, Envelope> inbox;  // message_id -> reply
  std::set<StepKey> action_done;
  std::set<StepKey> compensation_done;
  std::map<EffectKey, int> effects;
  std::map<EffectKey, std::uint32_t> tries;  // distinct messages
};

SimWorldOptions options_of(const SimulationConfig& config) {
  SimWorldOptions o = world_options_of(config);
  o.store_fault_plan = config.store_fault_plan;
  o.store_fault_attempts = config.store_fault_attempts;
  return o;
}

class Sim final : public SimWorld {
 public:
  Sim(const SimulationConfig& config, std::uint64_t seed)
      : SimWorld(seed, options_of(config)), config_(config) {
    result_.seed = seed;
    add_definition(config_.definition);
    for (const auto& child : config_.children) add_definition(child);
    for (const SagaDefinition* d : definitions()) {
      for (const StepDefinition& s : d->steps) {
        if (s.action) participants_[s.action->participant];
        if (s.compensation) participants_[s.compensation->participant];
      }
    }
    for (const auto& [name, p] : participants_) add_participant(name);
  }

  SimulationResult run();

 private:
  bool prepare() override;
  Envelope handle(const std::string& name, const Envelope& command) override;
  bool start(const std::string& id) override;
  bool cancel(const std::string& id);
  static constexpr std::string_view kCancelPrefix = "cancel:";
  // External events (SimulationConfig::events): planned in prepare(), each delivery a "start"
  // "event:<n>" of events_[n].
  struct PlannedEvent {
    std::string saga_id;
    SimEvent event;
  };
  static constexpr std::string_view kEventPrefix = "event:";
  std::vector<PlannedEvent> events_;
  void plan_events(std::uint64_t i, const std::string& id, Millis at);
  bool send_event(std::size_t n);
  void check_events(const SagaInstance& saga, const std::vector<HistoryEntry>& history);
  std::set<std::string> cancelled_;  // sagas whose cancel the engine took
  void check() override;
  void check_saga(const SagaInstance& saga, const std::vector<HistoryEntry>& history,
                  const SagaDefinition& definition);
  void check_children(const SagaInstance& parent, const SagaDefinition& definition);
  std::vector<const SagaDefinition*> definitions() const {
    std::vector<const SagaDefinition*> out{config_.definition.get()};
    for (const auto& child : config_.children) out.push_back(child.get());
    return out;
  }
  void check_replay(const SagaInstance& saga, std::uint64_t index);
  int effects(const std::string& saga, const std::string& step, bool compensation) const;
  std::uint64_t saga_index(const std::string& saga_id) const {  // a child's: its root's
    auto it = index_.find(saga_id.substr(0, saga_id.find('/')));
    return it == index_.end() ? 0 : it->second;
  }

  const SimulationConfig& config_;
  SimulationResult result_;
  SimulationStats& stats_ = result_.stats;
  std::map<std::string, SimParticipant> participants_;
  std::map<std::string, std::uint64_t> planned_;  // saga id -> index
  std::map<std::string, std::uint64_t> index_;    // started: saga id -> index
  std::uint64_t reply_seq_ = 0;
};

SimulationResult Sim::run() {
  const bool ran = run_world();
  const SimWorldStats& w = world_stats();
  stats_.operator_retries = w.operator_retries;
  stats_.messages = w.messages;
  stats_.dropped = w.dropped;
  stats_.duplicated = w.duplicated;
  stats_.replies_lost_to_crashes = w.replies_lost_to_crashes;
  stats_.participant_crashes = w.participant_crashes;
  stats_.orchestrator_crashes = w.orchestrator_crashes;
  stats_.crash_points_hit = w.crash_points_hit;
  stats_.store_faults = w.store_faults;
  stats_.failed_commits = w.failed_commits;
  stats_.steps = w.steps;
  stats_.end_time = w.end_time;
  result_.violations = violations();
  if (ran) result_.trace_hash = trace_value();
  return result_;
}

bool Sim::prepare() {
  for (int i = 0; i < config_.sagas; ++i) {
    const Millis at = t0() + Millis{static_cast<std::int64_t>(rng().below(
                                 static_cast<std::uint64_t>(config_.start_window.count())))};
    const std::string id = "saga-" + std::to_string(i);
    planned_[id] = static_cast<std::uint64_t>(i);
    schedule_start(at, id);
    if (config_.cancel_after) {
      if (std::optional<Millis> after = config_.cancel_after(static_cast<std::uint64_t>(i))) {
        schedule_start(at + *after, std::string(kCancelPrefix) + id);  // a "start" that cancels
      }
    }
    if (config_.events) plan_events(static_cast<std::uint64_t>(i), id, at);
  }
  return true;
}

Envelope Sim::handle(const std::string& name, const Envelope& command) {
  SimParticipant& p = participants_.at(name);
  if (auto stored = p.inbox.find(command.message_id);
      config_.idempotent_inbox && stored != p.inbox.end()) {
    ++stats_.duplicate_deliveries;
    return stored->second;
  }
  const StepKey key{command.saga_id, command.step};
  const EffectKey effect{command.saga_id, command.step, command.compensation};
  const std::uint32_t tries = ++p.tries[effect];
  Envelope reply = make_reply_to(command);
  reply.message_id = name + "-reply-" + std::to_string(++reply_seq_);
  reply.name = command.name + "Reply";
  auto business = [&]() -> bool {
    std::optional<std::string> failure;
    if (config_.outcome) failure = config_.outcome(command, saga_index(command.saga_id), tries);
    if (failure) {
      reply.outcome = Outcome::kFailure;
      reply.reason = *failure;
      return false;
    }
    ++p.effects[effect];
    return true;
  };
  if (command.compensation) {
    if (p.compensation_done.count(key)) {
      // Already compensated under another message_id: nothing more to undo.
    } else if (!p.action_done.count(key) && !config_.compensation_only.count(command.name)) {
      p.compensation_done.insert(key);  // null compensation: the action never ran
    } else if (business()) {
      p.compensation_done.insert(key);
    }
  } else if (p.compensation_done.count(key)) {
    reply.outcome = Outcome::kFailure;
    reply.reason = "compensated";
  } else if (business()) {
    p.action_done.insert(key);
  }
  trace().add(reply.outcome == Outcome::kSuccess ? "ok" : reply.reason);
  p.inbox[command.message_id] = reply;
  return reply;
}

bool Sim::start(const std::string& id) {
  if (id.starts_with(kCancelPrefix)) return cancel(id.substr(kCancelPrefix.size()));
  if (id.starts_with(kEventPrefix)) {
    return send_event(std::stoul(id.substr(kEventPrefix.size())));
  }
  const std::uint64_t i = planned_.at(id);
  StartOptions options;
  options.id = id;
  if (config_.saga_deadline) {
    if (std::optional<Millis> d = config_.saga_deadline(i)) options.deadline = now() + *d;
  }
  Result<std::string> started =
      engine()->start_saga(config_.definition->name, config_.data ? config_.data(i) : "", options);
  trace().add("start");
  trace().add(id);
  if (started || started.status().code() == StatusCode::kAlreadyExists) {
    index_[id] = i;
    return true;
  }
  if (!engine()->store_health().ok) return false;  // its commit failed: start it again later
  if (started.status().code() == StatusCode::kUnavailable) {
    crash_engine(true);  // stopped at a crash point during the start; try again later
    return false;
  }
  violation("start " + id + ": " + started.status().to_string());
  return true;
}

// False: try again later (the cancel's commit did not happen). Its saga's start came first (it
// is due earlier); a start that was a violation leaves nothing to cancel.
bool Sim::cancel(const std::string& id) {
  if (!index_.count(id)) return true;
  Status s = engine()->cancel(id, "simulated customer", "sim");
  trace().add("cancel");
  trace().add(id);
  if (s) {
    ++stats_.cancels_applied;
    cancelled_.insert(id);
    return true;
  }
  if (s.code() == StatusCode::kFailedPrecondition) {
    ++stats_.cancels_refused;
    return true;
  }
  if (!engine()->store_health().ok) return false;
  if (s.code() == StatusCode::kUnavailable) {
    crash_engine(true);
    return false;
  }
  violation("cancel " + id + ": " + s.to_string());
  return true;
}

void Sim::plan_events(std::uint64_t i, const std::string& id, Millis at) {
  for (SimEvent& e : config_.events(i)) {
    const Millis sent = at + e.after;
    const std::vector<Millis> times =
        delivery_times(rng(), config_.faults, sent < t0() + config_.fault_period, sent);
    if (times.empty()) ++stats_.events_dropped;
    const std::size_t n = events_.size();
    events_.push_back(PlannedEvent{id, std::move(e)});
    for (Millis t : times) schedule_start(t, std::string(kEventPrefix) + std::to_string(n));
  }
}

// False: try again later (the engine crashed or its commit failed).
bool Sim::send_event(std::size_t n) {
  const PlannedEvent& p = events_.at(n);
  if (!index_.count(p.saga_id)) return true;  // its start was a violation
  EventDelivery d{p.saga_id + "/" + p.event.name, p.event.name, p.saga_id, {},
                  ContentType::kCerealBinary,     p.event.body};
  Result<EventReceipt> r = engine()->deliver_event(std::move(d));
  trace().add("event");
  trace().add(p.saga_id);
  if (r) {
    trace().add(to_string(r->disposition));
    ++(r->disposition == EventDisposition::kDuplicate ? stats_.events_duplicate
                                                      : stats_.events_taken);
    return true;
  }
  if (!engine()->store_health().ok) return false;
  if (r.status().code() == StatusCode::kUnavailable) {
    crash_engine(true);
    return false;
  }
  if (r.status().code() == StatusCode::kFailedPrecondition ||
      r.status().code() == StatusCode::kNotFound) {
    ++stats_.events_refused;  // the saga ended, compensates or is past its wait
    return true;
  }
  violation("event " + p.saga_id + "/" + p.event.name + ": " + r.status().to_string());
  return true;
}

// A wait step takes at most one event, and none once its time limit passed.
void Sim::check_events(const SagaInstance& saga, const std::vector<HistoryEntry>& history) {
  std::map<std::int32_t, int> received;
  std::set<std::int32_t> timed_out;
  for (const HistoryEntry& h : history) {
    if (h.event == Event::kEventTimedOut) {
      ++stats_.events_timed_out;
      timed_out.insert(h.step);
    }
    if (h.event != Event::kEventReceived) continue;
    if (++received[h.step] > 1) {
      violation(saga.id + ": step " + std::to_string(h.step) + " took two events");
    }
    if (timed_out.count(h.step)) {
      violation(saga.id + ": step " + std::to_string(h.step) + " took an event after its limit");
    }
  }
}

int Sim::effects(const std::string& saga, const std::string& step, bool compensation) const {
  int n = 0;
  for (const auto& [name, p] : participants_) {
    auto it = p.effects.find({saga, step, compensation});
    if (it != p.effects.end()) n += it->second;
  }
  return n;
}

void Sim::check() {
  for (const auto& [id, i] : index_) {
    Result<SagaInstance> saga = engine()->get(id);
    Result<std::vector<HistoryEntry>> history = engine()->history(id);
    if (!saga || !history) {
      violation(id + ": cannot read: " + saga.status().to_string());
      continue;
    }
    check_saga(saga.value(), history.value(), *config_.definition);
    check_children(saga.value(), *config_.definition);
    check_events(saga.value(), history.value());
    if (config_.check_history_replay) check_replay(saga.value(), i);
    trace().add(id);
    trace().add(static_cast<std::uint64_t>(saga->phase));
  }
  if (index_.size() != static_cast<std::size_t>(config_.sagas)) {
    violation("only " + std::to_string(index_.size()) + " of " + std::to_string(config_.sagas) +
              " sagas started");
  }
}

void Sim::check_children(const SagaInstance& parent, const SagaDefinition& definition) {
  for (const StepDefinition& step : definition.steps) {
    if (!step.child) continue;
    const std::string id = child_saga_id(parent.id, step.name);
    Result<SagaInstance> child = engine()->get(id);
    if (!child) {
      if (child.status().code() != StatusCode::kNotFound) violation(id + ": cannot read");
      continue;  // the parent never reached its child step
    }
    const SagaDefinition* def = nullptr;
    for (const SagaDefinition* d : definitions()) {
      if (d->name == child->type) def = d;
    }
    Result<std::vector<HistoryEntry>> history = engine()->history(id);
    if (def == nullptr || !history) {
      violation(id + ": no definition or history for its type " + child->type);
      continue;
    }
    ++stats_.children;
    if (child->parent_id != parent.id) violation(id + ": parent_id " + child->parent_id);
    if (is_terminal(parent.phase) && parent.phase != child->phase) {
      violation(id + ": ended " + std::string(to_string(child->phase)) + ", its parent " +
                std::string(to_string(parent.phase)));
    }
    check_saga(child.value(), history.value(), *def);
    check_children(child.value(), *def);
    trace().add(id);
    trace().add(static_cast<std::uint64_t>(child->phase));
  }
}

void Sim::check_saga(const SagaInstance& saga, const std::vector<HistoryEntry>& history,
                     const SagaDefinition& definition) {
  const std::string& id = saga.id;
  const auto& steps = definition.steps;
  // A child whose steps were all done, compensated because its parent compensated: the
  // compensatable steps' effects are undone, its pivot's and retriable steps' stay (dsl.md 9).
  const bool for_parent = saga.failure_cause == FailureCause::kParentCompensated;
  if (saga.phase == Phase::kCompleted) ++stats_.completed;
  if (saga.phase == Phase::kCompensated) ++stats_.compensated;
  if (!is_terminal(saga.phase)) {
    violation(id + ": ended " + std::string(to_string(saga.phase)) + " (step " +
              std::to_string(saga.step) + ", " + saga.last_reason + ")");
    return;
  }
  for (std::size_t j = 0; j < steps.size(); ++j) {
    const StepDefinition& st = steps[j];
    const int done = effects(id, st.name, false);
    const int undone = effects(id, st.name, true);
    const bool skipped = (saga.skipped_mask >> j) & 1u;
    const std::string where = id + " step '" + st.name + "': ";
    if (done > 1 || undone > 1) {
      violation(where + "applied twice (action " + std::to_string(done) + ", compensation " +
                std::to_string(undone) + ")");
    }
    if (st.kind == StepKind::kRetriable && undone > 0) violation(where + "retriable compensated");
    if (saga.phase == Phase::kCompleted || (for_parent && st.kind != StepKind::kCompensatable)) {
      if (st.action && !skipped && done != 1) {
        violation(where + "completed saga applied the action " + std::to_string(done) + " times");
      }
      if (undone != 0) violation(where + "completed step ran a compensation");
      continue;
    }
    // Compensated.
    if (st.kind == StepKind::kRetriable && done > 0) violation(where + "retriable step ran");
    if (st.compensation && st.action && done != undone) {
      violation(where + "effect left in place (action " + std::to_string(done) + ", compensation " +
                std::to_string(undone) + ")");
    }
    if (st.compensation && !st.action && !skipped && undone != 1) {
      violation(where + "compensation-only step ran " + std::to_string(undone) + " times");
    }
    if (st.kind == StepKind::kPivot && done > 0) {
      ++stats_.pivot_effects_kept;
      violation(where + "pivot took effect in a compensated saga");
    }
  }
  const auto has = [&](Event e) {
    return std::any_of(history.begin(), history.end(), [e](auto& h) { return h.event == e; });
  };
  if (cancelled_.count(id) && (saga.phase != Phase::kCompensated || !has(Event::kCancelled))) {
    violation(id + ": cancelled before its pivot, but ended " + std::string(to_string(saga.phase)) +
              " without a cancel in its history");
  }
  if (has(Event::kSagaDeadlinePassed)) {
    ++stats_.deadlines_passed;
    if (saga.phase != Phase::kCompensated) violation(id + ": deadline passed but not compensated");
  }
  for (const HistoryEntry& h : history) {
    if (config_.expect_no_timeouts &&
        (h.event == Event::kStepTimedOut || h.event == Event::kCompensationTimedOut)) {
      violation(id + ": " + std::string(to_string(h.event)) + " at step " + std::to_string(h.step) +
                " although no message was lost");
    }
    const bool compensation_event =
        h.event >= Event::kCompensationSucceeded && h.event <= Event::kCompensationExhausted;
    if (compensation_event && h.step >= 0 && static_cast<std::size_t>(h.step) < steps.size() &&
        steps[static_cast<std::size_t>(h.step)].kind != StepKind::kCompensatable) {
      violation(id + ": history has " + std::string(to_string(h.event)) + " for step '" +
                steps[static_cast<std::size_t>(h.step)].name + "'");
    }
  }
}

// The stored history, replayed through decide, must end where the stored instance is: every
// transition was written whole (instance and history in one transaction).
void Sim::check_replay(const SagaInstance& saga, std::uint64_t index) {
  Result<RecordedHistory> recorded =
      export_history(*engine(), saga.id, config_.data ? config_.data(index) : std::string(),
                     config_.definition.get());
  if (!recorded) {
    violation(saga.id + ": cannot export its history: " + recorded.status().to_string());
    return;
  }
  ReplayResult r = replay(*config_.definition, recorded.value());
  if (!r.matched) {
    violation(saga.id + ": history does not replay: " + r.message());
  } else if (r.end.phase != saga.phase || r.end.step != saga.step) {
    violation(saga.id + ": history ends " + std::string(to_string(r.end.phase)) + " at step " +
              std::to_string(r.end.step) + ", the instance is " +
              std::string(to_string(saga.phase)) + " at step " + std::to_string(saga.step));
  }
}

}  // namespace

SimulationStats& SimulationStats::operator+=(const SimulationStats& other) {
  completed += other.completed;
  compensated += other.compensated;
  operator_retries += other.operator_retries;
  messages += other.messages;
  dropped += other.dropped;
  duplicated += other.duplicated;
  replies_lost_to_crashes += other.replies_lost_to_crashes;
  participant_crashes += other.participant_crashes;
  orchestrator_crashes += other.orchestrator_crashes;
  crash_points_hit += other.crash_points_hit;
  store_faults += other.store_faults;
  failed_commits += other.failed_commits;
  duplicate_deliveries += other.duplicate_deliveries;
  pivot_effects_kept += other.pivot_effects_kept;
  cancels_applied += other.cancels_applied;
  cancels_refused += other.cancels_refused;
  deadlines_passed += other.deadlines_passed;
  children += other.children;
  events_dropped += other.events_dropped;
  events_taken += other.events_taken;
  events_duplicate += other.events_duplicate;
  events_refused += other.events_refused;
  events_timed_out += other.events_timed_out;
  steps += other.steps;
  end_time = std::max(end_time, other.end_time);
  return *this;
}

SimulationResult simulate(const SimulationConfig& config, std::uint64_t seed) {
  Sim sim(config, seed);
  return sim.run();
}

SimulationConfig ftgo_simulation_config() {
  SimulationConfig c;
  c.definition = ftgo_definition();
  c.data = [](std::uint64_t i) { return "order-" + std::to_string(i); };
  c.outcome = [](const Envelope& command, std::uint64_t i,
                 std::uint32_t tries) -> std::optional<std::string> {
    if (command.name == "AuthorizeCard" && i % 5 == 0) return "card_declined";
    if (command.name == "CreateTicket" && i % 7 == 3) return "kitchen_full";
    if (command.name == "ConfirmCreateTicket" && i % 3 == 1 && tries == 1) return "kitchen_busy";
    if (command.name == "CancelCreateTicket" && i % 4 == 2 && tries == 1) return "kitchen_busy";
    return std::nullopt;
  };
  c.compensation_only = {"RejectOrder"};
  return c;
}

}  // namespace saga::testing
