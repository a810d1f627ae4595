// Goal: a database left by an older engine (schema 1 or 2) is migrated to the current schema on
// open, keeping its rows and operator requests; read-only tool access never migrates.
// Method: a current database set back by hand (tables and columns dropped, user_version
// lowered) through a raw SQLiteCpp connection, then reopened.
#include <SQLiteCpp/SQLiteCpp.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <string>

#include "sqlite_store_test_support.h"
#include "store/sqlite_schema.h"

namespace saga {
namespace {

// The engine's schema version (saga_meta, not PRAGMA user_version, since schema v6).
constexpr const char* kEngineVersionSql =
    "SELECT value FROM saga_meta WHERE key = 'schema_version'";

using namespace store_test;

TEST_F(SqliteSagaStoreTest, VersionOneDatabaseMigratesToTheCurrentVersionKeepingItsRows) {
  {
    auto store = open_store();
    ASSERT_EQ(store->commit(full_batch("s1")), Status::ok());
  }
  {  // Back to what a v1 engine left behind.
    SQLite::Database raw(path_, SQLite::OPEN_READWRITE);
    raw.exec(
        "DROP TABLE saga_meta; DROP TABLE saga_start_requests; "
        "DROP TABLE saga_events; DROP TABLE saga_event_keys; "
        "DROP TABLE saga_definition_steps; DROP TABLE operator_requests; DROP TABLE saga_locks; "
        "DROP TABLE saga_lock_waits; ALTER TABLE saga_instances DROP COLUMN locks_through; "
        "ALTER TABLE saga_instances DROP COLUMN failure_cause; ALTER TABLE saga_instances DROP "
        "COLUMN saga_deadline_ms; "
        "DROP TABLE saga_branch_outbox; ALTER TABLE saga_instances DROP COLUMN branches; "
        "DROP TABLE saga_event_requests; "
        "PRAGMA user_version = 1");
  }
  StoreOptions read_only = options();
  read_only.access = StoreAccess::kReadOnly;
  auto refused = SqliteSagaStore::open(read_only);  // tools never migrate
  ASSERT_FALSE(refused.is_ok());
  EXPECT_EQ(refused.status().code(), StatusCode::kFailedPrecondition);

  auto store = open_store();
  ASSERT_NE(store, nullptr);
  EXPECT_TRUE(store->load("s1")->has_value());
  OperatorRequest request = make_request("s1", OperatorAction::kSkip, "why", "who");
  EXPECT_TRUE(store->add_operator_request(request).is_ok());
  SQLite::Database raw(path_, SQLite::OPEN_READONLY);
  EXPECT_EQ(raw.execAndGet(kEngineVersionSql).getInt(), kSchemaVersion);
  EXPECT_EQ(store->load("s1")->value().locks_through, kNoLocksGranted);
}

TEST_F(SqliteSagaStoreTest, VersionEightDatabaseGainsParallelBranchesAndTheirOutbox) {
  {
    auto store = open_store();
    ASSERT_EQ(store->commit(full_batch("s1")), Status::ok());
  }
  {  // Back to what a v8 engine left behind.
    SQLite::Database raw(path_, SQLite::OPEN_READWRITE);
    raw.exec(
        "DROP TABLE saga_branch_outbox; ALTER TABLE saga_instances DROP COLUMN branches; "
        "DROP TABLE saga_event_requests; "
        "ALTER TABLE saga_start_requests DROP COLUMN not_before_ms; "
        "ALTER TABLE saga_start_requests DROP COLUMN deadline_ms; "
        "UPDATE saga_meta SET value = 8 WHERE key = 'schema_version'");
  }
  auto store = open_store();
  ASSERT_NE(store, nullptr);
  SagaInstance s1 = store->load("s1")->value();
  EXPECT_TRUE(s1.branches.empty());
  // Branches and several unanswered commands of one saga are stored and come back.
  s1.branches = {{1, BranchState::kInFlight, 1, 1, Millis{5'000}, "s1/8"},
                 {2, BranchState::kSucceeded, 1, 1, Millis{0}, "s1/9"}};
  StoreBatch batch;
  batch.updates.push_back(s1);
  for (const char* id : {"s1/8", "s1/9"}) {
    Envelope e;
    e.message_id = id;
    e.saga_id = "s1";
    batch.branch_outbox_put.push_back(OutboxEntry{"s1", "kitchen", e});
  }
  ASSERT_EQ(store->commit(batch), Status::ok());
  EXPECT_EQ(store->load("s1")->value().branches, s1.branches);
  auto rows = [&] {
    std::vector<std::string> ids;
    Result<std::vector<OutboxEntry>> all = store->load_outbox();
    EXPECT_TRUE(all.is_ok()) << all.status().to_string();
    const std::vector<OutboxEntry> entries = all.is_ok() ? all.value() : std::vector<OutboxEntry>{};
    for (const OutboxEntry& e : entries) {
      ids.push_back(e.envelope.message_id);
    }
    return ids;
  };
  // The saga's single command first (saga_outbox), then its branches' commands.
  EXPECT_EQ(rows(), (std::vector<std::string>{"s1-m1", "s1/8", "s1/9"}));
  StoreBatch answered;
  answered.branch_outbox_delete = {"s1/9"};
  ASSERT_EQ(store->commit(answered), Status::ok());
  EXPECT_EQ(rows(), (std::vector<std::string>{"s1-m1", "s1/8"}));
  SQLite::Database raw(path_, SQLite::OPEN_READONLY);
  EXPECT_EQ(raw.execAndGet(kEngineVersionSql).getInt(), kSchemaVersion);
}

TEST_F(SqliteSagaStoreTest, VersionTwoDatabaseMigratesToTheCurrentVersionKeepingItsRequests) {
  std::int64_t request_id = 0;
  {
    auto store = open_store();
    ASSERT_EQ(store->commit(full_batch("s1")), Status::ok());
    request_id =
        store->add_operator_request(make_request("s1", OperatorAction::kRetry, "why", "who"))
            .value();
  }
  {  // Back to what a v2 engine left behind (the CHECK on actions is wider; harmless here).
    SQLite::Database raw(path_, SQLite::OPEN_READWRITE);
    raw.exec(
        "DROP TABLE saga_meta; DROP TABLE saga_start_requests; "
        "DROP TABLE saga_events; DROP TABLE saga_event_keys; "
        "DROP TABLE saga_definition_steps; DROP TABLE saga_locks; DROP TABLE saga_lock_waits; "
        "ALTER TABLE saga_instances DROP COLUMN locks_through; "
        "ALTER TABLE saga_instances DROP COLUMN failure_cause; "
        "ALTER TABLE operator_requests DROP COLUMN lock_key; ALTER TABLE saga_instances DROP "
        "COLUMN saga_deadline_ms; "
        "DROP TABLE saga_branch_outbox; ALTER TABLE saga_instances DROP COLUMN branches; "
        "DROP TABLE saga_event_requests; "
        "PRAGMA user_version = 2");
  }
  auto store = open_store();
  ASSERT_NE(store, nullptr);
  auto request = store->operator_request(request_id);
  ASSERT_TRUE(request.is_ok() && request->has_value());
  EXPECT_EQ(request->value().saga_id, "s1");
  EXPECT_EQ(request->value().action, OperatorAction::kRetry);
  EXPECT_EQ(request->value().reason, "why");
  EXPECT_EQ(request->value().lock_key, "");
  OperatorRequest release = make_request("", OperatorAction::kReleaseLock, "stuck", "ops");
  release.lock_key = "order:1";
  auto next = store->add_operator_request(release);
  ASSERT_TRUE(next.is_ok()) << next.status().to_string();
  EXPECT_GT(next.value(), request_id);
  EXPECT_EQ(store->operator_request(next.value())->value().lock_key, "order:1");
  EXPECT_EQ(store->load("s1")->value().locks_through, kNoLocksGranted);
}

TEST_F(SqliteSagaStoreTest, VersionFiveDatabaseGainsSagaDeadlinesAndCancelRequests) {
  std::int64_t request_id = 0;
  {
    auto store = open_store();
    ASSERT_EQ(store->commit(full_batch("s1")), Status::ok());
    request_id =
        store->add_operator_request(make_request("s1", OperatorAction::kSkip, "why", "who"))
            .value();
  }
  {  // Back to what a v5 engine left behind: no saga deadline, no 'cancel' in the CHECK.
    SQLite::Database raw(path_, SQLite::OPEN_READWRITE);
    raw.exec(
        "DROP TABLE saga_meta; DROP TABLE saga_start_requests; DROP TABLE saga_events; "
        "DROP TABLE saga_event_keys; ALTER TABLE saga_instances DROP COLUMN saga_deadline_ms; "
        "DROP TABLE saga_branch_outbox; ALTER TABLE saga_instances DROP COLUMN branches; "
        "DROP TABLE saga_event_requests; "
        "DELETE FROM operator_requests WHERE action = 'cancel'; PRAGMA user_version = 5");
  }
  auto store = open_store();
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(store->load("s1")->value().saga_deadline, Millis{0});
  EXPECT_EQ(store->operator_request(request_id)->value().action, OperatorAction::kSkip);
  auto cancel = store->add_operator_request(make_request("s1", OperatorAction::kCancel, "x", "y"));
  ASSERT_TRUE(cancel.is_ok()) << cancel.status().to_string();
  EXPECT_EQ(store->operator_request(cancel.value())->value().action, OperatorAction::kCancel);
  SQLite::Database raw(path_, SQLite::OPEN_READONLY);
  EXPECT_EQ(raw.execAndGet(kEngineVersionSql).getInt(), kSchemaVersion);
}

}  // namespace
}  // namespace saga
