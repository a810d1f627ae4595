// LockCoordinator: the engine's side of semantic locks (docs/isolation.md). It owns the
// LockTable and turns what decisions ask for into requests and releases, the table's answers
// into inputs for the sagas, and watches leases. Engine thread only; time comes in as an
// argument, and sagas are staged through a callback (the coordinator does not run decide).
#pragma once

#include <cstdint>
#include <functional>
#include <set>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/lock_table.h"
#include "runtime/engine_log.h"
#include "saga/decide.h"
#include "saga/engine.h"
#include "saga/metrics.h"

namespace saga {

// The sagas the engine keeps in memory (executing, compensating, failed), by id.
using RunningSagas = std::unordered_map<std::string, SagaInstance>;

class LockCoordinator {
 public:
  // Applies `input` to saga `saga_id` without settling; appends the lock answers it causes.
  using StageFn =
      std::function<Status(const std::string& saga_id, Input input, std::vector<LockAnswer>&)>;
  // A new input with the time and a random word filled in.
  using FreshInput = std::function<Input()>;

  explicit LockCoordinator(const EngineLog& log) : log_(log) {}

  // Replaces the table (recovery) and forgets which leases were reported.
  void load(std::vector<HeldLock> locks, std::vector<LockWait> waits);
  // What saga `id`'s staged decision changes about locks at `now`: its request (if any), then
  // the keys it gives back: all of them when `next` ended, those it moved past while it goes
  // forward. Appends the answers.
  void stage(const std::string& id, const std::optional<LockRequest>& request,
             const SagaInstance& next, Millis now, std::vector<LockAnswer>& answers);
  // Feeds each answer (and those that follow from it) to its saga, counting grants, waits,
  // refusals and deadlocks. Empties `answers`.
  void settle(std::vector<LockAnswer>& answers, const FreshInput& fresh, const StageFn& stage);
  // An operator's release of `key` (expected_holder: empty for whoever holds it). The holder
  // is told (kOperatorReleasedLock, `reason` plus the key); if it cannot be, the key is
  // released anyway and that is logged. The sagas queued behind the key are settled.
  Status release(const std::string& key, const std::string& expected_holder, std::string reason,
                 Millis now, const FreshInput& fresh, const StageFn& stage,
                 const RunningSagas& running);

  // Held locks, sorted by key, with their queues and lease state at `now`.
  std::vector<LockInfo> infos(Millis now, const RunningSagas& running) const;
  // Logs keys whose holder is past its lease (once per key and holder), for the gauge.
  void check_leases(Millis now, const RunningSagas& running);
  // The later of the lock's grant and its holder's last transition: the lease runs from it.
  static Millis last_progress(const HeldLock& lock, const RunningSagas& running);

  // Counters, with the held and waiting gauges of the table now.
  LockMetrics metrics() const;
  // The counters alone, and putting them back (a refused commit's inputs are counted again).
  LockMetrics counters() const { return metrics_; }
  void restore_counters(const LockMetrics& counters) { metrics_ = counters; }
  LockTable& table() { return table_; }

 private:
  const EngineLog& log_;
  LockTable table_;
  std::set<std::pair<std::string, std::string>> past_lease_reported_;  // (key, holder)
  LockMetrics metrics_;
};

}  // namespace saga
