// The commit batch: what one loop iteration stages and commits together (group commit), how it
// becomes one store transaction, and what changes in memory once that transaction committed.
// Nothing in memory changes before the commit: a refused commit leaves the running sagas as
// they were, rolls the lock table back to match the store, and keeps the batch's inputs. Engine
// thread only.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "core/lock_table.h"
#include "runtime/lock_coordinator.h"
#include "runtime/timer_queue.h"
#include "saga/decide.h"
#include "store/saga_store.h"

namespace saga {

struct PendingBatch {
  std::unordered_map<std::string, SagaInstance> staged;  // latest state of each saga touched
  std::unordered_set<std::string> inserted;              // staged ids that are new sagas
  std::vector<std::pair<std::string, HistoryEntry>> history;
  std::unordered_map<std::string, OutgoingCommand> commands;             // latest command per saga
  std::vector<std::pair<std::string, OutgoingCommand>> branch_commands;  // parallel groups'
  std::vector<std::function<void(const Status&)>> on_commit;             // API requests' answers
  std::vector<DefinitionRecord> definitions;
  std::vector<RequestOutcome> request_outcomes;  // operator requests taken from the store
  // External events (engine_events.cpp): new ones, pending ones taken, correlation keys.
  std::vector<StoredEvent> events_put;
  std::vector<EventConsumption> events_consumed;
  std::vector<EventKeyRecord> event_keys_put;
  std::vector<std::string> event_keys_delete;
  std::size_t inputs = 0;
  std::size_t gate_entries = 0;  // the first history entries: gate annotations (no input)
  // What a refused commit keeps for its next attempt (Engine::Impl::carry_over):
  std::vector<std::size_t> replies;  // the staged replies, as indexes into the engine's replies
  std::vector<std::pair<std::string, Millis>> timers;  // the timers fired and staged
  bool took_requests = false;  // operator requests were read from the database
  // Transactional starts staged (their rows are deleted by the commit), and the start cursor
  // before they were read (a refused commit reads them again).
  std::vector<std::int64_t> start_requests_done;
  std::optional<std::int64_t> start_cursor_before;
  // Transactional events staged or refused (rows deleted or marked by the commit), and the
  // event cursor before they were read.
  std::vector<std::int64_t> event_requests_done;
  std::vector<EventRequestRefusal> event_requests_refused;
  std::optional<std::int64_t> event_cursor_before;
  // Counters as the batch began: a refused commit puts them back.
  std::uint64_t retried_before = 0;
  std::uint64_t timeouts_before = 0;
  std::uint64_t replies_applied_before = 0;
  LockMetrics lock_counters_before;

  // The saga's latest state: staged in this batch, else running; null when neither.
  const SagaInstance* current(const std::string& id, const RunningSagas& running) const;
  // Stages an applied decision for saga `id`: its history, its command (replacing one staged
  // earlier in the batch) and its next state, which it returns. Counts one input.
  SagaInstance& stage(const std::string& id, Decision& decision);
  // Tells every API request of the batch how its commit went.
  void answer(const Status& committed);
};

struct CommitResult {
  bool written = false;  // false: nothing to write (status ok), or the store refused (status)
  Status status;
  std::chrono::microseconds elapsed{0};  // wall time of the store's commit
};

// Writes the batch as one StoreBatch: new and updated instances (updates with the row_version
// they were read at, from `running`), each saga's command into the outbox (or its outbox row
// deleted when it has none outstanding), history, request outcomes, definitions and the lock
// table's changes. Branch commands go to the branch outbox; the rows of branches a saga no
// longer waits for (answered, or its group settled) are deleted. After a commit the table's journal
// is cleared; after a failure the table is rolled back. The batch's instances, commands and history
// are as before either way.
CommitResult commit_batch(PendingBatch& batch, const RunningSagas& running, LockTable& locks,
                          const std::function<Status(const StoreBatch&)>& write);

struct AppliedBatch {
  std::vector<std::string> started_types;  // type of each saga the batch started
  std::vector<SagaInstance> ended;         // completed, compensated, or newly failed
};

// After a successful commit: moves the staged instances into `running` with their new
// row_version (terminal ones leave it) and arms the retry timers of those waiting to retry.
AppliedBatch apply_committed(PendingBatch& batch, RunningSagas& running, TimerQueue& timers);

}  // namespace saga
