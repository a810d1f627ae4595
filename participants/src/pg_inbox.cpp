// The participant's PostgreSQL backend (pg_inbox.h).
#include "pg_inbox.h"

#include <cstdio>

#include "handler_context_access.h"
#include "store/pg_connection.h"
#include "store/pg_schema.h"

namespace saga::detail {
namespace {

using pg::number;
using pg::Param;
using pg::text;

constexpr const char* kSchema = R"sql(
BEGIN;
SELECT pg_advisory_xact_lock(1935763298);
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
  body         BYTEA NOT NULL,
  stored_at    BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS saga_inbox_by_time ON saga_inbox (stored_at);
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
  acquired_at BIGINT NOT NULL
);
CREATE INDEX IF NOT EXISTS saga_participant_locks_by_saga ON saga_participant_locks (saga_id);
COMMIT;
)sql";

// `sql` with its `?` placeholders (outside quotes) numbered $1, $2, ...
std::string numbered(std::string_view sql) {
  std::string out;
  out.reserve(sql.size() + 8);
  int n = 0;
  char quote = 0;
  for (char c : sql) {
    if (quote != 0) {
      if (c == quote) quote = 0;
    } else if (c == '\'' || c == '"') {
      quote = c;
    } else if (c == '?') {
      out += '$' + std::to_string(++n);
      continue;
    }
    out += c;
  }
  return out;
}

std::vector<Param> params_of(const std::vector<SqlValue>& values) {
  std::vector<Param> out;
  out.reserve(values.size());
  for (const SqlValue& v : values) {
    if (std::holds_alternative<std::nullptr_t>(v)) {
      out.push_back(Param{{}, false, true});
    } else if (const auto* i = std::get_if<std::int64_t>(&v)) {
      out.push_back(number(*i));
    } else if (const auto* d = std::get_if<double>(&v)) {
      char buffer[32];
      std::snprintf(buffer, sizeof buffer, "%.17g", *d);
      out.push_back(text(buffer));
    } else {
      out.push_back(text(std::get<std::string>(v)));
    }
  }
  return out;
}

SqlRow read_row(const pg::Rows& rows, int r) {
  SqlRow row;
  for (int c = 0; c < rows.columns(); ++c) {
    if (rows.is_null(r, c)) {
      row.emplace_back(nullptr);
      continue;
    }
    switch (rows.kind(c)) {
      case pg::Rows::Kind::kInteger: {
        const std::string v = rows.get(r, c);
        row.emplace_back(v == "t" ? std::int64_t{1} : v == "f" ? 0 : rows.get_int(r, c));
        break;
      }
      case pg::Rows::Kind::kReal:
        row.emplace_back(std::strtod(rows.get(r, c).c_str(), nullptr));
        break;
      case pg::Rows::Kind::kBytes:
        row.emplace_back(rows.get_bytes(r, c));
        break;
      case pg::Rows::Kind::kText:
        row.emplace_back(rows.get(r, c));
        break;
    }
  }
  return row;
}

// Sql on the participant's connection (participant_sql.h), `?` placeholders as on SQLite.
class PgSql final : public Sql {
 public:
  explicit PgSql(pg::Connection& c) : c_(c) {}
  Result<std::int64_t> exec(std::string_view sql, const std::vector<SqlValue>& params) override {
    Result<pg::Rows> r = c_.exec("participant store: exec", numbered(sql), params_of(params));
    if (!r) return r.status();
    return std::int64_t{r->affected()};
  }
  Result<std::vector<SqlRow>> query(std::string_view sql, const std::vector<SqlValue>& params,
                                    std::size_t max_rows) override {
    Result<pg::Rows> r = c_.exec("participant store: query", numbered(sql), params_of(params));
    if (!r) return r.status();
    if (static_cast<std::size_t>(r->size()) > max_rows) {
      return Status(StatusCode::kFull, "query: more than max_rows rows");
    }
    std::vector<SqlRow> rows;
    for (int i = 0; i < r->size(); ++i) rows.push_back(read_row(*r, i));
    return rows;
  }
  Result<std::optional<SqlRow>> query_one(std::string_view sql,
                                          const std::vector<SqlValue>& params) override {
    Result<pg::Rows> r = c_.exec("participant store: query_one", numbered(sql), params_of(params));
    if (!r) return r.status();
    if (r->size() == 0) return std::optional<SqlRow>();
    return std::optional<SqlRow>(read_row(*r, 0));
  }

 private:
  pg::Connection& c_;
};

}  // namespace

struct PgInbox::Impl {
  explicit Impl(std::unique_ptr<pg::Connection> connection) : c(std::move(connection)), sql(*c) {}
  std::unique_ptr<pg::Connection> c;
  PgSql sql;
};

