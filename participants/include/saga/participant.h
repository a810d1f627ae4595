// Participant: the runtime a participant service uses to receive saga/1 commands and reply.
//
// A Participant binds one ZeroMQ ROUTER socket (docs/protocol.md) and owns one SQLite database.
// The service registers one typed handler per command name, then calls run() (or run_once()
// from its own loop). For every command that parses, the participant replies exactly once, on
// the connection the command came from, in the command's content_type.
//
// Idempotent inbox. Each command is handled in a SQLite transaction that also records
// `message_id -> reply` in the table `saga_inbox`. A command whose message_id is already there
// (a resend, a duplicate, a delivery after a restart) gets the stored reply again and its
// handler does not run. Several commands that arrive together share one transaction (group
// commit), each handler inside its own SAVEPOINT, so one command's handler effects are
// all-or-nothing.
// Replies are sent only after the commit; a failed commit sends nothing and the orchestrator's
// resend is handled afresh.
//
// Barrier (DTM), per (saga_id, step), table `saga_barrier`:
//   - a compensation (header `compensation: true`) whose action never succeeded here is a null
//     compensation: it is recorded, answered with success (reply name kNullCompensationReply),
//     and its handler does not run;
//   - an action that arrives after its step's compensation was recorded is refused with a
//     failure reply, reason "compensated"; its handler does not run;
//   - otherwise the handler runs, and a success reply records action_done or compensation_done
//     in the same transaction as the handler's effects. A failure reply records nothing in the
//     barrier: a failed action is taken to have had no effect to undo.
//   A compensation for a step whose action is not a command to this participant (FTGO's
//   RejectOrder) must be registered with BarrierMode::kNone, or it would always be skipped.
//
// Failure replies made by the library (reply name kFailureReply, empty body):
//   unknown_command    no handler for the command's name                   (not stored)
//   malformed_command  the body does not decode as the handler's type, or
//                      the compensation flag does not match the handler      (not stored)
//   handler_error      the handler threw, or its reply did not encode       (stored)
//   compensated        the action arrived after its compensation           (stored)
// "Not stored" replies leave no trace, so a resend after the service is fixed is handled.
// A handler_error is stored: the orchestrator takes the reply as the step's outcome, so a
// duplicate must get the same answer. The throwing handler's writes are rolled back.
// A handler's own failure replies (saga::failure) and its writes are committed and stored.
//
// Semantic locks (Eventuate Tram's withLock), tables `saga_participant_locks` and
// `saga_held_commands` (files written before this name called the first `saga_locks`; it is
// renamed at open, since the engine's own `saga_locks` may share the file).
// A handler may lock a domain object ("order:99") on behalf of its command's saga with
// HandlerContext::lock(); a command of another saga that asks for the same key is refused or
// held until the holder releases it. Locks are rows written in the command's savepoint: a lock
// is taken (or released) if and only if the handler's effects commit.
//   - lock(key) or lock(key, LockConflict::kRefuse): when another saga holds `key` the result
//     is not acquired() and the handler returns result.refusal(): a failure reply with reason
//     "locked" and a LockRefused payload naming the holder. That reply also rolls back the
//     handler's writes (writes made before the refused lock are undone) and is stored like any
//     business failure, so a resend gets it again. Counted in stats().lock_refusals.
//   - lock(key, LockConflict::kHold): when another saga holds `key`, lock() does not return; it
//     throws HandlerInterrupted, which the library catches. The handler's writes are rolled
//     back, NO reply is sent, and the command is stored in `saga_held_commands`, queued FIFO
//     behind the other commands held on `key`. Right after the command that releases `key`
//     (in the same transaction, so before any other command can take it) the first held
//     command runs again from the start, as if just delivered; its reply is stored in the inbox
//     and sent on the connection of the latest delivery of its message_id. A resend of a held
//     command is not run and not answered; it only updates that connection
//     (stats().held_resends). Held commands are durable: after a restart, the first run_once()
//     runs those whose key is free. A held action whose saga is compensated meanwhile is
//     refused with "compensated" by the barrier when it runs.
//   - Re-entrant: the saga that holds a key may lock it again (acquired, nothing changes).
//   - unlock(key) releases a key held by this command's saga; unlock_all() releases every key
//     it holds. Releasing a key that is free or held by another saga is a no-op (returns
//     false / counts nothing): a saga cannot release another saga's lock.
//   Locks have no lease here: handlers release their saga's locks in the saga's last command
//   to this participant and in every compensation that may end the saga here (unlock_all()).
//   The orchestrator does not know a command is held: it resends it after its reply timeout
//   and, once its retry policy is exhausted, treats the step as failed. Use kHold only where
//   the holder's saga ends well within that time; kRefuse otherwise.
//
// Saga starts (and events) in the handler's transaction (docs/embedding.md, "Participants"). When
// the participant's file also holds the engine's tables (ParticipantOptions::engine_tables, or
// an engine opened on the same file with EngineOptions::shared_database), a handler may start a
// saga with HandlerContext::start_saga(), or signal a waiting saga (send it an event) with
// HandlerContext::signal_saga(): the start or event row is written in the command's savepoint,
// so it commits with the handler's business rows and the inbox row, or not at all:
//   - a handler that throws, a LockResult::refusal() and a held command roll it back; a failed
//     batch commit leaves nothing; in each case nothing is ever sent for it;
//   - a duplicate delivery (inbox hit) does not run the handler, so it starts or signals
//     nothing again;
//   - a handler's own failure reply (saga::failure) commits its writes, the start included.
// An engine open on the file (in this process or another) finds the committed start or event
// within its start_poll_interval (ParticipantOptions::outbox_committed may call
// Engine::notify_starts()) and runs or delivers it, also after a crash of the participant or of
// the engine (the row waits in the file).
//
// Frames that are not valid saga/1 (wrong frame count, bad tag or header, oversized, a reply
// sent to a participant) are dropped, logged through ParticipantOptions::log and counted in
// stats(); they never crash the participant and get no answer. The library never writes to
// stdout or stderr itself.
//
// Threads: a Participant and its handlers run on the thread that calls run() or run_once().
// stop() and stats() may be called from any thread. Handlers must not call back into it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "saga/body_codec.h"
#include "saga/clock.h"
#include "saga/curve.h"
#include "saga/envelope.h"
#include "saga/event_delivery.h"
#include "saga/log.h"
#include "saga/message.h"
#include "saga/participant_sql.h"
#include "saga/status.h"
#include "saga/synchronous.h"
#include "saga/transactional_event.h"
#include "saga/transactional_start.h"

