// The simulator: a seeded event loop around the real engine in manual mode. See simulation.h.
//
// Why the loop looks the way it does: the engine, the network and the participants all run on
// this one thread, time only moves when the loop sets the VirtualClock, and every random choice
// is drawn from one SimRandom in a fixed order. Containers are ordered (std::map) so iteration
// order never depends on addresses. That is what makes a seed replay exactly.
#include "saga/testing/simulation.h"

#include <algorithm>
#include <deque>
#include <map>
#include <sstream>
#include <tuple>
#include <utility>

#include "saga/engine.h"
#include "saga/testing/ftgo_definition.h"
#include "saga/testing/temp_dir.h"

namespace saga::testing {

std::uint64_t SimRandom::next() {
  std::uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

std::vector<Millis> delivery_times(SimRandom& rng, const SimFaults& faults, bool faulty,
                                   Millis now) {
  if (faulty && rng.chance(faults.drop)) return {};
  const int copies = faulty && rng.chance(faults.duplicate) ? 2 : 1;
  const auto span = static_cast<std::uint64_t>(
      std::max<std::int64_t>(0, (faults.delay_max - faults.delay_min).count()));
  std::vector<Millis> times;
  for (int c = 0; c < copies; ++c) {
    times.push_back(now + faults.delay_min +
                    Millis{static_cast<std::int64_t>(rng.below(span + 1))});
  }
  return times;
}

std::string SimulationResult::summary() const {
  std::ostringstream out;
  out << "seed " << seed << ": " << (ok() ? "ok" : "FAILED") << " (completed " << stats.completed
      << ", compensated " << stats.compensated << ", operator retries " << stats.operator_retries
      << ", messages " << stats.messages << ", dropped " << stats.dropped << ", duplicated "
      << stats.duplicated << ", participant crashes " << stats.participant_crashes
      << ", orchestrator crashes " << stats.orchestrator_crashes << " (" << stats.crash_points_hit
      << " at crash points), pivot effects kept " << stats.pivot_effects_kept << ", trace "
      << std::hex << trace_hash << std::dec << ")";
  for (const std::string& v : violations) out << "\n  violation: " << v;
  return out.str();
}

namespace {

// FNV-1a over everything that happens, in order.
class TraceHash {
 public:
  void add(std::string_view s) {
    for (unsigned char c : s) mix(c);
    mix(0xff);
  }
  void add(std::uint64_t v) {
    for (int i = 0; i < 8; ++i) mix(static_cast<unsigned char>(v >> (8 * i)));
  }
  std::uint64_t value() const { return h_; }

 private:
  void mix(unsigned char c) {
    h_ ^= c;
    h_ *= 0x100000001b3ULL;
  }
  std::uint64_t h_ = 0xcbf29ce484222325ULL;
};

using StepKey = std::pair<std::string, std::string>;           // (saga, step)
using EffectKey = std::tuple<std::string, std::string, bool>;  // (saga, step, compensation)

// A participant with a durable inbox and barrier (they survive crashes); only `up`, the epoch
// and the replies in flight are volatile.
struct SimParticipant {
  bool up = true;
  std::uint64_t epoch = 0;  // bumped by a crash: replies sent before it are lost
  Millis restart_at{0};
  std::map<std::string, Envelope> inbox;  // message_id -> reply
  std::set<StepKey> action_done;
  std::set<StepKey> compensation_done;
  std::map<EffectKey, int> effects;
  std::map<EffectKey, std::uint32_t> tries;  // distinct messages
};

struct NetEvent {
  bool to_participant = true;  // a command; otherwise a reply to the orchestrator
  std::string participant;
  Envelope envelope;
  std::uint64_t participant_epoch = 0;
  std::uint64_t orchestrator_epoch = 0;
};

class Sim;

class SimTransport final : public Transport {
 public:
  explicit SimTransport(Sim& sim) : sim_(sim) {}
  Status send(std::string_view participant, const Envelope& command) override;
  void poll(Millis timeout, std::vector<Envelope>& out, std::size_t max) override;
  void wake() override {}
  TransportStats stats() const override { return stats_; }
  TransportStats stats_;

 private:
  Sim& sim_;
};

class Sim {
 public:
  Sim(const SimulationConfig& config, std::uint64_t seed)
      : config_(config),
        rng_(seed),
        clock_(std::make_shared<VirtualClock>(Millis{1'000'000})),
        transport_(std::make_shared<SimTransport>(*this)) {
    result_.seed = seed;
    for (const StepDefinition& s : config_.definition->steps) {
      if (s.action) participants_[s.action->participant];
      if (s.compensation) participants_[s.compensation->participant];
    }
  }

  SimulationResult run();
  Status on_send(std::string_view participant, const Envelope& command);
  void take_replies(std::vector<Envelope>& out, std::size_t max) {
    while (!inbox_.empty() && out.size() < max) {
      out.push_back(std::move(inbox_.front()));
      inbox_.pop_front();
    }
  }

 private:
  Millis now() const { return clock_->now(); }
  bool faulty() const { return now() < fault_end_; }
  void violation(std::string v) { result_.violations.push_back(std::move(v)); }
  void route(NetEvent event);
  void deliver(NetEvent event);
  Envelope handle(const std::string& name, SimParticipant& p, const Envelope& command);
  bool open_engine();
  void crash_engine(bool at_crash_point);
  void start_due_sagas();
  void inject_faults();
  bool all_ended();
  void check_invariants();
  void check_saga(const SagaInstance& saga, const std::vector<HistoryEntry>& history);
  int effects(const std::string& saga, const std::string& step, bool compensation) const;
  std::uint64_t saga_index(const std::string& saga_id) const {
    auto it = index_.find(saga_id);
    return it == index_.end() ? 0 : it->second;
  }

  const SimulationConfig& config_;
  SimRandom rng_;
  TraceHash trace_;
  SimulationResult result_;
  SimulationStats& stats_ = result_.stats;
  std::shared_ptr<VirtualClock> clock_;
  std::shared_ptr<SimTransport> transport_;
  TempDir dir_;
  std::unique_ptr<Engine> engine_;
  std::uint64_t orchestrator_epoch_ = 0;
  Millis engine_restart_at_{0};
  Millis fault_end_{0};
  std::map<std::string, SimParticipant> participants_;
  std::map<std::pair<Millis, std::uint64_t>, NetEvent> events_;
  std::uint64_t event_seq_ = 0;
  std::deque<Envelope> inbox_;  // replies that reached the orchestrator's socket
  std::map<std::pair<Millis, std::uint64_t>, std::uint64_t> starts_;  // (time, index) -> index
  std::map<std::string, std::uint64_t> index_;                        // saga id -> index
  std::map<std::string, int> operator_retries_;
  std::uint64_t reply_seq_ = 0;
};

Status SimTransport::send(std::string_view participant, const Envelope& command) {
  Status s = sim_.on_send(participant, command);
  if (s) {
    ++stats_.sent;
  } else {
    ++stats_.send_failures;
  }
  return s;
}

void SimTransport::poll(Millis, std::vector<Envelope>& out, std::size_t max) {
  const std::size_t before = out.size();
  sim_.take_replies(out, max);
  stats_.received += out.size() - before;
}

Status Sim::on_send(std::string_view participant, const Envelope& command) {
  auto it = participants_.find(std::string(participant));
  if (it == participants_.end()) return not_found("no participant " + std::string(participant));
  trace_.add("send");
  trace_.add(command.message_id);
  trace_.add(command.attempt);
  route(NetEvent{true, it->first, command, 0, orchestrator_epoch_});
  return Status::ok();
}

void Sim::route(NetEvent event) {
  ++stats_.messages;
  const std::vector<Millis> times = delivery_times(rng_, config_.faults, faulty(), now());
  if (times.empty()) {
    ++stats_.dropped;
    trace_.add("drop");
    return;
  }
  if (times.size() > 1) ++stats_.duplicated;
  for (Millis at : times) events_.emplace(std::make_pair(at, ++event_seq_), event);
}

void Sim::deliver(NetEvent event) {
  SimParticipant& p = participants_.at(event.participant);
  if (event.to_participant) {
    trace_.add(p.up ? "deliver" : "lost-down");
    trace_.add(event.envelope.message_id);
    if (!p.up) return;
    Envelope reply = handle(event.participant, p, event.envelope);
    route(NetEvent{false, event.participant, std::move(reply), p.epoch, event.orchestrator_epoch});
    return;
  }
  // A reply: lost if its sender crashed since sending it, or if the orchestrator it was sent
  // to is gone (the connection died with the process).
  if (event.participant_epoch != p.epoch || event.orchestrator_epoch != orchestrator_epoch_ ||
      !engine_) {
    ++stats_.replies_lost_to_crashes;
    trace_.add("reply-lost");
    return;
  }
  trace_.add("reply");
  trace_.add(event.envelope.correlation_id);
  inbox_.push_back(std::move(event.envelope));
}

Envelope Sim::handle(const std::string& name, SimParticipant& p, const Envelope& command) {
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
  trace_.add(reply.outcome == Outcome::kSuccess ? "ok" : reply.reason);
  p.inbox[command.message_id] = reply;
  return reply;
}

bool Sim::open_engine() {
  EngineOptions options;
  options.database_path = dir_.file("engine.db");
  options.synchronous = Synchronous::kOff;  // process crashes only, never power loss
  options.transport = transport_;
  options.clock = clock_;
  options.random_seed = rng_.next() | 1;
  options.manual = true;
  options.log = [](LogLevel, std::string_view) {};
  if (faulty() && rng_.chance(config_.faults.crash_point)) {
    options.crash_at = static_cast<CrashPoint>(1 + rng_.below(3));
  }
  trace_.add("open");
  trace_.add(static_cast<std::uint64_t>(options.crash_at));
  Result<std::unique_ptr<Engine>> engine = Engine::open(std::move(options));
  if (!engine) {
    violation("engine open: " + engine.status().to_string());
    return false;
  }
  engine_ = std::move(engine).value();
  Status s = engine_->register_definition(config_.definition);
  if (s) s = engine_->start();
  if (!s) {
    violation("engine start: " + s.to_string());
    engine_.reset();
    return false;
  }
  return true;
}

void Sim::crash_engine(bool at_crash_point) {
  trace_.add("crash");
  ++stats_.orchestrator_crashes;
  if (at_crash_point) ++stats_.crash_points_hit;
  engine_.reset();
  ++orchestrator_epoch_;
  inbox_.clear();  // replies in the dead process's socket buffers
  engine_restart_at_ = now() + Millis{static_cast<std::int64_t>(rng_.below(1'000))};
}

void Sim::start_due_sagas() {
  while (engine_ && !starts_.empty() && starts_.begin()->first.first <= now()) {
    const std::uint64_t i = starts_.begin()->second;
    const std::string id = "saga-" + std::to_string(i);
    StartOptions options;
    options.id = id;
    Result<std::string> started =
        engine_->start_saga(config_.definition->name, config_.data ? config_.data(i) : "", options);
    trace_.add("start");
    trace_.add(id);
    if (started || started.status().code() == StatusCode::kAlreadyExists) {
      starts_.erase(starts_.begin());
      index_[id] = i;
    } else if (started.status().code() == StatusCode::kUnavailable) {
      crash_engine(true);  // stopped at a crash point during the start; try again later
    } else {
      violation("start " + id + ": " + started.status().to_string());
      starts_.erase(starts_.begin());
    }
  }
}

void Sim::inject_faults() {
  for (auto& [name, p] : participants_) {
    if (!p.up && now() >= p.restart_at) {
      p.up = true;
      trace_.add("restart");
    }
    if (p.up && faulty() && rng_.chance(config_.faults.participant_crash)) {
      p.up = false;
      ++p.epoch;
      ++stats_.participant_crashes;
      p.restart_at = now() + Millis{static_cast<std::int64_t>(
                                 1 + rng_.below(config_.faults.participant_down_max.count()))};
      trace_.add("participant-crash");
      trace_.add(name);
    }
  }
  if (engine_ && faulty() && rng_.chance(config_.faults.orchestrator_crash)) crash_engine(false);
}

bool Sim::all_ended() {
  if (!starts_.empty() || !engine_) return false;
  Result<std::vector<SagaInstance>> sagas =
      engine_->list(std::nullopt, static_cast<std::size_t>(config_.sagas) + 16);
  if (!sagas) return false;
  bool ended = true;
  for (const SagaInstance& s : sagas.value()) {
    if (is_terminal(s.phase)) continue;
    ended = false;
    if (s.phase != Phase::kFailed) continue;
    // The operator, after the incident: retry what failed.
    if (++operator_retries_[s.id] > config_.operator_retries_max) continue;
    ++stats_.operator_retries;
    trace_.add("operator-retry");
    trace_.add(s.id);
    Status r = engine_->retry(s.id, "sim: operator retry");
    if (r.code() == StatusCode::kUnavailable) {
      // The engine stopped at the crash point it was opened with: retry after the restart.
      --operator_retries_[s.id];
      --stats_.operator_retries;
      crash_engine(true);
      return false;
    }
    if (!r) violation("operator retry of " + s.id + ": " + r.to_string());
  }
  return ended;
}

SimulationResult Sim::run() {
  const Millis t0 = now();
  fault_end_ = t0 + config_.fault_period;
  const Millis hard_end = fault_end_ + config_.quiet_limit;
  for (int i = 0; i < config_.sagas; ++i) {
    const Millis at = t0 + Millis{static_cast<std::int64_t>(rng_.below(
                               static_cast<std::uint64_t>(config_.start_window.count())))};
    starts_.emplace(std::make_pair(at, static_cast<std::uint64_t>(i)),
                    static_cast<std::uint64_t>(i));
  }
  if (!open_engine()) return result_;
  Millis next_check = fault_end_;
  for (;;) {
    ++stats_.steps;
    Millis next = now() + config_.tick;
    if (!events_.empty()) next = std::min(next, events_.begin()->first.first);
    if (!starts_.empty()) next = std::min(next, starts_.begin()->first.first);
    clock_->set(std::max(next, now() + Millis{1}));  // time always moves: every loop is bounded
    while (!events_.empty() && events_.begin()->first.first <= now()) {
      NetEvent event = std::move(events_.begin()->second);
      events_.erase(events_.begin());
      deliver(std::move(event));
    }
    inject_faults();
    if (!engine_ && now() >= engine_restart_at_ && !open_engine()) break;
    start_due_sagas();
    if (engine_ && !engine_->run_once(Millis{0})) crash_engine(true);
    if (!faulty() && now() >= next_check) {
      if (all_ended()) break;
      next_check = now() + Millis{500};
    }
    if (now() > hard_end) {
      violation("sagas still running " + std::to_string(config_.quiet_limit.count()) +
                " ms after the faults stopped");
      break;
    }
  }
  stats_.end_time = now() - t0;
  if (engine_) check_invariants();
  result_.trace_hash = trace_.value();
  return result_;
}

int Sim::effects(const std::string& saga, const std::string& step, bool compensation) const {
  int n = 0;
  for (const auto& [name, p] : participants_) {
    auto it = p.effects.find({saga, step, compensation});
    if (it != p.effects.end()) n += it->second;
  }
  return n;
}

void Sim::check_invariants() {
  for (const auto& [id, i] : index_) {
    Result<SagaInstance> saga = engine_->get(id);
    Result<std::vector<HistoryEntry>> history = engine_->history(id);
    if (!saga || !history) {
      violation(id + ": cannot read: " + saga.status().to_string());
      continue;
    }
    check_saga(saga.value(), history.value());
    trace_.add(id);
    trace_.add(static_cast<std::uint64_t>(saga->phase));
  }
  if (index_.size() != static_cast<std::size_t>(config_.sagas)) {
    violation("only " + std::to_string(index_.size()) + " of " + std::to_string(config_.sagas) +
              " sagas started");
  }
}

void Sim::check_saga(const SagaInstance& saga, const std::vector<HistoryEntry>& history) {
  const std::string& id = saga.id;
  const auto& steps = config_.definition->steps;
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
    if (saga.phase == Phase::kCompleted) {
      if (st.action && !skipped && done != 1) {
        violation(where + "completed saga applied the action " + std::to_string(done) + " times");
      }
      if (undone != 0) violation(where + "completed saga ran a compensation");
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
  for (const HistoryEntry& h : history) {
    const bool compensation_event =
        h.event >= Event::kCompensationSucceeded && h.event <= Event::kCompensationExhausted;
    if (compensation_event && h.step >= 0 && static_cast<std::size_t>(h.step) < steps.size() &&
        steps[static_cast<std::size_t>(h.step)].kind != StepKind::kCompensatable) {
      violation(id + ": history has " + std::string(to_string(h.event)) + " for step '" +
                steps[static_cast<std::size_t>(h.step)].name + "'");
    }
  }
}

}  // namespace

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
