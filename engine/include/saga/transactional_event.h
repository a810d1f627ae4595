// Transactional events: an external event for a saga's wait step (saga/event_delivery.h)
// written inside a transaction that the caller holds on its own SQLite connection (SQLiteCpp),
// so that the service's own change and the event commit together or not at all
// (docs/embedding.md, "Events in the caller's transaction").
//
// The file must hold the engine's tables (EngineOptions::shared_database, or
// prepare_engine_tables in saga/transactional_start.h). signal_saga_in_transaction() inserts
// one row into saga_event_requests inside the caller's open transaction. Nothing is delivered
// before the caller commits; after a rollback nothing remains. Once committed, the event is
// durable: an engine open on the same file (in this process or another) finds it in the same
// poll as the transactional starts (within EngineOptions::start_poll_interval, sooner after
// Engine::notify_starts()), after the starts committed before it, and delivers it as
// Engine::deliver_event would: the saga takes it (its wait step goes on in the same engine
// commit), keeps it pending until it reaches that step, or drops it as a duplicate of an event
// with the same event_id. That engine commit also deletes the row, so a crash of the engine
// neither loses the event nor delivers it twice.
//
// An event the engine refuses (what deliver_event answers with an error: no saga with that id
// or key, a saga that has ended or waits for no such event, a key that matches several sagas,
// an event_id delivered before under another name or saga) is not lost and does not hold up
// the events behind it: its row stays, marked refused with the reason (engine clock), logged as
// an error, listed by Inspector::refused_events() and `sagactl refused-events`. It is not tried
// again; the service (or an operator) decides what to do.
//
// Idempotency: the event_id names the event. Writing the same event twice (say, a handler run
// again under a new command id) delivers it once; the second is a duplicate.
//
// The transaction rule is start_saga_in_transaction's: WAL mode, a busy timeout, and
// SQLite::TransactionBehavior::IMMEDIATE.
#pragma once

#include <string_view>

#include "saga/envelope.h"
#include "saga/event_delivery.h"
#include "saga/status.h"

namespace SQLite {
class Database;
}

namespace saga {

// Inside the transaction open on `db`: records `event` for delivery once the transaction
// commits. trace_id: the caller's trace, kept with the row for the engine's log lines.
// Errors (nothing written; the caller's transaction stays open, the caller decides to roll
// back): kInvalidArgument for an empty event_id or name, neither or both of saga_id and key, an
// unknown content type; kFailedPrecondition when no transaction is open on `db` or the file has
// no engine tables at this build's schema version; SQLite errors mapped as the store maps them
// (kBusy, kIoError, ...). Whether the saga exists is not checked here (it may be started in
// the same transaction, or later): the engine decides, and refuses it visibly if need be.
Status signal_saga_in_transaction(SQLite::Database& db, const EventDelivery& event,
                                  std::string_view trace_id = {});

// The same for a saga/1 event envelope (make_event in saga/event_sender.h): kind kEvent,
// message_id the event id, name, saga_id or event_key, content_type, body, trace_id.
// kInvalidArgument for another kind.
Status signal_saga_in_transaction(SQLite::Database& db, const Envelope& event);

// Typed: `payload` (type E, named E::kMessageName) for saga `saga_id`, encoded as `type`.
template <Message E>
Status signal_saga_in_transaction_with(SQLite::Database& db, std::string saga_id,
                                       std::string event_id, const E& payload,
                                       ContentType type = ContentType::kCerealBinary) {
  Result<EventDelivery> event =
      event_for_saga(std::move(saga_id), std::move(event_id), payload, type);
  if (!event) return event.status();
  return signal_saga_in_transaction(db, event.value());
}

}  // namespace saga
