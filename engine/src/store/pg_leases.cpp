// PgSagaStore's leases (pg_saga_store.h, docs/scale-out.md): registering an incarnation,
// renewing its lease, and claiming the sagas of instances whose lease expired.
#include <unistd.h>

#include <utility>

#include "store/pg_saga_store.h"
#include "store/sqlite_rows.h"

namespace saga {

using pg::number;
using pg::text;

namespace {
// Like every PostgreSQL query here, by number: executing, compensating, failed, scheduled.
constexpr const char* kUnfinished = "phase IN (1, 2, 5, 6)";
static_assert(static_cast<int>(Phase::kExecuting) == 1 &&
                  static_cast<int>(Phase::kCompensating) == 2 &&
                  static_cast<int>(Phase::kFailed) == 5 && static_cast<int>(Phase::kScheduled) == 6,
              "the PostgreSQL queries name the unfinished phases by number");
}  // namespace

std::string PgSagaStore::lease_interval() const {
  return std::to_string(options_.lease.count()) + " milliseconds";
}

Status PgSagaStore::register_incarnation() {
  if (options_.instance_name.empty()) {
    char host[256] = {};
    (void)gethostname(host, sizeof host - 1);
    options_.instance_name = std::string(host) + ":" + std::to_string(getpid());
  }
  Result<pg::Rows> r =
      c_->exec("register instance",
               "INSERT INTO saga_engine_instances (epoch, name, expires_at) VALUES "
               "(nextval('saga_lease_epochs'), $1, now() + $2::interval) RETURNING epoch",
               {text(options_.instance_name), text(lease_interval())});
  if (!r) return r.status();
  epoch_ = r->get_int(0, 0);
  return Status::ok();
}

Status PgSagaStore::renew_in_transaction() {
  Result<pg::Rows> r = c_->exec("lease",
                                "UPDATE saga_engine_instances SET expires_at = now() + "
                                "$2::interval WHERE epoch = $1 AND expires_at > now()",
                                {number(epoch_), text(lease_interval())});
  if (!r) return r.status();
  if (r->affected() == 0) {
    return Status(StatusCode::kConflict, "lease of " + options_.instance_name + " (epoch " +
                                             std::to_string(epoch_) +
                                             ") expired: fenced, another instance may own its "
                                             "sagas");
  }
  return Status::ok();
}

// Sagas whose owner's lease expired (or whose owner never registered), oldest first. SKIP
// LOCKED: rows another instance is claiming or committing right now are left to it.
//
// A saga is claimed with its children (docs/dsl.md section 9): a parent and its child end each
// other's waits in one commit (runtime/engine_children.cpp), so one instance must run both. The
// claim picks `limit` families by their root (an orphan whose parent is not an unfinished saga)
// and takes every unfinished descendant with it, found through parent_id (indexed, schema v4).
Result<std::vector<SagaInstance>> PgSagaStore::claim(std::size_t limit) {
  const std::string columns = pg_rows::prefixed(sqlite_rows::kInstanceColumns, "s");
  // The orphan test again in the UPDATE: a row another claimer committed after this
  // statement's snapshot is not locked any more, so SKIP LOCKED does not skip it, and the
  // re-check READ COMMITTED does on the locked row's new version does not re-run the anti-join.
  // Here the row is locked and current: it must still be an orphan.
  const std::string orphan =
      " AND NOT EXISTS (SELECT 1 FROM saga_engine_instances e WHERE e.epoch = %.lease_epoch "
      "AND e.expires_at > now())";
  auto orphan_of = [&](const char* alias) {
    std::string out = orphan;
    out.replace(out.find('%'), 1, alias);
    return std::string(" AND ") + alias + ".lease_epoch <> $1" + out;
  };
  // Claims run one at a time across instances (a transaction-level advisory lock, held to the
  // commit): the claim statement below then takes its snapshot after the previous claimer
  // committed, so it sees that claimer's rows as owned. Without it two claimers raced (the
  // concurrent-claims test caught a saga claimed twice). Claims are rare (one per renewal).
  if (Status s = c_->run("claim lock", "SELECT pg_advisory_xact_lock(7241001)", {}); !s) {
    return s;
  }
  const std::string roots =
      std::string("SELECT id FROM saga_instances o WHERE ") + kUnfinished + orphan_of("o") +
      " AND NOT EXISTS (SELECT 1 FROM saga_instances p WHERE p.id = o.parent_id AND p." +
      kUnfinished + ") ORDER BY created_at_ms, id" + pg_rows::limit_clause(limit) +
      " FOR UPDATE SKIP LOCKED";
  const std::string family =
      "SELECT id FROM roots UNION ALL SELECT c.id FROM saga_instances c JOIN family f ON "
      "c.parent_id = f.id WHERE c." +
      std::string(kUnfinished);
  return pg_rows::read_all<SagaInstance>(
      c_->exec("claim",
               "WITH RECURSIVE roots AS (" + roots + "), family (id) AS (" + family +
                   ") UPDATE saga_instances s SET owner = $2, lease_epoch = $1 FROM family "
                   "WHERE s.id = family.id" +
                   orphan_of("s") + " RETURNING " + columns,
               {number(epoch_), text(options_.instance_name)}),
      &pg_rows::read_instance);
}

Result<LeaseReport> PgSagaStore::renew_lease(std::size_t claim_limit) {
  if (!shared()) return LeaseReport{};
  if (Status s = ready(); !s) return s.with_context("store: renew_lease");
  pg::Transaction tx(*c_);
  if (Status s = tx.begin(); !s) return s.with_context("store: renew_lease");
  LeaseReport report;
  if (Status s = renew_in_transaction(); !s) {
    if (s.code() != StatusCode::kConflict) return s.with_context("store: renew_lease");
    report.lost = true;
    return report;
  }
  if (claim_limit > 0) {
    Result<std::vector<SagaInstance>> claimed = claim(claim_limit);
    if (!claimed) return claimed.status().with_context("store: renew_lease");
    report.claimed = std::move(claimed).value();
    for (const SagaInstance& i : report.claimed) {
      Result<std::vector<OutboxEntry>> out = outbox_rows("WHERE o.saga_id = $1", {text(i.id)});
      if (!out) return out.status().with_context("store: renew_lease");
      for (OutboxEntry& e : out.value()) report.outbox.push_back(std::move(e));
    }
  }
  if (Status s = tx.commit(); !s) return s.with_context("store: renew_lease");
  return report;
}

Result<std::vector<SagaInstance>> PgSagaStore::load_unfinished() {
  const std::string order = " ORDER BY created_at_ms, id";
  if (!shared()) {
    Result<std::vector<SagaInstance>> all =
        instances(std::string("WHERE ") + kUnfinished + order, {});
    if (!all) return all.status().with_context("store: load_unfinished");
    return all;
  }
  // A lost lease (the engine was cut off for longer than the lease) gets a fresh incarnation:
  // its old sagas are orphans now, claimed below unless another instance was faster.
  Result<LeaseReport> renewed = renew_lease(0);
  if (!renewed) return renewed.status().with_context("store: load_unfinished");
  if (renewed->lost) {
    if (Status s = register_incarnation(); !s) return s.with_context("store: load_unfinished");
  }
  if (Result<std::vector<SagaInstance>> claimed = claim(0); !claimed) {
    return claimed.status().with_context("store: load_unfinished");
  }
  Result<std::vector<SagaInstance>> mine = instances(
      std::string("WHERE ") + kUnfinished + " AND lease_epoch = $1" + order, {number(epoch_)});
  if (!mine) return mine.status().with_context("store: load_unfinished");
  return mine;
}

Result<std::vector<OutboxEntry>> PgSagaStore::load_outbox() {
  Result<std::vector<OutboxEntry>> out =
      shared() ? outbox_rows(
                     "LEFT JOIN saga_instances s ON s.id = o.saga_id "
                     "WHERE s.id IS NULL OR s.lease_epoch = $1 ORDER BY o.put_seq",
                     {number(epoch_)})
               : outbox_rows("ORDER BY o.put_seq", {});
  if (!out) return out.status().with_context("store: load_outbox");
  return out;
}

}  // namespace saga
