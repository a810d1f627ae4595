// Goal: the instance's failure cause is stored and loaded back, and a database from before the
// column (schema 3) is migrated with a timeout's cause derived from last_reason, the only cause
// the state machine reads, so an operator retry after an upgrade still resends the unanswered
// message.
// Method: a SqliteSagaStore in a temporary directory, set back to schema 3 by hand.
#include <SQLiteCpp/SQLiteCpp.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "store/sqlite_saga_store.h"
#include "store/sqlite_schema.h"

namespace saga {
namespace {

// The engine's schema version (saga_meta, not PRAGMA user_version, since schema v6).
constexpr const char* kEngineVersionSql =
    "SELECT value FROM saga_meta WHERE key = 'schema_version'";

namespace fs = std::filesystem;

SagaInstance failed(const std::string& id, std::string reason, FailureCause cause) {
  SagaInstance i;
  i.id = id;
  i.type = "T";
  i.version = 1;
  i.phase = Phase::kFailed;
  i.failed_from = Phase::kExecuting;
  i.last_reason = std::move(reason);
  i.failure_cause = cause;
  return i;
}

TEST(FailureCauseMigrationTest, StoredLoadedAndDerivedForOlderRows) {
  std::string pattern = ::testing::TempDir() + "failure_cause_XXXXXX";
  ASSERT_NE(mkdtemp(pattern.data()), nullptr);
  const fs::path dir = pattern;
  StoreOptions options;
  options.path = (dir / "engine.db").string();
  {
    auto store = SqliteSagaStore::open(options);
    ASSERT_TRUE(store.is_ok()) << store.status().to_string();
    StoreBatch batch;
    batch.inserts = {failed("pivot", "timeout", FailureCause::kTimeout),
                     failed("comp", "compensation of 'x': timeout", FailureCause::kTimeout),
                     failed("said", "card_declined", FailureCause::kBusinessFailure)};
    ASSERT_TRUE(store.value()->commit(batch));
    EXPECT_EQ(store.value()->load("said")->value().failure_cause, FailureCause::kBusinessFailure);
  }
  {  // Back to what a schema 3 engine left behind.
    SQLite::Database raw(options.path, SQLite::OPEN_READWRITE);
    raw.exec(
        "DROP TABLE saga_meta; DROP TABLE saga_start_requests; "
        "DROP TABLE saga_events; DROP TABLE saga_event_keys; "
        "DROP TABLE saga_definition_steps; ALTER TABLE saga_instances DROP COLUMN failure_cause; "
        "ALTER TABLE saga_instances DROP COLUMN saga_deadline_ms; "
        "DROP TABLE saga_branch_outbox; ALTER TABLE saga_instances DROP COLUMN branches; "
        "DROP TABLE saga_event_requests; "
        "PRAGMA user_version = 3");
  }
  {
    auto store = SqliteSagaStore::open(options);
    ASSERT_TRUE(store.is_ok()) << store.status().to_string();
    EXPECT_EQ(store.value()->load("pivot")->value().failure_cause, FailureCause::kTimeout);
    EXPECT_EQ(store.value()->load("comp")->value().failure_cause, FailureCause::kTimeout);
    EXPECT_EQ(store.value()->load("said")->value().failure_cause, FailureCause::kNone);
    SQLite::Database raw(options.path, SQLite::OPEN_READONLY);
    EXPECT_EQ(raw.execAndGet(kEngineVersionSql).getInt(), kSchemaVersion);
  }
  std::error_code ignored;
  fs::remove_all(dir, ignored);
}

}  // namespace
}  // namespace saga
