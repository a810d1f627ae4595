// PgSagaStore: the PostgreSQL backend of SagaStore (saga_store.h), chosen by open_store() for a
// "postgresql://" path. Internal to the engine; docs/scale-out.md describes it.
//
// Several engine instances share one database. An engine (kEngine access) registers an
// incarnation when it opens: a fresh lease epoch from the sequence saga_lease_epochs and a row
// in saga_engine_instances that expires `StoreOptions::lease` after the database's now(). Every
// saga it starts or claims carries its name (owner) and epoch (lease_epoch). Fencing: every
// commit first renews the incarnation's row, which must not have expired, and every update of
// a saga row requires lease_epoch = this epoch; otherwise the commit is refused with kConflict
// ("fenced") and nothing is written. renew_lease() renews the row and claims up to `limit`
// unfinished sagas whose owner's lease expired, with SELECT ... FOR UPDATE SKIP LOCKED, so
// instances claiming at the same time never wait for each other or claim the same saga.
//
// Read-only and operator access (sagactl, the Inspector) register nothing and see every saga.
// Errors map as pg_connection.h says. A lost connection is re-established before the next
// statement (a database restart costs the commits made while it was down, which the engine
// retries).
//
// Not thread-safe: one thread owns the store.
#pragma once

#include <memory>
#include <string>

#include "store/pg_connection.h"
#include "store/saga_store.h"

namespace saga {

class PgSagaStore final : public SagaStore {
 public:
  // Connects, creates or migrates the schema (kEngine only; the other accesses need it at this
  // build's version: kFailedPrecondition otherwise) and registers the incarnation (kEngine).
  static Result<std::unique_ptr<PgSagaStore>> open(const StoreOptions& options);
  ~PgSagaStore() override;

  Status commit(const StoreBatch& batch) override;
  Result<std::optional<SagaInstance>> load(const std::string& id) override;
  // kEngine: registers a fresh incarnation if the lease was lost, claims every unfinished saga
  // whose owner's lease expired, and returns the sagas this incarnation owns. Others: all.
  Result<std::vector<SagaInstance>> load_unfinished() override;
  // kEngine: the outbox rows of the sagas this incarnation owns. Others: every row.
  Result<std::vector<OutboxEntry>> load_outbox() override;
  Result<std::vector<HistoryEntry>> history(const std::string& id) override;
  Result<std::vector<SagaInstance>> list(std::optional<Phase> phase, std::size_t limit) override;
  Result<std::vector<DefinitionRecord>> definitions() override;
  Result<std::vector<HeldLock>> load_locks() override;
  Result<std::vector<LockWait>> load_lock_waits() override;  // shared: this instance's
  Result<std::vector<HeldLock>> locks_held(const std::vector<std::string>& keys) override;
  Result<std::vector<SagaInstance>> query(const SagaQuery& query) override;
  Result<std::optional<SagaInstance>> oldest_unfinished() override;
  Result<std::optional<OutboxEntry>> outbox_entry(const std::string& saga_id) override;
  Result<std::vector<SagaCount>> counts() override;
  Result<std::map<Event, std::uint64_t>> event_counts() override;
  Result<std::int64_t> add_operator_request(const OperatorRequest& request) override;
  // kEngine: pending requests except those for unfinished sagas another instance owns.
  Result<std::vector<OperatorRequest>> take_operator_requests(std::size_t limit) override;
  Status finish_operator_request(const RequestOutcome& outcome) override;
  Result<std::optional<OperatorRequest>> operator_request(std::int64_t id) override;
  Result<std::vector<OperatorRequest>> operator_requests(std::optional<RequestState> state,
                                                         std::size_t limit) override;
  Result<std::size_t> prune_finished(Millis before, std::size_t limit,
                                     const PruneArchive& archive) override;

  // Transactional starts (pg_start_requests.cpp). start_requests() takes the rows it returns
  // for this incarnation (taken_by) so that no other live instance starts them too: rows nobody
  // took, rows of incarnations whose lease expired, and this incarnation's rows above `after`
  // (seqs are not in commit order here, so untaken rows below `after` are read as well).
  Result<std::vector<PendingStart>> start_requests(std::int64_t after, std::size_t limit) override;
  Result<bool> start_pending(const std::string& saga_id) override;

  bool shared() const override { return options_.access == StoreAccess::kEngine; }
  Result<LeaseReport> renew_lease(std::size_t claim_limit) override;
  std::string lease_owner() const override { return options_.instance_name; }
  std::int64_t lease_epoch() const override { return epoch_; }

 private:
  PgSagaStore(std::unique_ptr<pg::Connection> c, StoreOptions options)
      : c_(std::move(c)), options_(std::move(options)) {}
  // A broken connection is reset first; the Status of the reset otherwise.
  Status ready();
  Status register_incarnation();
  // Renews the incarnation's lease inside the open transaction; kConflict when it expired.
  Status renew_in_transaction();
  std::string lease_interval() const;
  Status write_batch(const StoreBatch& batch);
  Status write_definition(const DefinitionRecord& d);
  Status write_locks(const LockChanges& changes);  // pg_locks.cpp
  Status delete_start_requests(const std::vector<std::int64_t>& seqs);
  Result<std::vector<SagaInstance>> claim(std::size_t limit);
  Result<std::vector<SagaInstance>> instances(const std::string& where_and_order,
                                              const std::vector<pg::Param>& params);
  // One row of saga_outbox or saga_branch_outbox (`table`).
  Status put_outbox(const char* table, const OutboxEntry& e);
  // The rows of saga_outbox, then of saga_branch_outbox, that `where` (over alias o) selects.
  Result<std::vector<OutboxEntry>> outbox_rows(const std::string& where,
                                               const std::vector<pg::Param>& params);
  Result<std::vector<OperatorRequest>> requests(const std::string& where_and_order,
                                                const std::vector<pg::Param>& params);

  std::unique_ptr<pg::Connection> c_;
  StoreOptions options_;
  std::int64_t epoch_ = 0;  // this incarnation's lease epoch (kEngine); 0 before registering
};

// The pg_rows.cpp conversions, shared by the store's files.
namespace pg_rows {
// The instance columns in sqlite_rows::kInstanceColumns order, as parameters $1..$22
// ($20 is the row version the caller chooses).
std::vector<pg::Param> instance_params(const SagaInstance& i, std::int64_t row_version);
Result<SagaInstance> read_instance(const pg::Rows& rows, int row);
Result<OutboxEntry> read_outbox(const pg::Rows& rows, int row);
Result<HistoryEntry> read_history(const pg::Rows& rows, int row);
Result<OperatorRequest> read_request(const pg::Rows& rows, int row);
// "a.x, a.y" for the column list "x, y" and the alias "a".
std::string prefixed(std::string_view columns, std::string_view alias);
// A LIMIT for `limit` (0: ALL).
std::string limit_clause(std::size_t limit);

// Every row through `read` (Result<T> read(const pg::Rows&, int)).
template <typename T>
Result<std::vector<T>> read_all(const Result<pg::Rows>& rows,
                                Result<T> (*read)(const pg::Rows&, int)) {
  if (!rows) return rows.status();
  std::vector<T> out;
  for (int r = 0; r < rows->size(); ++r) {
    Result<T> row = read(*rows, r);
    if (!row) return row.status();
    out.push_back(std::move(row).value());
  }
  return out;
}
}  // namespace pg_rows

}  // namespace saga
