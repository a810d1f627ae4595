// SqliteSagaStore: the engine's database (internal to the engine).
//
// One SQLite file per engine, WAL mode, schema versioned by PRAGMA user_version. The schema is
// described in docs/storage.md. Only sqlite_saga_store.cpp includes SQLiteCpp; every SQLite
// error is turned into a Status there (busy -> kBusy, full disk -> kFull, read-only -> kReadOnly,
// not a database / corrupt -> kCorrupt, cannot open / I/O error -> kIoError, others ->
// kInternal), with the operation as context.
//
// Not thread-safe: the engine thread owns it.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "saga/engine.h"
#include "saga/envelope.h"
#include "saga/instance.h"
#include "saga/status.h"

namespace saga {

struct StoreOptions {
  std::string path;
  Synchronous synchronous = Synchronous::kFull;
  Millis busy_timeout{5'000};
};

// The one unanswered command of a saga (the outbox holds at most one per saga).
struct OutboxEntry {
  std::string saga_id;
  std::string participant;
  Envelope envelope;  // full command; envelope.attempt is the delivery count so far
};

struct DefinitionRecord {
  std::string name;
  std::uint32_t version = 0;
  std::string fingerprint;
  Millis registered_at{0};  // the engine's clock when first registered; kept on re-register
  friend bool operator==(const DefinitionRecord&, const DefinitionRecord&) = default;
};

// Everything one transaction writes. Applied all or nothing, in this order: definitions,
// inserts, updates, history, outbox deletes, outbox puts (so a delete and a put of the same
// saga leave the put).
struct StoreBatch {
  std::vector<DefinitionRecord> definitions;  // inserted if absent
  std::vector<SagaInstance> inserts;          // new instances; row_version is written as 1
  // Updated instances: the row must still have `row_version` (the value read); it is written
  // as row_version + 1. A mismatch fails the whole batch with kConflict.
  std::vector<SagaInstance> updates;
  std::vector<std::pair<std::string, HistoryEntry>> history;  // (saga id, entry), appended
  std::vector<OutboxEntry> outbox_put;                        // replaces the saga's outbox row
  std::vector<std::string> outbox_delete;                     // saga ids whose outbox row goes
  bool empty() const {
    return definitions.empty() && inserts.empty() && updates.empty() && history.empty() &&
           outbox_put.empty() && outbox_delete.empty();
  }
};

class SqliteSagaStore {
 public:
  // Opens or creates the file, sets WAL, synchronous and the busy timeout, creates or migrates
  // the schema. kCorrupt when the file is not an engine database (or from a newer version).
  static Result<std::unique_ptr<SqliteSagaStore>> open(const StoreOptions& options);
  ~SqliteSagaStore();

  // One transaction. kAlreadyExists when an insert's id exists; kConflict on a row version
  // mismatch; storage errors as above. On error nothing of the batch is written.
  Status commit(const StoreBatch& batch);

  Result<std::optional<SagaInstance>> load(const std::string& id);
  // Instances in executing, compensating or failed.
  Result<std::vector<SagaInstance>> load_unfinished();  // oldest first
  // Every outbox row, in the order they were last put.
  Result<std::vector<OutboxEntry>> load_outbox();
  Result<std::vector<HistoryEntry>> history(const std::string& id);
  // Newest first (created_at, then id), at most `limit` of them (0: no limit).
  Result<std::vector<SagaInstance>> list(std::optional<Phase> phase, std::size_t limit);
  Result<std::vector<DefinitionRecord>> definitions();

 private:
  class Impl;
  explicit SqliteSagaStore(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace saga
