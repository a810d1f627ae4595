// The simulated world: network, processes, orchestrator crashes and the event loop. See
// sim_world.h.
//
// Why the loop looks the way it does: the engine, the network and the participants all run on
// this one thread, time only moves when the loop sets the VirtualClock, and every random choice
// is drawn from one SimRandom in a fixed order. Containers are ordered (std::map) so iteration
// order never depends on addresses. That is what makes a seed replay exactly.
#include "saga/testing/sim_world.h"

#include <algorithm>
#include <iterator>

#include "saga/transport.h"

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

void TraceHash::add(std::string_view s) {
  for (unsigned char c : s) mix(c);
  mix(0xff);
}

void TraceHash::add(std::uint64_t v) {
  for (int i = 0; i < 8; ++i) mix(static_cast<unsigned char>(v >> (8 * i)));
}

// The engine's transport: commands into the world's network, replies out of its socket.
class SimWorld::Network final : public Transport {
 public:
  explicit Network(SimWorld& world) : world_(world) {}
  Status send(std::string_view participant, const Envelope& command) override {
    Status s = world_.send(participant, command);
    if (s) {
      ++stats_.sent;
    } else {
      ++stats_.send_failures;
    }
    return s;
  }
  void poll(Millis, std::vector<Envelope>& out, std::size_t max) override {
    const std::size_t before = out.size();
    world_.take_replies(out, max);
    stats_.received += out.size() - before;
  }
  void wake() override {}
  TransportStats stats() const override { return stats_; }

 private:
  SimWorld& world_;
  TransportStats stats_;
};

SimWorld::SimWorld(std::uint64_t seed, SimWorldOptions options)
    : options_(std::move(options)),
      rng_(seed),
      clock_(std::make_shared<VirtualClock>(Millis{1'000'000})),
      network_(std::make_shared<Network>(*this)) {
  if (store_faults_on()) FaultVfs::install().reset();  // no database of an earlier world is open
}

SimWorld::~SimWorld() = default;

void SimWorld::on_send(const Envelope&) {}
Millis SimWorld::next_event(Millis next) const { return next; }
void SimWorld::on_turn() {}

void SimWorld::add_participant(const std::string& name) { processes_[name]; }

void SimWorld::add_definition(std::shared_ptr<const SagaDefinition> definition) {
  definitions_.push_back(std::move(definition));
}

void SimWorld::schedule_start(Millis at, std::string id) {
  starts_.emplace(std::make_pair(at, ++start_seq_), std::move(id));
  ++scheduled_;
}

Status SimWorld::send(std::string_view participant, const Envelope& command) {
  auto it = processes_.find(std::string(participant));
  if (it == processes_.end()) return not_found("no participant " + std::string(participant));
  trace_.add("send");
  trace_.add(command.message_id);
  trace_.add(command.attempt);
  on_send(command);
  route(NetEvent{true, it->first, command, 0, orchestrator_epoch_});
  return Status::ok();
}

void SimWorld::take_replies(std::vector<Envelope>& out, std::size_t max) {
  while (!replies_.empty() && out.size() < max) {
    out.push_back(std::move(replies_.front()));
    replies_.pop_front();
  }
}

void SimWorld::route(NetEvent event) {
  ++stats_.messages;
  const std::vector<Millis> times = delivery_times(rng_, options_.faults, faulty(), now());
  if (times.empty()) {
    ++stats_.dropped;
    trace_.add("drop");
    return;
  }
  if (times.size() > 1) ++stats_.duplicated;
  for (Millis at : times) events_.emplace(std::make_pair(at, ++event_seq_), event);
}

