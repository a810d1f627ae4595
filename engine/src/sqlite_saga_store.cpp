// SqliteSagaStore over SQLiteCpp. The schema, pragmas and transactions are described in
// docs/storage.md; keep the two in step.
//
// This is the one file that includes SQLiteCpp. Every SQLite::Exception is caught here and
// becomes a Status (see from_exception). Statements are prepared once, when the store opens, and
// reused for every row: preparing is the dominant cost of a small write.
#include "sqlite_saga_store.h"

#include <SQLiteCpp/SQLiteCpp.h>
#include <sqlite3.h>

#include <algorithm>
#include <climits>
#include <iterator>
#include <string_view>
#include <utility>

namespace saga {
namespace {

// The schema version this build writes (PRAGMA user_version). Bump it and append a Migration.
constexpr int kSchemaVersion = 3;

// Version 1: the first schema. Large blobs live in rowid tables (not WITHOUT ROWID), so a 5 MiB
// saga data value goes to overflow pages instead of bloating an index b-tree.
void create_schema_v1(SQLite::Database& db) {
  db.exec(R"sql(
CREATE TABLE saga_instances (
  id               TEXT    NOT NULL PRIMARY KEY,
  type             TEXT    NOT NULL,
  version          INTEGER NOT NULL,
  fingerprint      TEXT    NOT NULL,
  phase            INTEGER NOT NULL,
  failed_from      INTEGER NOT NULL,
  step             INTEGER NOT NULL,
  attempt          INTEGER NOT NULL,
  delivery         INTEGER NOT NULL,
  skipped_mask     INTEGER NOT NULL,
  message_seq      INTEGER NOT NULL,
  data             BLOB    NOT NULL,
  last_request_id  TEXT    NOT NULL,
  wait             INTEGER NOT NULL,
  deadline_ms      INTEGER NOT NULL,
  last_reason      TEXT    NOT NULL,
  trace_id         TEXT    NOT NULL,
  created_at_ms    INTEGER NOT NULL,
  updated_at_ms    INTEGER NOT NULL,
  row_version      INTEGER NOT NULL
);
CREATE INDEX saga_instances_by_phase ON saga_instances (phase, created_at_ms, id);
CREATE INDEX saga_instances_by_created ON saga_instances (created_at_ms, id);

CREATE TABLE saga_history (
  seq         INTEGER PRIMARY KEY,
  saga_id     TEXT    NOT NULL,
  event       INTEGER NOT NULL,
  step        INTEGER NOT NULL,
  attempt     INTEGER NOT NULL,
  time_ms     INTEGER NOT NULL,
  reason      TEXT    NOT NULL,
  reply_name  TEXT    NOT NULL
);
CREATE INDEX saga_history_by_saga ON saga_history (saga_id, seq);

CREATE TABLE saga_outbox (
  saga_id       TEXT    NOT NULL PRIMARY KEY,
  message_id    TEXT    NOT NULL,
  participant   TEXT    NOT NULL,
  saga_type     TEXT    NOT NULL,
  step          TEXT    NOT NULL,
  name          TEXT    NOT NULL,
  compensation  INTEGER NOT NULL,
  attempt       INTEGER NOT NULL,
  content_type  INTEGER NOT NULL,
  trace_id      TEXT    NOT NULL,
  body          BLOB    NOT NULL
);

CREATE TABLE saga_definitions (
  name              TEXT    NOT NULL,
  version           INTEGER NOT NULL,
  fingerprint       TEXT    NOT NULL,
  registered_at_ms  INTEGER NOT NULL,
  PRIMARY KEY (name, version)
);
)sql");
}

// Version 2: operator requests. sagactl inserts a pending row; the engine applies it on its
// own thread and records the outcome in the same transaction as the change it caused. Text
// columns with CHECKs, so that an operator's own script can insert a request too.
void create_schema_v2(SQLite::Database& db) {
  db.exec(R"sql(
CREATE TABLE operator_requests (
  id               INTEGER PRIMARY KEY AUTOINCREMENT,
  saga_id          TEXT    NOT NULL,
  action           TEXT    NOT NULL CHECK (action IN ('retry', 'compensate', 'skip')),
  reason           TEXT    NOT NULL CHECK (reason <> ''),
  requested_by     TEXT    NOT NULL,
  requested_at_ms  INTEGER NOT NULL,
  state            TEXT    NOT NULL DEFAULT 'pending'
                           CHECK (state IN ('pending', 'applied', 'rejected')),
  result           TEXT    NOT NULL DEFAULT '',
  finished_at_ms   INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX operator_requests_by_state ON operator_requests (state, id);
)sql");
}

// Version 3: semantic locks (docs/isolation.md). One row per held key and one per waiting saga
// (its claims, the first being the key it waits for); the instance records up to which step its
// locks were granted. Operator requests gain 'release_lock' and the key it names: SQLite cannot
// change a CHECK, so the table is rebuilt with its rows.
void create_schema_v3(SQLite::Database& db) {
  db.exec(R"sql(
ALTER TABLE saga_instances ADD COLUMN locks_through INTEGER NOT NULL DEFAULT -2;

CREATE TABLE saga_locks (
  key             TEXT    NOT NULL PRIMARY KEY,
  saga_id         TEXT    NOT NULL,
  acquired_at_ms  INTEGER NOT NULL,
  lease_ms        INTEGER NOT NULL,
  release_after   INTEGER NOT NULL
);
CREATE INDEX saga_locks_by_saga ON saga_locks (saga_id);

CREATE TABLE saga_lock_waits (
  saga_id   TEXT    NOT NULL PRIMARY KEY,
  seq       INTEGER NOT NULL,
  key       TEXT    NOT NULL,
  since_ms  INTEGER NOT NULL,
  step      INTEGER NOT NULL,
  claims    BLOB    NOT NULL
);

CREATE TABLE operator_requests_v3 (
  id               INTEGER PRIMARY KEY AUTOINCREMENT,
  saga_id          TEXT    NOT NULL,
  action           TEXT    NOT NULL
                           CHECK (action IN ('retry', 'compensate', 'skip', 'release_lock')),
  reason           TEXT    NOT NULL CHECK (reason <> ''),
  requested_by     TEXT    NOT NULL,
  requested_at_ms  INTEGER NOT NULL,
  state            TEXT    NOT NULL DEFAULT 'pending'
                           CHECK (state IN ('pending', 'applied', 'rejected')),
  result           TEXT    NOT NULL DEFAULT '',
  finished_at_ms   INTEGER NOT NULL DEFAULT 0,
  lock_key         TEXT    NOT NULL DEFAULT ''
);
INSERT INTO operator_requests_v3 (id, saga_id, action, reason, requested_by, requested_at_ms,
                                  state, result, finished_at_ms)
  SELECT id, saga_id, action, reason, requested_by, requested_at_ms, state, result,
         finished_at_ms FROM operator_requests;
DROP TABLE operator_requests;
ALTER TABLE operator_requests_v3 RENAME TO operator_requests;
CREATE INDEX operator_requests_by_state ON operator_requests (state, id);
)sql");
}

// One step from version - 1 to version. Each runs in its own transaction together with the
// user_version update, so a crash leaves the database at one version or the next.
struct Migration {
  int version;
  void (*apply)(SQLite::Database& db);
};
constexpr Migration kMigrations[] = {
    {1, &create_schema_v1},
    {2, &create_schema_v2},
    {3, &create_schema_v3},
};
static_assert(std::size(kMigrations) == kSchemaVersion, "one migration per schema version");

// Column lists. The instance columns are bound as ?1..?19 and ?21 (in this order) by both the
// insert and the update, and read back in this order by every SELECT.
constexpr const char* kInstanceColumns =
    "id, type, version, fingerprint, phase, failed_from, step, attempt, delivery, skipped_mask, "
    "message_seq, data, last_request_id, wait, deadline_ms, last_reason, trace_id, "
    "created_at_ms, updated_at_ms, row_version, locks_through";
constexpr const char* kRequestColumns =
    "id, saga_id, action, reason, requested_by, requested_at_ms, state, result, finished_at_ms, "
    "lock_key";
constexpr const char* kOutboxColumns =
    "saga_id, message_id, participant, saga_type, step, name, compensation, attempt, "
    "content_type, trace_id, body";

Status make_status(StatusCode code, std::string_view context, std::string_view message) {
  std::string m(context);
  m += ": ";
  m += message;
  return Status(code, std::move(m));
}

// The Status for a SQLite error, chosen by its primary result code.
Status from_exception(const SQLite::Exception& e, std::string_view context) {
  const int extended = e.getExtendedErrorCode();
  StatusCode code = StatusCode::kInternal;
  switch (extended & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      code = StatusCode::kBusy;
      break;
    case SQLITE_FULL:
      code = StatusCode::kFull;
      break;
    case SQLITE_READONLY:
      code = StatusCode::kReadOnly;
      break;
    case SQLITE_NOTADB:
    case SQLITE_CORRUPT:
      code = StatusCode::kCorrupt;
      break;
    case SQLITE_CANTOPEN:
    case SQLITE_IOERR:
      code = StatusCode::kIoError;
      break;
    default:
      break;
  }
  std::string message = e.what();
  if (extended >= 0) message += " (sqlite " + std::to_string(extended) + ")";
  return make_status(code, context, message);
}

// Keeps a cached statement ready for its next use whatever happens in the scope: reset (ends
// an open read, clears an error) and no bindings left pointing into the caller's memory.
class Use {
 public:
  explicit Use(SQLite::Statement& statement) : statement_(statement) {}
  Use(const Use&) = delete;
  Use& operator=(const Use&) = delete;
  ~Use() {
    statement_.tryReset();
    try {
      statement_.clearBindings();
    } catch (const SQLite::Exception&) {
      // sqlite3_clear_bindings cannot fail; nothing to do if it ever did.
    }
  }

 private:
  SQLite::Statement& statement_;
};

// Bind without copying: the values belong to the batch, which outlives the statement's use.
void bind_text(SQLite::Statement& s, int index, const std::string& value) {
  s.bindNoCopy(index, value);
}
void bind_blob(SQLite::Statement& s, int index, const std::string& value) {
  s.bindNoCopy(index, static_cast<const void*>(value.data()), static_cast<int>(value.size()));
}
void bind_u64(SQLite::Statement& s, int index, std::uint64_t value) {
  s.bind(index, static_cast<std::int64_t>(value));  // two's complement; read back the same way
}

std::string column_bytes(const SQLite::Column& column) {
  const void* p = column.getBlob();  // before getBytes, as sqlite3_column_bytes asks
  const int n = column.getBytes();
  if (p == nullptr || n <= 0) return {};
  return std::string(static_cast<const char*>(p), static_cast<std::size_t>(n));
}

void bind_instance(SQLite::Statement& s, const SagaInstance& i) {
  bind_text(s, 1, i.id);
  bind_text(s, 2, i.type);
  s.bind(3, i.version);
  bind_text(s, 4, i.fingerprint);
  s.bind(5, static_cast<std::int32_t>(i.phase));
  s.bind(6, static_cast<std::int32_t>(i.failed_from));
  s.bind(7, i.step);
  s.bind(8, i.attempt);
  s.bind(9, i.delivery);
  bind_u64(s, 10, i.skipped_mask);
  bind_u64(s, 11, i.message_seq);
  bind_blob(s, 12, i.data);
  bind_text(s, 13, i.last_request_id);
  s.bind(14, static_cast<std::int32_t>(i.wait));
  s.bind(15, static_cast<std::int64_t>(i.deadline.count()));
  bind_text(s, 16, i.last_reason);
  bind_text(s, 17, i.trace_id);
  s.bind(18, static_cast<std::int64_t>(i.created_at.count()));
  s.bind(19, static_cast<std::int64_t>(i.updated_at.count()));
  s.bind(21, i.locks_through);
}

// Reads an integer column that must lie in [low, high]; a value outside is a damaged row.
bool in_range(const SQLite::Statement& s, int index, std::int64_t low, std::int64_t high,
              std::int64_t* out) {
  *out = s.getColumn(index).getInt64();
  return *out >= low && *out <= high;
}

Result<SagaInstance> read_instance(const SQLite::Statement& s) {
  SagaInstance i;
  i.id = column_bytes(s.getColumn(0));
  std::int64_t version, phase, failed_from, step, attempt, delivery, wait;
  if (!in_range(s, 2, 0, UINT32_MAX, &version) || !in_range(s, 4, 1, 5, &phase) ||
      !in_range(s, 5, 0, 5, &failed_from) || !in_range(s, 6, INT32_MIN, INT32_MAX, &step) ||
      !in_range(s, 7, 0, UINT32_MAX, &attempt) || !in_range(s, 8, 0, UINT32_MAX, &delivery) ||
      !in_range(s, 13, 0, 3, &wait)) {
    return Status(StatusCode::kMalformed, "saga_instances row " + i.id + ": value out of range");
  }
  i.type = column_bytes(s.getColumn(1));
  i.version = static_cast<std::uint32_t>(version);
  i.fingerprint = column_bytes(s.getColumn(3));
  i.phase = static_cast<Phase>(phase);
  i.failed_from = static_cast<Phase>(failed_from);
  i.step = static_cast<std::int32_t>(step);
  i.attempt = static_cast<std::uint32_t>(attempt);
  i.delivery = static_cast<std::uint32_t>(delivery);
  i.skipped_mask = static_cast<std::uint64_t>(s.getColumn(9).getInt64());
  i.message_seq = static_cast<std::uint64_t>(s.getColumn(10).getInt64());
  i.data = column_bytes(s.getColumn(11));
  i.last_request_id = column_bytes(s.getColumn(12));
  i.wait = static_cast<Wait>(wait);
  i.deadline = Millis(s.getColumn(14).getInt64());
  i.last_reason = column_bytes(s.getColumn(15));
  i.trace_id = column_bytes(s.getColumn(16));
  i.created_at = Millis(s.getColumn(17).getInt64());
  i.updated_at = Millis(s.getColumn(18).getInt64());
  i.row_version = s.getColumn(19).getInt64();
  i.locks_through = s.getColumn(20).getInt();
  return i;
}

// A wait's claims as one blob: per claim "<key length>:<key><mode>,<lease>,<release_after>;".
std::string encode_claims(const std::vector<LockClaim>& claims) {
  std::string out;
  for (const LockClaim& c : claims) {
    out += std::to_string(c.key.size()) + ':' + c.key;
    out += std::to_string(static_cast<int>(c.mode)) + ',' + std::to_string(c.lease.count()) + ',' +
           std::to_string(c.release_after) + ';';
  }
  return out;
}

std::optional<std::vector<LockClaim>> decode_claims(std::string_view text) {
  std::vector<LockClaim> out;
  auto number = [&](char end) -> std::optional<std::int64_t> {
    const std::size_t at = text.find(end);
    if (at == std::string_view::npos || at == 0 || at > 20) return std::nullopt;
    try {
      const std::int64_t v = std::stoll(std::string(text.substr(0, at)));
      text.remove_prefix(at + 1);
      return v;
    } catch (const std::exception&) {
      return std::nullopt;
    }
  };
  while (!text.empty()) {
    std::optional<std::int64_t> size = number(':');
    if (!size || *size < 0 || static_cast<std::size_t>(*size) > text.size()) return std::nullopt;
    LockClaim c;
    c.key = std::string(text.substr(0, static_cast<std::size_t>(*size)));
    text.remove_prefix(static_cast<std::size_t>(*size));
    std::optional<std::int64_t> mode = number(','), lease = number(','), after = number(';');
    if (!mode || !lease || !after || *mode < 1 || *mode > 2) return std::nullopt;
    c.mode = static_cast<LockMode>(*mode);
    c.lease = Millis(*lease);
    c.release_after = static_cast<std::int32_t>(*after);
    out.push_back(std::move(c));
  }
  if (out.empty()) return std::nullopt;
  return out;
}

Result<OutboxEntry> read_outbox(const SQLite::Statement& s) {
  OutboxEntry e;
  e.saga_id = column_bytes(s.getColumn(0));
  std::int64_t attempt, content_type;
  if (!in_range(s, 7, 0, UINT32_MAX, &attempt) || !in_range(s, 8, 1, 2, &content_type)) {
    return Status(StatusCode::kMalformed, "saga_outbox row " + e.saga_id + ": value out of range");
  }
  Envelope& m = e.envelope;
  m.kind = MessageKind::kCommand;
  m.saga_id = e.saga_id;
  m.message_id = column_bytes(s.getColumn(1));
  e.participant = column_bytes(s.getColumn(2));
  m.saga_type = column_bytes(s.getColumn(3));
  m.step = column_bytes(s.getColumn(4));
  m.name = column_bytes(s.getColumn(5));
  m.compensation = s.getColumn(6).getInt64() != 0;
  m.attempt = static_cast<std::uint32_t>(attempt);
  m.content_type = static_cast<ContentType>(content_type);
  m.trace_id = column_bytes(s.getColumn(9));
  m.body = column_bytes(s.getColumn(10));
  return e;
}

Result<HistoryEntry> read_history(const SQLite::Statement& s) {
  std::int64_t event, step, attempt;
  if (!in_range(s, 0, 1, kEventCount, &event) || !in_range(s, 1, INT32_MIN, INT32_MAX, &step) ||
      !in_range(s, 2, 0, UINT32_MAX, &attempt)) {
    return Status(StatusCode::kMalformed, "saga_history row: value out of range");
  }
  HistoryEntry h;
  h.event = static_cast<Event>(event);
  h.step = static_cast<std::int32_t>(step);
  h.attempt = static_cast<std::uint32_t>(attempt);
  h.time = Millis(s.getColumn(3).getInt64());
  h.reason = column_bytes(s.getColumn(4));
  h.reply_name = column_bytes(s.getColumn(5));
  return h;
}

Result<OperatorRequest> read_request(const SQLite::Statement& s) {
  OperatorRequest r;
  r.id = s.getColumn(0).getInt64();
  r.saga_id = column_bytes(s.getColumn(1));
  std::optional<OperatorAction> action = parse_operator_action(column_bytes(s.getColumn(2)));
  std::optional<RequestState> state = parse_request_state(column_bytes(s.getColumn(6)));
  if (!action || !state) {
    return Status(StatusCode::kMalformed,
                  "operator_requests row " + std::to_string(r.id) + ": unknown action or state");
  }
  r.action = *action;
  r.reason = column_bytes(s.getColumn(3));
  r.requested_by = column_bytes(s.getColumn(4));
  r.requested_at = Millis(s.getColumn(5).getInt64());
  r.state = *state;
  r.result = column_bytes(s.getColumn(7));
  r.finished_at = Millis(s.getColumn(8).getInt64());
  r.lock_key = column_bytes(s.getColumn(9));
  return r;
}

// What SQLite cannot bind (blob sizes are ints) and what the outbox cannot hold, found before
// the transaction starts.
Status validate(const StoreBatch& batch) {
  for (const SagaInstance& i : batch.inserts) {
    if (i.data.size() > INT_MAX) return invalid_argument("saga " + i.id + ": data over 2 GiB");
  }
  for (const SagaInstance& i : batch.updates) {
    if (i.data.size() > INT_MAX) return invalid_argument("saga " + i.id + ": data over 2 GiB");
  }
  for (const OutboxEntry& e : batch.outbox_put) {
    if (e.envelope.kind != MessageKind::kCommand || e.envelope.saga_id != e.saga_id) {
      return invalid_argument("outbox entry of saga " + e.saga_id +
                              ": envelope is not a command of that saga");
    }
    if (e.envelope.body.size() > INT_MAX) {
      return invalid_argument("outbox entry of saga " + e.saga_id + ": body over 2 GiB");
    }
  }
  return Status::ok();
}

std::string sql(std::string_view head, std::string_view columns, std::string_view tail) {
  std::string s(head);
  s += columns;
  s += tail;
  return s;
}

}  // namespace

class SqliteSagaStore::Impl {
 public:
  explicit Impl(const StoreOptions& options)
      : db_(options.path, open_flags(options.access),
            static_cast<int>(std::min<std::int64_t>(options.busy_timeout.count(), INT_MAX))) {}

