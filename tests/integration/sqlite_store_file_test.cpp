// Goal: SqliteSagaStore reports storage failures (foreign or damaged files, newer schemas,
// missing directories, read-only files, a second writer) as the right Status, and the tool access
// modes query without writing.
// Method: real SQLite files in a fresh temp directory per test; a raw SQLiteCpp connection
// writes foreign content and holds the write lock where a test needs a second writer.
#include <SQLiteCpp/SQLiteCpp.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "sqlite_store_test_support.h"
#include "store/sqlite_schema.h"

namespace saga {
namespace {

using namespace store_test;

TEST_F(SqliteSagaStoreTest, GarbageFileIsCorrupt) {
  {
    std::ofstream f(path_, std::ios::binary);
    f << std::string(8192, 'x');
  }
  auto store = SqliteSagaStore::open(options());
  ASSERT_FALSE(store.is_ok());
  EXPECT_EQ(store.status().code(), StatusCode::kCorrupt) << store.status().to_string();
  EXPECT_NE(store.status().message().find("not a database"), std::string::npos)
      << store.status().message();
}

TEST_F(SqliteSagaStoreTest, ForeignDatabaseIsCorrupt) {
  {
    SQLite::Database raw(path_, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    raw.exec("CREATE TABLE customers (id INTEGER PRIMARY KEY)");
  }
  auto store = SqliteSagaStore::open(options());
  ASSERT_FALSE(store.is_ok());
  EXPECT_EQ(store.status().code(), StatusCode::kCorrupt);
  EXPECT_NE(store.status().message().find("not a saga engine database"), std::string::npos)
      << store.status().message();
}

TEST_F(SqliteSagaStoreTest, DatabaseFromANewerVersionIsCorrupt) {
  { ASSERT_NE(open_store(), nullptr); }
  {
    SQLite::Database raw(path_, SQLite::OPEN_READWRITE);
    raw.exec("PRAGMA user_version = " + std::to_string(kSchemaVersion + 1));
  }
  auto store = SqliteSagaStore::open(options());
  ASSERT_FALSE(store.is_ok());
  EXPECT_EQ(store.status().code(), StatusCode::kCorrupt);
  EXPECT_NE(store.status().message().find("newer version"), std::string::npos)
      << store.status().message();
}

TEST_F(SqliteSagaStoreTest, MissingDirectoryIsIoError) {
  StoreOptions o = options();
  o.path = (dir_ / "no" / "such" / "engine.db").string();
  auto store = SqliteSagaStore::open(o);
  ASSERT_FALSE(store.is_ok());
  EXPECT_EQ(store.status().code(), StatusCode::kIoError) << store.status().to_string();
}

// Root ignores file permissions; these tests skip themselves when the write goes through.
constexpr const char* kRootSkip =
    "running as root: file permissions do not stop writes, so kReadOnly cannot be provoked "
    "this way; run as a normal user to check it";

TEST_F(SqliteSagaStoreTest, ReadOnlyFileOpensButRefusesCommit) {
  { ASSERT_NE(open_store(), nullptr); }  // closed: WAL checkpointed, -wal and -shm removed
  // Only the file: SQLite needs a writable directory to create the -shm of a WAL database.
  ASSERT_EQ(chmod(path_.c_str(), 0444), 0);
  auto store = SqliteSagaStore::open(options());
  ASSERT_TRUE(store.is_ok()) << store.status().to_string();
  EXPECT_TRUE((*store)->load("s1").is_ok());
  Status s = (*store)->commit(full_batch("s1"));
  if (s.is_ok() && geteuid() == 0) GTEST_SKIP() << kRootSkip;
  EXPECT_EQ(s.code(), StatusCode::kReadOnly) << s.to_string();
  EXPECT_NE(s.message().find("store: commit"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("readonly"), std::string::npos) << s.message();
}

TEST_F(SqliteSagaStoreTest, ReadOnlyFileInReadOnlyDirectoryFailsToOpen) {
  { ASSERT_NE(open_store(), nullptr); }
  ASSERT_EQ(chmod(path_.c_str(), 0444), 0);
  ASSERT_EQ(chmod(dir_.c_str(), 0555), 0);
  auto store = SqliteSagaStore::open(options());
  if (store.is_ok() && geteuid() == 0) GTEST_SKIP() << kRootSkip;
  ASSERT_FALSE(store.is_ok());
  EXPECT_EQ(store.status().code(), StatusCode::kReadOnly) << store.status().to_string();
  EXPECT_NE(store.status().message().find("store: open"), std::string::npos);
}

TEST_F(SqliteSagaStoreTest, SecondWriterMakesCommitBusyAfterTheTimeout) {
  auto store = open_store();
  SQLite::Database other(path_, SQLite::OPEN_READWRITE);
  other.exec("BEGIN IMMEDIATE");
  Status s = store->commit(full_batch("s1"));
  EXPECT_EQ(s.code(), StatusCode::kBusy) << s.to_string();
  EXPECT_NE(s.message().find("store: commit"), std::string::npos) << s.message();
  // Readers are not blocked by the writer (WAL).
  EXPECT_TRUE(store->load("s1").is_ok());
  other.exec("ROLLBACK");
  EXPECT_EQ(store->commit(full_batch("s1")), Status::ok());
}

TEST_F(SqliteSagaStoreTest, ReadOnlyAccessQueriesAndNeverWrites) {
  {
    auto store = open_store();
    ASSERT_EQ(store->commit(full_batch("s1")), Status::ok());
  }
  StoreOptions o = options();
  o.access = StoreAccess::kReadOnly;
  auto store = SqliteSagaStore::open(o);
  ASSERT_TRUE(store.is_ok()) << store.status().to_string();
  SagaQuery q;
  q.type = "CreateOrder";
  EXPECT_EQ((*store)->query(q)->size(), 1u);
  q.type = "Other";
  EXPECT_EQ((*store)->query(q)->size(), 0u);
  EXPECT_TRUE((*store)->outbox_entry("s1")->has_value());
  EXPECT_FALSE((*store)->outbox_entry("nope")->has_value());
  EXPECT_EQ((*store)->counts()->size(), 1u);
  EXPECT_EQ((*store)->commit(full_batch("s2")).code(), StatusCode::kReadOnly);
  OperatorRequest request = make_request("s1", OperatorAction::kRetry, "why", "who");
  EXPECT_EQ((*store)->add_operator_request(request).status().code(), StatusCode::kReadOnly);
}

TEST_F(SqliteSagaStoreTest, ToolAccessNeedsAnExistingEngineDatabase) {
  for (StoreAccess access : {StoreAccess::kReadOnly, StoreAccess::kOperator}) {
    StoreOptions o = options();
    o.access = access;
    EXPECT_EQ(SqliteSagaStore::open(o).status().code(), StatusCode::kIoError);  // no file
    { std::ofstream empty(path_); }
    EXPECT_EQ(SqliteSagaStore::open(o).status().code(), StatusCode::kCorrupt);  // no schema
    fs::remove(path_);
  }
}

}  // namespace
}  // namespace saga
