// The simulated world of the deterministic simulators: the FTGO simulator (simulation.h) and the
// order race (tests/fault/order_race/) both run the REAL engine in manual mode (a real SQLite
// file in a temp dir) inside one SimWorld, with one seeded SimRandom, a VirtualClock, no
// threads and no real time.
//
// The world owns what the simulators share:
//   - the network: every command and reply is delivered never (dropped), once or twice
//     (duplicated), each after a random delay (so messages overtake each other), see
//     delivery_times(); drops and duplicates happen only during the fault period;
//   - participant processes: during the fault period each may crash and restart within
//     SimFaults::participant_down_max. A command that reaches a crashed participant is lost; a
//     reply dies with its sender's process (its epoch moved on) or with the orchestrator it was
//     sent to. The participant's durable state (inbox, business rows) is the simulator's;
//   - the orchestrator: the Engine, opened on the same database after each crash, sometimes
//     with a random CrashPoint (SimFaults::crash_point); crashes at random (orchestrator_crash),
//     or when the engine stops at its crash point; a restart follows within a second. Replies
//     in the dead process's socket buffers are lost;
//   - the sagas' start queue, and the operator who retries sagas that ended kFailed (at most
//     operator_retries_max times each) once the faults have stopped;
//   - the event loop: time jumps to the next event (at most `tick` ahead, at least 1 ms), the
//     due messages are delivered, faults are injected, the engine reopens when due, due sagas
//     start, the engine runs once; after the fault period, every 500 ms, the loop ends when
//     every saga has ended, or with a violation after quiet_limit;
//   - the trace: a hash over every send, delivery, drop, crash, restart, start and outcome, so
//     the same seed gives the same trace.
// Every random choice is drawn from the one SimRandom in a fixed order and every container is
// ordered, so a seed replays exactly.
//
// A simulator derives from SimWorld, registers its participants and definitions, plans its run
// in prepare() (schedule_start() for each saga), answers commands in handle() and starts sagas
// in start(), and checks its invariants in check(). Not thread-safe.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "saga/clock.h"
#include "saga/definition.h"
#include "saga/engine.h"
#include "saga/envelope.h"
#include "saga/testing/fault_vfs.h"
#include "saga/testing/temp_dir.h"

namespace saga::testing {

// A small PRNG with explicit distributions (std distributions differ between libraries).
// splitmix64: tiny, fast, and the same on every platform.
class SimRandom {
 public:
  explicit SimRandom(std::uint64_t seed) : state_(seed) {}
  std::uint64_t next();
  // Uniform in [0, n) (modulo; the bias is irrelevant here). n = 0 gives 0.
  std::uint64_t below(std::uint64_t n) { return n == 0 ? 0 : next() % n; }
  // True with probability per_mille / 1000.
  bool chance(std::uint32_t per_mille) { return below(1000) < per_mille; }

