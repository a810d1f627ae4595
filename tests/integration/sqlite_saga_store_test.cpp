// Goal: what only the SQLite backend has: the file, its pragmas, its schema version, damaged rows
// in it. What every backend must do (fields, batches all or nothing, conflicts, locks, requests)
// is the conformance suite, tests/postgres/store_conformance_test.cpp, run against SQLite and
// PostgreSQL. Damaged files, access modes and a second writer: sqlite_store_file_test.cpp;
// migrations: sqlite_store_migration_test.cpp.
// Method: real SQLite files in a fresh temp directory per test; a raw SQLiteCpp connection
// inspects the file where a test checks what was written.
#include <SQLiteCpp/SQLiteCpp.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "sqlite_store_test_support.h"
#include "store/sqlite_schema.h"

namespace saga {
namespace {

// The engine's schema version (saga_meta, not PRAGMA user_version, since schema v6).
constexpr const char* kEngineVersionSql =
    "SELECT value FROM saga_meta WHERE key = 'schema_version'";

using namespace store_test;

TEST_F(SqliteSagaStoreTest, ReopenKeepsEverythingAndTheSchemaVersion) {
  StoreBatch batch = full_batch("s1");
  {
    auto store = open_store();
    ASSERT_EQ(store->commit(batch), Status::ok());
  }
  auto store = open_store();
  ASSERT_NE(store, nullptr);
  SagaInstance want = batch.inserts[0];
  want.row_version = 1;
  EXPECT_EQ(store->load("s1")->value(), want);
  EXPECT_EQ(*store->history("s1"), std::vector<HistoryEntry>{batch.history[0].second});
  ASSERT_EQ(store->load_outbox()->size(), 1u);
  EXPECT_EQ(store->load_outbox()->at(0).envelope, batch.outbox_put[0].envelope);
  EXPECT_EQ(*store->definitions(), batch.definitions);

  SQLite::Database raw(path_, SQLite::OPEN_READONLY);
  EXPECT_EQ(raw.execAndGet(kEngineVersionSql).getInt(), kSchemaVersion);
  EXPECT_EQ(raw.execAndGet("PRAGMA journal_mode").getString(), "wal");
}

TEST_F(SqliteSagaStoreTest, EverySynchronousLevelOpens) {
  for (Synchronous level :
       {Synchronous::kOff, Synchronous::kNormal, Synchronous::kFull, Synchronous::kExtra}) {
    StoreOptions o = options();
    o.synchronous = level;
    auto store = SqliteSagaStore::open(o);
    ASSERT_TRUE(store.is_ok()) << store.status().to_string();
    ASSERT_EQ((*store)->commit(full_batch("s" + std::to_string(static_cast<int>(level)))),
              Status::ok());
  }
}

TEST_F(SqliteSagaStoreTest, ADamagedLockWaitIsReportedNotGuessed) {
  {
    auto store = open_store();
    StoreBatch batch;
    batch.locks.waits_put.push_back(
        LockWait{"s2", 1, Millis(1), 0, {LockClaim{"k", LockMode::kWait, Millis(1), -1}}});
    ASSERT_EQ(store->commit(batch), Status::ok());
  }
  {
    SQLite::Database raw(path_, SQLite::OPEN_READWRITE);
    raw.exec("UPDATE saga_lock_waits SET claims = '99:k1,1,-1;'");
  }
  auto waits = open_store()->load_lock_waits();
  ASSERT_FALSE(waits.is_ok());
  EXPECT_EQ(waits.status().code(), StatusCode::kMalformed);
}

// The engine's read of start requests says, in the same query, whether each one's saga exists
// (the engine drops such a row without a read per start: TransactionalStartTest).
TEST_F(SqliteSagaStoreTest, StartRequestsSayWhetherTheirSagaExists) {
  auto store = open_store();
  StoreBatch batch;
  batch.inserts.push_back(make_instance("there"));
  ASSERT_EQ(store->commit(batch), Status::ok());
  SQLite::Database raw(path_, SQLite::OPEN_READWRITE);
  raw.exec(
      "INSERT INTO saga_start_requests (saga_id, type, version, trace_id, data, requested_at_ms) "
      "VALUES ('there', 'CreateOrder', 0, '', 'x', 1), ('new', 'CreateOrder', 0, '', 'y', 2)");
  auto pending = store->start_requests(0, 10);
  ASSERT_TRUE(pending.is_ok()) << pending.status().to_string();
  ASSERT_EQ(pending->size(), 2u);
  EXPECT_EQ(pending->at(0).request.saga_id, "there");
  EXPECT_TRUE(pending->at(0).saga_exists);
  EXPECT_EQ(pending->at(1).request.saga_id, "new");
  EXPECT_EQ(pending->at(1).request.data, "y");
  EXPECT_FALSE(pending->at(1).saga_exists);
}

// StoreBatch::updates_stored_phase: one phase per update or none; any other length is refused
// before anything is written.
TEST_F(SqliteSagaStoreTest, StoredPhasesOfTheWrongLengthAreRefused) {
  auto store = open_store();
  StoreBatch insert;
  insert.inserts.push_back(make_instance("s1"));
  ASSERT_EQ(store->commit(insert), Status::ok());
  SagaInstance next = make_instance("s1");
  next.step = 3;
  StoreBatch update;
  update.updates.push_back(next);
  update.updates_stored_phase = {Phase::kExecuting, Phase::kExecuting};
  EXPECT_EQ(store->commit(update).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(store->load("s1")->value().row_version, 1);
}

}  // namespace
}  // namespace saga
