// Engine: the durable saga orchestrator.
//
// An Engine owns one SQLite database file (or, with a "postgresql://" database_path, shares a
// PostgreSQL database with other instances: docs/scale-out.md) and one Transport. It runs
// every saga instance as a state machine (decide.h), persists each change together with its history
// and its outgoing command in one transaction, sends the command only after that commit, and on
// restart resends every unanswered command with its original message_id. Group commit: the engine
// thread takes every ready reply, due timer and API request (up to `max_batch`), applies them,
// commits them in one transaction, then sends.
//
// Threads: one engine thread, started by start(), owns the database connection and the
// transport. Every public method is thread-safe; methods that need the database hand their work
// to the engine thread and wait for it.
//
// Errors: expected failures come back as Status (kNotFound for an unknown saga, kBusy for a
// locked database, kReadOnly/kFull/kIoError from the disk). A failed commit changes nothing in
// memory and sends nothing: its replies, due timers and pending operator requests (from the
// database) are kept and committed again, after a delay that doubles from
// commit_retry_initial up to commit_retry_max, until the store takes them; no saga needs a
// restart once the fault clears. Calls (start_saga, retry, compensate, skip, release_lock)
// whose commit failed get the store's error with the context "commit failed ... nothing
// applied": the caller may call again, and a start with its own id then starts once. A started
// saga is never lost once start_saga() returned OK. store_health() (and metrics(), and the
// on_store_health callback) report the fault; the log gets one error when it begins, a summary
// every store_fault_log_interval while it lasts, and one line when it ends.
#pragma once

#include <cstdint>
#include <functional>
#include <future>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "saga/body_codec.h"
#include "saga/clock.h"
#include "saga/definition.h"
#include "saga/event_delivery.h"
#include "saga/instance.h"
#include "saga/log.h"
#include "saga/status.h"
#include "saga/store_records.h"
#include "saga/transport.h"

