// Transactional start on PostgreSQL: a saga start written inside a transaction the caller holds
// on its own libpq connection, so that the service's own change (its order row) and the saga's
// start commit together or not at all (docs/scale-out.md, "Transactional start").
//
// The service's tables and the engine's live in the same PostgreSQL database; an Engine opened
// on it (EngineOptions::database_path = "postgresql://...") has created the engine's tables.
// start_saga_in_transaction() inserts one row into saga_start_requests inside the caller's open
// transaction (inside a savepoint of its own). Nothing is sent and no engine sees anything
// before the caller commits; after a rollback nothing remains. Once committed, one of the engine
// instances on the database takes the row (within EngineOptions::start_poll_interval, sooner
// after Engine::notify_starts() on that instance), starts the saga (instance, history, first
// command, in one commit that also deletes the row) and runs it. An instance that took a row and
// died before starting its saga loses it with its lease: another instance takes it then.
//
// Until an engine takes it, the saga is a pending start: Engine::wait() on its id waits for it,
// Engine::get() is kNotFound. A pending start whose type the engines have not registered stays
// pending (logged as an error).
//
// Available when the engine is built with PostgreSQL (SAGA_POSTGRES); otherwise it returns
// kUnavailable. The caller links libpq itself (its own connection); this header does not
// include libpq-fe.h: `pg_conn` is libpq's PGconn.
#pragma once

#include <string>
#include <string_view>

#include "saga/body_codec.h"
#include "saga/engine.h"
#include "saga/status.h"

struct pg_conn;

namespace saga {

// Inside the transaction open on `connection` (BEGIN issued, no statement of it failed):
// records the start of a saga of `type` with `data` and returns its id (options.id, or a new
// unique id). options.version 0: the highest version registered when the engine starts it.
// Errors leave nothing written and the caller's transaction usable (the savepoint is rolled
// back): kFailedPrecondition when no transaction is open (or it is aborted) or the database has
// no engine tables at this build's schema version; kAlreadyExists when a saga or a pending start
// has that id; kInvalidArgument for an empty type or a null connection; PostgreSQL errors as the
// store maps them (kUnavailable for a lost connection, ...). The caller decides to roll back.
Result<std::string> start_saga_in_transaction(pg_conn* connection, std::string_view type,
                                              std::string_view data,
                                              const StartOptions& options = {});

// The same, encoding `data` with cereal portable binary (the DSL's typed saga data).
template <typename T>
Result<std::string> start_saga_in_transaction_with(pg_conn* connection, std::string_view type,
                                                   const T& data,
                                                   const StartOptions& options = {}) {
  Result<std::string> bytes = encode_body(data);
  if (!bytes) return bytes.status();
  return start_saga_in_transaction(connection, type, bytes.value(), options);
}

}  // namespace saga