namespace SQLite {
class Database;
}
struct pg_conn;  // libpq's PGconn (libpq-fe.h), for participants on PostgreSQL

namespace saga {

// Reply names the library uses when a reply carries no payload type of its own.
inline constexpr std::string_view kFailureReply = "Failure";
inline constexpr std::string_view kNullCompensationReply = "NullCompensation";

// Reasons of the failure replies made by the library (see the table above).
inline constexpr std::string_view kReasonUnknownCommand = "unknown_command";
inline constexpr std::string_view kReasonMalformedCommand = "malformed_command";
inline constexpr std::string_view kReasonHandlerError = "handler_error";
inline constexpr std::string_view kReasonCompensated = "compensated";
// The reason of LockResult::refusal(): another saga holds the semantic lock.
inline constexpr std::string_view kReasonLocked = "locked";

// The payload of a "locked" refusal: which key, and the saga that holds it.
struct LockRefused {
  static constexpr std::string_view kMessageName = "LockRefused";
  std::string key;
  std::string holder_saga_id;
  template <class A>
  void serialize(A& a) {
    a(CEREAL_NVP(key), CEREAL_NVP(holder_saga_id));
  }
};

class LockResult;

// A handler's answer: success or failure, a reply name and a payload encoded lazily in the
// command's content_type. Made with saga::success / saga::failure.
class Reply {
 public:
  Outcome outcome() const { return outcome_; }
  const std::string& name() const { return name_; }
  const std::string& reason() const { return reason_; }  // empty on success

  // The payload encoded as `type`; empty when the reply has no payload.
  Result<std::string> encode(ContentType type) const {
    if (!encode_) return std::string();
    return encode_(type);
  }

  // True for LockResult::refusal(): the library undoes the handler's writes before storing it.
  bool rolls_back_writes() const { return rolls_back_writes_; }

  template <Message R>
  friend Reply success(R payload);
  template <Message R>
  friend Reply failure(std::string reason, R payload);
  friend Reply failure(std::string reason);
  friend class LockResult;

 private:
  using Encoder = std::function<Result<std::string>(ContentType)>;
  Reply(Outcome outcome, std::string name, std::string reason, Encoder encode)
      : outcome_(outcome),
        name_(std::move(name)),
        reason_(std::move(reason)),
        encode_(std::move(encode)) {}

