// SqliteSagaStore::Impl: the connection and its prepared statements. Internal to the store:
// sqlite_saga_store.cpp (the engine's reads and writes) and sqlite_store_queries.cpp (the tools'
// queries and operator requests) implement it.
#pragma once

#include <SQLiteCpp/SQLiteCpp.h>

#include <algorithm>
#include <climits>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "store/sqlite_checkpointer.h"
#include "store/sqlite_saga_store.h"

namespace saga {

class SqliteSagaStore::Impl {
 public:
  explicit Impl(const StoreOptions& options)
      : db_(options.path, open_flags(options.access),
            static_cast<int>(std::min<std::int64_t>(options.busy_timeout.count(), INT_MAX)),
            options.vfs) {}

  Status open(const StoreOptions& options);
  SQLite::Database& db() { return db_; }
  Status commit(const StoreBatch& batch);
  Result<std::optional<SagaInstance>> load(const std::string& id);
  Result<std::vector<SagaInstance>> load_unfinished();
  Result<std::vector<OutboxEntry>> load_outbox();
  Result<std::vector<HistoryEntry>> history(const std::string& id);
  Result<std::vector<SagaInstance>> list(std::optional<Phase> phase, std::size_t limit);
  Result<std::vector<DefinitionRecord>> definitions();
  Result<std::vector<SagaInstance>> query(const SagaQuery& query);
  Result<std::optional<SagaInstance>> oldest_unfinished();
  Result<std::optional<OutboxEntry>> outbox_entry(const std::string& saga_id);
  Result<std::vector<SagaCount>> counts();
  Result<std::map<Event, std::uint64_t>> event_counts();
  Result<std::int64_t> add_operator_request(const OperatorRequest& request);
  Result<std::vector<OperatorRequest>> take_operator_requests(std::size_t limit);
  Result<std::vector<HeldLock>> load_locks();
  Result<std::vector<LockWait>> load_lock_waits();
  Result<std::optional<OperatorRequest>> operator_request(std::int64_t id);
  Result<std::vector<OperatorRequest>> operator_requests(std::optional<RequestState> state,
                                                         std::size_t limit);
  Result<std::size_t> prune_finished(Millis before, std::size_t limit,
                                     const SagaStore::PruneArchive& archive);
  Result<bool> changed_elsewhere();
  Result<std::vector<PendingStart>> start_requests(std::int64_t after, std::size_t limit);
  Result<bool> start_pending(const std::string& saga_id);
  // sqlite_event_store.cpp: external events.
  Result<std::optional<StoredEvent>> load_event(const std::string& event_id);
  Result<std::vector<StoredEvent>> saga_events(const std::string& saga_id,
                                               std::optional<EventState> state);
  Result<std::vector<std::string>> sagas_for_event_key(const std::string& name,
                                                       const std::string& key);
  // Inside commit's transaction; throws SQLite::Exception.
  void write_events(const StoreBatch& batch);
  // sqlite_event_requests.cpp: transactional events (schema v12).
  Result<std::vector<EventRequest>> event_requests(std::int64_t after, std::size_t limit);
  Result<std::vector<EventRequest>> refused_event_requests(std::size_t limit);
  // Inside commit's transaction (from write_events); throws SQLite::Exception.
  void write_event_requests(const StoreBatch& batch);

 private:
  static int open_flags(StoreAccess access) {
    switch (access) {
      case StoreAccess::kReadOnly:
        return SQLite::OPEN_READONLY;
      case StoreAccess::kOperator:
        return SQLite::OPEN_READWRITE;
      case StoreAccess::kEngine:
        break;
    }
    return SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE;
  }

  // Prepared once, after the schema exists; declared after db_ so they are destroyed first.
  struct Statements {
    explicit Statements(SQLite::Database& db);
    SQLite::Statement insert_instance;
    SQLite::Statement update_instance;
    SQLite::Statement update_instance_keep_phase;  // for an update that keeps the phase
    SQLite::Statement append_history;
    SQLite::Statement put_outbox;
    SQLite::Statement delete_outbox;
    SQLite::Statement put_branch_outbox;
    SQLite::Statement delete_branch_outbox;
    SQLite::Statement put_definition;
    SQLite::Statement put_definition_step;
    SQLite::Statement load_instance;
    SQLite::Statement load_unfinished;
    SQLite::Statement load_outbox;
    SQLite::Statement load_branch_outbox;
    SQLite::Statement load_history;
    SQLite::Statement list_all;
    SQLite::Statement list_phase;
    SQLite::Statement load_definitions;
    SQLite::Statement load_definition_steps;
    SQLite::Statement pending_requests;
    SQLite::Statement finish_request;
    SQLite::Statement put_lock;
    SQLite::Statement delete_lock;
    SQLite::Statement put_wait;
    SQLite::Statement delete_wait;
    SQLite::Statement read_start_requests;  // sqlite_start_requests.cpp
    SQLite::Statement delete_start_request;
  };

  Status check_schema_version(const StoreOptions& options, int* version);
  void delete_start_requests(const std::vector<std::int64_t>& seqs);
  void set_pragmas(const StoreOptions& options);
  Status insert(const SagaInstance& instance);
  Status update(const SagaInstance& instance, bool keeps_phase);
  void append_history(const std::string& saga_id, const HistoryEntry& entry);
  void put_outbox(SQLite::Statement& s, const OutboxEntry& entry);
  void put_definition(const DefinitionRecord& definition);
  Status read_definition_steps(std::vector<DefinitionRecord>* records);
  void finish_request(const RequestOutcome& outcome);
  void write_locks(const LockChanges& changes);

  SQLite::Database db_;
  std::unique_ptr<Statements> st_;
  std::optional<std::int64_t> data_version_;  // the last PRAGMA data_version read
  // event_requests()'s statement, prepared at its first use (sqlite_event_requests.cpp).
  std::unique_ptr<SQLite::Statement> read_event_requests_;
  // The engine's checkpoints, off its thread (kEngine on a file); destroyed before db_.
  std::unique_ptr<SqliteCheckpointer> checkpointer_;
};

}  // namespace saga
