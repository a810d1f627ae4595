// The PostgreSQL schema, one migration per version (pg_schema.h). Steps are never edited once
// released: a new version appends a step.
#include "store/pg_schema.h"

#include <iterator>
#include <string>

namespace saga::pg {
namespace {

// Version 1: the SQLite schema at its version 5 (docs/storage.md) in PostgreSQL types, plus
// leases: each unfinished saga row names its owner (an engine instance's incarnation) and the
// lease epoch it was claimed at; saga_engine_instances holds each live incarnation's lease.
constexpr const char* kSchemaV1 = R"sql(
CREATE TABLE saga_instances (
  id               TEXT    NOT NULL PRIMARY KEY,
  type             TEXT    NOT NULL,
  version          BIGINT  NOT NULL,
  fingerprint      TEXT    NOT NULL,
  phase            INTEGER NOT NULL,
  failed_from      INTEGER NOT NULL,
  step             INTEGER NOT NULL,
  attempt          BIGINT  NOT NULL,
  delivery         BIGINT  NOT NULL,
  skipped_mask     BIGINT  NOT NULL,
  message_seq      BIGINT  NOT NULL,
  data             BYTEA   NOT NULL,
  last_request_id  TEXT    NOT NULL,
  wait             INTEGER NOT NULL,
  deadline_ms      BIGINT  NOT NULL,
  last_reason      TEXT    NOT NULL,
  trace_id         TEXT    NOT NULL,
  created_at_ms    BIGINT  NOT NULL,
  updated_at_ms    BIGINT  NOT NULL,
  row_version      BIGINT  NOT NULL,
  locks_through    INTEGER NOT NULL DEFAULT -2,
  failure_cause    INTEGER NOT NULL DEFAULT 0,
  saga_deadline_ms BIGINT  NOT NULL DEFAULT 0,
  owner            TEXT    NOT NULL DEFAULT '',
  lease_epoch      BIGINT  NOT NULL DEFAULT 0
);
CREATE INDEX saga_instances_by_phase ON saga_instances (phase, created_at_ms, id);
CREATE INDEX saga_instances_by_created ON saga_instances (created_at_ms, id);
CREATE INDEX saga_instances_unfinished_by_owner ON saga_instances (owner)
  WHERE phase IN (1, 2, 5, 6);

CREATE TABLE saga_history (
  seq         BIGSERIAL PRIMARY KEY,
  saga_id     TEXT    NOT NULL,
  event       INTEGER NOT NULL,
  step        INTEGER NOT NULL,
  attempt     BIGINT  NOT NULL,
  time_ms     BIGINT  NOT NULL,
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
  attempt       BIGINT  NOT NULL,
  content_type  INTEGER NOT NULL,
  trace_id      TEXT    NOT NULL,
  body          BYTEA   NOT NULL,
  put_seq       BIGSERIAL
);

CREATE TABLE saga_definitions (
  name              TEXT    NOT NULL,
  version           BIGINT  NOT NULL,
  fingerprint       TEXT    NOT NULL,
  registered_at_ms  BIGINT  NOT NULL,
  PRIMARY KEY (name, version)
);

CREATE TABLE saga_definition_steps (
  name                      TEXT    NOT NULL,
  version                   BIGINT  NOT NULL,
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
  maximum_attempts          BIGINT  NOT NULL,
  PRIMARY KEY (name, version, step)
);

CREATE TABLE operator_requests (
  id               BIGSERIAL PRIMARY KEY,
  saga_id          TEXT    NOT NULL,
  action           TEXT    NOT NULL
                           CHECK (action IN ('retry', 'compensate', 'skip', 'release_lock')),
  reason           TEXT    NOT NULL CHECK (reason <> ''),
  requested_by     TEXT    NOT NULL,
  requested_at_ms  BIGINT  NOT NULL,
  state            TEXT    NOT NULL DEFAULT 'pending'
                           CHECK (state IN ('pending', 'applied', 'rejected')),
  result           TEXT    NOT NULL DEFAULT '',
  finished_at_ms   BIGINT  NOT NULL DEFAULT 0,
  lock_key         TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX operator_requests_by_state ON operator_requests (state, id);

CREATE TABLE saga_locks (
  key             TEXT    NOT NULL PRIMARY KEY,
  saga_id         TEXT    NOT NULL,
  acquired_at_ms  BIGINT  NOT NULL,
  lease_ms        BIGINT  NOT NULL,
  release_after   INTEGER NOT NULL
);
CREATE INDEX saga_locks_by_saga ON saga_locks (saga_id);

CREATE TABLE saga_lock_waits (
  saga_id   TEXT    NOT NULL PRIMARY KEY,
  seq       BIGINT  NOT NULL,
  key       TEXT    NOT NULL,
  since_ms  BIGINT  NOT NULL,
  step      INTEGER NOT NULL,
  claims    BYTEA   NOT NULL
);

CREATE TABLE saga_engine_instances (
  epoch        BIGINT      NOT NULL PRIMARY KEY,
  name         TEXT        NOT NULL,
  started_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
  expires_at   TIMESTAMPTZ NOT NULL
);
CREATE SEQUENCE saga_lease_epochs;
)sql";

// Version 2: parallel groups (SQLite's version 9): the instance's branches and the branches'
// unanswered commands, several per saga, keyed by message id.
constexpr const char* kSchemaV2 = R"sql(
ALTER TABLE saga_instances ADD COLUMN branches TEXT NOT NULL DEFAULT '';

CREATE TABLE saga_branch_outbox (
  saga_id       TEXT    NOT NULL,
  message_id    TEXT    NOT NULL PRIMARY KEY,
  participant   TEXT    NOT NULL,
  saga_type     TEXT    NOT NULL,
  step          TEXT    NOT NULL,
  name          TEXT    NOT NULL,
  compensation  INTEGER NOT NULL,
  attempt       BIGINT  NOT NULL,
  content_type  INTEGER NOT NULL,
  trace_id      TEXT    NOT NULL,
  body          BYTEA   NOT NULL,
  put_seq       BIGSERIAL
);
CREATE INDEX saga_branch_outbox_by_saga ON saga_branch_outbox (saga_id);
)sql";

// Version 3: transactional starts (saga/pg_transactional_start.h), as SQLite's v6 table plus
// taken_by: the lease epoch of the engine incarnation that took the row to start its saga (0:
// none yet). A row taken by an incarnation whose lease expired may be taken by another.
constexpr const char* kSchemaV3 = R"sql(
CREATE TABLE saga_start_requests (
  seq              BIGSERIAL NOT NULL PRIMARY KEY,
  saga_id          TEXT      NOT NULL UNIQUE,
  type             TEXT      NOT NULL,
  version          BIGINT    NOT NULL,
  trace_id         TEXT      NOT NULL,
  data             BYTEA     NOT NULL,
  requested_at_ms  BIGINT    NOT NULL,
  taken_by         BIGINT    NOT NULL DEFAULT 0
);
)sql";

