// Inspection and administration of an engine's database, without a running engine.
//
// An Inspector opens the database file an Engine writes (EngineOptions' database path) through
// the engine's own store, and answers what an operator asks: which sagas exist and in which
// phase, one saga's history and outstanding command, counts, the registered definitions with
// their steps, the semantic locks. With operator access it also queues operator requests
// (retry, compensate, skip, release-lock) with who asked and why; the engine applies them on its
// own thread at its next poll (every 200 ms while it runs, or when it next starts), records the
// outcome with the request and the action in the saga's history. sagactl is built on it.
//
//   InspectorOptions options;
//   options.path = "/var/lib/orders/engine.db";
//   Result<std::unique_ptr<Inspector>> inspector = Inspector::open(options);
//   if (!inspector) return inspector.status();
//   SagaQuery failed;
//   failed.phase = Phase::kFailed;
//   Result<std::vector<SagaInstance>> sagas = (*inspector)->list(failed);
//   if (!sagas) return sagas.status();
//   for (const SagaInstance& i : *sagas) ...
//
// Safe while the engine runs: reads never block the engine's writes (WAL), and a request is one
// small insert. Every call is one or a few queries on the file as it is now; two calls may see
// different states. Errors are Status values (saga/status.h): kNotFound for a missing file,
// kCorrupt for a file that is not an engine database (or from a newer version),
// kFailedPrecondition for a database at an older schema version (open it once with the engine
// to migrate it), kBusy when the engine holds the write lock longer than busy_timeout.
//
// Not thread-safe: one Inspector per thread. Times are ms since the Unix epoch by the engine's
// clock (the wall clock in production).
#pragma once

#include <cstdint>
#include <initializer_list>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "saga/clock.h"
#include "saga/decide.h"
#include "saga/instance.h"
#include "saga/status.h"
#include "saga/store_records.h"

namespace saga {

class SagaStore;

struct InspectorOptions {
  // The engine's database file (it must exist), or a "postgresql://" URI (docs/scale-out.md).
  std::string path;
  // kReadOnly: queries only. kOperator: queries and operator requests. kEngine is refused
  // (kInvalidArgument): only the engine creates, migrates and writes the file.
  StoreAccess access = StoreAccess::kReadOnly;
  Millis busy_timeout{5'000};
};

// Who asks for an operator action, and why. Kept with the request; once applied the saga's
// history entry reads "<by>: <reason>".
struct Audit {
  std::string by;      // empty: "unknown"
  std::string reason;  // required (kInvalidArgument when empty)
  Millis at{0};        // when; 0: the wall clock now
};

// One saga with everything stored about it.
struct SagaDetail {
  SagaInstance instance;
  std::vector<HistoryEntry> history;               // oldest first
  std::optional<OutboxEntry> outstanding_command;  // the command awaiting its reply, if any
  // The record of the definition the instance runs (same name, version and fingerprint), if
  // the engine recorded it. Its steps are absent when recorded before schema v5.
  std::optional<DefinitionRecord> definition;
  std::vector<std::string> locks_held;  // semantic lock keys, by key
  std::string waiting_for_lock;         // the key it is queued for; empty if none
  std::string waiting_behind;           // that key's holder

  // The name of step `step` (an index from 0, as in the instance and its history): from the
  // recorded definition, else from the outstanding command when it is the current step, else
  // empty (also for -1, "no step").
  std::string step_name(std::int32_t step) const;

  // Stuck-since: when the saga came to its current step, the time of the earliest entry of the
  // latest run of history entries about that step (retries, timeouts, holds included). For a
  // saga that is not executing, compensating or failed: its last entry's time. 0 without history.
  Millis on_step_since() const;

  // The current step's command held, not sent, in its participant's gate (breaker open or
  // half-open, in-flight cap, or queued behind held ones: the entry's reason says which): the
  // latest kCommandHeld of the current step with no kCommandReleased after it. Null when there
  // is none, or the saga is neither executing nor compensating. Its reply deadline means
  // nothing while it is held: the deadline runs from the send.
  const HistoryEntry* held_command() const;
};

// Unfinished sagas (executing, compensating, failed) with the same type, version, phase,
// current step and direction (action or compensation): the on-call view of what is blocked where
// (Inspector::blocked).
struct BlockedGroup {
  std::string type;
  std::uint32_t version = 0;
  Phase phase = Phase::kExecuting;
  std::int32_t step = -1;
  std::string step_name;    // empty when the definition's steps are not recorded
  std::string participant;  // of the current step's action (its compensation's when
                            // compensating or failed while compensating); empty if none/unknown
  std::uint64_t count = 0;
  Millis oldest_update{0};  // the least recently updated saga of the group
  std::string example;      // that saga's id
};

// Counts over the whole database.
struct InspectionStats {
  std::vector<SagaCount> counts;          // instances by (type, version, fingerprint, phase)
  std::map<Event, std::uint64_t> events;  // history entries by event
  std::optional<SagaInstance> oldest_unfinished;  // in executing, compensating or failed
  std::uint64_t pending_requests = 0;             // operator requests not yet applied

