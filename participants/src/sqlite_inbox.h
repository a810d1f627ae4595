// SqliteInbox: the participant's SQLite database (inbox, barrier, handler SQL), no SQLiteCpp
// types. sqlite_inbox.cpp is the one file of the participant library that includes SQLiteCpp;
// every SQLite::Exception is caught there and becomes a Status.
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
#include "saga/synchronous.h"

namespace SQLite {
class Database;
}

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

class SqliteInbox {
 public:
  // Opens or creates the file, sets WAL and synchronous, creates the library's tables.
  static Result<std::unique_ptr<SqliteInbox>> open(const std::string& path, Synchronous synchronous,
                                                   Millis busy_timeout);
  ~SqliteInbox();
  SqliteInbox(const SqliteInbox&) = delete;
  SqliteInbox& operator=(const SqliteInbox&) = delete;

  // Runs a script of statements in one transaction.
  Status exec_script(std::string_view sql);

  // The batch transaction (BEGIN IMMEDIATE / COMMIT / ROLLBACK). rollback() never fails.
  Status begin();
  Status commit();
  void rollback() noexcept;

  // The per-command savepoint inside the batch transaction.
  Status savepoint();
  Status release_savepoint();
  Status rollback_to_savepoint();  // undoes the writes since savepoint(); it stays open

  Result<std::optional<StoredReply>> find_reply(const std::string& message_id);
  Status store_reply(const Envelope& command, const StoredReply& reply, std::int64_t stored_at_ms);
  // Inbox retention, in a transaction of its own: stamps rows stored before retention existed
  // (stored_at 0) with now_ms, then deletes at most `limit` rows stored before before_ms,
  // oldest first. Returns how many it deleted.
  Result<std::size_t> prune(std::int64_t before_ms, std::int64_t now_ms, std::size_t limit);

  Result<BarrierState> barrier(const std::string& saga_id, const std::string& step);
  // Sets the flag (action_done or compensation_done) for (saga_id, step), creating the row.
  Status mark_barrier(const std::string& saga_id, const std::string& step, bool compensation);

  // Held commands (semantic locks; the lock rows themselves are written by HandlerContext
  // through sql()). hold() queues a command behind `lock_key`, or, when its message_id is
  // already held, moves it to that key keeping its place in the order of arrival (its seq).
  Status hold(const HeldCommand& command, std::int64_t held_at_ms);
  // A new delivery of a held message_id: records its connection, where the reply will go.
  // False when the message_id is not held.
  Result<bool> redeliver_held(const std::string& message_id, const std::string& routing_id);
  Status delete_held(const std::string& message_id);
  // Whether saga_held_commands has any row.
  Result<bool> any_held();
  Result<bool> lock_free(const std::string& lock_key);
  // The oldest command held on `lock_key`.
  Result<std::optional<HeldCommand>> first_held(const std::string& lock_key);
  // The oldest held command of each key that is free, oldest first, at most `max`.
  Result<std::vector<HeldCommand>> ready_held(std::size_t max);

  // The Sql handlers write through; same connection, same transaction.
  Sql& sql();
  // The connection itself, for HandlerContext::start_saga (saga/transactional_start.h).
  SQLite::Database& database();
  // Creates or migrates the engine's tables in the file (ParticipantOptions::engine_tables).
  Status prepare_engine_tables();

 private:
  struct Impl;
  explicit SqliteInbox(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace saga::detail
