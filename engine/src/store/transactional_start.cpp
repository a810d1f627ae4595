// saga/transactional_start.h over the caller's SQLiteCpp connection: one row in
// saga_start_requests (schema v6), inside the caller's transaction.
#include "saga/transactional_start.h"

#include <SQLiteCpp/SQLiteCpp.h>
#include <sqlite3.h>

#include <chrono>
#include <random>

#include "store/sqlite_error.h"
#include "store/sqlite_rows.h"
#include "store/sqlite_schema.h"

namespace saga {
namespace {

using namespace sqlite_rows;

// 32 hex digits, like the engine's own ids.
std::string random_id() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id(32, '0');
  for (std::size_t half = 0; half < 2; ++half) {
    std::uint64_t bits = rng();
    for (std::size_t i = 0; i < 16; ++i) id[half * 16 + i] = kHex[(bits >> (4 * i)) & 0xf];
  }
  return id;
}

std::int64_t wall_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

Status check_schema(SQLite::Database& db) {
  const int version = read_schema_version(db);
  if (version == kSchemaVersion) return Status::ok();
  return failed_precondition("the database has engine schema version " + std::to_string(version) +
                             ", this build needs " + std::to_string(kSchemaVersion) +
                             ": open an engine on it (or call prepare_engine_tables) first");
}

bool exists(SQLite::Database& db, const char* sql, const std::string& id) {
  SQLite::Statement q(db, sql);
  bind_text(q, 1, id);
  return q.executeStep();
}

}  // namespace

Status prepare_engine_tables(SQLite::Database& db) {
  try {
    if (read_schema_version(db) > kSchemaVersion) {
      return Status(StatusCode::kCorrupt, "engine tables: database from a newer version");
    }
    db.execAndGet("PRAGMA journal_mode = WAL");
    migrate_schema(db);
    return Status::ok();
  } catch (const SQLite::Exception& e) {
    return from_exception(e, "prepare_engine_tables");
  }
}

Result<std::string> start_saga_in_transaction(SQLite::Database& db, std::string_view type,
                                              std::string_view data, const StartOptions& options) {
  if (type.empty()) return invalid_argument("start_saga_in_transaction: empty saga type");
  if (sqlite3_get_autocommit(db.getHandle()) != 0) {
    return failed_precondition(
        "start_saga_in_transaction: no transaction is open on the connection (begin one: the "
        "start commits with it)");
  }
  if (options.deadline.count() > 0 && options.deadline <= options.not_before) {
    return invalid_argument("start_saga_in_transaction: the deadline (" +
                            std::to_string(options.deadline.count()) +
                            ") must be later than not_before");
  }
  const std::string id = options.id.empty() ? random_id() : options.id;
  const std::string context = "start_saga_in_transaction " + id;
  try {
    if (Status s = check_schema(db); !s) return s.with_context(context);
    if (exists(db, "SELECT 1 FROM saga_instances WHERE id = ?1", id) ||
        exists(db, "SELECT 1 FROM saga_start_requests WHERE saga_id = ?1", id)) {
      return already_exists("saga " + id + " already exists");
    }
    SQLite::Statement insert(db,
                             "INSERT INTO saga_start_requests (saga_id, type, version, trace_id, "
                             "data, requested_at_ms, not_before_ms, deadline_ms) "
                             "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)");
    // Bound by copy: `type` and `data` are views.
    insert.bind(1, id);
    insert.bind(2, std::string(type));
    insert.bind(3, static_cast<std::int64_t>(options.version));
    insert.bind(4, options.trace_id);
    insert.bind(5, static_cast<const void*>(data.data()), static_cast<int>(data.size()));
    insert.bind(6, wall_ms());
    insert.bind(7, static_cast<std::int64_t>(options.not_before.count()));
    insert.bind(8, static_cast<std::int64_t>(options.deadline.count()));
    insert.exec();
    return id;
  } catch (const SQLite::Exception& e) {
    return from_exception(e, context);
  }
}

}  // namespace saga