  Status open(const StoreOptions& options);
  Status commit(const StoreBatch& batch);
  Result<std::optional<SagaInstance>> load(const std::string& id);
  Result<std::vector<SagaInstance>> load_unfinished();
  Result<std::vector<OutboxEntry>> load_outbox();
  Result<std::vector<HistoryEntry>> history(const std::string& id);
  Result<std::vector<SagaInstance>> list(std::optional<Phase> phase, std::size_t limit);
  Result<std::vector<DefinitionRecord>> definitions();
  Result<std::vector<SagaInstance>> query(const SagaQuery& query);
  Result<std::optional<SagaInstance>> oldest_unfinished();
  Result<std::optional<OutboxEntry>> outbox_entry(const std::string& saga_id);
  Result<std::vector<SagaCount>> counts();
  Result<std::map<Event, std::uint64_t>> event_counts();
  Result<std::int64_t> add_operator_request(const OperatorRequest& request);
  Result<std::vector<OperatorRequest>> take_operator_requests(std::size_t limit);
  Result<std::vector<HeldLock>> load_locks();
  Result<std::vector<LockWait>> load_lock_waits();
  Result<std::optional<OperatorRequest>> operator_request(std::int64_t id);
  Result<std::vector<OperatorRequest>> operator_requests(std::optional<RequestState> state,
                                                         std::size_t limit);

