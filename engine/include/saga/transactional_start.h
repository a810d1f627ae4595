// Transactional start: a saga start written inside a transaction that the caller holds on its
// own SQLite connection (SQLiteCpp), so that the service's own change and the saga's start
// commit together or not at all (docs/embedding.md).
//
// The engine's tables live in the service's own database file (EngineOptions::shared_database,
// or prepare_engine_tables below). start_saga_in_transaction() inserts one row into
// saga_start_requests inside the caller's open transaction. Nothing is sent and the engine sees
// nothing before the caller commits; after a rollback nothing remains. Once committed, the
// start is durable: an engine open on the same file (in this process or another) finds it
// within EngineOptions::start_poll_interval (sooner after Engine::notify_starts()), starts the
// saga (instance, history, first command, in one engine commit that also deletes the row) and
// runs it. Works from any process that writes the file, with or without an engine.
//
// Until the engine takes it, the saga is a pending start: Engine::wait() on its id waits for it,
// Engine::get() is kNotFound, and saga_start_requests holds its row (query it by saga_id).
// A pending start whose type (or version) the engine has not registered stays pending (logged
// as an error) and is tried again when the engine restarts.
//
// The caller's connection: WAL mode (prepare_engine_tables sets it) and a busy timeout, since
// several connections write the file (docs/embedding.md, "Several writers"). Begin the
// transaction IMMEDIATE (SQLite::TransactionBehavior::IMMEDIATE): a deferred transaction that
// read before its first write fails with SQLITE_BUSY (kBusy) without waiting when the engine
// committed in between, because WAL cannot upgrade a stale read snapshot to a write.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "saga/body_codec.h"
#include "saga/engine.h"
#include "saga/status.h"

namespace SQLite {
class Database;
}

namespace saga {

// Creates or migrates the engine's tables (all named saga_*, plus operator_requests) in the
// file `db` is open on, next to the caller's own tables, and sets WAL mode. Call it outside a
// transaction, e.g. at the service's start-up; an Engine opened with shared_database does the
// same. kCorrupt when the file's engine schema is newer than this build; SQLite errors mapped
// as the store maps them (kBusy, kReadOnly, kIoError, ...).
Status prepare_engine_tables(SQLite::Database& db);

// Inside the transaction open on `db`: records the start of a saga of `type` with `data` (the
// saga data, encoded as the definition expects) and returns its id (options.id, or a new
// unique id). options.version 0: the highest version registered when the engine starts it.
// options.not_before and options.deadline as Engine::start_saga's (engine clock: the system
// clock's ms since the Unix epoch for an engine on SystemClock): the saga is scheduled, or
// has a deadline; a deadline that passed before the engine took the start acts at once.
// Errors (nothing written): kInvalidArgument for a deadline not later than not_before;
// kFailedPrecondition when no transaction is open on `db` or the file has no engine tables at
// this build's schema version; kAlreadyExists when a saga or a pending
// start has that id; kInvalidArgument for an empty type; SQLite errors mapped as the store maps
// them. An error leaves the caller's transaction open: the caller decides to roll back.
Result<std::string> start_saga_in_transaction(SQLite::Database& db, std::string_view type,
                                              std::string_view data,
                                              const StartOptions& options = {});

// The same, encoding `data` with cereal portable binary (the DSL's typed saga data, e.g.
// ftgo::CreateOrderData).
template <typename T>
Result<std::string> start_saga_in_transaction_with(SQLite::Database& db, std::string_view type,
                                                   const T& data,
                                                   const StartOptions& options = {}) {
  Result<std::string> bytes = encode_body(data);
  if (!bytes) return bytes.status();
  return start_saga_in_transaction(db, type, bytes.value(), options);
}

// start_saga_in_transaction for many starts on one connection: the statements are prepared at
// the first start and kept, so a start parses no SQL (start_saga_in_transaction prepares them
// on every call). Same contract and errors as start_saga_in_transaction on the connection given
// here; the schema version is checked at every start (through a kept statement). Use it from
// one thread at a time, and destroy it before the connection (it holds prepared statements of
// that connection, which SQLite needs finalized before a close).
class TransactionalStarts {
 public:
  explicit TransactionalStarts(SQLite::Database& db);
  ~TransactionalStarts();
  TransactionalStarts(const TransactionalStarts&) = delete;
  TransactionalStarts& operator=(const TransactionalStarts&) = delete;

  Result<std::string> start(std::string_view type, std::string_view data,
                            const StartOptions& options = {});
  template <typename T>
  Result<std::string> start_with(std::string_view type, const T& data,
                                 const StartOptions& options = {}) {
    Result<std::string> bytes = encode_body(data);
    if (!bytes) return bytes.status();
    return start(type, bytes.value(), options);
  }

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace saga
