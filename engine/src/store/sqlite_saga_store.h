// SqliteSagaStore: the SQLite backend of SagaStore (saga_store.h), internal to the engine.
//
// One SQLite file per engine (or the engine's tables in a service's file, StoreOptions::shared),
// WAL mode, schema versioned in the saga_meta table. The schema is described in
// docs/storage.md. Only the store's files (sqlite_*.cpp) include SQLiteCpp; every
// SQLite error is turned into a Status there (busy -> kBusy, full disk -> kFull, read-only ->
// kReadOnly, not a database / corrupt -> kCorrupt, cannot open / I/O error -> kIoError, others ->
// kInternal), with the operation as context.
//
// Not thread-safe: the engine thread owns it.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "saga/instance.h"
#include "saga/status.h"
#include "store/saga_store.h"

namespace saga {

class SqliteSagaStore final : public SagaStore {
 public:
  // Opens or creates the file, sets WAL, synchronous and the busy timeout, creates or migrates
  // the schema (options.access says how much of that it may do). kCorrupt when the file is not
  // an engine database (or from a newer version); kReadOnly and kOperator also need the file to
  // exist (kIoError) and to be at this build's schema version (kFailedPrecondition: start the
  // engine once to migrate it).
  static Result<std::unique_ptr<SqliteSagaStore>> open(const StoreOptions& options);
  ~SqliteSagaStore() override;

  // A file that fails PRAGMA quick_check is refused with kCorrupt naming the file.
  // A commit refused with kReadOnly (kEngine access) makes the next commit open the file again
  // first: SQLite never makes a connection that opened a file read-only writable, so this is
  // how the store works again once the file is writable (docs/storage.md, "Store faults").
  // The contracts are SagaStore's (saga_store.h).
  Status commit(const StoreBatch& batch) override;
  Result<std::optional<SagaInstance>> load(const std::string& id) override;
  Result<std::vector<SagaInstance>> load_unfinished() override;
  Result<std::vector<OutboxEntry>> load_outbox() override;
  Result<std::vector<HistoryEntry>> history(const std::string& id) override;
  Result<std::vector<SagaInstance>> list(std::optional<Phase> phase, std::size_t limit) override;
  Result<std::vector<DefinitionRecord>> definitions() override;
  Result<std::vector<HeldLock>> load_locks() override;
  Result<std::vector<LockWait>> load_lock_waits() override;
  Result<std::vector<SagaInstance>> query(const SagaQuery& query) override;
  Result<std::optional<SagaInstance>> oldest_unfinished() override;
  Result<std::optional<OutboxEntry>> outbox_entry(const std::string& saga_id) override;
  Result<std::vector<SagaCount>> counts() override;
  Result<std::map<Event, std::uint64_t>> event_counts() override;
  Result<std::int64_t> add_operator_request(const OperatorRequest& request) override;
  Result<std::vector<OperatorRequest>> take_operator_requests(std::size_t limit) override;
  Status finish_operator_request(const RequestOutcome& outcome) override;
  Result<std::optional<OperatorRequest>> operator_request(std::int64_t id) override;
  Result<std::vector<OperatorRequest>> operator_requests(std::optional<RequestState> state,
                                                         std::size_t limit) override;
  Result<std::size_t> prune_finished(Millis before, std::size_t limit,
                                     const PruneArchive& archive) override;
  // PRAGMA data_version of the store's connection, and reads of saga_start_requests
  // (sqlite_start_requests.cpp).
  Result<bool> changed_elsewhere() override;
  Result<std::vector<PendingStart>> start_requests(std::int64_t after, std::size_t limit) override;
  Result<bool> start_pending(const std::string& saga_id) override;
  // sqlite_event_requests.cpp
  Result<std::vector<EventRequest>> event_requests(std::int64_t after, std::size_t limit) override;
  Result<std::vector<EventRequest>> refused_event_requests(std::size_t limit) override;
  // sqlite_event_store.cpp
  Result<std::optional<StoredEvent>> load_event(const std::string& event_id) override;
  Result<std::vector<StoredEvent>> saga_events(const std::string& saga_id,
                                               std::optional<EventState> state) override;
  Result<std::vector<std::string>> sagas_for_event_key(const std::string& name,
                                                       const std::string& key) override;

 private:
  class Impl;
  SqliteSagaStore(std::unique_ptr<Impl> impl, StoreOptions options);
  static Result<std::unique_ptr<Impl>> open_impl(const StoreOptions& options);
  std::unique_ptr<Impl> impl_;
  StoreOptions options_;
  bool reopen_ = false;  // the last commit was refused as read-only
};

}  // namespace saga