 private:
  static int open_flags(StoreAccess access) {
    switch (access) {
      case StoreAccess::kReadOnly:
        return SQLite::OPEN_READONLY;
      case StoreAccess::kOperator:
        return SQLite::OPEN_READWRITE;
      case StoreAccess::kEngine:
        break;
    }
    return SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE;
  }

  // Prepared once, after the schema exists; declared after db_ so they are destroyed first.
  struct Statements {
    explicit Statements(SQLite::Database& db);
    SQLite::Statement insert_instance;
    SQLite::Statement update_instance;
    SQLite::Statement append_history;
    SQLite::Statement put_outbox;
    SQLite::Statement delete_outbox;
    SQLite::Statement put_definition;
    SQLite::Statement load_instance;
    SQLite::Statement load_unfinished;
    SQLite::Statement load_outbox;
    SQLite::Statement load_history;
    SQLite::Statement list_all;
    SQLite::Statement list_phase;
    SQLite::Statement load_definitions;
    SQLite::Statement pending_requests;
    SQLite::Statement finish_request;
    SQLite::Statement put_lock;
    SQLite::Statement delete_lock;
    SQLite::Statement put_wait;
    SQLite::Statement delete_wait;
  };

  Status check_schema_version(int* version);
  void set_pragmas(const StoreOptions& options);
  void migrate();
  Status insert(const SagaInstance& instance);
  Status update(const SagaInstance& instance);
  void append_history(const std::string& saga_id, const HistoryEntry& entry);
  void put_outbox(const OutboxEntry& entry);
  void put_definition(const DefinitionRecord& definition);
  void finish_request(const RequestOutcome& outcome);
  void write_locks(const LockChanges& changes);
  Result<std::vector<SagaInstance>> read_instances(SQLite::Statement& s);
  Result<std::vector<OperatorRequest>> read_requests(SQLite::Statement& s);

