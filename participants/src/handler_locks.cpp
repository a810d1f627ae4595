// HandlerContext's semantic lock calls and clock: rows of saga_participant_locks written through
// the command's Sql, inside the handler's savepoint (saga/participant.h, before LockConflict).
#include <stdexcept>
#include <string>

#include "handler_context_access.h"
#include "saga/participant.h"

namespace saga {

LockResult HandlerContext::lock(std::string_view key, LockConflict on_conflict) {
  using Access = detail::HandlerContextAccess;
  Access::check_not_interrupted(*this);
  std::string k(key);
  Access::checked(*this,
                  sql_.exec("INSERT INTO saga_participant_locks (lock_key, saga_id, saga_type, "
                            "acquired_at) VALUES (?, ?, ?, ?) "
                            "ON CONFLICT (lock_key) DO NOTHING",
                            {k, saga_id(), saga_type(), now().count()}));
  std::optional<SqlRow> row = Access::checked(
      *this, sql_.query_one("SELECT saga_id FROM saga_participant_locks WHERE lock_key = ?", {k}));
  const std::string* holder = row ? std::get_if<std::string>(&row->at(0)) : nullptr;
  if (holder == nullptr) {
    Access::checked<std::int64_t>(*this,
                                  internal_error("saga_participant_locks: no holder for " + k));
  }
  if (*holder == saga_id()) return LockResult(std::move(k), *holder, true);
  if (on_conflict == LockConflict::kHold && postgres_ != nullptr) {
    throw std::logic_error("lock(" + k + ", kHold): held commands are not supported on PostgreSQL");
  }
  if (on_conflict == LockConflict::kHold) {
    held_on_ = std::move(k);
    throw HandlerInterrupted{};
  }
  return LockResult(std::move(k), *holder, false);
}

Millis HandlerContext::now() const {
  if (clock_ != nullptr) return clock_->now();
  return SystemClock().now();
}

bool HandlerContext::unlock(std::string_view key) {
  using Access = detail::HandlerContextAccess;
  Access::check_not_interrupted(*this);
  std::string k(key);
  const std::int64_t deleted = Access::checked(
      *this, sql_.exec("DELETE FROM saga_participant_locks WHERE lock_key = ? AND saga_id = ?",
                       {k, saga_id()}));
  if (deleted == 0) return false;
  released_.push_back(std::move(k));
  return true;
}

std::size_t HandlerContext::unlock_all() {
  using Access = detail::HandlerContextAccess;
  Access::check_not_interrupted(*this);
  std::vector<SqlRow> rows = Access::checked(
      *this,
      sql_.query("SELECT lock_key FROM saga_participant_locks WHERE saga_id = ? ORDER BY lock_key",
                 {saga_id()}, 1'000'000));
  Access::checked(*this,
                  sql_.exec("DELETE FROM saga_participant_locks WHERE saga_id = ?", {saga_id()}));
  for (SqlRow& row : rows) {
    if (auto* key = std::get_if<std::string>(&row.at(0))) released_.push_back(std::move(*key));
  }
  return rows.size();
}

std::optional<std::string> HandlerContext::lock_holder(std::string_view key) {
  using Access = detail::HandlerContextAccess;
  Access::check_not_interrupted(*this);
  std::optional<SqlRow> row = Access::checked(
      *this, sql_.query_one("SELECT saga_id FROM saga_participant_locks WHERE lock_key = ?",
                            {std::string(key)}));
  if (!row) return std::nullopt;
  if (const auto* holder = std::get_if<std::string>(&row->at(0))) return *holder;
  return std::nullopt;
}

}  // namespace saga
