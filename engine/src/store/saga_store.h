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
#include <string_view>
#include <utility>
#include <vector>

#include "saga/instance.h"
#include "saga/status.h"
#include "saga/store_records.h"

namespace saga {

// A pending start request, and whether saga_instances held its saga id when the backend read
// it: answered in the same query, so the engine drops a duplicate without a read per start.
struct PendingStart {
  StartRequest request;
  bool saga_exists = false;
};

// Everything one transaction writes. Applied all or nothing, in this order: definitions,
// inserts, updates, history, outbox deletes, outbox puts (so a delete and a put of the same
// saga leave the put), operator request outcomes, lock deletes then lock puts.
struct StoreBatch {
  std::vector<DefinitionRecord> definitions;  // inserted if absent
  std::vector<SagaInstance> inserts;          // new instances; row_version is written as 1
  // Updated instances: the row must still have `row_version` (the value read); it is written
  // as row_version + 1. A mismatch fails the whole batch with kConflict. id, type, version,
  // fingerprint, trace_id and created_at never change after the insert: a backend may leave
  // them out of the update (SQLite does).
  std::vector<SagaInstance> updates;
  // Empty, or one per update: the phase its row has now (the engine's copy at that
  // row_version). A backend may leave the phase out of an update that keeps it (SQLite does:
  // its phase index is then not rewritten).
  std::vector<Phase> updates_stored_phase;
  std::vector<std::pair<std::string, HistoryEntry>> history;  // (saga id, entry), appended
  std::vector<OutboxEntry> outbox_put;                        // replaces the saga's outbox row
  std::vector<std::string> outbox_delete;                     // saga ids whose outbox row goes
  std::vector<RequestOutcome> request_outcomes;               // operator requests finished
  LockChanges locks;                                          // semantic locks and waits
  std::vector<std::int64_t> start_requests_done;  // seqs of start requests taken (rows deleted)
  // Parallel groups' branch commands, several per saga, keyed by message id: deletes (message
  // ids), then puts, after the single-command outbox.
  std::vector<std::string> branch_outbox_delete;
  std::vector<OutboxEntry> branch_outbox_put;
  // External events (written after the locks): new events, pending events taken by their
  // saga, correlation keys of sagas that start, and the keys of sagas that end (by saga id).
  std::vector<StoredEvent> events_put;
  std::vector<EventConsumption> events_consumed;
  std::vector<EventKeyRecord> event_keys_put;
  std::vector<std::string> event_keys_delete;
  // Transactional events (schema v12): requests delivered (rows deleted) and refused (rows
  // kept, marked refused), written with the events.
  std::vector<std::int64_t> event_requests_done;
  std::vector<EventRequestRefusal> event_requests_refused;
  bool has_events() const {
    return !events_put.empty() || !events_consumed.empty() || !event_keys_put.empty() ||
           !event_keys_delete.empty() || !event_requests_done.empty() ||
           !event_requests_refused.empty();
  }
  bool has_branch_outbox() const {
    return !branch_outbox_delete.empty() || !branch_outbox_put.empty();
  }
  bool empty() const {
    return definitions.empty() && inserts.empty() && updates.empty() && history.empty() &&
           outbox_put.empty() && outbox_delete.empty() && request_outcomes.empty() &&
           locks.empty() && start_requests_done.empty() && !has_events() && !has_branch_outbox();
  }
};

// What renew_lease() found (docs/scale-out.md).
struct LeaseReport {
  bool lost = false;  // this incarnation's lease had expired: it owns nothing any more
  std::vector<SagaInstance> claimed;  // sagas taken over from instances whose lease expired
  std::vector<OutboxEntry> outbox;    // the claimed sagas' unanswered commands
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