  // Instances in `phase`, of `type` (empty: every type).
  std::uint64_t count(Phase phase, std::string_view type = {}) const;
  // History entries with any of `events`.
  std::uint64_t events_of(std::initializer_list<Event> events) const;
};

struct DefinitionInfo {
  DefinitionRecord record;
  std::uint64_t running = 0;  // its instances not in a terminal phase (failed ones included)
};

// A held semantic lock as an operator sees it.
struct LockReport {
  HeldLock lock;
  // The later of the grant and the holder's last transition (the engine's lease rule).
  Millis last_progress{0};
  bool past_lease = false;           // now - last_progress > lease, for the `now` asked
  std::vector<std::string> waiting;  // sagas queued for this key, first in line first
};

// One batch of retention (Inspector::prune, saga/retention.h).
struct PruneOptions {
  // Sagas completed or compensated at least this long ago (by their last update) are removed
  // with their history. Must be positive (kInvalidArgument).
  Millis older_than{0};
  std::size_t batch = 100;  // sagas per transaction, 1..10000
  // When set, each saga and its history is appended to this file first, one JSON object per
  // line ({"saga": {...}, "history": [...]}; the data as hex), and the file is flushed to disk
  // before the sagas are deleted. A write error deletes nothing.
  std::string archive_path;
  Millis now{0};  // 0: the wall clock
};

struct PruneResult {
  std::size_t deleted = 0;
  bool more = false;  // the batch was full: more may be due
};

class Inspector {
 public:
  // Opens options.path. Never creates, migrates or changes the file.
  static Result<std::unique_ptr<Inspector>> open(const InspectorOptions& options);
  ~Inspector();
  Inspector(const Inspector&) = delete;
  Inspector& operator=(const Inspector&) = delete;

  // --- queries ---

  // Instances matching every filter of `query`, newest first (created_at, then id), from
  // query.offset, at most query.limit (0: all).
  Result<std::vector<SagaInstance>> list(const SagaQuery& query);
  // Nothing when no saga has this id.
  Result<std::optional<SagaDetail>> saga(const std::string& id);
  Result<InspectionStats> stats();
  // Every recorded definition (name, then version), with its steps when known.
  Result<std::vector<DefinitionInfo>> definitions();
  // The definition record `name` v`version`; the newest recorded version when version is 0.
  Result<std::optional<DefinitionRecord>> definition(const std::string& name,
                                                     std::uint32_t version = 0);
  // Held locks by key; past_lease as of `now`.
  Result<std::vector<LockReport>> locks(Millis now);
  // Unfinished sagas grouped by (type, version, phase, step, direction), sorted so, reading at most
  // `max_sagas` sagas (executing first, then compensating, then failed); `truncated` is set
  // when there were more.
  Result<std::vector<BlockedGroup>> blocked(std::size_t max_sagas, bool& truncated);

  // --- operator requests (need StoreAccess::kOperator, else kFailedPrecondition) ---
  //
  // Each checks that the action can apply now and queues a pending request, returning its id.
  // The engine checks again when it applies it (the saga may have moved on meanwhile) and
  // rejects it with a reason if not. retry, compensate and skip act on a failed saga
  // (kNotFound: no such saga; kFailedPrecondition: not failed): retry sends the failed step or
  // compensation again, compensate rolls back from the failed forward step, skip counts the
  // failed step or compensation as done. retry and skip also act on a saga still compensating
  // (a compensation failing or timing out without limit): retry resends its compensation now
  // with its attempts counted afresh (the same message while its outcome is unknown), skip
  // counts that compensation as done and goes on with the previous one (history events
  // operator_retried_running_compensation, operator_skipped_running_compensation).
  Result<std::int64_t> retry(const std::string& saga_id, const Audit& audit);
  Result<std::int64_t> compensate(const std::string& saga_id, const Audit& audit);
  Result<std::int64_t> skip(const std::string& saga_id, const Audit& audit);
  // Cancels an executing saga before its pivot, or a scheduled one (Engine::cancel): kNotFound
  // (no such saga), kFailedPrecondition (not executing or scheduled, or past its pivot by the
  // recorded definition's steps; the engine checks again when it applies the request).
  Result<std::int64_t> cancel(const std::string& saga_id, const Audit& audit);
  // Takes `key` from its holder and gives it to the next saga in line. `holder` non-empty: only
  // if that saga still holds it (kFailedPrecondition otherwise). kNotFound: nobody holds it.
  Result<std::int64_t> release_lock(const std::string& key, const std::string& holder,
                                    const Audit& audit);

  // --- retention (needs StoreAccess::kOperator) ---
  // Removes one batch of finished sagas (PruneOptions). Short transactions: safe while the
  // engine runs (it never loads finished sagas); a saga id removed can be started again.
  Result<PruneResult> prune(const PruneOptions& options);

  // Nothing when no request has this id.
  Result<std::optional<OperatorRequest>> request(std::int64_t id);
  // Newest first; every state when `state` is empty; at most `limit` (0: all).
  Result<std::vector<OperatorRequest>> requests(std::optional<RequestState> state,
                                                std::size_t limit);
  // Polls request(id) every 100 ms until the engine applied or rejected it, for at most
  // `timeout`; returns the request as last read (still kPending when the time ran out).
  Result<OperatorRequest> wait_for(std::int64_t id, Millis timeout);

  // Transactional events (saga/transactional_event.h) the engine refused, newest first, at
  // most `limit` (0: all), with the reason and when (engine clock). Their rows stay in
  // saga_event_requests until someone deletes them.
  Result<std::vector<EventRequest>> refused_events(std::size_t limit);

 private:
  Inspector(std::unique_ptr<SagaStore> store, StoreAccess access);
  Result<std::int64_t> act_on_failed(const std::string& saga_id, OperatorAction action,
                                     const Audit& audit);
  Result<std::int64_t> add(OperatorRequest request, const Audit& audit);

  std::unique_ptr<SagaStore> store_;
  StoreAccess access_;
};

}  // namespace saga
