// saga/transactional_event.h over the caller's SQLiteCpp connection: one row in
// saga_event_requests (schema v12), inside the caller's transaction. Events are rare next to
// starts, so the statement is prepared on each call.
#include "saga/transactional_event.h"

#include <SQLiteCpp/SQLiteCpp.h>

#include "store/sqlite_error.h"
#include "store/sqlite_rows.h"
#include "store/transactional_support.h"

namespace saga {
namespace {

using namespace sqlite_rows;

Status check_event(const EventDelivery& e) {
  if (e.event_id.empty()) return invalid_argument("signal_saga_in_transaction: empty event_id");
  if (e.name.empty()) {
    return invalid_argument("signal_saga_in_transaction: event " + e.event_id +
                            " has an empty name");
  }
  if (e.saga_id.empty() == e.key.empty()) {
    return invalid_argument("signal_saga_in_transaction: event " + e.event_id +
                            ": give exactly one of saga_id and key");
  }
  if (e.content_type != ContentType::kCerealBinary && e.content_type != ContentType::kJson) {
    return invalid_argument("signal_saga_in_transaction: event " + e.event_id +
                            ": unknown content type");
  }
  return Status::ok();
}

}  // namespace

Status signal_saga_in_transaction(SQLite::Database& db, const EventDelivery& event,
                                  std::string_view trace_id) {
  if (Status s = check_event(event); !s) return s;
  if (!transactional::in_transaction(db)) {
    return failed_precondition(
        "signal_saga_in_transaction: no transaction is open on the connection (begin one: the "
        "event commits with it)");
  }
  const std::string context = "signal_saga_in_transaction " + event.event_id;
  try {
    if (Status s = transactional::check_schema(db); !s) return s.with_context(context);
    SQLite::Statement insert(db,
                             "INSERT INTO saga_event_requests (event_id, name, saga_id, "
                             "event_key, content_type, body, trace_id, requested_at_ms) "
                             "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)");
    bind_text(insert, 1, event.event_id);
    bind_text(insert, 2, event.name);
    bind_text(insert, 3, event.saga_id);
    bind_text(insert, 4, event.key);
    insert.bind(5, static_cast<int>(event.content_type));
    bind_blob(insert, 6, event.body);
    insert.bind(7, std::string(trace_id));
    insert.bind(8, transactional::wall_ms());
    insert.exec();
    return Status::ok();
  } catch (const SQLite::Exception& e) {
    return from_exception(e, context);
  }
}

Status signal_saga_in_transaction(SQLite::Database& db, const Envelope& event) {
  if (event.kind != MessageKind::kEvent) {
    return invalid_argument("signal_saga_in_transaction: message " + event.message_id +
                            " is not an event");
  }
  const EventDelivery delivery{event.message_id, event.name,         event.saga_id,
                               event.event_key,  event.content_type, event.body};
  return signal_saga_in_transaction(db, delivery, event.trace_id);
}

}  // namespace saga
