// Store records: the rows the engine's store keeps besides instances and history, as the
// store, the inspection API (saga/inspection.h) and tools see them. Plain values, no behaviour.
//
// The schema that holds them is described in docs/storage.md; every backend stores the same
// records (engine/src/store/saga_store.h is the interface a backend implements).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "saga/clock.h"
#include "saga/decide.h"
#include "saga/definition.h"
#include "saga/envelope.h"
#include "saga/instance.h"
#include "saga/synchronous.h"

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
  std::string vfs = {};  // SQLite VFS name; empty: the default one
  // The file is shared with a service's own tables (docs/embedding.md): kEngine creates its
  // tables in a file that has others. false: such a file is refused as "not a saga engine
  // database" (a guard against opening the wrong file).
  bool shared = false;
  // PostgreSQL (docs/scale-out.md), kEngine only: this engine instance's name (the owner the
  // saga rows show; empty: "<hostname>:<pid>") and how long its lease lasts unrenewed.
  std::string instance_name = {};
  Millis lease{10'000};
};

// A saga start committed by a caller's own transaction (saga/transactional_start.h), waiting
// for the engine to start it (schema v6, saga_start_requests).
struct StartRequest {
  std::int64_t seq = 0;  // assigned on insert; never reused, increasing in commit order
  std::string saga_id;
  std::string type;
  std::uint32_t version = 0;  // 0: the highest registered version when the engine starts it
  std::string trace_id;       // empty: the engine makes one
  std::string data;
  Millis requested_at{0};  // the caller's wall clock, ms since the Unix epoch
  // StartOptions::not_before and deadline (schema v9; engine clock, 0: none).
  Millis not_before{0};
  Millis deadline{0};
};

// Operator requests (schema v2): sagactl asks, the engine applies on its own thread. Stored as
// text ('retry', 'pending'), so that any SQLite client can read and write them.
// kReleaseLock (schema v3) names a lock key instead of acting on a saga's phase.
enum class OperatorAction : std::uint8_t {
  kRetry = 1,
  kCompensate = 2,
  kSkip = 3,
  kReleaseLock = 4,
  kCancel = 5,  // schema v6: Engine::cancel for an executing (before its pivot) or scheduled saga
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
  std::optional<Millis> created_after;   // only instances created at or after
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

// One step of a registered definition as the store records it (schema v5): its structure, the
// same facts the fingerprint and the diagrams use; the callbacks stay code.
struct StepRecord {
  std::string name;
  StepKind kind = StepKind::kCompensatable;
  std::string participant;  // the action's participant and command; empty without an action
  std::string command;
  std::string compensation_participant;  // empty without a compensation
  std::string compensation_command;
  bool local = false;                  // runs a local function instead of an action
  bool conditional = false;            // has an `applies` predicate
  std::uint32_t maximum_attempts = 0;  // the action's retry policy (0: unlimited)
  friend bool operator==(const StepRecord&, const StepRecord&) = default;
};

struct DefinitionRecord {
  std::string name;
  std::uint32_t version = 0;
  std::string fingerprint;
  Millis registered_at{0};  // the engine's clock when first registered; kept on re-register
  // The steps in order. Absent when unknown: recorded by an engine before schema v5; the next
  // engine that registers the definition (same name, version and fingerprint) records them.
  std::optional<std::vector<StepRecord>> steps = std::nullopt;
  friend bool operator==(const DefinitionRecord&, const DefinitionRecord&) = default;
};

// The record of a definition: name, version, fingerprint and every step (registered_at 0).
DefinitionRecord definition_record(const SagaDefinition& definition);
// "compensatable", "pivot", "retriable" (to_string(StepKind)) back to the kind.
std::optional<StepKind> parse_step_kind(std::string_view text);

// Semantic locks (schema v3, LockDeclaration in definition.h): a key held by a saga.
struct HeldLock {
  std::string key;
  std::string saga_id;
  Millis acquired_at{0};
  Millis lease{0};
  std::int32_t release_after = -1;  // step index; -1: when the saga ends
  friend bool operator==(const HeldLock&, const HeldLock&) = default;
};

// A saga queued for `claims.front().key`; the rest of `claims` is taken after it.
struct LockWait {
  std::string saga_id;
  std::uint64_t seq = 0;  // queue order, over all keys
  Millis since{0};
  std::int32_t step = -1;  // the step whose locks these are (-1: the saga's)
  std::vector<LockClaim> claims;
  friend bool operator==(const LockWait&, const LockWait&) = default;
};

// What the store must write for the changes since the last commit.
struct LockChanges {
  std::vector<HeldLock> locks_put;
  std::vector<std::string> locks_deleted;  // keys
  std::vector<LockWait> waits_put;
  std::vector<std::string> waits_deleted;  // saga ids
  bool empty() const {
    return locks_put.empty() && locks_deleted.empty() && waits_put.empty() && waits_deleted.empty();
  }
};

// External events (schema v6, Engine::deliver_event): one row per event id. An event is kept
// pending until its saga's wait step takes it (consumed, in the same transaction as the step's
// kEventReceived), so an event that comes before the saga waits for it is not lost.
enum class EventState : std::uint8_t { kPending = 0, kConsumed = 1 };
std::string_view to_string(EventState state);  // "pending", "consumed"

struct StoredEvent {
  std::string event_id;  // unique; a second delivery with it is a duplicate
  std::string saga_id;   // resolved at delivery (from the key when it came with one)
  std::string name;
  std::string key;  // the correlation key it came with; empty when it named the saga
  ContentType content_type = ContentType::kCerealBinary;
  std::string body;
  Millis received_at{0};
  EventState state = EventState::kPending;
  std::int32_t consumed_step = -1;  // the wait step that took it
  Millis consumed_at{0};
};

// A pending event taken by its saga's wait step.
struct EventConsumption {
  std::string event_id;
  std::int32_t step = -1;
  Millis at{0};
};

// An event correlation key of a running saga (EventWait::key): events delivered with
// (name, key) go to saga_id. Written when the saga starts, removed when it ends.
struct EventKeyRecord {
  std::string name;
  std::string key;
  std::string saga_id;
};

// An event committed by a caller's own transaction (saga/transactional_event.h, schema v12,
// saga_event_requests), waiting for the engine to deliver it as Engine::deliver_event would.
// Delivered: the row is deleted in the engine commit that records the event. Refused (the
// engine would refuse it from deliver_event: no such saga, bad name, ...): the row stays with
// refused_at and the reason, for operators (Inspector::refused_events), and is not tried again.
struct EventRequest {
  std::int64_t seq = 0;  // assigned on insert; never reused, increasing in commit order
  std::string event_id;
  std::string name;
  std::string saga_id;  // one of saga_id and key is set
  std::string key;
  ContentType content_type = ContentType::kCerealBinary;
  std::string body;
  std::string trace_id;    // the caller's trace (the participant command's), for the logs
  Millis requested_at{0};  // the caller's wall clock, ms since the Unix epoch
  Millis refused_at{0};    // the engine's clock; 0: pending
  std::string refusal;     // "<code>: <message>", as deliver_event's error
};

// An event request the engine refused, recorded in the commit of the batch that read it.
struct EventRequestRefusal {
  std::int64_t seq = 0;
  Millis at{0};
  std::string reason;
};

}  // namespace saga
