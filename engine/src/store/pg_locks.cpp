// PgSagaStore's semantic locks (saga_locks, saga_lock_waits). With several instances on the
// database (shared()), the table is the arbiter: a commit grants a key only when it is free or
// held by a saga of this instance, else the whole commit is refused (kConflict, message with
// kLockTakenElsewhere) and the engine decides again from the table as committed
// (docs/scale-out.md, "Semantic locks").
#include <algorithm>

#include "store/pg_saga_store.h"
#include "store/sqlite_rows.h"

namespace saga {

using pg::number;
using pg::text;

namespace {
// The lock row's holder (alias saga_locks) is a saga of the incarnation $<epoch>.
std::string holder_is_mine(int epoch) {
  return "EXISTS (SELECT 1 FROM saga_instances s WHERE s.id = saga_locks.saga_id AND "
         "s.lease_epoch = $" +
         std::to_string(epoch) + ")";
}
// The lock row's holder is an unfinished saga of another incarnation than $<epoch>.
std::string holder_is_foreign(int epoch) {
  return "EXISTS (SELECT 1 FROM saga_instances s WHERE s.id = saga_locks.saga_id AND "
         "s.phase IN (1, 2, 5, 6) AND s.lease_epoch <> $" +
         std::to_string(epoch) + ")";
}

HeldLock read_lock(const pg::Rows& rows, int r) {
  return HeldLock{rows.get(r, 0), rows.get(r, 1), Millis(rows.get_int(r, 2)),
                  Millis(rows.get_int(r, 3)), static_cast<std::int32_t>(rows.get_int(r, 4))};
}
}  // namespace

Status PgSagaStore::write_locks(const LockChanges& changes) {
  for (const std::string& key : changes.locks_deleted) {
    // Shared: never a key another instance's running saga holds (this one's view was stale).
    Status s =
        shared() ? c_->run("locks",
                           "DELETE FROM saga_locks WHERE key = $1 AND NOT " + holder_is_foreign(2),
                           {text(key), number(epoch_)})
                 : c_->run("locks", "DELETE FROM saga_locks WHERE key = $1", {text(key)});
    if (!s) return s;
  }
  for (const HeldLock& l : changes.locks_put) {
    std::string sql =
        "INSERT INTO saga_locks (key, saga_id, acquired_at_ms, lease_ms, release_after) "
        "VALUES ($1, $2, $3, $4, $5) ON CONFLICT (key) DO UPDATE SET saga_id = $2, "
        "acquired_at_ms = $3, lease_ms = $4, release_after = $5";
    // Shared: the key changes hands only from a saga of this instance (or stays with its
    // saga). A holder another instance inserted concurrently is not visible to the subquery:
    // it counts as foreign, the safe side.
    std::vector<pg::Param> p{text(l.key), text(l.saga_id), number(l.acquired_at.count()),
                             number(l.lease.count()), number(l.release_after)};
    if (shared()) {
      sql += " WHERE saga_locks.saga_id = $2 OR " + holder_is_mine(6);
      p.push_back(number(epoch_));
    }
    Result<pg::Rows> r = c_->exec("locks", sql, p);
    if (!r) return r.status();
    if (r->affected() == 0) {
      return Status(StatusCode::kConflict, "lock " + l.key + " for saga " + l.saga_id + ": " +
                                               std::string(kLockTakenElsewhere));
    }
  }
  for (const std::string& id : changes.waits_deleted) {
    if (Status s =
            c_->run("lock waits", "DELETE FROM saga_lock_waits WHERE saga_id = $1", {text(id)});
        !s) {
      return s;
    }
  }
  for (const LockWait& w : changes.waits_put) {
    if (Status s = c_->run(
            "lock waits",
            "INSERT INTO saga_lock_waits (saga_id, seq, key, since_ms, step, claims) VALUES "
            "($1, $2, $3, $4, $5, $6) ON CONFLICT (saga_id) DO UPDATE SET seq = $2, key = $3, "
            "since_ms = $4, step = $5, claims = $6",
            {text(w.saga_id), number(static_cast<std::int64_t>(w.seq)), text(w.claims.front().key),
             number(w.since.count()), number(w.step),
             pg::bytes(sqlite_rows::encode_claims(w.claims))});
        !s) {
      return s;
    }
  }
  return Status::ok();
}

Result<std::vector<HeldLock>> PgSagaStore::load_locks() {
  if (Status s = ready(); !s) return s.with_context("store: load_locks");
  Result<pg::Rows> rows = c_->exec("store: load_locks",
                                   "SELECT key, saga_id, acquired_at_ms, lease_ms, release_after "
                                   "FROM saga_locks ORDER BY key");
  if (!rows) return rows.status();
  std::vector<HeldLock> out;
  for (int r = 0; r < rows->size(); ++r) out.push_back(read_lock(*rows, r));
  return out;
}

Result<std::vector<HeldLock>> PgSagaStore::locks_held(const std::vector<std::string>& keys) {
  if (keys.empty()) return std::vector<HeldLock>{};
  if (Status s = ready(); !s) return s.with_context("store: locks_held");
  std::string in;
  std::vector<pg::Param> p;
  for (const std::string& key : keys) {
    p.push_back(text(key));
    in += (in.empty() ? "$" : ", $") + std::to_string(p.size());
  }
  Result<pg::Rows> rows =
      c_->exec("store: locks_held",
               "SELECT key, saga_id, acquired_at_ms, lease_ms, release_after FROM saga_locks "
               "WHERE key IN (" +
                   in + ") ORDER BY key",
               p);
  if (!rows) return rows.status();
  std::vector<HeldLock> out;
  for (int r = 0; r < rows->size(); ++r) out.push_back(read_lock(*rows, r));
  return out;
}

Result<std::vector<LockWait>> PgSagaStore::load_lock_waits() {
  if (Status s = ready(); !s) return s.with_context("store: load_lock_waits");
  // Shared: the queues of this instance's sagas only (another's are its own to serve); the
  // lock rows' alias is reused for the waiting saga.
  const std::string mine = " WHERE NOT " + holder_is_foreign(1);
  Result<pg::Rows> rows =
      shared() ? c_->exec("store: load_lock_waits",
                          "SELECT saga_id, seq, since_ms, step, claims FROM saga_lock_waits "
                          "saga_locks" +
                              mine + " ORDER BY seq",
                          {number(epoch_)})
               : c_->exec("store: load_lock_waits",
                          "SELECT saga_id, seq, since_ms, step, claims FROM saga_lock_waits "
                          "ORDER BY seq");
  if (!rows) return rows.status();
  std::vector<LockWait> out;
  for (int r = 0; r < rows->size(); ++r) {
    LockWait w;
    w.saga_id = rows->get(r, 0);
    w.seq = static_cast<std::uint64_t>(rows->get_int(r, 1));
    w.since = Millis(rows->get_int(r, 2));
    w.step = static_cast<std::int32_t>(rows->get_int(r, 3));
    std::optional<std::vector<LockClaim>> claims =
        sqlite_rows::decode_claims(rows->get_bytes(r, 4));
    if (!claims) {
      return Status(StatusCode::kMalformed, "saga_lock_waits row " + w.saga_id + ": bad claims");
    }
    w.claims = std::move(*claims);
    out.push_back(std::move(w));
  }
  return out;
}

}  // namespace saga