 private:
  std::uint64_t state_;
};

// Fault probabilities, in per mille, applied during the fault period only.
struct SimFaults {
  std::uint32_t drop = 50;       // each message (command or reply) lost
  std::uint32_t duplicate = 50;  // each message delivered twice
  Millis delay_min{1};           // each delivery delayed uniformly in [min, max]: reordering
  Millis delay_max{300};
  std::uint32_t participant_crash = 3;   // per participant per simulation step
  Millis participant_down_max{8'000};    // a crashed participant restarts within this
  std::uint32_t orchestrator_crash = 4;  // per simulation step
  std::uint32_t crash_point = 500;       // an engine (re)opened with a random CrashPoint
  // Store faults (fault_vfs.h), per simulation step: the engine's database starts failing (a
  // random kind: writes full, read-only or I/O error, sync I/O error, write lock busy) for up
  // to store_fault_max. 0: never, and the database is opened as before (synchronous OFF).
  // Otherwise it is opened through FaultVfs with synchronous FULL, and an orchestrator crash
  // also loses every write not synced yet (power loss).
  std::uint32_t store_fault = 0;
  Millis store_fault_max{3'000};
};

// When the simulated network delivers one message sent at `now`: never (dropped), once, or
// twice (duplicated), each after a uniform delay in [delay_min, delay_max], drawn from `rng` in
// that order. Drops and duplicates happen only when `faulty`; the delays always do.
std::vector<Millis> delivery_times(SimRandom& rng, const SimFaults& faults, bool faulty,
                                   Millis now);

// FNV-1a over everything that happens, in order.
class TraceHash {
 public:
  void add(std::string_view s);
  void add(std::uint64_t v);
  std::uint64_t value() const { return h_; }

 private:
  void mix(unsigned char c) {
    h_ ^= c;
    h_ *= 0x100000001b3ULL;
  }
  std::uint64_t h_ = 0xcbf29ce484222325ULL;
};

struct SimWorldOptions {
  SimFaults faults;
  Millis fault_period{20'000};
  Millis quiet_limit{600'000};   // after the faults; sagas not ended by then are a violation
  Millis tick{100};              // the longest simulated time step
  int operator_retries_max = 5;  // per saga, after the faults
  std::string database_file = "engine.db";  // in the world's temp dir
  // Trace an orchestrator crash at a CrashPoint as "crash-point" (otherwise both are "crash").
  bool trace_crash_points = false;
  // A planned store fault (the store fault matrix): armed when the engine first opens, and
  // cleared once the engine has counted `store_fault_attempts` failed commits (or when the
  // fault period ends). Opens the database through FaultVfs with synchronous FULL.
  std::optional<VfsFault> store_fault_plan;
  std::uint64_t store_fault_attempts = 3;
};

// The options from a simulator's config that names them alike (faults, fault_period,
// quiet_limit, tick, operator_retries_max).
template <typename Config>
SimWorldOptions world_options_of(const Config& config) {
  SimWorldOptions o;
  o.faults = config.faults;
  o.fault_period = config.fault_period;
  o.quiet_limit = config.quiet_limit;
  o.tick = config.tick;
  o.operator_retries_max = config.operator_retries_max;
  return o;
}

// What the world counted.
struct SimWorldStats {
  std::uint64_t messages = 0;  // sent: commands and replies
  std::uint64_t dropped = 0;
  std::uint64_t duplicated = 0;
  std::uint64_t replies_lost_to_crashes = 0;
  std::uint64_t participant_crashes = 0;
  std::uint64_t orchestrator_crashes = 0;
  std::uint64_t crash_points_hit = 0;  // of those, the engine stopped at its crash point
  std::uint64_t store_faults = 0;      // store faults injected
  std::uint64_t failed_commits = 0;    // commits the engine saw fail (over all its openings)
  std::uint64_t operator_retries = 0;
  std::uint64_t steps = 0;  // turns of the event loop
  Millis end_time{0};       // from the start to the end of the loop
};

class SimWorld {
 public:
  SimWorld(std::uint64_t seed, SimWorldOptions options);
  virtual ~SimWorld();
  SimWorld(const SimWorld&) = delete;
  SimWorld& operator=(const SimWorld&) = delete;

  const std::vector<std::string>& violations() const { return violations_; }
  const SimWorldStats& world_stats() const { return stats_; }
  std::uint64_t trace_value() const { return trace_.value(); }

 protected:
  // prepare(), open the engine, the event loop, then check() if the engine is open. False when
  // prepare() or the first open failed (a violation says why, for the latter).
  bool run_world();

  // --- what a simulator supplies ---------------------------------------------------------------
  // Plans the run before the engine first opens (now() == t0()); false stops the run.
  virtual bool prepare() = 0;
  // A command delivered to a participant that is up: its reply.
  virtual Envelope handle(const std::string& participant, const Envelope& command) = 0;
  // Starts saga `id`, which is due. False: not done, the engine crashed (crash_engine()); the
  // start is tried again after the restart. True: done with it, started or not.
  virtual bool start(const std::string& id) = 0;
  // The invariants, once the loop has ended with the engine open.
  virtual void check() = 0;
  // The engine sent `command` to a known participant (before the network takes it).
  virtual void on_send(const Envelope& command);
  // The simulator's own events: the time of the earliest one, if before `next`.
  virtual Millis next_event(Millis next) const;
  // Each turn of the loop, after the due deliveries and before the faults.
  virtual void on_turn();

  // --- what the world offers -------------------------------------------------------------------
  void add_participant(const std::string& name);
  void add_definition(std::shared_ptr<const SagaDefinition> definition);
  // Saga `id` is due at `at` (sagas due at the same time start in the order scheduled).
  void schedule_start(Millis at, std::string id);
  void crash_engine(bool at_crash_point);
  void violation(std::string v) { violations_.push_back(std::move(v)); }
  Millis now() const { return clock_->now(); }
  Millis t0() const { return t0_; }
  bool faulty() const { return now() < fault_end_; }
  // Whether the engine's database is opened through FaultVfs (store faults planned or seeded).
  bool store_faults_on() const {
    return options_.faults.store_fault > 0 || options_.store_fault_plan.has_value();
  }
  SimRandom& rng() { return rng_; }
  TraceHash& trace() { return trace_; }
  Engine* engine() const { return engine_.get(); }
  const SimWorldOptions& options() const { return options_; }
  // The engine's database file, for a simulator that writes it on a connection of its own.
  std::string database_path() const { return dir_.file(options_.database_file); }

 private:
  class Network;
  // A message on its way.
  struct NetEvent {
    bool to_participant = true;  // a command; otherwise a reply to the orchestrator
    std::string participant;
    Envelope envelope;
    std::uint64_t participant_epoch = 0;   // of the replying process
    std::uint64_t orchestrator_epoch = 0;  // of the engine that sent the command
  };
  // A participant's process: only `up`, the epoch and the replies in flight are volatile.
  struct Process {
    bool up = true;
    std::uint64_t epoch = 0;  // bumped by a crash: replies sent before it are lost
    Millis restart_at{0};
  };

  Status send(std::string_view participant, const Envelope& command);
  void take_replies(std::vector<Envelope>& out, std::size_t max);
  void route(NetEvent event);
  void deliver(NetEvent event);
  bool open_engine();
  void start_due_sagas();
  void inject_faults();
  void inject_store_faults();
  void count_failed_commits();
  bool all_ended();

  SimWorldOptions options_;
  SimRandom rng_;
  TraceHash trace_;
  SimWorldStats stats_;
  std::vector<std::string> violations_;
  std::shared_ptr<VirtualClock> clock_;
  std::shared_ptr<Network> network_;
  TempDir dir_;
  std::vector<std::shared_ptr<const SagaDefinition>> definitions_;
  std::unique_ptr<Engine> engine_;
  std::uint64_t orchestrator_epoch_ = 0;
  Millis t0_{0};
  Millis fault_end_{0};
  Millis engine_restart_at_{0};
  std::map<std::string, Process> processes_;
  std::map<std::pair<Millis, std::uint64_t>, NetEvent> events_;
  std::uint64_t event_seq_ = 0;
  std::deque<Envelope> replies_;  // replies that reached the orchestrator's socket
  std::map<std::pair<Millis, std::uint64_t>, std::string> starts_;  // due -> saga id
  std::uint64_t start_seq_ = 0;
  std::size_t scheduled_ = 0;
  std::map<std::string, int> operator_retries_;
  bool store_fault_planned_ = false;         // the plan is armed (it stays until cleared)
  Millis store_fault_end_{0};                // a seeded store fault lasts until then
  std::uint64_t engine_failed_commits_ = 0;  // of the engine open now, counted so far
};

}  // namespace saga::testing
