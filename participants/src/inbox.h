// Inbox: the participant's database as the library uses it (inbox, barrier, held commands,
// transaction and savepoint, the Sql handlers write through). Two backends, chosen by
// ParticipantOptions::database_path: SqliteInbox (a file, sqlite_inbox.cpp) and PgInbox
// (a "postgresql://" URI, pg_inbox.cpp). Internal.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "saga/clock.h"
#include "saga/envelope.h"
#include "saga/participant_sql.h"
#include "saga/status.h"

namespace saga {
class HandlerContext;
struct ParticipantOptions;
}  // namespace saga

namespace saga::detail {

// A reply as stored in saga_inbox.
struct StoredReply {
  std::string name;
  Outcome outcome = Outcome::kSuccess;
  std::string reason;
  ContentType content_type = ContentType::kCerealBinary;
  std::string body;
};

// A command held behind another saga's semantic lock, as stored in saga_held_commands.
struct HeldCommand {
  std::string message_id;
  std::string lock_key;
  std::string saga_id;       // written for people reading the table; the header has it too
  std::string command_name;  // idem
  std::string routing_id;    // the connection of the latest delivery
  std::string header;        // the saga/1 header frame of the first delivery
  std::string body;
};

struct BarrierState {
  bool action_done = false;
  bool compensation_done = false;
};

class Inbox {
 public:
  virtual ~Inbox() = default;

  // Runs a script of statements in one transaction.
  virtual Status exec_script(std::string_view sql) = 0;

  // The batch transaction. rollback() never fails.
  virtual Status begin() = 0;
  virtual Status commit() = 0;
  virtual void rollback() noexcept = 0;

  // The savepoint around one handler run inside the batch transaction.
  virtual Status savepoint() = 0;
  virtual Status release_savepoint() = 0;
  virtual Status rollback_to_savepoint() = 0;  // undoes the writes since savepoint(); stays open

  virtual Result<std::optional<StoredReply>> find_reply(const std::string& message_id) = 0;
  virtual Status store_reply(const Envelope& command, const StoredReply& reply,
                             std::int64_t stored_at_ms) = 0;
  // Inbox retention, in a transaction of its own: stamps rows stored before retention existed
  // (stored_at 0) with now_ms, then deletes at most `limit` rows stored before before_ms,
  // oldest first. Returns how many it deleted.
  virtual Result<std::size_t> prune(std::int64_t before_ms, std::int64_t now_ms,
                                    std::size_t limit) = 0;

  virtual Result<BarrierState> barrier(const std::string& saga_id, const std::string& step) = 0;
  // Sets the flag (action_done or compensation_done) for (saga_id, step), creating the row.
  virtual Status mark_barrier(const std::string& saga_id, const std::string& step,
                              bool compensation) = 0;

  // Held commands (semantic locks; the lock rows themselves are written by HandlerContext
  // through sql()). hold() queues a command behind `lock_key`, or, when its message_id is
  // already held, moves it to that key keeping its place in the order of arrival (its seq).
  virtual Status hold(const HeldCommand& command, std::int64_t held_at_ms) = 0;
  // A new delivery of a held message_id: records its connection, where the reply will go.
  // False when the message_id is not held.
  virtual Result<bool> redeliver_held(const std::string& message_id,
                                      const std::string& routing_id) = 0;
  virtual Status delete_held(const std::string& message_id) = 0;
  // Whether saga_held_commands has any row.
  virtual Result<bool> any_held() = 0;
  virtual Result<bool> lock_free(const std::string& lock_key) = 0;
  // The oldest command held on `lock_key`.
  virtual Result<std::optional<HeldCommand>> first_held(const std::string& lock_key) = 0;
  // The oldest held command of each key that is free, oldest first, at most `max`.
  virtual Result<std::vector<HeldCommand>> ready_held(std::size_t max) = 0;

  // The Sql handlers write through; same connection, same transaction.
  virtual Sql& sql() = 0;
  // Gives a handler's context the connection (HandlerContext::start_saga, and on PostgreSQL
  // HandlerContext::postgres()).
  virtual void attach(HandlerContext& context) = 0;
  // Creates or migrates the engine's tables in the database (ParticipantOptions::engine_tables).
  virtual Status prepare_engine_tables() = 0;
};

// Opens the backend `options.database_path` names: a "postgresql://" or "postgres://" URI
// (PgInbox; kUnavailable in a build without PostgreSQL), anything else a SQLite file.
Result<std::unique_ptr<Inbox>> open_inbox(const ParticipantOptions& options);

}  // namespace saga::detail