  Outcome outcome_;
  std::string name_;
  std::string reason_;
  Encoder encode_;
  bool rolls_back_writes_ = false;
};

// A success reply named R::kMessageName carrying `payload`.
template <Message R>
Reply success(R payload) {
  return Reply(Outcome::kSuccess, std::string(R::kMessageName), std::string(),
               [p = std::move(payload)](ContentType type) { return encode_body(p, type); });
}

// A failure reply with a machine-readable `reason` ("card_declined") and a typed payload.
template <Message R>
Reply failure(std::string reason, R payload) {
  return Reply(Outcome::kFailure, std::string(R::kMessageName), std::move(reason),
               [p = std::move(payload)](ContentType type) { return encode_body(p, type); });
}

// A failure reply with a reason and no payload, named kFailureReply.
inline Reply failure(std::string reason) {
  return Reply(Outcome::kFailure, std::string(kFailureReply), std::move(reason), nullptr);
}

// What lock() does when another saga holds the key (see "Semantic locks" above).
enum class LockConflict : std::uint8_t {
  kRefuse = 1,  // lock() returns a result that is not acquired(); reply with its refusal()
  kHold = 2,    // lock() does not return: the command waits, unanswered, until the key is free
};

// The answer of HandlerContext::lock().
class [[nodiscard]] LockResult {
 public:
  bool acquired() const { return acquired_; }
  explicit operator bool() const { return acquired_; }
  const std::string& key() const { return key_; }
  // The saga that holds the key: this command's saga when acquired().
  const std::string& holder() const { return holder_; }

  // failure("locked", LockRefused{key, holder}), which also rolls back the handler's writes.
  // Return it from the handler when not acquired().
  Reply refusal() const {
    Reply reply = failure(std::string(kReasonLocked), LockRefused{key_, holder_});
    reply.rolls_back_writes_ = true;
    return reply;
  }

 private:
  friend class HandlerContext;
  LockResult(std::string key, std::string holder, bool acquired)
      : key_(std::move(key)), holder_(std::move(holder)), acquired_(acquired) {}

  std::string key_;
  std::string holder_;
  bool acquired_ = false;
};

// Thrown by HandlerContext::lock() with LockConflict::kHold when the command must wait, and by
// the lock methods when the lock tables cannot be read or written; caught by the library. It
// is not a std::exception, so `catch (const std::exception&)` in a handler lets it through.
// Let it propagate: a handler that swallows it still has its command held (or its batch
// failed), and whatever it returns is discarded.
struct HandlerInterrupted final {};

namespace detail {
struct HandlerContextAccess;
}  // namespace detail

// What a handler knows about the command it handles, and the transaction it runs in.
class HandlerContext {
 public:
  // `clock` (not owned, outlives the context) stamps the lock rows; null: SystemClock.
  HandlerContext(const Envelope& command, Sql& sql, const Clock* clock = nullptr)
      : command_(command), sql_(sql), clock_(clock) {}

  const std::string& message_id() const { return command_.message_id; }
  const std::string& saga_id() const { return command_.saga_id; }
  const std::string& saga_type() const { return command_.saga_type; }
  const std::string& step() const { return command_.step; }
  bool compensation() const { return command_.compensation; }
  std::uint32_t attempt() const { return command_.attempt; }
  const std::string& trace_id() const { return command_.trace_id; }

  // The participant's database, inside the transaction that will also record the reply.
  Sql& db() { return sql_; }

  // A participant on PostgreSQL (database_path "postgresql://..."): libpq's connection, with the
  // batch's transaction open and this command's savepoint set; null on SQLite. For the
  // handler's own libpq calls (PQexecParams, COPY, ...) on its business rows: they commit with
  // the inbox row or not at all, as db()'s statements do. Contract: only statements; never
  // BEGIN, COMMIT, ROLLBACK, SAVEPOINT or RELEASE, never close or reset it, no use outside the
  // call. A failed statement aborts the transaction until the library rolls back to the
  // command's savepoint: return a failure reply (or throw) after one, do not go on writing.
  // db() on PostgreSQL takes `?` placeholders too (sent as $1, $2, ... text parameters; a
  // std::string is text, not bytea) and reads bool and integer columns as int64, float4/8 as
  // double, bytea as its bytes, anything else as text.
  pg_conn* postgres() const { return postgres_; }

  // The participant's time (ParticipantOptions::clock), for the handler's own time stamps.
  Millis now() const;

