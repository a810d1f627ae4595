// SqliteSagaStore: the engine's side of saga_start_requests (schema v6), the starts that callers
// commit in transactions of their own connections (saga/transactional_start.h). The engine asks
// changed_elsewhere() (PRAGMA data_version: one read of shared memory, no I/O) before it reads
// rows, and reads only the rows above the last seq it saw, so an idle poll costs one pragma.
#include <SQLiteCpp/SQLiteCpp.h>

#include "store/sqlite_rows.h"
#include "store/sqlite_saga_store_impl.h"

namespace saga {

using namespace sqlite_rows;

Result<bool> SqliteSagaStore::Impl::changed_elsewhere() {
  return guarded("store: data_version", [&]() -> Result<bool> {
    // Changes when another connection (of this process or another) commits; a commit of this
    // connection leaves it alone.
    const std::int64_t now = db_.execAndGet("PRAGMA data_version").getInt64();
    const bool changed = !data_version_ || *data_version_ != now;
    data_version_ = now;
    return changed;
  });
}

Result<std::vector<PendingStart>> SqliteSagaStore::Impl::start_requests(std::int64_t after,
                                                                        std::size_t limit) {
  return guarded("store: start_requests", [&] {
    SQLite::Statement& s = st_->read_start_requests;
    Use use(s);
    s.bind(1, after);
    s.bind(2, sql_limit(limit));
    return read_rows(s, [](const SQLite::Statement& row) -> Result<PendingStart> {
      PendingStart pending;
      StartRequest& r = pending.request;
      r.seq = row.getColumn(0).getInt64();
      r.saga_id = column_bytes(row.getColumn(1));
      r.type = column_bytes(row.getColumn(2));
      r.version = static_cast<std::uint32_t>(row.getColumn(3).getInt64());
      r.trace_id = column_bytes(row.getColumn(4));
      r.data = column_bytes(row.getColumn(5));
      r.requested_at = Millis(row.getColumn(6).getInt64());
      r.not_before = Millis(row.getColumn(7).getInt64());
      r.deadline = Millis(row.getColumn(8).getInt64());
      pending.saga_exists = row.getColumn(9).getInt() != 0;
      return pending;
    });
  });
}

Result<bool> SqliteSagaStore::Impl::start_pending(const std::string& saga_id) {
  return guarded("store: start_pending " + saga_id, [&]() -> Result<bool> {
    SQLite::Statement s(db_, "SELECT 1 FROM saga_start_requests WHERE saga_id = ?1");
    bind_text(s, 1, saga_id);
    return s.executeStep();
  });
}

// Inside commit()'s transaction.
void SqliteSagaStore::Impl::delete_start_requests(const std::vector<std::int64_t>& seqs) {
  SQLite::Statement& s = st_->delete_start_request;
  for (std::int64_t seq : seqs) {
    Use use(s);
    s.bind(1, seq);
    s.exec();
  }
}

Result<bool> SqliteSagaStore::changed_elsewhere() { return impl_->changed_elsewhere(); }
Result<std::vector<PendingStart>> SqliteSagaStore::start_requests(std::int64_t after,
                                                                  std::size_t limit) {
  return impl_->start_requests(after, limit);
}
Result<bool> SqliteSagaStore::start_pending(const std::string& saga_id) {
  return impl_->start_pending(saga_id);
}

}  // namespace saga
