// SqliteSagaStore: the engine's database (internal to the engine).
//
// One SQLite file per engine, WAL mode, schema versioned by PRAGMA user_version. The schema is
// described in docs/storage.md. Only the store's files (sqlite_*.cpp) include SQLiteCpp; every
// SQLite error is turned into a Status there (busy -> kBusy, full disk -> kFull, read-only -> kReadOnly,
// not a database / corrupt -> kCorrupt, cannot open / I/O error -> kIoError, others ->
// kInternal), with the operation as context.
//
// Not thread-safe: the engine thread owns it.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "lock_table.h"
#include "saga/engine.h"
#include "saga/envelope.h"
#include "saga/instance.h"
#include "saga/status.h"

namespace saga {

// Who opens the file, and so what the store may do to it.
enum class StoreAccess : std::uint8_t {
  kEngine = 0,    // read-write: creates the file, sets the pragmas, migrates the schema
  kReadOnly = 1,  // SQLITE_OPEN_READONLY: queries only (sagactl list, show, stats, ...)
  // Read-write without creating, migrating or changing pragmas: queries plus
  // add_operator_request (sagactl retry, compensate, skip). The engine may run meanwhile.
  kOperator = 2,
};

struct StoreOptions {
  std::string path;
  Synchronous synchronous = Synchronous::kFull;  // kEngine only
  Millis busy_timeout{5'000};
  StoreAccess access = StoreAccess::kEngine;
};

// Operator requests (schema v2): sagactl asks, the engine applies on its own thread. Stored as
// text ('retry', 'pending'), so that any SQLite client can read and write them.
// kReleaseLock (schema v3) names a lock key instead of acting on a saga's phase.
enum class OperatorAction : std::uint8_t {
  kRetry = 1,
  kCompensate = 2,
  kSkip = 3,
  kReleaseLock = 4
};
enum class RequestState : std::uint8_t { kPending = 0, kApplied = 1, kRejected = 2 };
std::string_view to_string(OperatorAction action);
std::string_view to_string(RequestState state);
std::optional<OperatorAction> parse_operator_action(std::string_view text);
std::optional<RequestState> parse_request_state(std::string_view text);

struct OperatorRequest {
  std::int64_t id = 0;  // assigned by add_operator_request; never reused
  std::string saga_id;
  OperatorAction action = OperatorAction::kRetry;
  std::string reason;        // why (required)
  std::string requested_by;  // who
  Millis requested_at{0};    // the requester's wall clock, ms since the Unix epoch
  RequestState state = RequestState::kPending;
  std::string result;     // the engine's answer: "ok" or the Status message of the rejection
  Millis finished_at{0};  // the engine's clock when applied or rejected
  // kReleaseLock: the key. saga_id is then the holder it expects, or empty for whoever holds it.
  std::string lock_key;
};

// The engine's verdict on one request, written with the batch that applies it.
struct RequestOutcome {
  std::int64_t id = 0;
  RequestState state = RequestState::kApplied;
  std::string result;
  Millis finished_at{0};
};

// Filters for query(). Newest first (created_at, then id).
struct SagaQuery {
  std::optional<Phase> phase;
  std::string type;                      // empty: every type
  std::optional<Millis> created_before;  // only instances created strictly before
  std::size_t limit = 100;               // 0: no limit
  std::size_t offset = 0;
};

// Instances counted by definition and phase (sagactl stats and definitions).
struct SagaCount {
  std::string type;
  std::uint32_t version = 0;
  std::string fingerprint;
  Phase phase = Phase::kExecuting;
  std::uint64_t count = 0;
};

// The one unanswered command of a saga (the outbox holds at most one per saga).
struct OutboxEntry {
  std::string saga_id;
  std::string participant;
  Envelope envelope;  // full command; envelope.attempt is the delivery count so far
};

struct DefinitionRecord {
  std::string name;
  std::uint32_t version = 0;
  std::string fingerprint;
  Millis registered_at{0};  // the engine's clock when first registered; kept on re-register
  friend bool operator==(const DefinitionRecord&, const DefinitionRecord&) = default;
};

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
  std::vector<RequestOutcome> request_outcomes;               // operator requests finished
  LockChanges locks;                                          // semantic locks and waits
  bool empty() const {
    return definitions.empty() && inserts.empty() && updates.empty() && history.empty() &&
           outbox_put.empty() && outbox_delete.empty() && request_outcomes.empty() && locks.empty();
  }
};

class SqliteSagaStore {
 public:
  // Opens or creates the file, sets WAL, synchronous and the busy timeout, creates or migrates
  // the schema (options.access says how much of that it may do). kCorrupt when the file is not
  // an engine database (or from a newer version); kReadOnly and kOperator also need the file to
  // exist (kIoError) and to be at this build's schema version (kFailedPrecondition: start the
  // engine once to migrate it).
  static Result<std::unique_ptr<SqliteSagaStore>> open(const StoreOptions& options);
  ~SqliteSagaStore();

  // One transaction. kAlreadyExists when an insert's id exists; kConflict on a row version
  // mismatch; storage errors as above. On error nothing of the batch is written.
  Status commit(const StoreBatch& batch);

  Result<std::optional<SagaInstance>> load(const std::string& id);
  // Instances in executing, compensating or failed.
  Result<std::vector<SagaInstance>> load_unfinished();  // oldest first
  // Every outbox row, in the order they were last put.
  Result<std::vector<OutboxEntry>> load_outbox();
  Result<std::vector<HistoryEntry>> history(const std::string& id);
  // Newest first (created_at, then id), at most `limit` of them (0: no limit).
  Result<std::vector<SagaInstance>> list(std::optional<Phase> phase, std::size_t limit);
  Result<std::vector<DefinitionRecord>> definitions();
  // Semantic locks (schema v3): every held key, by key; every waiting saga, in queue order.
  Result<std::vector<HeldLock>> load_locks();
  Result<std::vector<LockWait>> load_lock_waits();

  // --- queries for tools (any access) ---
  Result<std::vector<SagaInstance>> query(const SagaQuery& query);
  // The oldest instance in executing, compensating or failed, if any.
  Result<std::optional<SagaInstance>> oldest_unfinished();
  // The saga's unanswered command, if it has one.
  Result<std::optional<OutboxEntry>> outbox_entry(const std::string& saga_id);
  // Instance counts grouped by (type, version, fingerprint, phase).
  Result<std::vector<SagaCount>> counts();
  // History entries counted by event, over every saga.
  Result<std::map<Event, std::uint64_t>> event_counts();

  // --- operator requests ---
  // Inserts a pending request and returns its id. Needs kEngine or kOperator access.
  Result<std::int64_t> add_operator_request(const OperatorRequest& request);
  // Pending requests, oldest first, at most `limit`. Reads only: a request stays pending until
  // a commit carries its RequestOutcome (or finish_operator_request runs), so a request is
  // applied exactly once even if the engine crashes in between.
  Result<std::vector<OperatorRequest>> take_operator_requests(std::size_t limit);
  // Records one outcome in a transaction of its own.
  Status finish_operator_request(const RequestOutcome& outcome);
  Result<std::optional<OperatorRequest>> operator_request(std::int64_t id);
  // Newest first; every state when `state` is empty; at most `limit` (0: no limit).
  Result<std::vector<OperatorRequest>> operator_requests(std::optional<RequestState> state,
                                                         std::size_t limit);

 private:
  class Impl;
  explicit SqliteSagaStore(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace saga
