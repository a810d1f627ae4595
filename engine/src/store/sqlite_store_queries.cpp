// SqliteSagaStore: the tools' queries (sagactl) and operator requests. Prepared per call: each
// runs once per sagactl command.
#include <algorithm>
#include <climits>
#include <utility>

#include "store/sqlite_rows.h"
#include "store/sqlite_saga_store_impl.h"

namespace saga {

using namespace sqlite_rows;

// --- queries for tools: prepared per call (they run once per sagactl command) ---

Result<std::vector<SagaInstance>> SqliteSagaStore::Impl::query(const SagaQuery& q) {
  return guarded("store: query", [&] {
    std::string text = sql("SELECT ", kInstanceColumns, " FROM saga_instances WHERE 1");
    if (q.phase) text += " AND phase = :phase";
    if (!q.type.empty()) text += " AND type = :type";
    if (q.created_before) text += " AND created_at_ms < :before";
    if (q.created_after) text += " AND created_at_ms >= :after";
    text += " ORDER BY created_at_ms DESC, id DESC LIMIT :limit OFFSET :offset";
    SQLite::Statement s(db_, text);
    if (q.phase) s.bind(":phase", static_cast<std::int32_t>(*q.phase));
    if (!q.type.empty()) s.bind(":type", q.type);
    if (q.created_before) s.bind(":before", static_cast<std::int64_t>(q.created_before->count()));
    if (q.created_after) s.bind(":after", static_cast<std::int64_t>(q.created_after->count()));
    s.bind(":limit", sql_limit(q.limit));
    s.bind(":offset", static_cast<std::int64_t>(std::min<std::size_t>(q.offset, INT64_MAX)));
    return read_rows(s, read_instance);
  });
}

Result<std::optional<SagaInstance>> SqliteSagaStore::Impl::oldest_unfinished() {
  return guarded("store: oldest_unfinished", [&] {
    SQLite::Statement s(db_, sql("SELECT ", kInstanceColumns,
                                 " FROM saga_instances WHERE phase IN (" + unfinished_phases() +
                                     ") ORDER BY created_at_ms, id LIMIT 1"));
    return read_first(s, read_instance);
  });
}

Result<std::optional<OutboxEntry>> SqliteSagaStore::Impl::outbox_entry(const std::string& id) {
  return guarded("store: outbox_entry " + id, [&] {
    SQLite::Statement s(db_,
                        sql("SELECT ", kOutboxColumns, " FROM saga_outbox WHERE saga_id = ?1"));
    s.bind(1, id);
    return read_first(s, read_outbox);
  });
}

Result<std::vector<SagaCount>> SqliteSagaStore::Impl::counts() {
  try {
    SQLite::Statement s(db_,
                        "SELECT type, version, fingerprint, phase, COUNT(*) FROM saga_instances "
                        "GROUP BY type, version, fingerprint, phase "
                        "ORDER BY type, version, fingerprint, phase");
    std::vector<SagaCount> out;
    while (s.executeStep()) {
      std::int64_t version, phase;
      if (!in_range(s, 1, 0, UINT32_MAX, &version) || !in_range(s, 3, 1, 5, &phase)) {
        return Status(StatusCode::kMalformed, "store: counts: value out of range");
      }
      out.push_back(SagaCount{column_bytes(s.getColumn(0)), static_cast<std::uint32_t>(version),
                              column_bytes(s.getColumn(2)), static_cast<Phase>(phase),
                              static_cast<std::uint64_t>(s.getColumn(4).getInt64())});
    }
    return out;
  } catch (const SQLite::Exception& e) {
    return from_exception(e, "store: counts");
  }
}

Result<std::map<Event, std::uint64_t>> SqliteSagaStore::Impl::event_counts() {
  try {
    SQLite::Statement s(db_, "SELECT event, COUNT(*) FROM saga_history GROUP BY event");
    std::map<Event, std::uint64_t> out;
    while (s.executeStep()) {
      std::int64_t event;
      if (!in_range(s, 0, 1, kEventCount, &event)) {
        return Status(StatusCode::kMalformed, "store: event_counts: unknown event");
      }
      out[static_cast<Event>(event)] = static_cast<std::uint64_t>(s.getColumn(1).getInt64());
    }
    return out;
  } catch (const SQLite::Exception& e) {
    return from_exception(e, "store: event_counts");
  }
}

// --- operator requests ---

Result<std::int64_t> SqliteSagaStore::Impl::add_operator_request(const OperatorRequest& r) {
  if (r.reason.empty()) return invalid_argument("operator request: reason is empty");
  try {
    SQLite::Statement s(db_,
                        "INSERT INTO operator_requests (saga_id, action, reason, requested_by, "
                        "requested_at_ms, lock_key) VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
    s.bind(1, r.saga_id);
    s.bind(2, std::string(to_string(r.action)));
    s.bind(3, r.reason);
    s.bind(4, r.requested_by);
    s.bind(5, static_cast<std::int64_t>(r.requested_at.count()));
    s.bind(6, r.lock_key);
    s.exec();
    return db_.getLastInsertRowid();
  } catch (const SQLite::Exception& e) {
    return from_exception(e, "store: add_operator_request");
  }
}

Result<std::vector<OperatorRequest>> SqliteSagaStore::Impl::take_operator_requests(
    std::size_t limit) {
  return guarded("store: take_operator_requests", [&] {
    SQLite::Statement& s = st_->pending_requests;
    Use use(s);
    s.bind(1, static_cast<std::int64_t>(std::min<std::size_t>(limit, INT64_MAX)));
    return read_rows(s, read_request);
  });
}

Result<std::optional<OperatorRequest>> SqliteSagaStore::Impl::operator_request(std::int64_t id) {
  return guarded("store: operator_request", [&] {
    SQLite::Statement s(db_,
                        sql("SELECT ", kRequestColumns, " FROM operator_requests WHERE id = ?1"));
    s.bind(1, id);
    return read_first(s, read_request);
  });
}

Result<std::vector<OperatorRequest>> SqliteSagaStore::Impl::operator_requests(
    std::optional<RequestState> state, std::size_t limit) {
  return guarded("store: operator_requests", [&] {
    std::string text = sql("SELECT ", kRequestColumns, " FROM operator_requests");
    if (state) text += " WHERE state = :state";
    text += " ORDER BY id DESC LIMIT :limit";
    SQLite::Statement s(db_, text);
    if (state) s.bind(":state", std::string(to_string(*state)));
    s.bind(":limit", sql_limit(limit));
    return read_rows(s, read_request);
  });
}

// --- retention ---

Result<std::size_t> SqliteSagaStore::Impl::prune_finished(Millis before, std::size_t limit,
                                                          const SagaStore::PruneArchive& archive) {
  try {
    // IMMEDIATE: the write lock first, so that the batch never fails half way on a busy engine.
    SQLite::Transaction tx(db_, SQLite::TransactionBehavior::IMMEDIATE);
    // Completed (3) and compensated (4) only; created_at <= updated_at lets the phase index
    // narrow the scan.
    SQLite::Statement s(db_, sql("SELECT ", kInstanceColumns,
                                 " FROM saga_instances WHERE phase IN (3, 4) AND "
                                 "created_at_ms < ?1 AND updated_at_ms < ?1 "
                                 "ORDER BY updated_at_ms, id LIMIT ?2"));
    s.bind(1, static_cast<std::int64_t>(before.count()));
    s.bind(2, static_cast<std::int64_t>(
                  std::max<std::size_t>(1, std::min<std::size_t>(limit, INT64_MAX))));
    Result<std::vector<SagaInstance>> found = read_rows(s, read_instance);
    if (!found) return found.status();
    SQLite::Statement drop_history(db_, "DELETE FROM saga_history WHERE saga_id = ?1");
    SQLite::Statement drop_instance(db_,
                                    "DELETE FROM saga_instances WHERE id = ?1 AND phase IN (3, 4)");
    SQLite::Statement drop_events(db_, "DELETE FROM saga_events WHERE saga_id = ?1");
    if (archive) {
      std::vector<SagaStore::PrunedSaga> batch;
      for (const SagaInstance& saga : found.value()) {
        Result<std::vector<HistoryEntry>> entries = history(saga.id);
        if (!entries) return entries.status();
        batch.emplace_back(saga, std::move(entries).value());
      }
      if (Status a = archive(batch); !a) return a;
    }
    for (const SagaInstance& saga : found.value()) {
      for (SQLite::Statement* d : {&drop_history, &drop_instance, &drop_events}) {
        d->bind(1, saga.id);
        d->exec();
        d->reset();
      }
    }
    tx.commit();
    return found->size();
  } catch (const SQLite::Exception& e) {
    return from_exception(e, "store: prune_finished");
  }
}

// SqliteSagaStore's tool queries and operator requests, forwarded to the Impl.

Result<std::vector<SagaInstance>> SqliteSagaStore::query(const SagaQuery& query) {
  return impl_->query(query);
}
Result<std::optional<SagaInstance>> SqliteSagaStore::oldest_unfinished() {
  return impl_->oldest_unfinished();
}
Result<std::optional<OutboxEntry>> SqliteSagaStore::outbox_entry(const std::string& saga_id) {
  return impl_->outbox_entry(saga_id);
}
Result<std::vector<SagaCount>> SqliteSagaStore::counts() { return impl_->counts(); }
Result<std::map<Event, std::uint64_t>> SqliteSagaStore::event_counts() {
  return impl_->event_counts();
}
Result<std::size_t> SqliteSagaStore::prune_finished(Millis before, std::size_t limit,
                                                    const PruneArchive& archive) {
  return impl_->prune_finished(before, limit, archive);
}

Result<std::int64_t> SqliteSagaStore::add_operator_request(const OperatorRequest& request) {
  return impl_->add_operator_request(request);
}
Result<std::vector<HeldLock>> SqliteSagaStore::load_locks() { return impl_->load_locks(); }
Result<std::vector<LockWait>> SqliteSagaStore::load_lock_waits() {
  return impl_->load_lock_waits();
}
Result<std::vector<OperatorRequest>> SqliteSagaStore::take_operator_requests(std::size_t limit) {
  return impl_->take_operator_requests(limit);
}
Status SqliteSagaStore::finish_operator_request(const RequestOutcome& outcome) {
  StoreBatch batch;
  batch.request_outcomes.push_back(outcome);
  return impl_->commit(batch);
}
Result<std::optional<OperatorRequest>> SqliteSagaStore::operator_request(std::int64_t id) {
  return impl_->operator_request(id);
}
Result<std::vector<OperatorRequest>> SqliteSagaStore::operator_requests(
    std::optional<RequestState> state, std::size_t limit) {
  return impl_->operator_requests(state, limit);
}

}  // namespace saga