  // Takes the semantic lock `key` for this command's saga (re-entrant). When another saga
  // holds it: kRefuse returns a result that is not acquired(); kHold throws HandlerInterrupted
  // and the command is held until the key is released. On PostgreSQL kHold is not supported
  // yet: it throws std::logic_error (the command is answered with a handler error). A database
  // error also throws HandlerInterrupted: the whole batch is rolled back and gets no reply
  // (stats().store_errors).
  LockResult lock(std::string_view key, LockConflict on_conflict = LockConflict::kRefuse);

  // Releases `key` if this command's saga holds it; true when it did. A key that is free or
  // held by another saga is left as it is (false).
  bool unlock(std::string_view key);

  // Releases every key this command's saga holds; returns how many. For the saga's last
  // command to this participant and for compensations.
  std::size_t unlock_all();

  // The saga that holds `key`, or nothing when it is free. Reads inside the transaction.
  std::optional<std::string> lock_holder(std::string_view key);

  // Starts a saga of `type` with `data` (encoded as its definition expects) in this command's
  // transaction (saga/transactional_start.h, start_saga_in_transaction): it commits with the
  // handler's writes and its inbox row, or not at all (see "Saga starts" above). Returns the
  // saga's id (options.id or a new one). Give a deterministic options.id (derived from the
  // command, e.g. saga_id() + "/" + step()) when the same start must not happen twice even
  // under a new message_id: the second one is kAlreadyExists.
  // Errors returned to the handler (nothing written): kFailedPrecondition (the file has no
  // engine tables at this build's schema version: ParticipantOptions::engine_tables), kAlready
  // Exists, kInvalidArgument. A database error (kBusy, kIoError, ...) throws HandlerInterrupted,
  // as the lock calls do: the batch is rolled back and gets no reply (the orchestrator resends).
  Result<std::string> start_saga(std::string_view type, std::string_view data,
                                 const StartOptions& options = {});

  // The same, encoding `data` with cereal portable binary (the DSL's typed saga data).
  template <typename T>
  Result<std::string> start_saga_with(std::string_view type, const T& data,
                                      const StartOptions& options = {}) {
    Result<std::string> encoded = encode_body(data);
    return encoded ? start_saga(type, encoded.value(), options)
                   : Result<std::string>(encoded.status());
  }

  // Signals a saga: `event` (for a saga by id or by correlation key, saga/event_delivery.h) is
  // written in this command's transaction (saga/transactional_event.h), so it commits with the
  // handler's writes and its inbox row, or not at all (see "Saga starts (and events)" above).
  // The engine delivers it as Engine::deliver_event would; it refuses visibly (the row is kept,
  // marked refused) an event for no such saga. Derive event_id from the command (e.g.
  // message_id() + "/accepted", or the business key) so that the same event is one event.
  // Errors returned to the handler (nothing written): kInvalidArgument (empty event_id or name,
  // neither or both of saga_id and key), kFailedPrecondition (no engine tables in the file, or a
  // participant on PostgreSQL, where it is not available yet). A database error throws
  // HandlerInterrupted, as start_saga's.
  Status signal_saga(const EventDelivery& event);

  // Typed: `payload` (E::kMessageName) for saga `saga_id`, cereal portable binary.
  template <Message E>
  Status signal_saga(std::string saga_id, std::string event_id, const E& payload) {
    Result<EventDelivery> event = event_for_saga(std::move(saga_id), std::move(event_id), payload);
    return event ? signal_saga(event.value()) : event.status();
  }
  // Typed: `payload` for the saga whose correlation key for E is `key`.
  template <Message E>
  Status signal_saga_by_key(std::string key, std::string event_id, const E& payload) {
    Result<EventDelivery> event = event_for_key(std::move(key), std::move(event_id), payload);
    return event ? signal_saga(event.value()) : event.status();
  }

 private:
  friend struct detail::HandlerContextAccess;

