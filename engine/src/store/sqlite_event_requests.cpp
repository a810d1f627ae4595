// SqliteSagaStore: the engine's side of saga_event_requests (schema v12), the events that
// callers commit in transactions of their own connections (saga/transactional_event.h). Read
// as saga_start_requests are: after PRAGMA data_version changed, rows above the last seq read.
// Rows are deleted (delivered) or marked refused inside the commit that records the event.
#include <SQLiteCpp/SQLiteCpp.h>

#include <algorithm>

#include "store/sqlite_rows.h"
#include "store/sqlite_saga_store_impl.h"

namespace saga {

using namespace sqlite_rows;

namespace {

constexpr const char* kEventRequestColumns =
    "seq, event_id, name, saga_id, event_key, content_type, body, trace_id, requested_at_ms, "
    "refused_at_ms, refusal";

Result<EventRequest> read_event_request(const SQLite::Statement& s) {
  EventRequest r;
  std::int64_t type = 0;
  if (!in_range(s, 5, 1, 2, &type)) {
    return make_status(StatusCode::kCorrupt, "store", "damaged saga_event_requests row");
  }
  r.seq = s.getColumn(0).getInt64();
  r.event_id = column_bytes(s.getColumn(1));
  r.name = column_bytes(s.getColumn(2));
  r.saga_id = column_bytes(s.getColumn(3));
  r.key = column_bytes(s.getColumn(4));
  r.content_type = static_cast<ContentType>(type);
  r.body = column_bytes(s.getColumn(6));
  r.trace_id = column_bytes(s.getColumn(7));
  r.requested_at = Millis{s.getColumn(8).getInt64()};
  r.refused_at = Millis{s.getColumn(9).getInt64()};
  r.refusal = column_bytes(s.getColumn(10));
  return r;
}

}  // namespace

Result<std::vector<EventRequest>> SqliteSagaStore::Impl::event_requests(std::int64_t after,
                                                                        std::size_t limit) {
  return guarded("store: event_requests", [&] {
    // Kept prepared: the engine reads here whenever another connection committed to the file
    // (PRAGMA data_version), which on a shared file is nearly every iteration.
    if (!read_event_requests_) {
      read_event_requests_ = std::make_unique<SQLite::Statement>(
          db_, sql("SELECT ", kEventRequestColumns,
                   " FROM saga_event_requests WHERE seq > ?1 AND refused_at_ms = 0 "
                   "ORDER BY seq LIMIT ?2"));
    }
    SQLite::Statement& s = *read_event_requests_;
    s.reset();  // in case a throw left it mid-way
    s.bind(1, after);
    s.bind(2, sql_limit(limit));
    auto rows = read_rows(s, read_event_request);
    s.reset();  // ends its read of the file, also when a row was refused mid-way
    return rows;
  });
}

Result<std::vector<EventRequest>> SqliteSagaStore::Impl::refused_event_requests(std::size_t limit) {
  return guarded("store: refused_event_requests", [&] {
    SQLite::Statement s(db_, sql("SELECT ", kEventRequestColumns,
                                 " FROM saga_event_requests WHERE refused_at_ms > 0 "
                                 "ORDER BY refused_at_ms DESC, seq DESC LIMIT ?1"));
    s.bind(1, sql_limit(limit));
    return read_rows(s, read_event_request);
  });
}

// Inside commit()'s transaction.
void SqliteSagaStore::Impl::write_event_requests(const StoreBatch& batch) {
  if (!batch.event_requests_done.empty()) {
    SQLite::Statement s(db_, "DELETE FROM saga_event_requests WHERE seq = ?1");
    for (std::int64_t seq : batch.event_requests_done) {
      s.bind(1, seq);
      s.exec();
      s.reset();
    }
  }
  if (!batch.event_requests_refused.empty()) {
    SQLite::Statement s(db_,
                        "UPDATE saga_event_requests SET refused_at_ms = ?2, refusal = ?3 "
                        "WHERE seq = ?1");
    for (const EventRequestRefusal& r : batch.event_requests_refused) {
      s.bind(1, r.seq);
      // 0 means pending: a refusal at the clock's epoch is recorded as 1 ms after it.
      s.bind(2, std::max<std::int64_t>(1, r.at.count()));
      bind_text(s, 3, r.reason);
      s.exec();
      s.reset();
    }
  }
}

Result<std::vector<EventRequest>> SqliteSagaStore::event_requests(std::int64_t after,
                                                                  std::size_t limit) {
  return impl_->event_requests(after, limit);
}
Result<std::vector<EventRequest>> SqliteSagaStore::refused_event_requests(std::size_t limit) {
  return impl_->refused_event_requests(limit);
}

}  // namespace saga