void SimWorld::deliver(NetEvent event) {
  Process& p = processes_.at(event.participant);
  if (event.to_participant) {
    trace_.add(p.up ? "deliver" : "lost-down");
    trace_.add(event.envelope.message_id);
    if (!p.up) return;
    Envelope reply = handle(event.participant, event.envelope);
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
  replies_.push_back(std::move(event.envelope));
}

bool SimWorld::open_engine() {
  EngineOptions options;
  options.database_path = dir_.file(options_.database_file);
  options.synchronous = Synchronous::kOff;  // process crashes only, never power loss
  options.transport = network_;
  options.clock = clock_;
  options.random_seed = rng_.next() | 1;
  options.manual = true;
  options.log = [](LogLevel, std::string_view) {};
  if (store_faults_on()) {
    options.store_vfs = FaultVfs::kName;
    options.synchronous = Synchronous::kFull;  // what a crash keeps is what was synced
  }
  if (faulty() && rng_.chance(options_.faults.crash_point)) {
    options.crash_at = static_cast<CrashPoint>(1 + rng_.below(3));
  }
  trace_.add("open");
  trace_.add(static_cast<std::uint64_t>(options.crash_at));
  Result<std::unique_ptr<Engine>> engine = Engine::open(std::move(options));
  // While the store fails, opening may fail too: the service is restarted a little later.
  const bool store_failing = store_faults_on() && FaultVfs::install().armed();
  if (!engine && store_failing) {
    trace_.add("open-failed");
    engine_restart_at_ = now() + Millis{100};
    return true;
  }
  if (!engine) {
    violation("engine open: " + engine.status().to_string());
    return false;
  }
  engine_ = std::move(engine).value();
  engine_failed_commits_ = 0;
  Status s;
  for (const auto& d : definitions_) {
    if (s) s = engine_->register_definition(d);
  }
  if (s) s = engine_->start();
  if (!s) {
    violation("engine start: " + s.to_string());
    engine_.reset();
    return false;
  }
  if (options_.store_fault_plan && !store_fault_planned_) {
    FaultVfs::install().arm(*options_.store_fault_plan);
    store_fault_planned_ = true;
    ++stats_.store_faults;
  }
  return true;
}

void SimWorld::count_failed_commits() {
  if (!engine_) return;
  const std::uint64_t n = engine_->store_health().failed_commits;
  stats_.failed_commits += n - engine_failed_commits_;
  engine_failed_commits_ = n;
}

void SimWorld::inject_store_faults() {
  if (!store_faults_on()) return;
  FaultVfs& vfs = FaultVfs::install();
  count_failed_commits();
  if (options_.store_fault_plan) {
    if (vfs.armed() && (!faulty() || engine_failed_commits_ >= options_.store_fault_attempts)) {
      vfs.clear();
      trace_.add("store-fault-end");
    }
    return;
  }
  if (store_fault_end_ != Millis{0} && (now() >= store_fault_end_ || !faulty())) {
    vfs.clear();
    store_fault_end_ = Millis{0};
    trace_.add("store-fault-end");
  }
  if (store_fault_end_ != Millis{0} || !faulty() || !rng_.chance(options_.faults.store_fault)) {
    return;
  }
  static constexpr struct {
    VfsOp op;
    VfsError error;
  } kKinds[] = {{VfsOp::kWrite, VfsError::kFull},
                {VfsOp::kWrite, VfsError::kReadOnly},
                {VfsOp::kWrite, VfsError::kIoError},
                {VfsOp::kSync, VfsError::kIoError},
                {VfsOp::kLock, VfsError::kBusy}};
  const auto& kind = kKinds[rng_.below(std::size(kKinds))];
  store_fault_end_ =
      now() + Millis{static_cast<std::int64_t>(1 + rng_.below(static_cast<std::uint64_t>(
                                                       options_.faults.store_fault_max.count())))};
  vfs.arm(VfsFault{kind.op, kind.error, 0, 0, -1});
  ++stats_.store_faults;
  trace_.add("store-fault");
  trace_.add(static_cast<std::uint64_t>(kind.op) * 8 + static_cast<std::uint64_t>(kind.error));
}

void SimWorld::crash_engine(bool at_crash_point) {
  trace_.add(at_crash_point && options_.trace_crash_points ? "crash-point" : "crash");
  ++stats_.orchestrator_crashes;
  if (at_crash_point) ++stats_.crash_points_hit;
  count_failed_commits();
  if (store_faults_on()) {
    // A power loss: the dying process writes nothing more, and unsynced writes are lost.
    FaultVfs& vfs = FaultVfs::install();
    vfs.crash();
    engine_.reset();
    vfs.drop_unsynced();
  } else {
    engine_.reset();
  }
  ++orchestrator_epoch_;
  replies_.clear();  // replies in the dead process's socket buffers
  engine_restart_at_ = now() + Millis{static_cast<std::int64_t>(rng_.below(1'000))};
}

void SimWorld::start_due_sagas() {
  while (engine_ && !starts_.empty() && starts_.begin()->first.first <= now()) {
    if (!start(starts_.begin()->second)) return;
    starts_.erase(starts_.begin());
  }
}

void SimWorld::inject_faults() {
  for (auto& [name, p] : processes_) {
    if (!p.up && now() >= p.restart_at) {
      p.up = true;
      trace_.add("restart");
    }
    if (p.up && faulty() && rng_.chance(options_.faults.participant_crash)) {
      p.up = false;
      ++p.epoch;
      ++stats_.participant_crashes;
      p.restart_at = now() + Millis{static_cast<std::int64_t>(
                                 1 + rng_.below(options_.faults.participant_down_max.count()))};
      trace_.add("participant-crash");
      trace_.add(name);
    }
  }
  if (engine_ && faulty() && rng_.chance(options_.faults.orchestrator_crash)) crash_engine(false);
  inject_store_faults();
}

bool SimWorld::all_ended() {
  if (!starts_.empty() || !engine_) return false;
  Result<std::vector<SagaInstance>> sagas = engine_->list(std::nullopt, scheduled_ + 16);
  if (!sagas) return false;
  bool ended = true;
  for (const SagaInstance& s : sagas.value()) {
    if (is_terminal(s.phase)) continue;
    ended = false;
    if (s.phase != Phase::kFailed) continue;
    // The operator, after the incident: retry what failed.
    if (++operator_retries_[s.id] > options_.operator_retries_max) continue;
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

bool SimWorld::run_world() {
  t0_ = now();
  fault_end_ = t0_ + options_.fault_period;
  const Millis hard_end = fault_end_ + options_.quiet_limit;
  if (!prepare() || !open_engine()) return false;
  Millis next_check = fault_end_;
  for (;;) {
    ++stats_.steps;
    Millis next = now() + options_.tick;
    if (!events_.empty()) next = std::min(next, events_.begin()->first.first);
    if (!starts_.empty()) next = std::min(next, starts_.begin()->first.first);
    next = next_event(next);
    clock_->set(std::max(next, now() + Millis{1}));  // time always moves: every loop is bounded
    while (!events_.empty() && events_.begin()->first.first <= now()) {
      NetEvent event = std::move(events_.begin()->second);
      events_.erase(events_.begin());
      deliver(std::move(event));
    }
    on_turn();
    inject_faults();
    if (!engine_ && now() >= engine_restart_at_ && !open_engine()) break;
    start_due_sagas();
    if (engine_ && !engine_->run_once(Millis{0})) crash_engine(true);
    if (!faulty() && now() >= next_check) {
      if (all_ended()) break;
      next_check = now() + Millis{500};
    }
    if (now() > hard_end) {
      violation("sagas still running " + std::to_string(options_.quiet_limit.count()) +
                " ms after the faults stopped");
      break;
    }
  }
  stats_.end_time = now() - t0_;
  count_failed_commits();
  if (engine_) check();
  return true;
}

}  // namespace saga::testing