  SQLite::Database db_;
  std::unique_ptr<Statements> st_;
};

SqliteSagaStore::Impl::Statements::Statements(SQLite::Database& db)
    : insert_instance(db, sql("INSERT INTO saga_instances (", kInstanceColumns,
                              ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, "
                              "?14, ?15, ?16, ?17, ?18, ?19, 1, ?21)")),
      update_instance(db,
                      "UPDATE saga_instances SET type = ?2, version = ?3, fingerprint = ?4, "
                      "phase = ?5, failed_from = ?6, step = ?7, attempt = ?8, delivery = ?9, "
                      "skipped_mask = ?10, message_seq = ?11, data = ?12, last_request_id = ?13, "
                      "wait = ?14, deadline_ms = ?15, last_reason = ?16, trace_id = ?17, "
                      "created_at_ms = ?18, updated_at_ms = ?19, row_version = row_version + 1, "
                      "locks_through = ?21 WHERE id = ?1 AND row_version = ?20"),
      append_history(db,
                     "INSERT INTO saga_history (saga_id, event, step, attempt, time_ms, reason, "
                     "reply_name) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"),
      put_outbox(db, sql("INSERT OR REPLACE INTO saga_outbox (", kOutboxColumns,
                         ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)")),
      delete_outbox(db, "DELETE FROM saga_outbox WHERE saga_id = ?1"),
      put_definition(db,
                     "INSERT OR IGNORE INTO saga_definitions (name, version, fingerprint, "
                     "registered_at_ms) VALUES (?1, ?2, ?3, ?4)"),
      load_instance(db, sql("SELECT ", kInstanceColumns, " FROM saga_instances WHERE id = ?1")),
      load_unfinished(db, sql("SELECT ", kInstanceColumns,
                              " FROM saga_instances WHERE phase IN (1, 2, 5) "
                              "ORDER BY created_at_ms, id")),
      load_outbox(db, sql("SELECT ", kOutboxColumns, " FROM saga_outbox ORDER BY rowid")),
      load_history(db,
                   "SELECT event, step, attempt, time_ms, reason, reply_name FROM saga_history "
                   "WHERE saga_id = ?1 ORDER BY seq"),
      list_all(db, sql("SELECT ", kInstanceColumns,
                       " FROM saga_instances ORDER BY created_at_ms DESC, id DESC LIMIT ?1")),
      list_phase(db, sql("SELECT ", kInstanceColumns,
                         " FROM saga_instances WHERE phase = ?2 "
                         "ORDER BY created_at_ms DESC, id DESC LIMIT ?1")),
      load_definitions(db,
                       "SELECT name, version, fingerprint, registered_at_ms FROM saga_definitions "
                       "ORDER BY name, version"),
      pending_requests(db, sql("SELECT ", kRequestColumns,
                               " FROM operator_requests WHERE state = 'pending' "
                               "ORDER BY id LIMIT ?1")),
      finish_request(db,
                     "UPDATE operator_requests SET state = ?2, result = ?3, finished_at_ms = ?4 "
                     "WHERE id = ?1 AND state = 'pending'"),
      put_lock(db,
               "INSERT OR REPLACE INTO saga_locks (key, saga_id, acquired_at_ms, lease_ms, "
               "release_after) VALUES (?1, ?2, ?3, ?4, ?5)"),
      delete_lock(db, "DELETE FROM saga_locks WHERE key = ?1"),
      put_wait(db,
               "INSERT OR REPLACE INTO saga_lock_waits (saga_id, seq, key, since_ms, step, claims) "
               "VALUES (?1, ?2, ?3, ?4, ?5, ?6)"),
      delete_wait(db, "DELETE FROM saga_lock_waits WHERE saga_id = ?1") {}

Status SqliteSagaStore::Impl::open(const StoreOptions& options) {
  int version = 0;
  if (Status s = check_schema_version(&version); !s) return s;
  if (options.access == StoreAccess::kEngine) {
    set_pragmas(options);
    migrate();
  } else if (version == 0) {
    return Status(StatusCode::kCorrupt, "not a saga engine database (no schema)");
  } else if (version < kSchemaVersion) {
    return failed_precondition("database at schema version " + std::to_string(version) +
                               ", this build needs " + std::to_string(kSchemaVersion) +
                               ": open it once with this engine version to migrate it");
  }
  st_ = std::make_unique<Statements>(db_);
  return Status::ok();
}

// Refuses a file this build must not touch, before anything is written to it. Reading the
// header is also where a file that is not SQLite at all fails (SQLITE_NOTADB -> kCorrupt).
Status SqliteSagaStore::Impl::check_schema_version(int* version) {
  *version = db_.execAndGet("PRAGMA user_version").getInt();
  if (*version > kSchemaVersion) {
    return Status(StatusCode::kCorrupt, "database from a newer version (user_version " +
                                            std::to_string(*version) + ", this build knows up to " +
                                            std::to_string(kSchemaVersion) + ")");
  }
  if (*version == 0) {
    SQLite::Statement q(db_,
                        "SELECT name FROM sqlite_master WHERE type = 'table' "
                        "AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' LIMIT 1");
    if (q.executeStep()) {
      return Status(StatusCode::kCorrupt,
                    "not a saga engine database (user_version 0, has table '" +
                        column_bytes(q.getColumn(0)) + "')");
    }
  }
  return Status::ok();
}

void SqliteSagaStore::Impl::set_pragmas(const StoreOptions& options) {
  // WAL: readers never block the writer, and a commit is one append to the log. The mode is
  // stored in the file, so on a read-only file that is already WAL this writes nothing.
  db_.execAndGet("PRAGMA journal_mode = WAL");
  static constexpr const char* kSynchronous[] = {"OFF", "NORMAL", "FULL", "EXTRA"};
  const auto level = static_cast<std::size_t>(options.synchronous);
  db_.exec(std::string("PRAGMA synchronous = ") + kSynchronous[level < 4 ? level : 2]);
}

void SqliteSagaStore::Impl::migrate() {
  for (const Migration& m : kMigrations) {
    if (db_.execAndGet("PRAGMA user_version").getInt() >= m.version) continue;
    // IMMEDIATE, then look again: another process may have migrated while we waited.
    SQLite::Transaction transaction(db_, SQLite::TransactionBehavior::IMMEDIATE);
    if (db_.execAndGet("PRAGMA user_version").getInt() >= m.version) continue;
    m.apply(db_);
    db_.exec("PRAGMA user_version = " + std::to_string(m.version));
    transaction.commit();
  }
}

Status SqliteSagaStore::Impl::insert(const SagaInstance& instance) {
  SQLite::Statement& s = st_->insert_instance;
  Use use(s);
  bind_instance(s, instance);
  try {
    s.exec();
  } catch (const SQLite::Exception& e) {
    if (e.getExtendedErrorCode() != SQLITE_CONSTRAINT_PRIMARYKEY) throw;
    return already_exists("saga " + instance.id + " already exists");
  }
  return Status::ok();
}

Status SqliteSagaStore::Impl::update(const SagaInstance& instance) {
  SQLite::Statement& s = st_->update_instance;
  Use use(s);
  bind_instance(s, instance);
  s.bind(20, instance.row_version);
  if (s.exec() == 0) {
    return Status(StatusCode::kConflict, "saga " + instance.id + " is missing or no longer at " +
                                             "row_version " + std::to_string(instance.row_version));
  }
  return Status::ok();
}

void SqliteSagaStore::Impl::append_history(const std::string& saga_id, const HistoryEntry& entry) {
  SQLite::Statement& s = st_->append_history;
  Use use(s);
  bind_text(s, 1, saga_id);
  s.bind(2, static_cast<std::int32_t>(entry.event));
  s.bind(3, entry.step);
  s.bind(4, entry.attempt);
  s.bind(5, static_cast<std::int64_t>(entry.time.count()));
  bind_text(s, 6, entry.reason);
  bind_text(s, 7, entry.reply_name);
  s.exec();
}

void SqliteSagaStore::Impl::put_outbox(const OutboxEntry& entry) {
  SQLite::Statement& s = st_->put_outbox;
  const Envelope& m = entry.envelope;
  Use use(s);
  bind_text(s, 1, entry.saga_id);
  bind_text(s, 2, m.message_id);
  bind_text(s, 3, entry.participant);
  bind_text(s, 4, m.saga_type);
  bind_text(s, 5, m.step);
  bind_text(s, 6, m.name);
  s.bind(7, static_cast<std::int32_t>(m.compensation ? 1 : 0));
  s.bind(8, m.attempt);
  s.bind(9, static_cast<std::int32_t>(m.content_type));
  bind_text(s, 10, m.trace_id);
  bind_blob(s, 11, m.body);
  s.exec();
}

void SqliteSagaStore::Impl::put_definition(const DefinitionRecord& definition) {
  SQLite::Statement& s = st_->put_definition;
  Use use(s);
  bind_text(s, 1, definition.name);
  s.bind(2, definition.version);
  bind_text(s, 3, definition.fingerprint);
  s.bind(4, static_cast<std::int64_t>(definition.registered_at.count()));
  s.exec();
}

void SqliteSagaStore::Impl::finish_request(const RequestOutcome& outcome) {
  SQLite::Statement& s = st_->finish_request;
  Use use(s);
  s.bind(1, outcome.id);
  s.bind(2, std::string(to_string(outcome.state)));
  bind_text(s, 3, outcome.result);
  s.bind(4, static_cast<std::int64_t>(outcome.finished_at.count()));
  s.exec();  // 0 rows: already finished (or deleted by hand); nothing to do
}

void SqliteSagaStore::Impl::write_locks(const LockChanges& changes) {
  for (const std::string& key : changes.locks_deleted) {
    Use use(st_->delete_lock);
    bind_text(st_->delete_lock, 1, key);
    st_->delete_lock.exec();
  }
  for (const HeldLock& l : changes.locks_put) {
    SQLite::Statement& s = st_->put_lock;
    Use use(s);
    bind_text(s, 1, l.key);
    bind_text(s, 2, l.saga_id);
    s.bind(3, static_cast<std::int64_t>(l.acquired_at.count()));
    s.bind(4, static_cast<std::int64_t>(l.lease.count()));
    s.bind(5, l.release_after);
    s.exec();
  }
  for (const std::string& id : changes.waits_deleted) {
    Use use(st_->delete_wait);
    bind_text(st_->delete_wait, 1, id);
    st_->delete_wait.exec();
  }
  for (const LockWait& w : changes.waits_put) {
    SQLite::Statement& s = st_->put_wait;
    Use use(s);
    const std::string claims = encode_claims(w.claims);
    bind_text(s, 1, w.saga_id);
    bind_u64(s, 2, w.seq);
    bind_text(s, 3, w.claims.front().key);
    s.bind(4, static_cast<std::int64_t>(w.since.count()));
    s.bind(5, w.step);
    bind_blob(s, 6, claims);
    s.exec();
  }
}

Result<std::vector<HeldLock>> SqliteSagaStore::Impl::load_locks() {
  try {
    SQLite::Statement s(db_,
                        "SELECT key, saga_id, acquired_at_ms, lease_ms, release_after "
                        "FROM saga_locks ORDER BY key");
    std::vector<HeldLock> out;
    while (s.executeStep()) {
      out.push_back(HeldLock{column_bytes(s.getColumn(0)), column_bytes(s.getColumn(1)),
                             Millis(s.getColumn(2).getInt64()), Millis(s.getColumn(3).getInt64()),
                             s.getColumn(4).getInt()});
    }
    return out;
  } catch (const SQLite::Exception& e) {
    return from_exception(e, "store: load_locks");
  }
}

Result<std::vector<LockWait>> SqliteSagaStore::Impl::load_lock_waits() {
  try {
    SQLite::Statement s(db_,
                        "SELECT saga_id, seq, since_ms, step, claims FROM saga_lock_waits "
                        "ORDER BY seq");
    std::vector<LockWait> out;
    while (s.executeStep()) {
      LockWait w;
      w.saga_id = column_bytes(s.getColumn(0));
      w.seq = static_cast<std::uint64_t>(s.getColumn(1).getInt64());
      w.since = Millis(s.getColumn(2).getInt64());
      w.step = s.getColumn(3).getInt();
      std::optional<std::vector<LockClaim>> claims = decode_claims(column_bytes(s.getColumn(4)));
      if (!claims) {
        return Status(StatusCode::kMalformed, "saga_lock_waits row " + w.saga_id + ": bad claims");
      }
      w.claims = std::move(*claims);
      out.push_back(std::move(w));
    }
    return out;
  } catch (const SQLite::Exception& e) {
    return from_exception(e, "store: load_lock_waits");
  }
}

Status SqliteSagaStore::Impl::commit(const StoreBatch& batch) {
  if (batch.empty()) return Status::ok();
  if (Status s = validate(batch); !s) return s.with_context("store: commit");
  // Names the part of the batch being written, for the error message.
  std::string_view part = "begin";
  try {
    // IMMEDIATE takes the write lock up front: waiting (busy timeout) happens here, not at a
    // lock upgrade halfway through, which in WAL mode could not be retried.
    SQLite::Transaction transaction(db_, SQLite::TransactionBehavior::IMMEDIATE);
    part = "definitions";
    for (const DefinitionRecord& d : batch.definitions) put_definition(d);
    part = "insert";
    for (const SagaInstance& i : batch.inserts) {
      if (Status s = insert(i); !s) return s.with_context("store: commit: insert");
    }
    part = "update";
    for (const SagaInstance& i : batch.updates) {
      if (Status s = update(i); !s) return s.with_context("store: commit: update");
    }
    part = "history";
    for (const auto& [saga_id, entry] : batch.history) append_history(saga_id, entry);
    part = "outbox delete";
    for (const std::string& saga_id : batch.outbox_delete) {
      Use use(st_->delete_outbox);
      bind_text(st_->delete_outbox, 1, saga_id);
      st_->delete_outbox.exec();
    }
    part = "outbox put";
    for (const OutboxEntry& e : batch.outbox_put) put_outbox(e);
    part = "operator requests";
    for (const RequestOutcome& o : batch.request_outcomes) finish_request(o);
    part = "locks";
    write_locks(batch.locks);
    part = "commit";
    transaction.commit();
    return Status::ok();
  } catch (const SQLite::Exception& e) {
    // The Transaction's destructor has rolled back by now.
    return from_exception(e, "store: commit: " + std::string(part));
  }
}

Result<std::vector<SagaInstance>> SqliteSagaStore::Impl::read_instances(SQLite::Statement& s) {
  std::vector<SagaInstance> out;
  while (s.executeStep()) {
    Result<SagaInstance> i = read_instance(s);
    if (!i) return i.status();
    out.push_back(std::move(i).value());
  }
  return out;
}

Result<std::optional<SagaInstance>> SqliteSagaStore::Impl::load(const std::string& id) {
  try {
    SQLite::Statement& s = st_->load_instance;
    Use use(s);
    bind_text(s, 1, id);
    if (!s.executeStep()) return std::optional<SagaInstance>();
    Result<SagaInstance> i = read_instance(s);
    if (!i) return i.status().with_context("store: load");
    return std::optional<SagaInstance>(std::move(i).value());
  } catch (const SQLite::Exception& e) {
    return from_exception(e, "store: load " + id);
  }
}

Result<std::vector<SagaInstance>> SqliteSagaStore::Impl::load_unfinished() {
  try {
    Use use(st_->load_unfinished);
    Result<std::vector<SagaInstance>> out = read_instances(st_->load_unfinished);
    if (!out) return out.status().with_context("store: load_unfinished");
    return out;
  } catch (const SQLite::Exception& e) {
    return from_exception(e, "store: load_unfinished");
  }
}

Result<std::vector<OutboxEntry>> SqliteSagaStore::Impl::load_outbox() {
  try {
    SQLite::Statement& s = st_->load_outbox;
    Use use(s);
    std::vector<OutboxEntry> out;
    while (s.executeStep()) {
      Result<OutboxEntry> e = read_outbox(s);
      if (!e) return e.status().with_context("store: load_outbox");
      out.push_back(std::move(e).value());
    }
    return out;
  } catch (const SQLite::Exception& e) {
    return from_exception(e, "store: load_outbox");
  }
}

Result<std::vector<HistoryEntry>> SqliteSagaStore::Impl::history(const std::string& id) {
  try {
    SQLite::Statement& s = st_->load_history;
    Use use(s);
    bind_text(s, 1, id);
    std::vector<HistoryEntry> out;
    while (s.executeStep()) {
      Result<HistoryEntry> h = read_history(s);
      if (!h) return h.status().with_context("store: history " + id);
      out.push_back(std::move(h).value());
    }
    return out;
  } catch (const SQLite::Exception& e) {
    return from_exception(e, "store: history " + id);
  }
}

Result<std::vector<SagaInstance>> SqliteSagaStore::Impl::list(std::optional<Phase> phase,
                                                              std::size_t limit) {
  try {
    SQLite::Statement& s = phase ? st_->list_phase : st_->list_all;
    Use use(s);
    // LIMIT -1 is SQLite for "no limit".
    s.bind(1,
           limit == 0 || limit > INT64_MAX ? std::int64_t{-1} : static_cast<std::int64_t>(limit));
    if (phase) s.bind(2, static_cast<std::int32_t>(*phase));
    Result<std::vector<SagaInstance>> out = read_instances(s);
    if (!out) return out.status().with_context("store: list");
    return out;
  } catch (const SQLite::Exception& e) {
    return from_exception(e, "store: list");
  }
}

Result<std::vector<DefinitionRecord>> SqliteSagaStore::Impl::definitions() {
  try {
    SQLite::Statement& s = st_->load_definitions;
    Use use(s);
    std::vector<DefinitionRecord> out;
    while (s.executeStep()) {
      DefinitionRecord d;
      d.name = column_bytes(s.getColumn(0));
      d.version = s.getColumn(1).getUInt();
      d.fingerprint = column_bytes(s.getColumn(2));
      d.registered_at = Millis(s.getColumn(3).getInt64());
      out.push_back(std::move(d));
    }
    return out;
  } catch (const SQLite::Exception& e) {
    return from_exception(e, "store: definitions");
  }
}

// --- queries for tools: prepared per call (they run once per sagactl command) ---

Result<std::vector<SagaInstance>> SqliteSagaStore::Impl::query(const SagaQuery& q) {
  try {
    std::string text = sql("SELECT ", kInstanceColumns, " FROM saga_instances WHERE 1");
    if (q.phase) text += " AND phase = :phase";
    if (!q.type.empty()) text += " AND type = :type";
    if (q.created_before) text += " AND created_at_ms < :before";
    text += " ORDER BY created_at_ms DESC, id DESC LIMIT :limit OFFSET :offset";
    SQLite::Statement s(db_, text);
    if (q.phase) s.bind(":phase", static_cast<std::int32_t>(*q.phase));
    if (!q.type.empty()) s.bind(":type", q.type);
    if (q.created_before) s.bind(":before", static_cast<std::int64_t>(q.created_before->count()));
    s.bind(":limit", q.limit == 0 || q.limit > INT64_MAX ? std::int64_t{-1}
                                                         : static_cast<std::int64_t>(q.limit));
    s.bind(":offset", static_cast<std::int64_t>(std::min<std::size_t>(q.offset, INT64_MAX)));
    Result<std::vector<SagaInstance>> out = read_instances(s);
    if (!out) return out.status().with_context("store: query");
    return out;
  } catch (const SQLite::Exception& e) {
    return from_exception(e, "store: query");
  }
}

Result<std::optional<SagaInstance>> SqliteSagaStore::Impl::oldest_unfinished() {
  try {
    SQLite::Statement s(db_, sql("SELECT ", kInstanceColumns,
                                 " FROM saga_instances WHERE phase IN (1, 2, 5) "
                                 "ORDER BY created_at_ms, id LIMIT 1"));
    if (!s.executeStep()) return std::optional<SagaInstance>();
    Result<SagaInstance> i = read_instance(s);
    if (!i) return i.status().with_context("store: oldest_unfinished");
    return std::optional<SagaInstance>(std::move(i).value());
  } catch (const SQLite::Exception& e) {
    return from_exception(e, "store: oldest_unfinished");
  }
}

Result<std::optional<OutboxEntry>> SqliteSagaStore::Impl::outbox_entry(const std::string& id) {
  try {
    SQLite::Statement s(db_,
                        sql("SELECT ", kOutboxColumns, " FROM saga_outbox WHERE saga_id = ?1"));
    s.bind(1, id);
    if (!s.executeStep()) return std::optional<OutboxEntry>();
    Result<OutboxEntry> e = read_outbox(s);
    if (!e) return e.status().with_context("store: outbox_entry");
    return std::optional<OutboxEntry>(std::move(e).value());
  } catch (const SQLite::Exception& e) {
    return from_exception(e, "store: outbox_entry " + id);
  }
}

Result<std::vector<SagaCount>> SqliteSagaStore::Impl::counts() {
  try {
    SQLite::Statement s(db_,
                        "SELECT type, version, fingerprint, phase, COUNT(*) FROM saga_instances "
                        "GROUP BY type, version, fingerprint, phase "
                        "ORDER BY type, version, fingerprint, phase");
    std::vector<SagaCount> out;
    while (s.executeStep()) {
      std::int64_t version, phase;
      if (!in_range(s, 1, 0, UINT32_MAX, &version) || !in_range(s, 3, 1, 5, &phase)) {
        return Status(StatusCode::kMalformed, "store: counts: value out of range");
      }
      out.push_back(SagaCount{column_bytes(s.getColumn(0)), static_cast<std::uint32_t>(version),
                              column_bytes(s.getColumn(2)), static_cast<Phase>(phase),
                              static_cast<std::uint64_t>(s.getColumn(4).getInt64())});
    }
    return out;
  } catch (const SQLite::Exception& e) {
    return from_exception(e, "store: counts");
  }
}

Result<std::map<Event, std::uint64_t>> SqliteSagaStore::Impl::event_counts() {
  try {
    SQLite::Statement s(db_, "SELECT event, COUNT(*) FROM saga_history GROUP BY event");
    std::map<Event, std::uint64_t> out;
    while (s.executeStep()) {
      std::int64_t event;
      if (!in_range(s, 0, 1, kEventCount, &event)) {
        return Status(StatusCode::kMalformed, "store: event_counts: unknown event");
      }
      out[static_cast<Event>(event)] = static_cast<std::uint64_t>(s.getColumn(1).getInt64());
    }
    return out;
  } catch (const SQLite::Exception& e) {
    return from_exception(e, "store: event_counts");
  }
}

// --- operator requests ---

Result<std::int64_t> SqliteSagaStore::Impl::add_operator_request(const OperatorRequest& r) {
  if (r.reason.empty()) return invalid_argument("operator request: reason is empty");
  try {
    SQLite::Statement s(db_,
                        "INSERT INTO operator_requests (saga_id, action, reason, requested_by, "
                        "requested_at_ms, lock_key) VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
    s.bind(1, r.saga_id);
    s.bind(2, std::string(to_string(r.action)));
    s.bind(3, r.reason);
    s.bind(4, r.requested_by);
    s.bind(5, static_cast<std::int64_t>(r.requested_at.count()));
    s.bind(6, r.lock_key);
    s.exec();
    return db_.getLastInsertRowid();
  } catch (const SQLite::Exception& e) {
    return from_exception(e, "store: add_operator_request");
  }
}

Result<std::vector<OperatorRequest>> SqliteSagaStore::Impl::read_requests(SQLite::Statement& s) {
  std::vector<OperatorRequest> out;
  while (s.executeStep()) {
    Result<OperatorRequest> r = read_request(s);
    if (!r) return r.status();
    out.push_back(std::move(r).value());
  }
  return out;
}

Result<std::vector<OperatorRequest>> SqliteSagaStore::Impl::take_operator_requests(
    std::size_t limit) {
  try {
    SQLite::Statement& s = st_->pending_requests;
    Use use(s);
    s.bind(1, static_cast<std::int64_t>(std::min<std::size_t>(limit, INT64_MAX)));
    Result<std::vector<OperatorRequest>> out = read_requests(s);
    if (!out) return out.status().with_context("store: take_operator_requests");
    return out;
  } catch (const SQLite::Exception& e) {
    return from_exception(e, "store: take_operator_requests");
  }
}

Result<std::optional<OperatorRequest>> SqliteSagaStore::Impl::operator_request(std::int64_t id) {
  try {
    SQLite::Statement s(db_,
                        sql("SELECT ", kRequestColumns, " FROM operator_requests WHERE id = ?1"));
    s.bind(1, id);
    if (!s.executeStep()) return std::optional<OperatorRequest>();
    Result<OperatorRequest> r = read_request(s);
    if (!r) return r.status().with_context("store: operator_request");
    return std::optional<OperatorRequest>(std::move(r).value());
  } catch (const SQLite::Exception& e) {
    return from_exception(e, "store: operator_request");
  }
}

Result<std::vector<OperatorRequest>> SqliteSagaStore::Impl::operator_requests(
    std::optional<RequestState> state, std::size_t limit) {
  try {
    std::string text = sql("SELECT ", kRequestColumns, " FROM operator_requests");
    if (state) text += " WHERE state = :state";
    text += " ORDER BY id DESC LIMIT :limit";
    SQLite::Statement s(db_, text);
    if (state) s.bind(":state", std::string(to_string(*state)));
    s.bind(":limit",
           limit == 0 || limit > INT64_MAX ? std::int64_t{-1} : static_cast<std::int64_t>(limit));
    Result<std::vector<OperatorRequest>> out = read_requests(s);
    if (!out) return out.status().with_context("store: operator_requests");
    return out;
  } catch (const SQLite::Exception& e) {
    return from_exception(e, "store: operator_requests");
  }
}

// --- names of the operator request columns ---

std::string_view to_string(OperatorAction action) {
  switch (action) {
    case OperatorAction::kRetry:
      return "retry";
    case OperatorAction::kCompensate:
      return "compensate";
    case OperatorAction::kSkip:
      return "skip";
    case OperatorAction::kReleaseLock:
      return "release_lock";
  }
  return "unknown";
}

std::string_view to_string(RequestState state) {
  switch (state) {
    case RequestState::kPending:
      return "pending";
    case RequestState::kApplied:
      return "applied";
    case RequestState::kRejected:
      return "rejected";
  }
  return "unknown";
}

std::optional<OperatorAction> parse_operator_action(std::string_view text) {
  for (OperatorAction a : {OperatorAction::kRetry, OperatorAction::kCompensate,
                           OperatorAction::kSkip, OperatorAction::kReleaseLock}) {
    if (text == to_string(a)) return a;
  }
  return std::nullopt;
}

std::optional<RequestState> parse_request_state(std::string_view text) {
  for (RequestState st :
       {RequestState::kPending, RequestState::kApplied, RequestState::kRejected}) {
    if (text == to_string(st)) return st;
  }
  return std::nullopt;
}

// --- SqliteSagaStore: each call forwards to Impl. ---

Result<std::unique_ptr<SqliteSagaStore>> SqliteSagaStore::open(const StoreOptions& options) {
  const std::string context = "store: open " + options.path;
  try {
    auto impl = std::make_unique<Impl>(options);
    if (Status s = impl->open(options); !s) return s.with_context(context);
    return std::unique_ptr<SqliteSagaStore>(new SqliteSagaStore(std::move(impl)));
  } catch (const SQLite::Exception& e) {
    return from_exception(e, context);
  }
}

SqliteSagaStore::SqliteSagaStore(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
SqliteSagaStore::~SqliteSagaStore() = default;

Status SqliteSagaStore::commit(const StoreBatch& batch) { return impl_->commit(batch); }
Result<std::optional<SagaInstance>> SqliteSagaStore::load(const std::string& id) {
  return impl_->load(id);
}
Result<std::vector<SagaInstance>> SqliteSagaStore::load_unfinished() {
  return impl_->load_unfinished();
}
Result<std::vector<OutboxEntry>> SqliteSagaStore::load_outbox() { return impl_->load_outbox(); }
Result<std::vector<HistoryEntry>> SqliteSagaStore::history(const std::string& id) {
  return impl_->history(id);
}
Result<std::vector<SagaInstance>> SqliteSagaStore::list(std::optional<Phase> phase,
                                                        std::size_t limit) {
  return impl_->list(phase, limit);
}
Result<std::vector<DefinitionRecord>> SqliteSagaStore::definitions() {
  return impl_->definitions();
}

Result<std::vector<SagaInstance>> SqliteSagaStore::query(const SagaQuery& query) {
  return impl_->query(query);
}
Result<std::optional<SagaInstance>> SqliteSagaStore::oldest_unfinished() {
  return impl_->oldest_unfinished();
}
Result<std::optional<OutboxEntry>> SqliteSagaStore::outbox_entry(const std::string& saga_id) {
  return impl_->outbox_entry(saga_id);
}
Result<std::vector<SagaCount>> SqliteSagaStore::counts() { return impl_->counts(); }
Result<std::map<Event, std::uint64_t>> SqliteSagaStore::event_counts() {
  return impl_->event_counts();
}
Result<std::int64_t> SqliteSagaStore::add_operator_request(const OperatorRequest& request) {
  return impl_->add_operator_request(request);
}
Result<std::vector<HeldLock>> SqliteSagaStore::load_locks() { return impl_->load_locks(); }
Result<std::vector<LockWait>> SqliteSagaStore::load_lock_waits() {
  return impl_->load_lock_waits();
}
Result<std::vector<OperatorRequest>> SqliteSagaStore::take_operator_requests(std::size_t limit) {
  return impl_->take_operator_requests(limit);
}
Status SqliteSagaStore::finish_operator_request(const RequestOutcome& outcome) {
  StoreBatch batch;
  batch.request_outcomes.push_back(outcome);
  return impl_->commit(batch);
}
Result<std::optional<OperatorRequest>> SqliteSagaStore::operator_request(std::int64_t id) {
  return impl_->operator_request(id);
}
Result<std::vector<OperatorRequest>> SqliteSagaStore::operator_requests(
    std::optional<RequestState> state, std::size_t limit) {
  return impl_->operator_requests(state, limit);
}

}  // namespace saga