// Version 4: child sagas (SQLite's version 11). Claims take a saga with its children
// (pg_leases.cpp): the index finds them by their parent.
constexpr const char* kSchemaV4 = R"sql(
ALTER TABLE saga_instances ADD COLUMN parent_id TEXT NOT NULL DEFAULT '';
CREATE INDEX saga_instances_parent ON saga_instances (parent_id) WHERE parent_id <> '';
)sql";

// Version 5: operator requests may ask for a cancel (OperatorAction::kCancel, `sagactl cancel`,
// and Engine::cancel forwarded by an instance that does not run the saga), as SQLite's v7.
constexpr const char* kSchemaV5 = R"sql(
ALTER TABLE operator_requests DROP CONSTRAINT operator_requests_action_check;
ALTER TABLE operator_requests ADD CONSTRAINT operator_requests_action_check
  CHECK (action IN ('retry', 'compensate', 'skip', 'release_lock', 'cancel'));
)sql";

constexpr const char* kMigrations[] = {kSchemaV1, kSchemaV2, kSchemaV3, kSchemaV4, kSchemaV5};
static_assert(std::size(kMigrations) == kPgSchemaVersion, "one migration per schema version");

// Any number: the advisory lock key the migrations take ("saga" in ASCII).
constexpr const char* kMigrationLock = "SELECT pg_advisory_xact_lock(1935763297)";

}  // namespace

Result<int> schema_version(Connection& c) {
  Result<Rows> exists =
      c.exec("postgresql: schema version", "SELECT to_regclass('saga_schema') IS NOT NULL");
  if (!exists) return exists.status();
  if (exists->get(0, 0) != "t") return 0;
  Result<Rows> v = c.exec("postgresql: schema version", "SELECT version FROM saga_schema");
  if (!v) return v.status();
  return v->size() == 0 ? 0 : static_cast<int>(v->get_int(0, 0));
}

Status migrate_schema(Connection& c) {
  Transaction tx(c);
  if (Status s = tx.begin(); !s) return s;
  if (Status s = c.run("postgresql: migrate", kMigrationLock); !s) return s;
  if (Status s = c.run("postgresql: migrate",
                       "CREATE TABLE IF NOT EXISTS saga_schema (version INTEGER NOT NULL)");
      !s) {
    return s;
  }
  Result<int> version = schema_version(c);
  if (!version) return version.status();
  if (*version > kPgSchemaVersion) {
    return Status(StatusCode::kCorrupt, "postgresql: schema version " + std::to_string(*version) +
                                            " is newer than this build's " +
                                            std::to_string(kPgSchemaVersion));
  }
  for (int v = *version + 1; v <= kPgSchemaVersion; ++v) {
    const std::string context = "postgresql: migrate to v" + std::to_string(v);
    if (Status s = c.script(context, kMigrations[v - 1]); !s) return s;
  }
  if (*version < kPgSchemaVersion) {
    if (Status s = c.run("postgresql: migrate", "DELETE FROM saga_schema"); !s) return s;
    if (Status s = c.run("postgresql: migrate", "INSERT INTO saga_schema VALUES ($1)",
                         {number(kPgSchemaVersion)});
        !s) {
      return s;
    }
  }
  return tx.commit();
}

}  // namespace saga::pg
