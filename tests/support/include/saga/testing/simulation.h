// Deterministic simulation of the real engine under faults.
//
// simulate(config, seed) runs many sagas of one definition on the REAL engine (manual mode,
// real SQLite file in a temp dir) against simulated participants over a simulated network,
// with one seeded PRNG, a VirtualClock, no threads and no real time: a SimWorld (sim_world.h).
// During the fault period the network drops, duplicates, delays and reorders messages,
// participants crash and restart (losing the replies they had in flight, never their inbox),
// and the orchestrator crashes (the Engine is destroyed, sometimes at a random CrashPoint) and
// reopens the same database.
// Then a quiet period without faults lets every saga finish; an operator retries sagas that
// ended kFailed. Finally the invariants are checked:
//   - every saga is completed or compensated;
//   - a completed saga applied every action once in effect and no compensation;
//   - a compensated saga left no compensatable effect in place (each undone by its
//     compensation) and never ran a retriable step;
//   - no retriable step was ever compensated (history and participants agree);
//   - no participant applied any (saga, step, direction) twice.
// The same seed gives the same run: the trace hash covers every delivery, crash and outcome,
// so a failing seed printed by a test or `saga_simulate` replays exactly.
//
// Not thread-safe; each call of simulate() is independent.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "saga/definition.h"
#include "saga/envelope.h"
#include "saga/testing/sim_world.h"

namespace saga::testing {

// What a participant decides about a command it has not seen before: a failure reason, or
// nothing for success. `tries` counts the distinct messages (not resends) of this
// (saga, step, direction) so far, from 1, so transient failures can be scripted.
using SimOutcome = std::function<std::optional<std::string>(
    const Envelope& command, std::uint64_t saga_index, std::uint32_t tries)>;

// An external event for a wait step (SimulationConfig::events), sent by saga id.
struct SimEvent {
  std::string name;  // as the wait step's wait_for<E>
  Millis after{0};   // after the saga's start is due
  std::string body;  // cereal portable binary
};

struct SimulationConfig {
  std::shared_ptr<const SagaDefinition> definition;
  // The definitions of the child sagas `definition` starts (docs/dsl.md section 9), registered
  // too. Each saga's children are checked as sagas of their own (each ended, every effect once),
  // a child ends as its parent does (completed with it, compensated with it), and a done child
  // whose parent compensated has run its compensations and kept its pivot's and retriable
  // steps' effects. `outcome` sees a child's commands with its parent's index.
  std::vector<std::shared_ptr<const SagaDefinition>> children;
  int sagas = 12;
  Millis start_window{3'000};  // sagas start at random times in [0, start_window)
  std::function<std::string(std::uint64_t saga_index)> data;  // the saga data
  SimOutcome outcome;                                         // absent: always success
  std::set<std::string> compensation_only;  // commands undoing what predates the saga
  SimFaults faults;
  Millis fault_period{20'000};
  Millis quiet_limit{600'000};   // after the faults; sagas not ended by then are violations
  Millis tick{100};              // the longest simulated time step
  int operator_retries_max = 5;  // per saga, in the quiet period
  // Off models a broken participant that executes duplicates again (the checker must catch it).
  bool idempotent_inbox = true;
  // See SimWorldOptions: one planned store fault, cleared after this many failed commits.
  std::optional<VfsFault> store_fault_plan;
  std::uint64_t store_fault_attempts = 3;
  // Also replay each saga's recorded history through decide (history_replay.h): it must
  // reproduce the stored instance's phase and step (no transition half applied).
  bool check_history_replay = false;
  // No reply deadline may pass (for runs whose network loses nothing and whose faults are short:
  // a timeout there means the engine lost a reply it had received).
  bool expect_no_timeouts = false;
  // Saga control. cancel_after: saga i is cancelled (Engine::cancel) this long after its start
  // is due, racing its replies, timeouts and crashes; nothing: never. A cancel the engine took
  // must end the saga compensated with `cancelled` in its history; one refused (past the pivot,
  // or already ended) changes nothing. saga_deadline: saga i starts with a deadline this long
  // after its start; a saga whose history says the deadline passed before the pivot must end
  // compensated.
  std::function<std::optional<Millis>(std::uint64_t saga_index)> cancel_after;
  std::function<std::optional<Millis>(std::uint64_t saga_index)> saga_deadline;
  // External events (wait steps): saga i's events, each delivered with Engine::deliver_event
  // (event id "<saga>/<name>") `after` its start is due. The network's faults apply to them as
  // to messages: during the fault period an event is dropped (its wait step times out),
  // duplicated (the second delivery must be a duplicate) or delayed (reordered with the saga's
  // other events and inputs). A wait step never takes two events, nor one after its time limit.
  std::function<std::vector<SimEvent>(std::uint64_t saga_index)> events;
};

struct SimulationStats {
  std::uint64_t completed = 0;
  std::uint64_t compensated = 0;
  std::uint64_t operator_retries = 0;
  std::uint64_t messages = 0;
  std::uint64_t dropped = 0;
  std::uint64_t duplicated = 0;
  std::uint64_t replies_lost_to_crashes = 0;
  std::uint64_t participant_crashes = 0;
  std::uint64_t orchestrator_crashes = 0;
  std::uint64_t crash_points_hit = 0;
  std::uint64_t store_faults = 0;
  std::uint64_t failed_commits = 0;
  std::uint64_t duplicate_deliveries = 0;  // answered from a participant's inbox
  std::uint64_t pivot_effects_kept = 0;
  std::uint64_t cancels_applied = 0;   // cancel_after: the engine took the cancel
  std::uint64_t cancels_refused = 0;   // ... refused it (past the pivot, or ended)
  std::uint64_t deadlines_passed = 0;  // sagas whose deadline compensated them
  std::uint64_t children = 0;          // child sagas checked (SimulationConfig::children)
  std::uint64_t events_dropped = 0;    // events: never delivered
  std::uint64_t events_taken = 0;      // ... answered consumed or pending
  std::uint64_t events_duplicate = 0;  // ... answered duplicate
  std::uint64_t events_refused = 0;    // ... refused (the saga ended, or is past its wait)
  std::uint64_t events_timed_out = 0;  // wait steps whose time limit passed
  std::uint64_t steps = 0;
  Millis end_time{0};

  // Adds every count of `other` (several seeds' totals); end_time becomes the later one.
  SimulationStats& operator+=(const SimulationStats& other);
};

struct SimulationResult {
  std::uint64_t seed = 0;
  std::vector<std::string> violations;  // empty: every invariant held
  std::uint64_t trace_hash = 0;
  SimulationStats stats;
  bool ok() const { return violations.empty(); }
  // One line: seed, verdict, counts; then one line per violation.
  std::string summary() const;
};

// Runs one simulation. Never throws; engine errors become violations.
SimulationResult simulate(const SimulationConfig& config, std::uint64_t seed);

// The FTGO Create Order simulation (ftgo_definition(), string data "order-<i>"): saga i % 5 == 0
// gets card_declined, i % 7 == 3 kitchen_full on CreateTicket, i % 3 == 1 a first
// ConfirmCreateTicket that fails kitchen_busy, i % 4 == 2 a first CancelCreateTicket that fails.
SimulationConfig ftgo_simulation_config();

}  // namespace saga::testing