  // --- starts committed by other connections (saga/transactional_start.h) ---
  // A backend without them keeps these defaults: nothing ever pending.
  // Whether another connection or process committed to the database since the previous call
  // (true on the first call). Cheap: the engine asks before each read of start requests.
  virtual Result<bool> changed_elsewhere() { return true; }
  // Pending start requests with seq > after, by seq, at most `limit`.
  virtual Result<std::vector<PendingStart>> start_requests(std::int64_t /*after*/,
                                                           std::size_t /*limit*/) {
    return std::vector<PendingStart>{};
  }
  // Whether a start request for `saga_id` is pending.
  virtual Result<bool> start_pending(const std::string& /*saga_id*/) { return false; }
  // Pending event requests (saga/transactional_event.h) with seq > after, by seq, at most
  // `limit`; refused ones are left out.
  virtual Result<std::vector<EventRequest>> event_requests(std::int64_t /*after*/,
                                                           std::size_t /*limit*/) {
    return std::vector<EventRequest>{};
  }
  // Event requests the engine refused, newest first, at most `limit` (0: no limit).
  virtual Result<std::vector<EventRequest>> refused_event_requests(std::size_t /*limit*/) {
    return std::vector<EventRequest>{};
  }
  // --- external events (schema v8) ---
  // A backend without them answers kFailedPrecondition (and must not be given a batch with
  // events); the SQLite backend has them.
  virtual Result<std::optional<StoredEvent>> load_event(const std::string& event_id) {
    return failed_precondition("store: no external events in this backend (" + event_id + ")");
  }
  // The saga's events in `state` (every state when empty), oldest first.
  virtual Result<std::vector<StoredEvent>> saga_events(const std::string& saga_id,
                                                       std::optional<EventState> state) {
    (void)state;
    return failed_precondition("store: no external events in this backend (" + saga_id + ")");
  }
  // The sagas whose correlation key for event `name` is `key`.
  virtual Result<std::vector<std::string>> sagas_for_event_key(const std::string& name,
                                                               const std::string& key) {
    return failed_precondition("store: no external events in this backend (" + name + ", " + key +
                               ")");
  }

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

  // --- several engine instances on one database (PostgreSQL; docs/scale-out.md) ---
  // Whether other engine instances may share the database: the engine then renews its lease
  // with renew_lease() and reloads its sagas when a commit is fenced (kConflict).
  virtual bool shared() const { return false; }
  // Renews this incarnation's lease and claims up to `claim_limit` unfinished sagas whose
  // owner's lease expired. `lost`: the lease had expired (another instance may own our sagas
  // by now); the engine drops what it holds and calls load_unfinished() again.
  virtual Result<LeaseReport> renew_lease(std::size_t claim_limit) {
    (void)claim_limit;
    return LeaseReport{};
  }
  // The owner name and lease epoch of this incarnation ("" and 0 when not shared).
  virtual std::string lease_owner() const { return {}; }
  virtual std::int64_t lease_epoch() const { return 0; }
  // The held locks among `keys` as committed now (semantic locks across instances: a saga of
  // this instance waits for a key another instance's saga holds until this read finds it free).
  // The default reads the whole table.
  virtual Result<std::vector<HeldLock>> locks_held(const std::vector<std::string>& keys);
};

// In the message of a commit refused (kConflict) because a semantic lock it grants is held by
// a saga of another instance: the engine re-reads the lock table and decides again.
inline constexpr std::string_view kLockTakenElsewhere = "semantic lock held by another instance";

// Opens the backend that options.path names with the access asked: a "postgresql://" or
// "postgres://" URI is a PostgreSQL database (kUnavailable when this build has no PostgreSQL
// support, SAGA_POSTGRES=OFF), anything else a SQLite file path.
Result<std::unique_ptr<SagaStore>> open_store(const StoreOptions& options);

// Whether `path` names a PostgreSQL database: a "postgresql://" or "postgres://" URI.
bool is_postgres_url(std::string_view path);
// open_store() for such a URI (pg_saga_store.cpp, or pg_unavailable.cpp without libpq).
Result<std::unique_ptr<SagaStore>> open_postgres_store(const StoreOptions& options);

}  // namespace saga
