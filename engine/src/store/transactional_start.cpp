// saga/transactional_start.h over the caller's SQLiteCpp connection: one row in
// saga_start_requests (schema v6), inside the caller's transaction.
#include "saga/transactional_start.h"

#include <SQLiteCpp/SQLiteCpp.h>
#include <sqlite3.h>

#include <chrono>
#include <memory>
#include <optional>
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

// The statements a start runs, prepared on first use and kept: preparing them (and looking the
// schema version up with a fresh statement) was about 9 % of the instructions of a Create Order
// saga at W=256 when it happened on every start.
struct TransactionalStarts::Impl {
  explicit Impl(SQLite::Database& database) : db(database) {}
  SQLite::Database& db;
  std::optional<SQLite::Statement> version;  // set once the schema version was checked
  std::optional<SQLite::Statement> exists;
  std::optional<SQLite::Statement> insert;
};

TransactionalStarts::TransactionalStarts(SQLite::Database& db)
    : impl_(std::make_unique<Impl>(db)) {}
TransactionalStarts::~TransactionalStarts() = default;

namespace {

// Resets a statement when the scope ends, so that no read stays open between starts.
class ResetAfter {
 public:
  explicit ResetAfter(SQLite::Statement& statement) : statement_(statement) {}
  ~ResetAfter() { statement_.tryReset(); }
  ResetAfter(const ResetAfter&) = delete;
  ResetAfter& operator=(const ResetAfter&) = delete;

 private:
  SQLite::Statement& statement_;
};

}  // namespace

Result<std::string> TransactionalStarts::start(std::string_view type, std::string_view data,
                                               const StartOptions& options) {
  if (type.empty()) return invalid_argument("start_saga_in_transaction: empty saga type");
  SQLite::Database& db = impl_->db;
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
  try {
    if (!impl_->version) {
      // The first start checks the whole way (saga_meta may not exist yet); later ones read
      // the version through the kept statement.
      if (Status s = check_schema(db); !s) {
        return s.with_context("start_saga_in_transaction " + id);
      }
      impl_->version.emplace(db, "SELECT value FROM saga_meta WHERE key = 'schema_version'");
      impl_->exists.emplace(db,
                            "SELECT EXISTS (SELECT 1 FROM saga_instances WHERE id = ?1) OR "
                            "EXISTS (SELECT 1 FROM saga_start_requests WHERE saga_id = ?1)");
      impl_->insert.emplace(db,
                            "INSERT INTO saga_start_requests (saga_id, type, version, trace_id, "
                            "data, requested_at_ms, not_before_ms, deadline_ms) "
                            "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)");
    } else {
      SQLite::Statement& q = *impl_->version;
      ResetAfter reset(q);
      const int version = q.executeStep() ? q.getColumn(0).getInt() : 0;
      if (version != kSchemaVersion) {
        return failed_precondition(
            "start_saga_in_transaction " + id + ": the database has engine schema version " +
            std::to_string(version) + ", this build needs " + std::to_string(kSchemaVersion));
      }
    }
    {
      SQLite::Statement& q = *impl_->exists;
      ResetAfter reset(q);
      bind_text(q, 1, id);
      if (q.executeStep() && q.getColumn(0).getInt() != 0) {
        return already_exists("saga " + id + " already exists");
      }
    }
    SQLite::Statement& insert = *impl_->insert;
    ResetAfter reset(insert);
    insert.bind(1, id);
    insert.bind(2, std::string(type));  // TEXT; bound by copy, `type` is a view
    insert.bind(3, static_cast<std::int64_t>(options.version));
    insert.bind(4, options.trace_id);
    insert.bind(5, static_cast<const void*>(data.data()), static_cast<int>(data.size()));
    insert.bind(6, wall_ms());
    insert.bind(7, static_cast<std::int64_t>(options.not_before.count()));
    insert.bind(8, static_cast<std::int64_t>(options.deadline.count()));
    insert.exec();
    return id;
  } catch (const SQLite::Exception& e) {
    return from_exception(e, "start_saga_in_transaction " + id);
  }
}

Result<std::string> start_saga_in_transaction(SQLite::Database& db, std::string_view type,
                                              std::string_view data, const StartOptions& options) {
  return TransactionalStarts(db).start(type, data, options);
}

}  // namespace saga
