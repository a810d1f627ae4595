// Transactional starts on PostgreSQL: the caller's side (saga/pg_transactional_start.h, one row
// in saga_start_requests inside the caller's transaction) and the engine's (PgSagaStore takes
// the rows, starts their sagas and deletes the rows in its commit).
#include <algorithm>
#include <chrono>
#include <random>

#include "saga/pg_transactional_start.h"
#include "store/pg_saga_store.h"
#include "store/pg_schema.h"

namespace saga {
namespace {

using pg::number;
using pg::text;

std::string random_hex_id() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id(32, '0');
  for (char& c : id) c = kHex[rng() & 0xf];
  return id;
}

// Whether `sql` ($1 = id) finds a row; the Status of the query otherwise.
Result<bool> found(pg::Connection& c, const std::string& sql, const std::string& id) {
  Result<pg::Rows> rows = c.exec("start_saga_in_transaction", sql, {text(id)});
  if (!rows) return rows.status();
  return rows->size() > 0;
}

Result<std::string> insert_request(pg::Connection& c, const std::string& id, std::string_view type,
                                   std::string_view data, const StartOptions& options) {
  Result<int> version = pg::schema_version(c);
  if (!version) return version.status();
  if (*version != pg::kPgSchemaVersion) {
    return failed_precondition("the database has engine schema version " +
                               std::to_string(*version) + ", this build needs " +
                               std::to_string(pg::kPgSchemaVersion) +
                               ": open an engine on it first");
  }
  for (const char* sql : {"SELECT 1 FROM saga_instances WHERE id = $1",
                          "SELECT 1 FROM saga_start_requests WHERE saga_id = $1"}) {
    Result<bool> taken = found(c, sql, id);
    if (!taken) return taken.status();
    if (*taken) return already_exists("saga " + id + " already exists");
  }
  const std::int64_t now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                                  std::chrono::system_clock::now().time_since_epoch())
                                  .count();
  Status s = c.run("start_saga_in_transaction",
                   "INSERT INTO saga_start_requests (saga_id, type, version, trace_id, data, "
                   "requested_at_ms) VALUES ($1, $2, $3, $4, $5, $6)",
                   {text(id), text(std::string(type)), number(options.version),
                    text(options.trace_id), pg::bytes(std::string(data)), number(now_ms)});
  if (s.code() == StatusCode::kAlreadyExists)
    return already_exists("saga " + id + " already exists");
  if (!s) return s;
  return id;
}

}  // namespace

Result<std::string> start_saga_in_transaction(pg_conn* connection, std::string_view type,
                                              std::string_view data, const StartOptions& options) {
  if (type.empty()) return invalid_argument("start_saga_in_transaction: empty saga type");
  if (connection == nullptr) return invalid_argument("start_saga_in_transaction: no connection");
  std::unique_ptr<pg::Connection> c = pg::Connection::borrow(connection);
  if (!c->in_transaction()) {
    return failed_precondition(
        "start_saga_in_transaction: no transaction is open on the connection (BEGIN one: the "
        "start commits with it), or a statement of it failed");
  }
  const std::string id = options.id.empty() ? random_hex_id() : options.id;
  const std::string context = "start_saga_in_transaction " + id;
  // A savepoint keeps the caller's transaction usable whatever fails here.
  if (Status s = c->run(context, "SAVEPOINT saga_start"); !s) return s.with_context(context);
  Result<std::string> started = insert_request(*c, id, type, data, options);
  const char* end = started ? "RELEASE SAVEPOINT saga_start" : "ROLLBACK TO SAVEPOINT saga_start";
  if (Status s = c->run(context, end); !s) return s.with_context(context);
  if (!started) return started.status().with_context(context);
  return started;
}

Result<std::vector<PendingStart>> PgSagaStore::start_requests(std::int64_t after,
                                                              std::size_t limit) {
  if (!shared()) return std::vector<PendingStart>{};
  if (Status s = ready(); !s) return s.with_context("store: start_requests");
  Result<pg::Rows> rows = c_->exec(
      "store: start_requests",
      "UPDATE saga_start_requests SET taken_by = $1 WHERE seq IN (SELECT r.seq FROM "
      "saga_start_requests r WHERE r.taken_by = 0 OR (r.taken_by = $1 AND r.seq > $2) OR "
      "(r.taken_by <> $1 AND NOT EXISTS (SELECT 1 FROM saga_engine_instances e WHERE "
      "e.epoch = r.taken_by AND e.expires_at > now())) ORDER BY r.seq " +
          pg_rows::limit_clause(limit) +
          " FOR UPDATE SKIP LOCKED) RETURNING seq, saga_id, type, version, trace_id, data, "
          "requested_at_ms, EXISTS (SELECT 1 FROM saga_instances i WHERE i.id = "
          "saga_start_requests.saga_id)",
      {number(epoch_), number(after)});
  if (!rows) return rows.status();
  std::vector<PendingStart> out;
  for (int r = 0; r < rows->size(); ++r) {
    PendingStart pending;
    StartRequest& s = pending.request;
    s.seq = rows->get_int(r, 0);
    s.saga_id = rows->get(r, 1);
    s.type = rows->get(r, 2);
    s.version = static_cast<std::uint32_t>(rows->get_int(r, 3));
    s.trace_id = rows->get(r, 4);
    s.data = rows->get_bytes(r, 5);
    s.requested_at = Millis(rows->get_int(r, 6));
    pending.saga_exists = rows->get(r, 7) == "t";
    out.push_back(std::move(pending));
  }
  std::sort(out.begin(), out.end(), [](const PendingStart& a, const PendingStart& b) {
    return a.request.seq < b.request.seq;
  });
  return out;
}

Result<bool> PgSagaStore::start_pending(const std::string& saga_id) {
  if (Status s = ready(); !s) return s.with_context("store: start_pending");
  return found(*c_, "SELECT 1 FROM saga_start_requests WHERE saga_id = $1", saga_id);
}

// Inside commit()'s transaction: only this incarnation's rows (another that took a row over
// after our lease expired starts it; our commit is fenced anyway).
Status PgSagaStore::delete_start_requests(const std::vector<std::int64_t>& seqs) {
  for (std::int64_t seq : seqs) {
    if (Status s = c_->run("start requests",
                           "DELETE FROM saga_start_requests WHERE seq = $1 AND taken_by = $2",
                           {number(seq), number(epoch_)});
        !s) {
      return s;
    }
  }
  return Status::ok();
}

}  // namespace saga
