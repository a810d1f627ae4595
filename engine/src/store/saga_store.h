// SagaStore: the interface between the engine's runtime and a database backend (internal).
//
// The runtime (engine/src/runtime) and the inspection API talk to the store only through this
// interface; a backend implements it in its own folder file set (store/sqlite_* for SQLite) and
// is picked by open_store(). Records are in saga/store_records.h.
//
// Errors: every backend maps its own errors to the same Status codes (busy or locked -> kBusy,
// disk full -> kFull, read-only -> kReadOnly, not a database / corrupt -> kCorrupt, cannot open
// or I/O error -> kIoError, others -> kInternal), with the operation as context.
//
// Not thread-safe: one thread owns a store (the engine thread, or a tool's).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "saga/instance.h"
#include "saga/status.h"
#include "saga/store_records.h"

namespace saga {

// Everything one transaction writes. Applied all or nothing, in this order: definitions,
// inserts, updates, history, outbox deletes, outbox puts (so a delete and a put of the same
// saga leave the put), operator request outcomes, lock deletes then lock puts.
struct StoreBatch {
  std::vector<DefinitionRecord> definitions;  // inserted if absent
  std::vector<SagaInstance> inserts;          // new instances; row_version is written as 1
  // Updated instances: the row must still have `row_version` (the value read); it is written
  // as row_version + 1. A mismatch fails the whole batch with kConflict.
  std::vector<SagaInstance> updates;
  std::vector<std::pair<std::string, HistoryEntry>> history;  // (saga id, entry), appended
  std::vector<OutboxEntry> outbox_put;                        // replaces the saga's outbox row
  std::vector<std::string> outbox_delete;                     // saga ids whose outbox row goes
  // Parallel groups' branch commands, several per saga, keyed by message id: deletes (message
  // ids), then puts, after the single-command outbox.
  std::vector<std::string> branch_outbox_delete;
  std::vector<OutboxEntry> branch_outbox_put;
  std::vector<RequestOutcome> request_outcomes;  // operator requests finished
  LockChanges locks;                             // semantic locks and waits
  bool empty() const {
    return definitions.empty() && inserts.empty() && updates.empty() && history.empty() &&
           outbox_put.empty() && outbox_delete.empty() && request_outcomes.empty() &&
           locks.empty() && branch_outbox_delete.empty() && branch_outbox_put.empty();
  }
};

class SagaStore {
 public:
  virtual ~SagaStore() = default;

  // One transaction. kAlreadyExists when an insert's id exists; kConflict on a row version
  // mismatch; storage errors as above. On error nothing of the batch is written.
  virtual Status commit(const StoreBatch& batch) = 0;

  virtual Result<std::optional<SagaInstance>> load(const std::string& id) = 0;
  // Instances in executing, compensating or failed, oldest first.
  virtual Result<std::vector<SagaInstance>> load_unfinished() = 0;
  // Every outbox row, in the order they were last put: the single commands, then the parallel
  // groups' branch commands.
  virtual Result<std::vector<OutboxEntry>> load_outbox() = 0;
  virtual Result<std::vector<HistoryEntry>> history(const std::string& id) = 0;
  // Newest first (created_at, then id), at most `limit` of them (0: no limit).
  virtual Result<std::vector<SagaInstance>> list(std::optional<Phase> phase, std::size_t limit) = 0;
  virtual Result<std::vector<DefinitionRecord>> definitions() = 0;
  // Semantic locks: every held key, by key; every waiting saga, in queue order.
  virtual Result<std::vector<HeldLock>> load_locks() = 0;
  virtual Result<std::vector<LockWait>> load_lock_waits() = 0;

  // --- queries for tools (any access) ---
  virtual Result<std::vector<SagaInstance>> query(const SagaQuery& query) = 0;
  // The oldest instance in executing, compensating or failed, if any.
  virtual Result<std::optional<SagaInstance>> oldest_unfinished() = 0;
  // The saga's unanswered command, if it has one.
  virtual Result<std::optional<OutboxEntry>> outbox_entry(const std::string& saga_id) = 0;
  // Instance counts grouped by (type, version, fingerprint, phase).
  virtual Result<std::vector<SagaCount>> counts() = 0;
  // History entries counted by event, over every saga.
  virtual Result<std::map<Event, std::uint64_t>> event_counts() = 0;

  // --- operator requests ---
  // Inserts a pending request and returns its id. Needs kEngine or kOperator access.
  virtual Result<std::int64_t> add_operator_request(const OperatorRequest& request) = 0;
  // Pending requests, oldest first, at most `limit`. Reads only: a request stays pending until
  // a commit carries its RequestOutcome (or finish_operator_request runs), so a request is
  // applied exactly once even if the engine crashes in between.
  virtual Result<std::vector<OperatorRequest>> take_operator_requests(std::size_t limit) = 0;
  // Records one outcome in a transaction of its own.
  virtual Status finish_operator_request(const RequestOutcome& outcome) = 0;
  virtual Result<std::optional<OperatorRequest>> operator_request(std::int64_t id) = 0;
  // Newest first; every state when `state` is empty; at most `limit` (0: no limit).
  virtual Result<std::vector<OperatorRequest>> operator_requests(std::optional<RequestState> state,
                                                                 std::size_t limit) = 0;

  // --- retention ---
  // A saga pruning removes, with its history (oldest first).
  using PrunedSaga = std::pair<SagaInstance, std::vector<HistoryEntry>>;
  // Called with the whole batch before any of it is removed (an archive).
  using PruneArchive = std::function<Status(const std::vector<PrunedSaga>& batch)>;
  // In one transaction: up to `limit` sagas (at least one) completed or compensated before
  // `before` (their last update), oldest first. `archive`, when set, sees them all first; an
  // error from it changes nothing and is returned. Then their history and instance rows are
  // deleted.
  // Returns how many. Needs kEngine or kOperator access.
  virtual Result<std::size_t> prune_finished(Millis before, std::size_t limit,
                                             const PruneArchive& archive) = 0;
};

// Opens the backend that options.path names (today: a SQLite file path) with the access asked.
Result<std::unique_ptr<SagaStore>> open_store(const StoreOptions& options);

}  // namespace saga
