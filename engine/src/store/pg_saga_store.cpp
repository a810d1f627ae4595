// PgSagaStore: opening, the engine's commit and reads (pg_saga_store.h). Leases and claims are
// in pg_leases.cpp, the tools' queries and operator requests in pg_store_queries.cpp.
#include "store/pg_saga_store.h"

#include <algorithm>
#include <utility>

#include "store/pg_schema.h"
#include "store/sqlite_rows.h"

namespace saga {

using pg::number;
using pg::Param;
using pg::text;
using sqlite_rows::kInstanceColumns;
using sqlite_rows::kOutboxColumns;

Result<std::unique_ptr<SagaStore>> open_postgres_store(const StoreOptions& options) {
  Result<std::unique_ptr<PgSagaStore>> store = PgSagaStore::open(options);
  if (!store) return store.status();
  return std::unique_ptr<SagaStore>(std::move(store).value());
}

Result<std::unique_ptr<PgSagaStore>> PgSagaStore::open(const StoreOptions& options) {
  // The URI without its password, for messages.
  const std::string context = "store: open postgresql database";
  if (options.lease < Millis{100}) return invalid_argument(context + ": lease under 100 ms");
  Result<std::unique_ptr<pg::Connection>> c = pg::Connection::open(options.path);
  if (!c) return c.status().with_context(context);
  std::unique_ptr<PgSagaStore> store(new PgSagaStore(std::move(c).value(), options));
  if (options.access == StoreAccess::kEngine) {
    if (Status s = pg::migrate_schema(*store->c_); !s) return s.with_context(context);
    if (Status s = store->register_incarnation(); !s) return s.with_context(context);
  } else {
    Result<int> version = pg::schema_version(*store->c_);
    if (!version) return version.status().with_context(context);
    if (*version == 0) return Status(StatusCode::kCorrupt, context + ": no saga engine schema");
    if (*version != pg::kPgSchemaVersion) {
      return failed_precondition(context + ": schema version " + std::to_string(*version) +
                                 ", this build needs " + std::to_string(pg::kPgSchemaVersion) +
                                 ": start an engine of this version once to migrate it");
    }
  }
  return store;
}

PgSagaStore::~PgSagaStore() = default;

Status PgSagaStore::ready() {
  if (!c_->broken()) return Status::ok();
  return c_->reset();
}

Status PgSagaStore::commit(const StoreBatch& batch) {
  if (batch.empty()) return Status::ok();
  if (Status s = sqlite_rows::validate(batch); !s) return s.with_context("store: commit");
  if (batch.has_events()) {  // wait steps (saga/dsl/wait.h): the SQLite backend only, so far
    return Status(StatusCode::kFailedPrecondition,
                  "store: commit: external events are not stored by the PostgreSQL backend yet; "
                  "a definition with a wait step needs the SQLite store");
  }
  if (Status s = ready(); !s) return s.with_context("store: commit");
  pg::Transaction tx(*c_);
  if (Status s = tx.begin(); !s) return s.with_context("store: commit");
  if (shared()) {
    if (Status s = renew_in_transaction(); !s) return s.with_context("store: commit");
  }
  if (Status s = write_batch(batch); !s) return s.with_context("store: commit");
  return tx.commit().with_context("store: commit");
}

Status PgSagaStore::write_batch(const StoreBatch& batch) {
  for (const DefinitionRecord& d : batch.definitions) {
    if (Status s = write_definition(d); !s) return s;
  }
  const std::string placeholders =
      "$1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, "
      "$20, $21, $22, $23, $24, $25, $26, $27";
  for (const SagaInstance& i : batch.inserts) {
    std::vector<Param> p = pg_rows::instance_params(i, 1);
    p.push_back(text(options_.instance_name));
    p.push_back(number(epoch_));
    Status s = c_->run("insert",
                       sqlite_rows::sql("INSERT INTO saga_instances (", kInstanceColumns,
                                        ", owner, lease_epoch) VALUES (" + placeholders + ")"),
                       p);
    if (s.code() == StatusCode::kAlreadyExists) {
      return already_exists("insert: saga " + i.id + " already exists");
    }
    if (!s) return s;
  }
  for (const SagaInstance& i : batch.updates) {
    std::vector<Param> p = pg_rows::instance_params(i, i.row_version);
    std::string fence;
    if (shared()) {
      p.push_back(number(epoch_));
      fence = " AND lease_epoch = $26";
    }
    Result<pg::Rows> r = c_->exec(
        "update",
        "UPDATE saga_instances SET type = $2, version = $3, fingerprint = $4, phase = $5, "
        "failed_from = $6, step = $7, attempt = $8, delivery = $9, skipped_mask = $10, "
        "message_seq = $11, data = $12, last_request_id = $13, wait = $14, deadline_ms = $15, "
        "last_reason = $16, trace_id = $17, created_at_ms = $18, updated_at_ms = $19, "
        "row_version = row_version + 1, locks_through = $21, failure_cause = $22, "
        "saga_deadline_ms = $23, branches = $24, parent_id = $25 "
        "WHERE id = $1 AND row_version = $20" +
            fence,
        p);
    if (!r) return r.status();
    if (r->affected() == 0) {
      return Status(StatusCode::kConflict,
                    "update: saga " + i.id + " is missing, no longer at row_version " +
                        std::to_string(i.row_version) +
                        (shared() ? ", or owned by another instance (fenced)" : ""));
    }
  }
  for (const auto& [saga_id, h] : batch.history) {
    if (Status s = c_->run(
            "history",
            "INSERT INTO saga_history (saga_id, event, step, attempt, time_ms, "
            "reason, reply_name) VALUES ($1, $2, $3, $4, $5, $6, $7)",
            {text(saga_id), number(static_cast<std::int64_t>(h.event)), number(h.step),
             number(h.attempt), number(h.time.count()), text(h.reason), text(h.reply_name)});
        !s) {
      return s;
    }
  }
  std::vector<std::string> outbox_gone = batch.outbox_delete;
  for (const OutboxEntry& e : batch.outbox_put) outbox_gone.push_back(e.saga_id);
  for (const std::string& id : outbox_gone) {
    if (Status s =
            c_->run("outbox delete", "DELETE FROM saga_outbox WHERE saga_id = $1", {text(id)});
        !s) {
      return s;
    }
  }
  for (const OutboxEntry& e : batch.outbox_put) {
    if (Status s = put_outbox("saga_outbox", e); !s) return s;
  }
  // Parallel groups' branch commands (several per saga, by message id; a put replaces).
  std::vector<std::string> branches_gone = batch.branch_outbox_delete;
  for (const OutboxEntry& e : batch.branch_outbox_put)
    branches_gone.push_back(e.envelope.message_id);
  for (const std::string& id : branches_gone) {
    if (Status s = c_->run("branch outbox delete",
                           "DELETE FROM saga_branch_outbox WHERE message_id = $1", {text(id)});
        !s) {
      return s;
    }
  }
  for (const OutboxEntry& e : batch.branch_outbox_put) {
    if (Status s = put_outbox("saga_branch_outbox", e); !s) return s;
  }
  for (const RequestOutcome& o : batch.request_outcomes) {
    if (Status s = c_->run("operator requests",
                           "UPDATE operator_requests SET state = $2, result = $3, "
                           "finished_at_ms = $4 WHERE id = $1 AND state = 'pending'",
                           {number(o.id), text(std::string(to_string(o.state))), text(o.result),
                            number(o.finished_at.count())});
        !s) {
      return s;
    }
  }
  if (Status s = delete_start_requests(batch.start_requests_done); !s) return s;
  return write_locks(batch.locks);
}

Status PgSagaStore::write_definition(const DefinitionRecord& d) {
  if (Status s = c_->run(
          "definitions",
          "INSERT INTO saga_definitions (name, version, fingerprint, "
          "registered_at_ms) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
          {text(d.name), number(d.version), text(d.fingerprint), number(d.registered_at.count())});
      !s) {
    return s;
  }
  if (!d.steps) return Status::ok();
  for (std::size_t k = 0; k < d.steps->size(); ++k) {
    const StepRecord& step = (*d.steps)[k];
    // Only for the recorded fingerprint, and only once (the first engine to know them).
    if (Status s = c_->run(
            "definition steps",
            "INSERT INTO saga_definition_steps (name, version, step, step_name, kind, "
            "participant, command, compensation_participant, compensation_command, local, "
            "conditional, maximum_attempts) SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, "
            "$12 WHERE EXISTS (SELECT 1 FROM saga_definitions WHERE name = $1 AND version = $2 "
            "AND fingerprint = $13) ON CONFLICT DO NOTHING",
            {text(d.name), number(d.version), number(static_cast<std::int64_t>(k)), text(step.name),
             text(std::string(to_string(step.kind))), text(step.participant), text(step.command),
             text(step.compensation_participant), text(step.compensation_command),
             number(step.local ? 1 : 0), number(step.conditional ? 1 : 0),
             number(step.maximum_attempts), text(d.fingerprint)});
        !s) {
      return s;
    }
  }
  return Status::ok();
}

Result<std::vector<SagaInstance>> PgSagaStore::instances(const std::string& where_and_order,
                                                         const std::vector<Param>& params) {
  if (Status s = ready(); !s) return s;
  return pg_rows::read_all<SagaInstance>(
      c_->exec(
          "instances",
          sqlite_rows::sql("SELECT ", kInstanceColumns, " FROM saga_instances ") + where_and_order,
          params),
      &pg_rows::read_instance);
}

Status PgSagaStore::put_outbox(const char* table, const OutboxEntry& e) {
  const Envelope& m = e.envelope;
  return c_->run(
      "outbox put",
      sqlite_rows::sql("INSERT INTO ", table, " (") + kOutboxColumns +
          ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
      {text(e.saga_id), text(m.message_id), text(e.participant), text(m.saga_type), text(m.step),
       text(m.name), number(m.compensation ? 1 : 0), number(m.attempt),
       number(static_cast<std::int64_t>(m.content_type)), text(m.trace_id), pg::bytes(m.body)});
}

Result<std::vector<OutboxEntry>> PgSagaStore::outbox_rows(const std::string& where,
                                                          const std::vector<Param>& params) {
  if (Status s = ready(); !s) return s;
  const std::string columns = pg_rows::prefixed(kOutboxColumns, "o");
  Result<std::vector<OutboxEntry>> single = pg_rows::read_all<OutboxEntry>(
      c_->exec("outbox", "SELECT " + columns + " FROM saga_outbox o " + where, params),
      &pg_rows::read_outbox);
  if (!single) return single;
  // Then the parallel groups' branch commands, as the SQLite backend lists them.
  Result<std::vector<OutboxEntry>> branches = pg_rows::read_all<OutboxEntry>(
      c_->exec("outbox", "SELECT " + columns + " FROM saga_branch_outbox o " + where, params),
      &pg_rows::read_outbox);
  if (!branches) return branches;
  for (OutboxEntry& e : branches.value()) single->push_back(std::move(e));
  return single;
}

Result<std::optional<SagaInstance>> PgSagaStore::load(const std::string& id) {
  Result<std::vector<SagaInstance>> found = instances("WHERE id = $1", {text(id)});
  if (!found) return found.status().with_context("store: load " + id);
  if (found->empty()) return std::optional<SagaInstance>();
  return std::optional<SagaInstance>(std::move(found->front()));
}

Result<std::vector<HistoryEntry>> PgSagaStore::history(const std::string& id) {
  if (Status s = ready(); !s) return s.with_context("store: history " + id);
  Result<std::vector<HistoryEntry>> out = pg_rows::read_all<HistoryEntry>(
      c_->exec("store: history " + id,
               "SELECT event, step, attempt, time_ms, reason, reply_name FROM saga_history "
               "WHERE saga_id = $1 ORDER BY seq",
               {text(id)}),
      &pg_rows::read_history);
  return out;
}

Result<std::vector<SagaInstance>> PgSagaStore::list(std::optional<Phase> phase, std::size_t limit) {
  std::vector<Param> p;
  std::string where;
  if (phase) {
    where = "WHERE phase = $1 ";
    p.push_back(number(static_cast<std::int64_t>(*phase)));
  }
  Result<std::vector<SagaInstance>> out =
      instances(where + "ORDER BY created_at_ms DESC, id DESC" + pg_rows::limit_clause(limit), p);
  if (!out) return out.status().with_context("store: list");
  return out;
}

Result<std::vector<DefinitionRecord>> PgSagaStore::definitions() {
  if (Status s = ready(); !s) return s.with_context("store: definitions");
  Result<pg::Rows> defs = c_->exec("store: definitions",
                                   "SELECT name, version, fingerprint, registered_at_ms FROM "
                                   "saga_definitions ORDER BY name, version");
  if (!defs) return defs.status();
  std::vector<DefinitionRecord> out;
  for (int r = 0; r < defs->size(); ++r) {
    out.push_back(DefinitionRecord{defs->get(r, 0), static_cast<std::uint32_t>(defs->get_int(r, 1)),
                                   defs->get(r, 2), Millis(defs->get_int(r, 3))});
  }
  Result<pg::Rows> steps = c_->exec(
      "store: definitions",
      "SELECT name, version, step_name, kind, participant, command, compensation_participant, "
      "compensation_command, local, conditional, maximum_attempts FROM saga_definition_steps "
      "ORDER BY name, version, step");
  if (!steps) return steps.status();
  for (int r = 0; r < steps->size(); ++r) {
    const std::string name = steps->get(r, 0);
    const auto version = static_cast<std::uint32_t>(steps->get_int(r, 1));
    auto record = std::find_if(out.begin(), out.end(), [&](const DefinitionRecord& d) {
      return d.name == name && d.version == version;
    });
    if (record == out.end()) continue;  // a row without its definition: ignored
    std::optional<StepKind> kind = parse_step_kind(steps->get(r, 3));
    if (!kind) return Status(StatusCode::kMalformed, "store: definitions: unknown step kind");
    if (!record->steps) record->steps.emplace();
    record->steps->push_back(StepRecord{steps->get(r, 2), *kind, steps->get(r, 4), steps->get(r, 5),
                                        steps->get(r, 6), steps->get(r, 7),
                                        steps->get_int(r, 8) != 0, steps->get_int(r, 9) != 0,
                                        static_cast<std::uint32_t>(steps->get_int(r, 10))});
  }
  return out;
}

}  // namespace saga