namespace saga {

// Flow control per participant (docs/architecture.md, "Durability and recovery"). Commands
// held back by either limit wait in the outbox, have no running deadline and spend no retry
// attempt.
struct ParticipantLimits {
  std::uint32_t max_in_flight = 4096;   // commands sent and not yet answered or timed out
  std::uint32_t breaker_threshold = 5;  // consecutive timeouts that open the breaker; 0 = never
  Millis breaker_cooldown{5'000};       // open -> half-open (one probe command) after this
};

enum class BreakerState : std::uint8_t { kClosed = 0, kOpen = 1, kHalfOpen = 2 };
std::string_view to_string(BreakerState state);

struct ParticipantState {
  std::string name;
  BreakerState breaker = BreakerState::kClosed;
  std::uint32_t in_flight = 0;
  std::uint32_t held = 0;  // commands waiting in the outbox for the breaker or the cap
  std::uint32_t consecutive_timeouts = 0;
  // Reply latency: replies to commands sent to it, and the time from each send (the resend,
  // after a timeout) to its reply by the engine's clock, ms: sum and largest. Since start().
  std::uint64_t replies = 0;
  std::uint64_t reply_latency_ms_sum = 0;
  std::uint64_t reply_latency_ms_max = 0;
  // While the breaker is open: when it lets the next probe command through (engine clock,
  // ms); 0 otherwise (closed, or half-open with its probe out).
  Millis next_probe_at{0};
};

// Points between commit and send where a test can make the engine stop dead, as a crash would.
enum class CrashPoint : std::uint8_t {
  kNone = 0,
  kAfterCommitBeforeSend = 1,  // the transaction committed; no command of the batch sent
  kAfterFirstSend = 2,         // the first command of the batch sent, the rest not
  kAfterSendBeforeNotify = 3,  // everything sent; waiters not yet told
};

struct MetricsSnapshot;  // saga/metrics.h

// A semantic lock key held by a saga (LockDeclaration in definition.h), as Engine::locks()
// reports it.
struct LockInfo {
  std::string key;
  std::string saga_id;  // the holder
  Millis acquired_at{0};
  Millis lease{0};
  Millis last_progress{0};  // the later of acquired_at and the holder's last transition
  bool past_lease = false;  // now - last_progress > lease: reported, release with release_lock
  std::vector<std::string> waiting;  // sagas queued for the key, first in line first
};

// The engine's view of its database (Engine::store_health). A fault begins with a failed
// commit and ends with the next commit that succeeds.
struct StoreHealth {
  bool ok = true;
  Millis failing_since{0};           // engine clock time of the fault's first failed commit (ok: 0)
  std::string last_error;            // the last failed commit's error, kept after the fault ends
  std::uint64_t failed_commits = 0;  // since the engine was opened
  std::uint64_t failed_commits_in_fault = 0;  // of the current fault (ok: 0)
  Millis retry_delay{0};                      // the wait before the next attempt (ok: 0)
};

struct EngineOptions {
  std::string database_path;
  // The SQLite VFS to open the database with (empty: SQLite's default). Tests select a
  // fault-injecting one (tests/support fault_vfs.h).
  std::string store_vfs;
  Synchronous synchronous = Synchronous::kFull;
  Millis busy_timeout{5'000};
  std::size_t max_batch = 1024;          // inputs per transaction
  std::shared_ptr<Transport> transport;  // required
  std::shared_ptr<Clock> clock;          // default: SystemClock
  std::uint64_t random_seed = 0;         // jitter; 0 = seeded from std::random_device
  Millis max_poll_wait{50};              // longest the loop blocks without looking at timers
  ParticipantLimits participant_defaults;
  std::map<std::string, ParticipantLimits> participant_limits;  // by participant name
  CrashPoint crash_at = CrashPoint::kNone;  // tests only: stop dead at this point, once
  // Tests and simulators only: start() runs no thread. The caller drives the engine with
  // run_once() from one thread, and every other call runs inline on that thread (a start or an
  // operator action is committed before the call returns). Deterministic given a deterministic
  // transport, clock and random_seed.
  bool manual = false;
  LogSink log;  // default: make_stderr_log_sink() (saga/log.h)
  LogLevel log_level = LogLevel::kWarning;
  // How often, in engine clock time, the engine looks for pending operator requests (rows that
  // `sagactl retry|compensate|skip` inserted into the database). 0: every loop iteration.
  Millis operator_poll_interval{200};
  // A failed commit is tried again after commit_retry_initial, then after twice the previous
  // wait, at most commit_retry_max (engine clock). Both must be > 0, max >= initial.
  Millis commit_retry_initial{10};
  Millis commit_retry_max{1'000};
  // While a store fault lasts, one summary line at most this often (engine clock).
  Millis store_fault_log_interval{10'000};
  // Called on the engine thread when a store fault begins, at each summary, and when it ends.
  // Must not block or call back into the engine.
  std::function<void(const StoreHealth&)> on_store_health;
  // database_path is the service's own file: the engine creates its tables (saga_*) next to the
  // service's tables instead of refusing a file that has others (docs/embedding.md).
  bool shared_database = false;
  // How often, in engine clock time, the engine looks for saga starts that other connections or
  // processes committed (saga/transactional_start.h), and for events (saga/transactional_event.h,
  // same poll): one PRAGMA data_version, and a read of
  // the new rows only when it changed. notify_starts() makes it look at once. 0: every loop
  // iteration. A committed start is taken within about this plus max_poll_wait.
  Millis start_poll_interval{20};
  // Several engine instances on one PostgreSQL database (database_path "postgresql://...";
  // docs/scale-out.md). Ignored for SQLite. Each instance holds a lease of `lease` (at least
  // 100 ms), renewed every lease/4 of real time and by every commit; the sagas of an instance
  // whose lease expired are claimed by the others, at most `claim_batch` per renewal, and their
  // current command resent with its message_id. A commit refused because this instance's lease
  // expired or its saga was claimed (kConflict, "fenced") makes the engine drop what it holds
  // and reload the sagas it owns. instance_name: shown as the owner of the saga rows (empty:
  // "<hostname>:<pid>").
  std::string instance_name;
  Millis lease{10'000};
  std::size_t claim_batch = 64;
};

struct StartOptions {
  std::string id;             // empty: the engine makes a unique id
  std::uint32_t version = 0;  // 0: the highest registered version of the type
  std::string trace_id;       // empty: the engine makes one
  // Scheduled start: when later than now (engine clock), the saga is stored in phase
  // kScheduled and runs its first step at this time, also across engine restarts. 0: now.
  Millis not_before{0};
  // The saga's deadline (engine clock; 0: none), later than now and than not_before
  // (kInvalidArgument otherwise). When it passes before the saga's pivot (point_of_no_return,
  // decide.h) the saga compensates (history kSagaDeadlinePassed, failure cause kSagaDeadline);
  // after the pivot it only finishes its remaining steps (kSagaDeadlinePassedAfterPivot); a
  // scheduled saga ends without running (kCancelledBeforeStart). Not acted on while kFailed.
  Millis deadline{0};
};

struct EngineStats {
  std::uint64_t sagas_started = 0;
  std::uint64_t sagas_completed = 0;
  std::uint64_t sagas_compensated = 0;
  std::uint64_t sagas_failed = 0;
  std::uint64_t replies_applied = 0;
  std::uint64_t stale_replies = 0;  // correlation_id not the outstanding command: dropped
  // Of stale_replies, those answering a command the saga sent earlier (a superseded resend or a
  // duplicate): normal recovery, logged at debug. The others are logged as warnings.
  std::uint64_t expected_stale_replies = 0;
  std::uint64_t unknown_replies = 0;  // no running saga with that id: dropped
  std::uint64_t timeouts = 0;
  std::uint64_t retries = 0;
  std::uint64_t commands_sent = 0;
  std::uint64_t commits = 0;
  std::uint64_t commit_failures = 0;
  std::uint64_t inputs_committed = 0;            // inputs per commit = inputs_committed / commits
  std::uint64_t operator_requests_applied = 0;   // from the database (sagactl)
  std::uint64_t operator_requests_rejected = 0;  // e.g. the saga was no longer failed
  // Several instances on PostgreSQL (docs/scale-out.md): sagas this engine claimed from
  // instances whose lease expired, and the times it found its own lease lost or a commit fenced
  // (it then dropped what it held and reloaded the sagas it owns).
  std::uint64_t sagas_taken_over = 0;
  std::uint64_t leases_lost = 0;
  // Commits refused because a semantic lock they granted was taken by another instance's saga
  // first; the lock table was read again and the inputs decided again.
  std::uint64_t lock_conflicts = 0;
  TransportStats transport;
};

class Engine {
 public:
  // Opens (creating and migrating as needed) the database and checks the options. Does not
  // start the engine thread. Errors: kInvalidArgument (no transport, bad options), and the
  // store's errors (kCorrupt for a file that is not an engine database, kReadOnly, kIoError).
  static Result<std::unique_ptr<Engine>> open(EngineOptions options);

  // Stops the engine thread (see stop()).
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  // Registers a definition (validated; see definition.h). Several versions of one name may be
  // registered side by side. The same name and version with another fingerprint is
  // kAlreadyExists. Register before start() so that recovery finds the definitions it needs.
  Status register_definition(std::shared_ptr<const SagaDefinition> definition);

  // Starts the engine thread: loads every unfinished instance, re-arms its timer and resends
  // its unanswered command, then serves. Instances whose definition is not registered are
  // reported by unresolved() and left untouched.
  Status start();

  // Stops the engine thread after the batch in progress. Committed state is durable; nothing
  // half-applied is written. Idempotent.
  void stop();

  // Starts a saga of `type` with `data` (the saga data, encoded as the definition expects) and
  // returns its id once the start is committed. Starting an id that exists is kAlreadyExists.
  Result<std::string> start_saga(std::string_view type, std::string data,
                                 const StartOptions& options = {});

  // The same without waiting: the future gets the id once the start is committed (or the
  // error start_saga would return). Lets one thread keep many starts in flight; learn of ends
  // with on_end(). A future that is dropped unread does not cancel the start.
  std::future<Result<std::string>> start_saga_async(std::string_view type, std::string data,
                                                    const StartOptions& options = {});

  // The same, encoding `data` with cereal portable binary.
  template <typename T>
  Result<std::string> start_saga_with(std::string_view type, const T& data,
                                      const StartOptions& options = {}) {
    Result<std::string> bytes = encode_body(data);
    if (!bytes) return bytes.status();
    return start_saga(type, std::move(bytes).value(), options);
  }

  // Reads one instance (any phase). kNotFound for an unknown id.
  Result<SagaInstance> get(std::string_view id);
  // The instance's history, oldest first.
  Result<std::vector<HistoryEntry>> history(std::string_view id);
  // Instances in `phase` (all phases when empty), newest first, at most `limit`.
  Result<std::vector<SagaInstance>> list(std::optional<Phase> phase, std::size_t limit = 100);
  // Unfinished instances whose definition (name, version, fingerprint) is not registered.
  std::vector<SagaInstance> unresolved() const;

  // Waits, in real time, until the saga is completed, compensated or failed, and returns it.
  // kTimeout when `timeout` passes first.
  Result<SagaInstance> wait(std::string_view id, Millis timeout);

  // Calls `listener` on the engine thread after every commit that ends a saga (completed,
  // compensated or failed). The listener must not block or call back into the engine.
  void on_end(std::function<void(const SagaInstance&)> listener);

  // Operator actions on a kFailed saga; each is recorded in the history with `reason`.
  // kFailedPrecondition when the saga is not kFailed. Operators outside the process ask for the
  // same actions through the database (`sagactl retry ID --reason ...`): the engine applies
  // pending operator requests on its thread every `operator_poll_interval`, through this same
  // path, with the reason "<requested_by>: <reason>", and records the outcome in the request.
  Status retry(std::string_view id, std::string reason);       // the failed step/compensation
  Status compensate(std::string_view id, std::string reason);  // roll back from where it stopped
  Status skip(std::string_view id, std::string reason);        // count it done and go on

  // Cancels a running saga (history kCancelled, reason "cancelled: <requested_by>: <reason>",
  // failure cause kCancelled). Before its pivot (point_of_no_return, decide.h) it stops waiting
  // and retrying and compensates what ran, including the step whose command is outstanding;
  // a kScheduled saga ends kCompensated without running (kCancelledBeforeStart). Errors:
  // kInvalidArgument without a reason, kNotFound for an unknown saga, kFailedPrecondition once
  // the saga is past its pivot ("... is past its pivot (step 'x'): it is bound to finish ..."),
  // compensating, failed or finished. `sagactl cancel ID --reason ...` asks the same through
  // the database (OperatorAction::kCancel).
  Status cancel(std::string_view id, std::string reason, std::string_view requested_by = {});

  // Semantic locks: every key held, sorted by key.
  Result<std::vector<LockInfo>> locks();
  // Takes `key` away from the saga holding it (kNotFound when nobody does), records
  // kOperatorReleasedLock with `reason` in that saga's history (when it is running with a
  // registered definition; otherwise it only logs), and hands the key to the first saga queued
  // for it. The holder goes on without the key: use it for a holder that is stuck
  // (past its lease) and that an operator has looked at. `sagactl release-lock KEY` asks the
  // same through the database.
  Status release_lock(std::string_view key, std::string reason);

  // Delivers an external event to a saga's wait step (saga/event_delivery.h) and returns once
  // it is committed. The saga is named by id or by correlation key. Idempotent by event_id: a
  // second delivery of an id answers kDuplicate and changes nothing. An event the saga is
  // waiting for is taken in the same commit (kConsumed); one for a wait step the saga has not
  // reached yet is kept until it does (kPending). Errors: kInvalidArgument (no event_id or
  // name, neither or both of saga_id and key), kNotFound (no saga with that id, or none whose
  // key matches), kFailedPrecondition (the saga ended, compensates, is past its wait for this
  // event or has none; or a key matches several running sagas), kAlreadyExists (the event_id
  // was delivered with another name or for another saga), and commit errors as start_saga's.
  // Events also come over the wire (docs/protocol.md, "event"); they go through this path.
  Result<EventReceipt> deliver_event(EventDelivery event);
  // The saga's events (pending and consumed), oldest first. kNotFound for an unknown saga.
  Result<std::vector<StoredEvent>> events(std::string_view saga_id);

  // Makes the engine thread look at its timers now (after a VirtualClock moved).
  void tick();

  // Makes the engine thread look for committed transactional starts and events now
  // (saga/transactional_start.h, saga/transactional_event.h): call it after committing a
  // transaction that started or signalled sagas in this process. Without it they are found at
  // the next start poll.
  void notify_starts();

  // Manual mode only: one loop iteration (take ready replies, due timers and queued work,
  // commit once, send). Waits at most `max_wait` for replies. Returns false once the engine
  // has stopped (after stop() or a crash point).
  bool run_once(Millis max_wait = Millis{0});

  EngineStats stats() const;
  // As of the last loop iteration.
  StoreHealth store_health() const;
  // True from a successful start() until stop() or a crash point stopped the engine thread
  // (manual mode: until stop()). Readiness probes (saga/admin.h) use it.
  bool running() const;
  std::vector<ParticipantState> participants() const;
  // Counters by saga type, participants' flow control, commit sizes and latencies: see
  // saga/metrics.h (and to_prometheus there). A copy, as of the last loop iteration.
  MetricsSnapshot metrics() const;

  class Impl;  // the engine thread's state (engine/src/runtime/engine_impl.h)

 private:
  explicit Engine(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace saga
