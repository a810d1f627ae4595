// Metrics: what a service exports about its engine, and the Prometheus text format for it.
//
// Engine::metrics() returns a MetricsSnapshot: plain counters and gauges, copied from the engine
// thread after each loop iteration, so reading it never waits for the engine. A service serves
// to_prometheus(engine.metrics()) on its own HTTP endpoint (the engine runs no server).
//
// Counters count since the engine was opened; they are not persisted (the history in the
// database is the durable record: `sagactl stats` counts retries and timeouts from it).
// Commit latency is wall time (std::chrono::steady_clock), not the engine's injected clock:
// useful in production, never asserted in tests.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "saga/engine.h"

namespace saga {

// A distribution reduced to count, sum and max (Prometheus: a summary without quantiles, plus
// a max gauge).
struct CountSumMax {
  std::uint64_t count = 0;
  std::uint64_t sum = 0;
  std::uint64_t max = 0;
  void add(std::uint64_t value) {
    ++count;
    sum += value;
    if (value > max) max = value;
  }
  friend bool operator==(const CountSumMax&, const CountSumMax&) = default;
};

// Sagas of one type (definition name), all versions together.
struct SagaTypeMetrics {
  std::string type;
  std::uint64_t started = 0;
  std::uint64_t completed = 0;
  std::uint64_t compensated = 0;
  std::uint64_t failed = 0;  // moved to kFailed (needs an operator); counted each time
  friend bool operator==(const SagaTypeMetrics&, const SagaTypeMetrics&) = default;
};

// Semantic locks (definition.h LockDeclaration): gauges as of the last loop iteration, and
// counters since the engine was opened.
struct LockMetrics {
  std::uint64_t held = 0;        // keys held
  std::uint64_t waiting = 0;     // sagas queued for a key
  std::uint64_t past_lease = 0;  // keys whose holder has not progressed within the lease
  std::uint64_t granted = 0;     // lock requests granted
  std::uint64_t waits = 0;       // lock requests that had to queue
  std::uint64_t refused = 0;     // fail-fast refusals and deadlock victims
  std::uint64_t deadlocks = 0;   // of which deadlock victims
  std::uint64_t released_by_operator = 0;
  friend bool operator==(const LockMetrics&, const LockMetrics&) = default;
};

struct MetricsSnapshot {
  std::vector<SagaTypeMetrics> sagas;        // sorted by type
  std::uint64_t steps_retried = 0;           // step and compensation commands sent again
  std::uint64_t timeouts = 0;                // replies not received by their deadline
  std::uint64_t stale_replies = 0;           // replies for a command no longer outstanding: dropped
  std::uint64_t expected_stale_replies = 0;  // of those, answers to this saga's earlier commands
  std::uint64_t unknown_replies = 0;         // replies for no running saga: dropped
  std::uint64_t commands_sent = 0;
  std::uint64_t commit_failures = 0;
  std::uint64_t operator_requests_applied = 0;
  std::uint64_t operator_requests_rejected = 0;
  std::vector<ParticipantState> participants;  // in flight, held, breaker; sorted by name
  CountSumMax commit_batch_size;               // inputs per committed transaction
  CountSumMax commit_latency_us;               // wall time of each commit, microseconds
  LockMetrics locks;
  StoreHealth store;  // the database's health (Engine::store_health)
};

// The snapshot in the Prometheus text exposition format (version 0.0.4): a `# HELP` and a
// `# TYPE` line per metric family, then its samples, families in a fixed order, label values
// escaped. Serve it with `Content-Type: text/plain; version=0.0.4`. Families:
//   saga_sagas_total{type,outcome}                 counter  outcome: started, completed,
//                                                           compensated, failed
//   saga_steps_retried_total, saga_timeouts_total, saga_stale_replies_total,
//   saga_expected_stale_replies_total, saga_unknown_replies_total, saga_commands_sent_total,
//   saga_commit_failures_total  counter saga_operator_requests_total{outcome}          counter
//   outcome: applied, rejected saga_commands_in_flight{participant}           gauge
//   saga_commands_held{participant}                gauge
//   saga_breaker_state{participant,state}          gauge    1 for the current state, else 0
//   saga_breaker_next_probe_seconds{participant}   gauge    while open: the next probe's time
//   saga_reply_latency_milliseconds{participant} (_count, _sum) summary + ..._max gauge
//   saga_commit_batch_size (_count, _sum)          summary  + saga_commit_batch_size_max gauge
//   saga_commit_latency_microseconds (_count, _sum) summary + ..._max gauge
//   saga_locks_held, saga_lock_waiting_sagas, saga_locks_past_lease                   gauge
//   saga_lock_requests_total{outcome}              counter  outcome: granted, waited, refused
//   saga_deadlocks_total, saga_locks_released_by_operator_total                       counter
//   saga_store_healthy                             gauge    1, or 0 while commits fail
//   saga_store_failing_since_seconds               gauge    engine clock at the fault's start
//                                                           (seconds since the epoch), or 0
//   saga_store_fault_commit_failures               gauge    failed commits of the current fault
std::string to_prometheus(const MetricsSnapshot& snapshot);

}  // namespace saga
