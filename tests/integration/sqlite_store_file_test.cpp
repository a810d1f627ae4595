// Goal: SqliteSagaStore reports storage failures (foreign or damaged files, newer schemas,
// missing directories, read-only files, a second writer) as the right Status, works again once
// the fault clears, and the tool access modes query without writing.
// Method: real SQLite files in a fresh temp directory per test; a raw SQLiteCpp connection
// writes foreign content and holds the write lock where a test needs a second writer; the
// read-only cases run in a child process as an unprivileged user (also when run as root).
#include <SQLiteCpp/SQLiteCpp.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "damaged_file.h"
#include "fault/child_process.h"
#include "sqlite_store_test_support.h"
#include "store/sqlite_schema.h"

namespace saga {
namespace {

using namespace store_test;
using test::ChildLimits;
using test::ChildProcess;
using test::ChildResult;
using test::LineChannel;
using test::run_in_child;

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
    raw.exec("UPDATE saga_meta SET value = " + std::to_string(kSchemaVersion + 1) +
             " WHERE key = 'schema_version'");
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

// File modes do not stop root: the part that must be refused runs in a child process that drops
// to an unprivileged user first (fault/child_process.h), so these tests run the same as root.
ChildLimits unprivileged() {
  ChildLimits limits;
  limits.unprivileged = true;
  return limits;
}

TEST_F(SqliteSagaStoreTest, ReadOnlyFileRefusesCommitUntilItIsWritableAgain) {
  {
    auto store = open_store();  // closed: WAL checkpointed, -wal and -shm removed
    ASSERT_EQ(store->commit(full_batch("s1")), Status::ok());
  }
  // Only the file: SQLite needs a writable directory to create the -shm of a WAL database.
  ASSERT_EQ(chmod(path_.c_str(), 0444), 0);
  ASSERT_EQ(chmod(dir_.c_str(), 0777), 0);
  ChildProcess child(unprivileged(), [&](LineChannel& test) {
    auto store = SqliteSagaStore::open(options());
    if (!store) {
      test.send("open: " + store.status().to_string());
      return 1;
    }
    auto s1 = (*store)->load("s1");
    test.send(s1 && s1->has_value() ? "read s1" : "s1 missing");
    test.send((*store)->commit(full_batch("s2")).to_string());
    test.receive();  // the file is writable again
    test.send((*store)->commit(full_batch("s2")).to_string());
    return 0;
  });
  ASSERT_TRUE(child.started());
  EXPECT_EQ(child.channel().receive(), "read s1");
  const std::string refused = child.channel().receive();
  EXPECT_EQ(refused.rfind("read_only: store: commit", 0), 0u) << refused;
  EXPECT_NE(refused.find("readonly"), std::string::npos) << refused;
  // The fault clears: the file, and the -wal and -shm the child created with its mode.
  for (const char* suffix : {"", "-wal", "-shm"}) {
    EXPECT_EQ(chmod((path_ + suffix).c_str(), 0666), 0) << suffix;
  }
  child.channel().send("writable");
  EXPECT_EQ(child.channel().receive(), "ok");  // the same store: it opened the file again
  EXPECT_EQ(child.wait(), 0);
  auto store = open_store();
  EXPECT_EQ(store->load("s1")->value().data, make_instance("s1").data);
  EXPECT_EQ(store->load("s2")->value().data, make_instance("s2").data);
}

TEST_F(SqliteSagaStoreTest, ReadOnlyFileInReadOnlyDirectoryFailsToOpen) {
  {
    auto store = open_store();
    ASSERT_EQ(store->commit(full_batch("s1")), Status::ok());
  }
  ASSERT_EQ(chmod(path_.c_str(), 0444), 0);
  ASSERT_EQ(chmod(dir_.c_str(), 0555), 0);
  ChildResult refused = run_in_child(
      unprivileged(), [&] { return SqliteSagaStore::open(options()).status().to_string(); });
  EXPECT_EQ(refused.exit_code, 0);
  EXPECT_EQ(refused.line.rfind("read_only: store: open", 0), 0u) << refused.line;
  // Writable again: the store opens and s1 is intact.
  ASSERT_EQ(chmod(dir_.c_str(), 0777), 0);
  ASSERT_EQ(chmod(path_.c_str(), 0666), 0);
  ChildResult opened = run_in_child(unprivileged(), [&]() -> std::string {
    auto store = SqliteSagaStore::open(options());
    if (!store) return store.status().to_string();
    auto s1 = (*store)->load("s1");
    return s1 && s1->has_value() ? "s1 intact" : "s1 missing";
  });
  EXPECT_EQ(opened.line, "s1 intact");
}

// The last page of a file with data overwritten: quick_check at open refuses it, naming it.
TEST_F(SqliteSagaStoreTest, DamagedPagesAreRefusedAtOpenNamingTheFile) {
  {
    auto store = open_store();
    for (int i = 0; i < 40; ++i) {
      ASSERT_EQ(store->commit(full_batch("s" + std::to_string(i))), Status::ok());
    }
  }
  const auto size = fs::file_size(path_);
  ASSERT_GT(size, 4 * 4096u);
  test::damage_last_page(path_);
  auto store = SqliteSagaStore::open(options());
  ASSERT_FALSE(store.is_ok());
  EXPECT_EQ(store.status().code(), StatusCode::kCorrupt) << store.status().to_string();
  EXPECT_NE(store.status().message().find(path_ + " failed quick_check"), std::string::npos)
      << store.status().message();
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
