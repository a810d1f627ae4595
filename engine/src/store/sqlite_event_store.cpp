// External events in the SQLite store (schema v6): tables saga_events and saga_event_keys.
// Events are rare next to replies, so the statements are prepared when used.
#include <SQLiteCpp/SQLiteCpp.h>

#include "store/sqlite_rows.h"
#include "store/sqlite_saga_store_impl.h"

namespace saga {

using namespace sqlite_rows;

namespace {

constexpr const char* kEventColumns =
    "event_id, saga_id, name, event_key, content_type, body, received_at_ms, state, "
    "consumed_step, consumed_at_ms";

Result<StoredEvent> read_event(const SQLite::Statement& s) {
  StoredEvent e;
  std::int64_t type = 0, state = 0, step = 0;
  if (!in_range(s, 4, 1, 2, &type) || !in_range(s, 7, 0, 1, &state) ||
      !in_range(s, 8, -1, INT32_MAX, &step)) {
    return make_status(StatusCode::kCorrupt, "store", "damaged saga_events row");
  }
  e.event_id = s.getColumn(0).getString();
  e.saga_id = s.getColumn(1).getString();
  e.name = s.getColumn(2).getString();
  e.key = s.getColumn(3).getString();
  e.content_type = static_cast<ContentType>(type);
  e.body = column_bytes(s.getColumn(5));
  e.received_at = Millis{s.getColumn(6).getInt64()};
  e.state = static_cast<EventState>(state);
  e.consumed_step = static_cast<std::int32_t>(step);
  e.consumed_at = Millis{s.getColumn(9).getInt64()};
  return e;
}

}  // namespace

void SqliteSagaStore::Impl::write_events(const StoreBatch& batch) {
  if (!batch.events_put.empty()) {
    SQLite::Statement put(db_, sql("INSERT INTO saga_events (", kEventColumns,
                                   ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)"));
    for (const StoredEvent& e : batch.events_put) {
      bind_text(put, 1, e.event_id);
      bind_text(put, 2, e.saga_id);
      bind_text(put, 3, e.name);
      bind_text(put, 4, e.key);
      put.bind(5, static_cast<int>(e.content_type));
      bind_blob(put, 6, e.body);
      put.bind(7, static_cast<std::int64_t>(e.received_at.count()));
      put.bind(8, static_cast<int>(e.state));
      put.bind(9, e.consumed_step);
      put.bind(10, static_cast<std::int64_t>(e.consumed_at.count()));
      put.exec();
      put.reset();
    }
  }
  if (!batch.events_consumed.empty()) {
    SQLite::Statement take(db_,
                           "UPDATE saga_events SET state = 1, consumed_step = ?2, "
                           "consumed_at_ms = ?3 WHERE event_id = ?1 AND state = 0");
    for (const EventConsumption& c : batch.events_consumed) {
      bind_text(take, 1, c.event_id);
      take.bind(2, c.step);
      take.bind(3, static_cast<std::int64_t>(c.at.count()));
      take.exec();
      take.reset();
    }
  }
  if (!batch.event_keys_delete.empty()) {
    SQLite::Statement drop(db_, "DELETE FROM saga_event_keys WHERE saga_id = ?1");
    for (const std::string& id : batch.event_keys_delete) {
      bind_text(drop, 1, id);
      drop.exec();
      drop.reset();
    }
  }
  if (!batch.event_keys_put.empty()) {
    SQLite::Statement put(
        db_, "INSERT OR IGNORE INTO saga_event_keys (name, key, saga_id) VALUES (?1, ?2, ?3)");
    for (const EventKeyRecord& k : batch.event_keys_put) {
      bind_text(put, 1, k.name);
      bind_text(put, 2, k.key);
      bind_text(put, 3, k.saga_id);
      put.exec();
      put.reset();
    }
  }
  write_event_requests(batch);
}

Result<std::optional<StoredEvent>> SqliteSagaStore::Impl::load_event(const std::string& event_id) {
  return guarded("store: load event " + event_id, [&] {
    SQLite::Statement s(db_,
                        sql("SELECT ", kEventColumns, " FROM saga_events WHERE event_id = ?1"));
    bind_text(s, 1, event_id);
    return read_first(s, read_event);
  });
}

Result<std::vector<StoredEvent>> SqliteSagaStore::Impl::saga_events(
    const std::string& saga_id, std::optional<EventState> state) {
  return guarded("store: events of " + saga_id, [&] {
    SQLite::Statement s(db_, sql("SELECT ", kEventColumns,
                                 " FROM saga_events WHERE saga_id = ?1 AND (?2 < 0 OR state = ?2)"
                                 " ORDER BY received_at_ms, rowid"));
    bind_text(s, 1, saga_id);
    s.bind(2, state ? static_cast<int>(*state) : -1);
    return read_rows(s, read_event);
  });
}

Result<std::vector<std::string>> SqliteSagaStore::Impl::sagas_for_event_key(
    const std::string& name, const std::string& key) {
  return guarded("store: sagas for event key " + key, [&]() -> Result<std::vector<std::string>> {
    SQLite::Statement s(db_,
                        "SELECT saga_id FROM saga_event_keys WHERE name = ?1 AND key = ?2 "
                        "ORDER BY saga_id");
    bind_text(s, 1, name);
    bind_text(s, 2, key);
    std::vector<std::string> ids;
    while (s.executeStep()) ids.push_back(s.getColumn(0).getString());
    return ids;
  });
}

Result<std::optional<StoredEvent>> SqliteSagaStore::load_event(const std::string& event_id) {
  return impl_->load_event(event_id);
}
Result<std::vector<StoredEvent>> SqliteSagaStore::saga_events(const std::string& saga_id,
                                                              std::optional<EventState> state) {
  return impl_->saga_events(saga_id, state);
}
Result<std::vector<std::string>> SqliteSagaStore::sagas_for_event_key(const std::string& name,
                                                                      const std::string& key) {
  return impl_->sagas_for_event_key(name, key);
}

std::string_view to_string(EventState state) {
  return state == EventState::kConsumed ? "consumed" : "pending";
}

}  // namespace saga
