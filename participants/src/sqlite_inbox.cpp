// The participant's SQLite adapter: the one file of the library that includes SQLiteCpp.
#include "sqlite_inbox.h"

#include <SQLiteCpp/SQLiteCpp.h>
#include <sqlite3.h>

#include <cerrno>
#include <exception>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "saga/transactional_start.h"
#include "sqlite_check.h"
#include "sqlite_error.h"
#include "sqlite_statements.h"
#include "version_file_schema.h"

namespace saga::detail {
namespace {

Status from_exception(const std::exception& e, std::string_view what) {
  if (const auto* s = dynamic_cast<const SQLite::Exception*>(&e)) {
    return sqlite_error::from_exception(*s, "participant store: " + std::string(what));
  }
  return internal_error("participant store: " + std::string(what) + ": " + e.what());
}

// Runs `f`, turning any exception into a Status that names `what`.
template <typename F>
Status guarded(std::string_view what, F&& f) {
  try {
    f();
    return Status::ok();
  } catch (const std::exception& e) {
    return from_exception(e, what);
  }
}

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS saga_inbox (
  message_id   TEXT PRIMARY KEY,
  saga_id      TEXT NOT NULL,
  step         TEXT NOT NULL,
  command_name TEXT NOT NULL,
  compensation INTEGER NOT NULL,
  reply_name   TEXT NOT NULL,
  outcome      INTEGER NOT NULL,
  reason       TEXT NOT NULL,
  content_type INTEGER NOT NULL,
  body         BLOB NOT NULL,
  stored_at    INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS saga_barrier (
  saga_id           TEXT NOT NULL,
  step              TEXT NOT NULL,
  action_done       INTEGER NOT NULL DEFAULT 0,
  compensation_done INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (saga_id, step)
);
CREATE TABLE IF NOT EXISTS saga_participant_locks (
  lock_key    TEXT PRIMARY KEY,
  saga_id     TEXT NOT NULL,
  saga_type   TEXT NOT NULL,
  acquired_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS saga_participant_locks_by_saga ON saga_participant_locks (saga_id);
CREATE TABLE IF NOT EXISTS saga_held_commands (
  seq          INTEGER PRIMARY KEY AUTOINCREMENT,
  message_id   TEXT NOT NULL UNIQUE,
  lock_key     TEXT NOT NULL,
  saga_id      TEXT NOT NULL,
  command_name TEXT NOT NULL,
  routing_id   BLOB NOT NULL,
  header       TEXT NOT NULL,
  body         BLOB NOT NULL,
  held_at      INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS saga_held_by_key ON saga_held_commands (lock_key, seq);
)sql";

// Text and blob values are bound without a copy (SQLITE_STATIC): every statement runs from the
// StatementCache, which clears the bindings before each use (the library's own statements bind
// all their parameters on every use instead), and the values outlive that use (the caller's
// arguments, alive until the statement is reset). Copying them cost a malloc and a free per
// value.
void bind_value(SQLite::Statement& statement, int index, const SqlValue& value) {
  std::visit(
      [&](const auto& v) {
        using V = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<V, std::nullptr_t>) {
          statement.bind(index);
        } else if constexpr (std::is_same_v<V, std::string>) {
          statement.bindNoCopy(index, v);
        } else {
          statement.bind(index, v);
        }
      },
      value);
}

SqlValue read_column(const SQLite::Column& column) {
  switch (column.getType()) {
    case SQLITE_INTEGER:
      return SqlValue(std::int64_t{column.getInt64()});
    case SQLITE_FLOAT:
      return SqlValue(column.getDouble());
    case SQLITE_NULL:
      return SqlValue(nullptr);
    default:
      return SqlValue(column.getString());  // TEXT and BLOB: the bytes
  }
}

void bind_all(SQLite::Statement& statement, const std::vector<SqlValue>& params) {
  for (std::size_t i = 0; i < params.size(); ++i) {
    bind_value(statement, static_cast<int>(i + 1), params[i]);
  }
}

// The library's own statements: TEXT, INTEGER and (wrapped in Blob) BLOB values bound to ?1, ?2,
// ... in order.
struct Blob {
  const std::string& bytes;
};
// Without a copy, as bind_value above.
void bind_one(SQLite::Statement& q, int index, const std::string& text) {
  q.bindNoCopy(index, text);
}
void bind_one(SQLite::Statement& q, int index, std::int64_t value) { q.bind(index, value); }
void bind_one(SQLite::Statement& q, int index, Blob blob) {
  q.bindNoCopy(index, static_cast<const void*>(blob.bytes.data()),
               static_cast<int>(blob.bytes.size()));
}
template <typename... V>
void bind_values(SQLite::Statement& q, const V&... values) {
  int index = 0;
  (bind_one(q, ++index, values), ...);
}

// Runs a statement without results through the cache. The transaction and savepoint statements
// run once or twice per command: parsing them each time (db.exec) cost 2-3 % of the CPU of a
// Create Order saga.
void run(StatementCache& cache, LibrarySql sql) {
  Using statement(cache, sql);
  statement->exec();
}

// Runs one write with `values` bound in order (bind_values), as the Status of `what`.
template <typename Key, typename... V>
Status write_row(StatementCache& cache, std::string_view what, Key sql, const V&... values) {
  return guarded(what, [&] {
    Using statement(cache, sql);
    bind_values(*statement, values...);
    statement->exec();
  });
}

// The first row `sql` selects with `values` bound in order, converted by `read`; empty when
// there is none. Errors as the Status of `what`.
template <typename T, typename Key, typename Read, typename... V>
Result<std::optional<T>> read_row(StatementCache& cache, std::string_view what, Key sql, Read read,
                                  const V&... values) {
  std::optional<T> found;
  Status s = guarded(what, [&] {
    Using statement(cache, sql);
    bind_values(*statement, values...);
    if (statement->executeStep()) found = read(*statement);
  });
  if (!s) return s;
  return found;
}

class SqliteSql final : public Sql {
 public:
  explicit SqliteSql(StatementCache& statements) : statements_(statements) {}

  Result<std::int64_t> exec(std::string_view sql, const std::vector<SqlValue>& params) override {
    std::int64_t changed = 0;
    Status s = guarded("exec", [&] {
      Using statement(statements_, sql);
      bind_all(*statement, params);
      changed = statement->exec();
    });
    if (!s) return s;
    return changed;
  }

  Result<std::vector<SqlRow>> query(std::string_view sql, const std::vector<SqlValue>& params,
                                    std::size_t max_rows) override {
    std::vector<SqlRow> rows;
    bool over = false;
    Status s = guarded("query", [&] {
      Using using_statement(statements_, sql);
      SQLite::Statement& statement = *using_statement;
      bind_all(statement, params);
      const int columns = statement.getColumnCount();
      while (statement.executeStep()) {
        if (rows.size() == max_rows) {
          over = true;
          return;
        }
        SqlRow& row = rows.emplace_back();
        row.reserve(static_cast<std::size_t>(columns));
        for (int c = 0; c < columns; ++c) row.push_back(read_column(statement.getColumn(c)));
      }
    });
    if (!s) return s;
    if (over) return Status(StatusCode::kFull, "query: more than max_rows rows");
    return rows;
  }

  Result<std::optional<SqlRow>> query_one(std::string_view sql,
                                          const std::vector<SqlValue>& params) override {
    std::optional<SqlRow> row;
    Status s = guarded("query_one", [&] {
      Using using_statement(statements_, sql);
      SQLite::Statement& statement = *using_statement;
      bind_all(statement, params);
      if (!statement.executeStep()) return;
      row.emplace();
      for (int c = 0; c < statement.getColumnCount(); ++c) {
        row->push_back(read_column(statement.getColumn(c)));
      }
    });
    if (!s) return s;
    return row;
  }

 private:
  StatementCache& statements_;
};

}  // namespace

struct SqliteInbox::Impl {
  explicit Impl(const std::string& path, Millis busy_timeout)
      : db(path, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE | SQLite::OPEN_FULLMUTEX,
           static_cast<int>(busy_timeout.count())),
        statements(db),
        sql(statements) {}
  SQLite::Database db;
  StatementCache statements;  // destroyed before db: statements are finalized first
  SqliteSql sql;
};

SqliteInbox::SqliteInbox(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
SqliteInbox::~SqliteInbox() = default;

namespace {

// Files written before the engine could share a participant's file named the lock table
// saga_locks, which is also the engine's (saga/transactional_start.h): such a table (the one
// with a lock_key column) becomes saga_participant_locks, with its rows.
void rename_lock_table(SQLite::Database& db) {
  SQLite::Statement q(db, "SELECT 1 FROM pragma_table_info('saga_locks') WHERE name = 'lock_key'");
  if (!q.executeStep()) return;
  db.exec(
      "BEGIN IMMEDIATE; ALTER TABLE saga_locks RENAME TO saga_participant_locks; "
      "DROP INDEX IF EXISTS saga_locks_by_saga; COMMIT");
}

}  // namespace

Result<std::unique_ptr<SqliteInbox>> SqliteInbox::open(const std::string& path,
                                                       Synchronous synchronous,
                                                       Millis busy_timeout) {
  if (path.empty()) return invalid_argument("participant store: empty database_path");
  std::unique_ptr<Impl> impl;
  Status corrupt;  // a file that fails quick_check is refused before anything is written
  Status s = guarded("open '" + path + "'", [&] {
    impl = std::make_unique<Impl>(path, busy_timeout);
    corrupt = sqlite_check::quick_check(impl->db, path);
    if (!corrupt) return;
    SQLite::Statement wal(impl->db, "PRAGMA journal_mode=WAL");
    wal.executeStep();
    impl->db.exec("PRAGMA synchronous=" + std::to_string(static_cast<int>(synchronous)));
    rename_lock_table(impl->db);
    impl->db.exec(kSchema);
    // Files made before inbox retention: their rows get 0, stamped by the first prune().
    const bool has_stored_at =
        impl->db
            .execAndGet(
                "SELECT count(*) FROM pragma_table_info('saga_inbox') WHERE name='stored_at'")
            .getInt64() > 0;
    if (!has_stored_at) {
      impl->db.exec("ALTER TABLE saga_inbox ADD COLUMN stored_at INTEGER NOT NULL DEFAULT 0");
    }
    impl->db.exec("CREATE INDEX IF NOT EXISTS saga_inbox_by_time ON saga_inbox (stored_at)");
    impl->db.exec(detail::kVersionFileTable);
    impl->db.exec(detail::kVersionFileIndex);
  });
  if (!s) return s;
  if (!corrupt) return corrupt.with_context("participant store: open");
  return std::unique_ptr<SqliteInbox>(new SqliteInbox(std::move(impl)));
}

Status SqliteInbox::exec_script(std::string_view sql) {
  return guarded("schema", [&] {
    SQLite::Transaction transaction(impl_->db);
    impl_->db.exec(std::string(sql));
    transaction.commit();
  });
}

Status SqliteInbox::begin() {
  return guarded("begin", [&] { run(impl_->statements, LibrarySql::kBegin); });
}

Status SqliteInbox::commit() {
  Status s = guarded("commit", [&] { run(impl_->statements, LibrarySql::kCommit); });
  if (s) return s;
  // errno as the failed COMMIT left it (nothing in between sets it): a full disk is kFull.
  const int errno_after = errno;
  return sqlite_error::with_system_errno(std::move(s),
                                         sqlite_error::system_errno(impl_->db, errno_after));
}

void SqliteInbox::rollback() noexcept {
  // After some errors SQLite has already rolled back; then ROLLBACK fails and that is fine.
  (void)impl_->db.tryExec("ROLLBACK");
}

Status SqliteInbox::savepoint() {
  return guarded("savepoint", [&] { run(impl_->statements, LibrarySql::kSavepoint); });
}

Status SqliteInbox::release_savepoint() {
  return guarded("release savepoint", [&] { run(impl_->statements, LibrarySql::kRelease); });
}

Status SqliteInbox::rollback_to_savepoint() {
  return guarded("rollback to savepoint", [&] { run(impl_->statements, LibrarySql::kRollbackTo); });
}

namespace {

StoredReply read_reply(SQLite::Statement& q) {
  StoredReply r;
  r.name = q.getColumn(0).getString();
  r.outcome = q.getColumn(1).getInt64() == static_cast<std::int64_t>(Outcome::kFailure)
                  ? Outcome::kFailure
                  : Outcome::kSuccess;
  r.reason = q.getColumn(2).getString();
  r.content_type = q.getColumn(3).getInt64() == static_cast<std::int64_t>(ContentType::kJson)
                       ? ContentType::kJson
                       : ContentType::kCerealBinary;
  r.body = q.getColumn(4).getString();
  return r;
}

}  // namespace

Result<std::optional<StoredReply>> SqliteInbox::find_reply(const std::string& message_id) {
  return read_row<StoredReply>(impl_->statements, "find reply", LibrarySql::kFindReply, read_reply,
                               message_id);
}

Status SqliteInbox::store_reply(const Envelope& command, const StoredReply& reply,
                                std::int64_t stored_at_ms) {
  return write_row(impl_->statements, "store reply", LibrarySql::kStoreReply, command.message_id,
                   command.saga_id, command.step, command.name,
                   std::int64_t{command.compensation ? 1 : 0}, reply.name,
                   static_cast<std::int64_t>(reply.outcome), reply.reason,
                   static_cast<std::int64_t>(reply.content_type), Blob{reply.body}, stored_at_ms);
}

Result<std::size_t> SqliteInbox::prune(std::int64_t before_ms, std::int64_t now_ms,
                                       std::size_t limit) {
  std::size_t deleted = 0;
  if (Status s = begin(); !s) return s;
  Status s = guarded("prune inbox", [&] {
    {
      Using stamp(impl_->statements, "UPDATE saga_inbox SET stored_at = ?1 WHERE stored_at = 0");
      bind_values(*stamp, now_ms);
      stamp->exec();
    }
    Using q(impl_->statements,
            "DELETE FROM saga_inbox WHERE rowid IN (SELECT rowid FROM saga_inbox "
            "WHERE stored_at < ?1 ORDER BY stored_at LIMIT ?2)");
    bind_values(*q, before_ms, static_cast<std::int64_t>(limit));
    deleted = static_cast<std::size_t>(q->exec());
  });
  if (s) s = commit();
  if (!s) {
    rollback();
    return s;
  }
  return deleted;
}

Result<BarrierState> SqliteInbox::barrier(const std::string& saga_id, const std::string& step) {
  BarrierState state;
  Status s = guarded("read barrier", [&] {
    Using using_q(impl_->statements, LibrarySql::kReadBarrier);
    SQLite::Statement& q = *using_q;
    bind_values(q, saga_id, step);
    if (!q.executeStep()) return;
    state.action_done = q.getColumn(0).getInt64() != 0;
    state.compensation_done = q.getColumn(1).getInt64() != 0;
  });
  if (!s) return s;
  return state;
}

Status SqliteInbox::mark_barrier(const std::string& saga_id, const std::string& step,
                                 bool compensation) {
  return guarded("mark barrier", [&] {
    Using using_q(impl_->statements,
                  compensation ? LibrarySql::kMarkCompensation : LibrarySql::kMarkAction);
    SQLite::Statement& q = *using_q;
    bind_values(q, saga_id, step);
    q.exec();
  });
}

namespace {

HeldCommand read_held(SQLite::Statement& q) {
  HeldCommand h;
  h.message_id = q.getColumn(0).getString();
  h.lock_key = q.getColumn(1).getString();
  h.routing_id = q.getColumn(2).getString();
  h.header = q.getColumn(3).getString();
  h.body = q.getColumn(4).getString();
  return h;
}

}  // namespace

Status SqliteInbox::hold(const HeldCommand& command, std::int64_t held_at_ms) {
  return write_row(impl_->statements, "hold command",
                   "INSERT INTO saga_held_commands (message_id, lock_key, saga_id, command_name, "
                   "routing_id, header, body, held_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
                   "ON CONFLICT (message_id) DO UPDATE SET lock_key = excluded.lock_key",
                   command.message_id, command.lock_key, command.saga_id, command.command_name,
                   Blob{command.routing_id}, command.header, Blob{command.body}, held_at_ms);
}

Result<bool> SqliteInbox::redeliver_held(const std::string& message_id,
                                         const std::string& routing_id) {
  bool held = false;
  Status s = guarded("redeliver held command", [&] {
    Using using_q(impl_->statements,
                  "UPDATE saga_held_commands SET routing_id = ? WHERE message_id = ?");
    SQLite::Statement& q = *using_q;
    bind_values(q, Blob{routing_id}, message_id);
    held = q.exec() > 0;
  });
  if (!s) return s;
  return held;
}

Status SqliteInbox::delete_held(const std::string& message_id) {
  return guarded("delete held command", [&] {
    Using using_q(impl_->statements, "DELETE FROM saga_held_commands WHERE message_id = ?");
    using_q->bind(1, message_id);
    using_q->exec();
  });
}

Result<bool> SqliteInbox::any_held() {
  bool any = false;
  Status s = guarded("read held commands", [&] {
    Using using_q(impl_->statements, "SELECT 1 FROM saga_held_commands LIMIT 1");
    any = using_q->executeStep();
  });
  if (!s) return s;
  return any;
}

Result<bool> SqliteInbox::lock_free(const std::string& lock_key) {
  auto held = read_row<bool>(
      impl_->statements, "read lock", "SELECT 1 FROM saga_participant_locks WHERE lock_key = ?",
      [](SQLite::Statement&) { return true; }, lock_key);
  if (!held) return held.status();
  return !held->has_value();
}

Result<std::optional<HeldCommand>> SqliteInbox::first_held(const std::string& lock_key) {
  return read_row<HeldCommand>(
      impl_->statements, "read held commands",
      "SELECT message_id, lock_key, routing_id, header, body FROM saga_held_commands "
      "WHERE lock_key = ? ORDER BY seq LIMIT 1",
      read_held, lock_key);
}

Result<std::vector<HeldCommand>> SqliteInbox::ready_held(std::size_t max) {
  std::vector<HeldCommand> ready;
  Status s = guarded("read held commands", [&] {
    Using using_q(
        impl_->statements,
        "SELECT h.message_id, h.lock_key, h.routing_id, h.header, h.body "
        "FROM saga_held_commands h "
        "WHERE NOT EXISTS (SELECT 1 FROM saga_participant_locks l WHERE l.lock_key = h.lock_key) "
        "AND h.seq = (SELECT min(seq) FROM saga_held_commands f "
        "WHERE f.lock_key = h.lock_key) "
        "ORDER BY h.seq LIMIT ?");
    using_q->bind(1, static_cast<std::int64_t>(max));
    while (using_q->executeStep()) ready.push_back(read_held(*using_q));
  });
  if (!s) return s;
  return ready;
}

Sql& SqliteInbox::sql() { return impl_->sql; }
SQLite::Database& SqliteInbox::database() { return impl_->db; }
Status SqliteInbox::prepare_engine_tables() {
  return saga::prepare_engine_tables(impl_->db).with_context("participant store: engine tables");
}

}  // namespace saga::detail
