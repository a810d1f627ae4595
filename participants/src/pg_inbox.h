// PgInbox: the participant's database on PostgreSQL (inbox.h), through the engine's libpq
// adapter (engine/src/store/pg_connection.h, the one file set that includes libpq). The batch
// is one READ COMMITTED transaction, each handler run a savepoint in it, as on SQLite. Held
// commands (LockConflict::kHold) are not supported: hold() refuses, and nothing is ever held.
#pragma once

#include <memory>
#include <string>

#include "inbox.h"

namespace saga::pg {
class Connection;
}

namespace saga::detail {

class PgInbox final : public Inbox {
 public:
  // Connects and creates the library's tables (under an advisory lock: several participants
  // may open one database at once).
  static Result<std::unique_ptr<PgInbox>> open(const std::string& url);
  ~PgInbox() override;

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
  Result<bool> any_held() override { return false; }
  Result<bool> lock_free(const std::string& lock_key) override;
  Result<std::optional<HeldCommand>> first_held(const std::string& lock_key) override;
  Result<std::vector<HeldCommand>> ready_held(std::size_t max) override;
  Sql& sql() override;
  // Sets the context's PostgreSQL connection (HandlerContext::postgres(), start_saga).
  void attach(HandlerContext& context) override;
  // The engine's PostgreSQL schema (pg_schema.h), for HandlerContext::start_saga.
  Status prepare_engine_tables() override;

 private:
  struct Impl;
  explicit PgInbox(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace saga::detail