PgInbox::PgInbox(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
PgInbox::~PgInbox() = default;

Result<std::unique_ptr<PgInbox>> PgInbox::open(const std::string& url) {
  const std::string context = "participant store: open postgresql database";
  Result<std::unique_ptr<pg::Connection>> c = pg::Connection::open(url);
  if (!c) return c.status().with_context(context);
  if (Status s = (*c)->script(context, kSchema); !s) {
    (void)(*c)->script(context, "ROLLBACK");
    return s;
  }
  return std::unique_ptr<PgInbox>(new PgInbox(std::make_unique<Impl>(std::move(c).value())));
}

Status PgInbox::exec_script(std::string_view sql) {
  if (Status s = impl_->c->script("participant store: schema",
                                  "BEGIN; " + std::string(sql) + ";\nCOMMIT;");
      !s) {
    rollback();
    return s;
  }
  return Status::ok();
}

Status PgInbox::begin() {
  // A connection the server dropped is opened again between batches.
  if (impl_->c->broken()) {
    if (Status s = impl_->c->reset(); !s) return s;
  }
  return impl_->c->run("participant store: begin", "BEGIN");
}
Status PgInbox::commit() { return impl_->c->run("participant store: commit", "COMMIT"); }
void PgInbox::rollback() noexcept {
  (void)impl_->c->run("participant store: rollback", "ROLLBACK");
}
Status PgInbox::savepoint() {
  return impl_->c->run("participant store: savepoint", "SAVEPOINT saga_command");
}
Status PgInbox::release_savepoint() {
  return impl_->c->run("participant store: release savepoint", "RELEASE SAVEPOINT saga_command");
}
Status PgInbox::rollback_to_savepoint() {
  return impl_->c->run("participant store: rollback to savepoint",
                       "ROLLBACK TO SAVEPOINT saga_command");
}

Result<std::optional<StoredReply>> PgInbox::find_reply(const std::string& message_id) {
  Result<pg::Rows> r =
      impl_->c->exec("participant store: find reply",
                     "SELECT reply_name, outcome, reason, content_type, body FROM saga_inbox "
                     "WHERE message_id = $1",
                     {text(message_id)});
  if (!r) return r.status();
  if (r->size() == 0) return std::optional<StoredReply>();
  StoredReply reply;
  reply.name = r->get(0, 0);
  reply.outcome = r->get_int(0, 1) == static_cast<std::int64_t>(Outcome::kFailure)
                      ? Outcome::kFailure
                      : Outcome::kSuccess;
  reply.reason = r->get(0, 2);
  reply.content_type = r->get_int(0, 3) == static_cast<std::int64_t>(ContentType::kJson)
                           ? ContentType::kJson
                           : ContentType::kCerealBinary;
  reply.body = r->get_bytes(0, 4);
  return std::optional<StoredReply>(std::move(reply));
}

Status PgInbox::store_reply(const Envelope& command, const StoredReply& reply,
                            std::int64_t stored_at_ms) {
  return impl_->c->run(
      "participant store: store reply",
      "INSERT INTO saga_inbox (message_id, saga_id, step, command_name, compensation, "
      "reply_name, outcome, reason, content_type, body, stored_at) "
      "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
      {text(command.message_id), text(command.saga_id), text(command.step), text(command.name),
       number(command.compensation ? 1 : 0), text(reply.name),
       number(static_cast<std::int64_t>(reply.outcome)), text(reply.reason),
       number(static_cast<std::int64_t>(reply.content_type)), pg::bytes(reply.body),
       number(stored_at_ms)});
}

Result<std::size_t> PgInbox::prune(std::int64_t before_ms, std::int64_t now_ms, std::size_t limit) {
  if (Status s = begin(); !s) return s;
  Status s =
      impl_->c->run("participant store: prune inbox",
                    "UPDATE saga_inbox SET stored_at = $1 WHERE stored_at = 0", {number(now_ms)});
  Result<pg::Rows> deleted =
      s ? impl_->c->exec("participant store: prune inbox",
                         "DELETE FROM saga_inbox WHERE message_id IN "
                         "(SELECT message_id FROM saga_inbox WHERE "
                         "stored_at < $1 ORDER BY stored_at LIMIT $2)",
                         {number(before_ms), number(static_cast<std::int64_t>(limit))})
        : Result<pg::Rows>(s);
  if (deleted) s = commit();
  if (!deleted || !s) {
    rollback();
    return deleted ? s : deleted.status();
  }
  return static_cast<std::size_t>(deleted->affected());
}

Result<BarrierState> PgInbox::barrier(const std::string& saga_id, const std::string& step) {
  Result<pg::Rows> r = impl_->c->exec(
      "participant store: read barrier",
      "SELECT action_done, compensation_done FROM saga_barrier WHERE saga_id = $1 AND step = $2",
      {text(saga_id), text(step)});
  if (!r) return r.status();
  BarrierState state;
  if (r->size() > 0) {
    state.action_done = r->get_int(0, 0) != 0;
    state.compensation_done = r->get_int(0, 1) != 0;
  }
  return state;
}

Status PgInbox::mark_barrier(const std::string& saga_id, const std::string& step,
                             bool compensation) {
  const std::string column = compensation ? "compensation_done" : "action_done";
  return impl_->c->run("participant store: mark barrier",
                       "INSERT INTO saga_barrier (saga_id, step, " + column +
                           ") VALUES ($1, $2, 1) ON CONFLICT (saga_id, step) DO UPDATE SET " +
                           column + " = 1",
                       {text(saga_id), text(step)});
}

Status PgInbox::hold(const HeldCommand& command, std::int64_t /*held_at_ms*/) {
  return failed_precondition("participant store: command " + command.message_id +
                             " cannot be held behind lock " + command.lock_key +
                             ": held commands (LockConflict::kHold) need a SQLite participant");
}
Result<bool> PgInbox::redeliver_held(const std::string&, const std::string&) { return false; }
Status PgInbox::delete_held(const std::string&) { return Status::ok(); }
Result<bool> PgInbox::lock_free(const std::string&) { return true; }
Result<std::optional<HeldCommand>> PgInbox::first_held(const std::string&) {
  return std::optional<HeldCommand>();
}
Result<std::vector<HeldCommand>> PgInbox::ready_held(std::size_t) {
  return std::vector<HeldCommand>{};
}

Sql& PgInbox::sql() { return impl_->sql; }

void PgInbox::attach(HandlerContext& context) {
  HandlerContextAccess::set_postgres(context, impl_->c->raw());
}

Status PgInbox::prepare_engine_tables() {
  return pg::migrate_schema(*impl_->c).with_context("participant store: engine tables");
}

}  // namespace saga::detail
