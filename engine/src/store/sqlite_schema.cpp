// The engine database's schema, one migration per version. Steps are never edited once
// released: a new version appends a step.
#include "store/sqlite_schema.h"

#include <SQLiteCpp/SQLiteCpp.h>

#include <iterator>
#include <string>
#include <string_view>

namespace saga {
namespace {

// The schema version this build writes (saga_meta, see read_schema_version). Bump it and
// append a Migration.

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

// The operator_requests table as versions 2 and 3 create it; `actions` is the CHECK's list.
std::string operator_requests_table(std::string_view name, std::string_view actions,
                                    std::string_view extra_columns) {
  std::string sql = "CREATE TABLE ";
  sql += name;
  sql += R"sql( (
  id               INTEGER PRIMARY KEY AUTOINCREMENT,
  saga_id          TEXT    NOT NULL,
  action           TEXT    NOT NULL CHECK (action IN ()sql";
  sql += actions;
  sql += R"sql()),
  reason           TEXT    NOT NULL CHECK (reason <> ''),
  requested_by     TEXT    NOT NULL,
  requested_at_ms  INTEGER NOT NULL,
  state            TEXT    NOT NULL DEFAULT 'pending'
                           CHECK (state IN ('pending', 'applied', 'rejected')),
  result           TEXT    NOT NULL DEFAULT '',
  finished_at_ms   INTEGER NOT NULL DEFAULT 0)sql";
  sql += extra_columns;
  sql += "\n);\n";
  return sql;
}

constexpr const char* kRequestsIndex =
    "CREATE INDEX operator_requests_by_state ON operator_requests (state, id);\n";

// Version 2: operator requests. sagactl inserts a pending row; the engine applies it on its
// own thread and records the outcome in the same transaction as the change it caused. Text
// columns with CHECKs, so that an operator's own script can insert a request too.
void create_schema_v2(SQLite::Database& db) {
  db.exec(operator_requests_table("operator_requests", "'retry', 'compensate', 'skip'", "") +
          kRequestsIndex);
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
)sql");
  db.exec(operator_requests_table("operator_requests_v3",
                                  "'retry', 'compensate', 'skip', 'release_lock'",
                                  ",\n  lock_key         TEXT    NOT NULL DEFAULT ''") +
          R"sql(
INSERT INTO operator_requests_v3 (id, saga_id, action, reason, requested_by, requested_at_ms,
                                  state, result, finished_at_ms)
  SELECT id, saga_id, action, reason, requested_by, requested_at_ms, state, result,
         finished_at_ms FROM operator_requests;
DROP TABLE operator_requests;
ALTER TABLE operator_requests_v3 RENAME TO operator_requests;
)sql" + kRequestsIndex);
}

// Version 5: each registered definition's steps (saga/store_records.h StepRecord), one row per
// step, written with the definition. A definition recorded before v5 has no rows (its steps
// are unknown) until an engine registers it again.
void add_definition_steps(SQLite::Database& db) {
  db.exec(R"sql(
CREATE TABLE saga_definition_steps (
  name                      TEXT    NOT NULL,
  version                   INTEGER NOT NULL,
  step                      INTEGER NOT NULL,
  step_name                 TEXT    NOT NULL,
  kind                      TEXT    NOT NULL
                                    CHECK (kind IN ('compensatable', 'pivot', 'retriable')),
  participant               TEXT    NOT NULL,
  command                   TEXT    NOT NULL,
  compensation_participant  TEXT    NOT NULL,
  compensation_command      TEXT    NOT NULL,
  local                     INTEGER NOT NULL,
  conditional               INTEGER NOT NULL,
  maximum_attempts          INTEGER NOT NULL,
  PRIMARY KEY (name, version, step)
);
)sql");
}

// Version 4: the instance's failure cause (FailureCause in saga/instance.h), which the state
// machine reads instead of parsing last_reason. Rows written before get the only cause the
// state machine distinguishes, a timeout, from their last_reason (its text for timeouts).
void add_failure_cause_column(SQLite::Database& db) {
  db.exec(R"sql(
ALTER TABLE saga_instances ADD COLUMN failure_cause INTEGER NOT NULL DEFAULT 0;
UPDATE saga_instances SET failure_cause = 2
  WHERE last_reason = 'timeout' OR last_reason LIKE '%'': timeout';
)sql");
}

// Version 6: saga starts committed in a transaction of the caller's own connection
// (saga/transactional_start.h), possibly from another process. The engine polls for rows above
// the last seq it read (AUTOINCREMENT: a seq is never reused, so the cursor never skips a row)
// and deletes each row in the commit that starts its saga.
void add_start_requests(SQLite::Database& db) {
  db.exec(R"sql(
CREATE TABLE saga_start_requests (
  seq              INTEGER PRIMARY KEY AUTOINCREMENT,
  saga_id          TEXT    NOT NULL UNIQUE,
  type             TEXT    NOT NULL,
  version          INTEGER NOT NULL,
  trace_id         TEXT    NOT NULL,
  data             BLOB    NOT NULL,
  requested_at_ms  INTEGER NOT NULL
);
)sql");
}

// Version 7 (saga control, issue 20): the saga's own deadline
// (StartOptions::deadline) on the instance, and the operator request 'cancel'. A scheduled saga
// needs no column: phase kScheduled with wait kStart and its not-before time as deadline_ms.
// SQLite cannot change a CHECK, so operator_requests is rebuilt with its rows (as in v3).
void add_saga_control(SQLite::Database& db) {
  db.exec(R"sql(
ALTER TABLE saga_instances ADD COLUMN saga_deadline_ms INTEGER NOT NULL DEFAULT 0;
)sql");
  db.exec(operator_requests_table("operator_requests_v7",
                                  "'retry', 'compensate', 'skip', 'release_lock', 'cancel'",
                                  ",\n  lock_key         TEXT    NOT NULL DEFAULT ''") +
          R"sql(
INSERT INTO operator_requests_v7 (id, saga_id, action, reason, requested_by, requested_at_ms,
                                  state, result, finished_at_ms, lock_key)
  SELECT id, saga_id, action, reason, requested_by, requested_at_ms, state, result,
         finished_at_ms, lock_key FROM operator_requests;
DROP TABLE operator_requests;
ALTER TABLE operator_requests_v7 RENAME TO operator_requests;
)sql" + kRequestsIndex);
}

// Version 8: external events (Engine::
// deliver_event) and the correlation keys of running sagas (docs/storage.md).
void add_external_events(SQLite::Database& db) {
  db.exec(R"sql(
CREATE TABLE saga_events (
  event_id        TEXT    NOT NULL PRIMARY KEY,
  saga_id         TEXT    NOT NULL,
  name            TEXT    NOT NULL,
  event_key       TEXT    NOT NULL,
  content_type    INTEGER NOT NULL,
  body            BLOB    NOT NULL,
  received_at_ms  INTEGER NOT NULL,
  state           INTEGER NOT NULL,
  consumed_step   INTEGER NOT NULL,
  consumed_at_ms  INTEGER NOT NULL
);
CREATE INDEX saga_events_by_saga ON saga_events (saga_id, state, received_at_ms);

CREATE TABLE saga_event_keys (
  name     TEXT NOT NULL,
  key      TEXT NOT NULL,
  saga_id  TEXT NOT NULL,
  PRIMARY KEY (name, key, saga_id)
);
CREATE INDEX saga_event_keys_by_saga ON saga_event_keys (saga_id);
)sql");
}

// Version 9: parallel groups (docs/dsl.md). The instance's branches (encode_branches in
// saga/instance.h), and the branches' unanswered commands: several per saga, one row each,
// keyed by message id (saga_outbox keeps one row per saga for the single command).
void add_parallel_branches(SQLite::Database& db) {
  db.exec(R"sql(
ALTER TABLE saga_instances ADD COLUMN branches TEXT NOT NULL DEFAULT '';

CREATE TABLE saga_branch_outbox (
  saga_id TEXT NOT NULL, message_id TEXT NOT NULL PRIMARY KEY, participant TEXT NOT NULL,
  saga_type TEXT NOT NULL, step TEXT NOT NULL, name TEXT NOT NULL, compensation INTEGER NOT NULL,
  attempt INTEGER NOT NULL, content_type INTEGER NOT NULL, trace_id TEXT NOT NULL,
  body BLOB NOT NULL
);
CREATE INDEX saga_branch_outbox_by_saga ON saga_branch_outbox (saga_id);
)sql");
}

// Version 10: a transactional start may be scheduled and have a deadline (StartOptions::not_before
// and deadline, saga/transactional_start.h); 0: none, as rows written before have.
void add_start_schedule(SQLite::Database& db) {
  db.exec(R"sql(
ALTER TABLE saga_start_requests ADD COLUMN not_before_ms INTEGER NOT NULL DEFAULT 0;
ALTER TABLE saga_start_requests ADD COLUMN deadline_ms INTEGER NOT NULL DEFAULT 0;
)sql");
}

// Version 11: child sagas (docs/dsl.md, "Child sagas"): the id of the saga that started this one.
void add_parent_id(SQLite::Database& db) {
  db.exec(R"sql(
ALTER TABLE saga_instances ADD COLUMN parent_id TEXT NOT NULL DEFAULT '';
)sql");
}

// Version 12: events committed in a transaction of the caller's own connection
// (saga/transactional_event.h). The engine polls rows above the last seq it read, as for
// saga_start_requests, delivers each as Engine::deliver_event would and deletes the row in the
// commit that records the event; a refused one stays, with refused_at_ms and its refusal.
void add_event_requests(SQLite::Database& db) {
  db.exec(R"sql(
CREATE TABLE saga_event_requests (
  seq              INTEGER PRIMARY KEY AUTOINCREMENT,
  event_id         TEXT    NOT NULL,
  name             TEXT    NOT NULL,
  saga_id          TEXT    NOT NULL,
  event_key        TEXT    NOT NULL,
  content_type     INTEGER NOT NULL,
  body             BLOB    NOT NULL,
  trace_id         TEXT    NOT NULL,
  requested_at_ms  INTEGER NOT NULL,
  refused_at_ms    INTEGER NOT NULL DEFAULT 0,
  refusal          TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX saga_event_requests_refused ON saga_event_requests (refused_at_ms, seq);
)sql");
}

// Records `version` in saga_meta (created with the first migration that a file gets).
void write_schema_version(SQLite::Database& db, int version) {
  db.exec(
      "CREATE TABLE IF NOT EXISTS saga_meta (key TEXT NOT NULL PRIMARY KEY, value INTEGER NOT "
      "NULL)");
  db.exec("INSERT OR REPLACE INTO saga_meta (key, value) VALUES ('schema_version', " +
          std::to_string(version) + ")");
}

// One step from version - 1 to version. Each runs in its own transaction together with the
// version update, so a crash leaves the database at one version or the next.
struct Migration {
  int version;
  void (*apply)(SQLite::Database& db);
};
constexpr Migration kMigrations[] = {
    {1, &create_schema_v1},         {2, &create_schema_v2},     {3, &create_schema_v3},
    {4, &add_failure_cause_column}, {5, &add_definition_steps}, {6, &add_start_requests},
    {7, &add_saga_control},         {8, &add_external_events},  {9, &add_parallel_branches},
    {10, &add_start_schedule},      {11, &add_parent_id},       {12, &add_event_requests},
};
static_assert(std::size(kMigrations) == kSchemaVersion, "one migration per schema version");

}  // namespace

int read_schema_version(SQLite::Database& db) {
  if (db.tableExists("saga_meta")) {
    SQLite::Statement q(db, "SELECT value FROM saga_meta WHERE key = 'schema_version'");
    return q.executeStep() ? q.getColumn(0).getInt() : 0;
  }
  // Versions 1 to 5 kept the version in PRAGMA user_version, in a file of the engine's own
  // (the only kind of file with saga_instances then). Any other file has no engine schema yet,
  // whatever its user_version (a service's file may use it for its own schema).
  if (db.tableExists("saga_instances")) return db.execAndGet("PRAGMA user_version").getInt();
  return 0;
}

void migrate_schema(SQLite::Database& db) {
  for (const Migration& m : kMigrations) {
    if (read_schema_version(db) >= m.version) continue;
    // IMMEDIATE, then look again: another process may have migrated while we waited.
    SQLite::Transaction transaction(db, SQLite::TransactionBehavior::IMMEDIATE);
    if (read_schema_version(db) >= m.version) continue;
    m.apply(db);
    write_schema_version(db, m.version);
    transaction.commit();
  }
}

}  // namespace saga
