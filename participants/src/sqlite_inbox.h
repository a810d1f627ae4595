// SqliteInbox: the participant's SQLite database (inbox, barrier, handler SQL), no SQLiteCpp
// types. sqlite_inbox.cpp is the one file of the participant library that includes SQLiteCpp;
// every SQLite::Exception is caught there and becomes a Status.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "saga/clock.h"
#include "saga/envelope.h"
#include "saga/participant_sql.h"
#include "saga/status.h"

namespace saga::detail {

// A reply as stored in saga_inbox.
struct StoredReply {
  std::string name;
  Outcome outcome = Outcome::kSuccess;
  std::string reason;
  ContentType content_type = ContentType::kCerealBinary;
  std::string body;
};

struct BarrierState {
  bool action_done = false;
  bool compensation_done = false;
};

class SqliteInbox {
 public:
  // Opens or creates the file, sets WAL and synchronous, creates saga_inbox and saga_barrier.
  static Result<std::unique_ptr<SqliteInbox>> open(const std::string& path, bool synchronous_full,
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
  Status store_reply(const Envelope& command, const StoredReply& reply);

  Result<BarrierState> barrier(const std::string& saga_id, const std::string& step);
  // Sets the flag (action_done or compensation_done) for (saga_id, step), creating the row.
  Status mark_barrier(const std::string& saga_id, const std::string& step, bool compensation);

  // The Sql handlers write through; same connection, same transaction.
  Sql& sql();

 private:
  struct Impl;
  explicit SqliteInbox(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace saga::detail