  const Envelope& command_;
  Sql& sql_;
  const Clock* clock_ = nullptr;
  std::optional<std::string> held_on_;    // kHold met another saga's lock on this key
  Status store_error_;                    // a lock statement failed
  std::vector<std::string> released_;     // keys unlock()/unlock_all() released
  SQLite::Database* database_ = nullptr;  // the participant's connection, set by the library
  pg_conn* postgres_ = nullptr;           // the same on PostgreSQL
  std::size_t outbox_writes_ = 0;         // starts written by this handler
  std::size_t event_writes_ = 0;          // events written by this handler (signal_saga)
};

template <Message Cmd>
using Handler = std::function<Reply(const Cmd&, HandlerContext&)>;

// kEnforce: the barrier above. kNone: the compensation always runs its handler; for
// compensation-only steps, whose action never comes to this participant.
enum class BarrierMode : std::uint8_t { kEnforce = 1, kNone = 2 };

struct ParticipantOptions {
  // Where the ROUTER binds: "tcp://127.0.0.1:*" (any free port; read it back with endpoint()),
  // "tcp://0.0.0.0:7001", "ipc:///run/kitchen.sock".
  std::string endpoint;
  // The participant's SQLite file, created when missing. It holds saga_inbox, saga_barrier,
  // saga_participant_locks, saga_held_commands, saga_version_file (saga/version_file.h) and the
  // service's own tables. Or a PostgreSQL database: a "postgresql://" or "postgres://" URI
  // (docs/participants.md, "On PostgreSQL"); the library creates saga_inbox, saga_barrier and
  // saga_participant_locks there (not the held commands nor the version file: kHold and
  // saga/version_file.h are SQLite's only), synchronous and busy_timeout do not apply.
  std::string database_path;
  // Largest body frame accepted; larger messages are dropped and counted.
  std::size_t max_message_bytes = 16 * 1024 * 1024;
  // Set: the ROUTER is a CURVE server that accepts only the listed client keys.
  std::optional<CurveServerKeys> curve;
  // SQLite `synchronous`: kFull (durable across power loss) or kNormal, as EngineOptions.
  Synchronous synchronous = Synchronous::kFull;
  // At most this many commands are handled per run_once() and committed together.
  std::size_t max_batch = 64;
  // ZeroMQ high-water marks (messages queued per peer) and linger on close, as
  // ZmqTransportOptions.
  int send_hwm = 10'000;
  int recv_hwm = 10'000;
  Millis linger{100};
  // How long a write waits for another connection's lock before failing with kBusy.
  Millis busy_timeout{5'000};
  // Where the time stamps of saga_participant_locks.acquired_at and saga_held_commands.held_at (and
  // HandlerContext::now()) come from. Default: SystemClock.
  std::shared_ptr<Clock> clock;
  // Where the library's log lines go (dropped messages, refused or held commands, handler and
  // store errors), called on the thread that runs run_once(). Must not block or call the
  // participant. Default: make_stderr_log_sink() (saga/log.h).
  LogSink log;

  // Inbox retention; off (rows kept forever) while inbox_keep is 0. Rows of saga_inbox stored
  // more than inbox_keep ago (by `clock`) are deleted by run_once(), one transaction of at most
  // inbox_prune_batch rows every inbox_prune_interval (at once again while batches come back
  // full). A resend of a pruned message would run its handler again, so open() refuses
  // (kInvalidArgument) an inbox_keep that does not exceed resend_horizon, and a resend_horizon
  // of 0: state the longest resend horizon of the sagas that send here, from
  // saga::resend_horizon(definition) (saga/resend_horizon.h) on the orchestrator's side.
  // Barrier, lock and held-command rows are never pruned (a compensation may come long after
  // its action). Rows stored before inbox retention existed count from the first pruning round.
  Millis inbox_keep{0};
  Millis resend_horizon{0};
  Millis inbox_prune_interval{60'000};    // > 0
  std::size_t inbox_prune_batch = 1'000;  // 1..100000

  // Creates or migrates the engine's tables in database_path at open (prepare_engine_tables),
  // so that handlers can call HandlerContext::start_saga before any engine opened the file.
  // The engine that runs those sagas opens the same file with EngineOptions::shared_database.
  bool engine_tables = false;
  // Called on the participant's thread after a commit that holds saga starts or events written
  // by handlers (HandlerContext::start_saga, signal_saga), with their number. With the engine in
  // the same process: [&engine](std::size_t) { engine.notify_starts(); }. Must not block or throw.
  std::function<void(std::size_t)> outbox_committed;
};

// Counters since open(). Every field only grows.
struct ParticipantStats {
  std::uint64_t handled = 0;              // commands answered from a handler run
  std::uint64_t duplicates = 0;           // answered from the inbox without running
  std::uint64_t null_compensations = 0;   // compensations answered without running (barrier)
  std::uint64_t refused_compensated = 0;  // actions refused with reason "compensated"
  std::uint64_t handler_errors = 0;       // handlers that threw or whose reply did not encode
  std::uint64_t unknown_commands = 0;     // failure replies "unknown_command"
  std::uint64_t malformed_commands = 0;   // failure replies "malformed_command"
  std::uint64_t malformed_dropped = 0;    // not saga/1: dropped without a reply
  std::uint64_t oversized_dropped = 0;    // over max_message_bytes: dropped without a reply
  std::uint64_t replies_dropped = 0;      // reply-kind messages sent to us: dropped
  std::uint64_t send_failures = 0;        // replies that could not be queued (peer gone, full)
  std::uint64_t store_errors = 0;         // batches rolled back by a database error
  std::uint64_t clients_refused = 0;      // CURVE clients whose key is not allowed
  std::uint64_t lock_refusals = 0;        // replies "locked" (LockResult::refusal())
  std::uint64_t held_commands = 0;        // commands put on hold behind another saga's lock
  std::uint64_t held_resends = 0;         // deliveries of a held message_id: not run again
  std::uint64_t inbox_pruned = 0;         // saga_inbox rows deleted by inbox retention
  std::uint64_t sagas_started = 0;        // HandlerContext::start_saga calls committed
  std::uint64_t events_signalled = 0;     // HandlerContext::signal_saga calls committed
};

class Participant {
 public:
  // Opens (or creates) the database in WAL mode, creates the library's tables, and
  // binds the ROUTER. Errors: kInvalidArgument (bad endpoint or options, bad CURVE keys, an
  // inbox_keep not above resend_horizon),
  // kUnavailable (the endpoint cannot be bound), SQLite errors (kIoError, kCorrupt, kBusy...).
  static Result<std::unique_ptr<Participant>> open(ParticipantOptions options);

  ~Participant();
  Participant(const Participant&) = delete;
  Participant& operator=(const Participant&) = delete;

  // The bound endpoint with its real port ("tcp://127.0.0.1:40123").
  std::string endpoint() const;

  // Runs `sql` (one or more statements) in its own transaction: for the service's tables at
  // start ("CREATE TABLE IF NOT EXISTS ..."). Call before run().
  Status exec_schema(std::string_view sql);

  // Registers the handler of the action command Cmd (dispatched on Cmd::kMessageName). A later
  // registration for the same name replaces the earlier one. Call before run().
  template <Message Cmd>
  void on(Handler<Cmd> handler) {
    add_handler(std::string(Cmd::kMessageName), false, BarrierMode::kEnforce,
                bind_typed<Cmd>(std::move(handler)));
  }

  // Registers the handler of the compensation command Cmd (it arrives with compensation=true).
  template <Message Cmd>
  void on_compensation(Handler<Cmd> handler, BarrierMode mode = BarrierMode::kEnforce) {
    add_handler(std::string(Cmd::kMessageName), true, mode, bind_typed<Cmd>(std::move(handler)));
  }

  // Waits at most `timeout` for commands, then handles what arrived (at most max_batch) in one
  // transaction and sends the replies. OK when nothing arrived. The first call first runs the
  // held commands whose key is free (held by an earlier run of the service). An error is a
  // database or socket failure; the commands of a failed batch get no reply (the orchestrator
  // resends).
  Status run_once(Millis timeout);

  // Calls run_once() until stop(). Errors are logged (ParticipantOptions::log, level error) and
  // the loop goes on.
  void run();

  // Makes run() return within about 100 ms. Thread-safe; may be called before run().
  void stop();

  ParticipantStats stats() const;  // thread-safe

  // The type-erased form of a handler: decodes the body, then returns the call to make.
  using BoundHandler = std::function<Reply(HandlerContext&)>;
  using ErasedHandler = std::function<Result<BoundHandler>(const Envelope&)>;

 private:
  struct Impl;
  explicit Participant(std::unique_ptr<Impl> impl);

  template <Message Cmd>
  static ErasedHandler bind_typed(Handler<Cmd> handler) {
    return [h = std::move(handler)](const Envelope& command) -> Result<BoundHandler> {
      Result<Cmd> decoded = decode_body<Cmd>(command.body, command.content_type);
      if (!decoded) return decoded.status();
      return BoundHandler(
          [&h, c = std::move(decoded).value()](HandlerContext& context) { return h(c, context); });
    };
  }

  void add_handler(std::string name, bool compensation, BarrierMode mode, ErasedHandler handler);

  std::unique_ptr<Impl> impl_;
};

}  // namespace saga
