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

#include "inbox.h"
#include "saga/clock.h"
#include "saga/envelope.h"
#include "saga/participant_sql.h"
#include "saga/status.h"
#include "saga/synchronous.h"

namespace SQLite {
class Database;
}

namespace saga::detail {

class SqliteInbox final : public Inbox {
 public:
  // Opens or creates the file, sets WAL and synchronous, creates the library's tables.
  static Result<std::unique_ptr<SqliteInbox>> open(const std::string& path, Synchronous synchronous,
                                                   Millis busy_timeout);
  ~SqliteInbox();
  SqliteInbox(const SqliteInbox&) = delete;
  SqliteInbox& operator=(const SqliteInbox&) = delete;

  // Inbox (inbox.h); the transaction is BEGIN IMMEDIATE / COMMIT / ROLLBACK.
  Status exec_script(std::string_view sql) override;
  Status begin() override;
  Status commit() override;
  void rollback() noexcept override;
  Status savepoint() override;
  Status release_savepoint() override;
  Status rollback_to_savepoint() override;
  Result<std::optional<StoredReply>> find_reply(const std::string& message_id) override;
  Status store_reply(const Envelope& command, const StoredReply& reply,
                     std::int64_t stored_at_ms) override;
  Result<std::size_t> prune(std::int64_t before_ms, std::int64_t now_ms,
                            std::size_t limit) override;
  Result<BarrierState> barrier(const std::string& saga_id, const std::string& step) override;
  Status mark_barrier(const std::string& saga_id, const std::string& step,
                      bool compensation) override;
  Status hold(const HeldCommand& command, std::int64_t held_at_ms) override;
  Result<bool> redeliver_held(const std::string& message_id,
                              const std::string& routing_id) override;
  Status delete_held(const std::string& message_id) override;
  Result<bool> any_held() override;
  Result<bool> lock_free(const std::string& lock_key) override;
  Result<std::optional<HeldCommand>> first_held(const std::string& lock_key) override;
  Result<std::vector<HeldCommand>> ready_held(std::size_t max) override;
  Sql& sql() override;
  // Sets the context's SQLite connection (HandlerContext::start_saga).
  void attach(HandlerContext& context) override;
  Status prepare_engine_tables() override;
  // The connection itself (saga/transactional_start.h).
  SQLite::Database& database();

 private:
  struct Impl;
  explicit SqliteInbox(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace saga::detail
