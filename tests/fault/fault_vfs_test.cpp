// Goal: the fault-injecting VFS (tests/support fault_vfs.h) does what the store fault tests rely
// on: it fails the chosen call the chosen number of times with the chosen code, counts commits
// as WAL syncs, ends busy waits at once, and a simulated crash loses exactly the unsynced writes.
// Method: a plain SQLite connection (SQLiteCpp) opened through the VFS on a file in a temp dir.
#include "saga/testing/fault_vfs.h"

#include <SQLiteCpp/SQLiteCpp.h>
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <memory>
#include <string>

#include "saga/testing/temp_dir.h"

namespace saga::testing {
namespace {

class FaultVfsTest : public ::testing::Test {
 protected:
  FaultVfsTest() : vfs_(FaultVfs::install()) { vfs_.reset(); }
  ~FaultVfsTest() override {
    db_.reset();
    vfs_.reset();
  }

  void open(const char* synchronous = "FULL", int busy_timeout_ms = 0) {
    db_ = std::make_unique<SQLite::Database>(dir_.file("t.db"),
                                             SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE,
                                             busy_timeout_ms, FaultVfs::kName);
    db_->execAndGet("PRAGMA journal_mode = WAL");
    db_->exec(std::string("PRAGMA synchronous = ") + synchronous);
  }

  // The extended SQLite code an insert fails with, or SQLITE_OK.
  int insert(int x) {
    try {
      db_->exec("INSERT INTO t VALUES (" + std::to_string(x) + ")");
      return SQLITE_OK;
    } catch (const SQLite::Exception& e) {
      return e.getExtendedErrorCode();
    }
  }

  int rows() { return db_->execAndGet("SELECT count(*) FROM t").getInt(); }

  FaultVfs& vfs_;
  TempDir dir_;
  std::unique_ptr<SQLite::Database> db_;
};

TEST_F(FaultVfsTest, FailsTheChosenWriteTheChosenNumberOfTimes) {
  open();
  db_->exec("CREATE TABLE t (x INTEGER)");
  vfs_.arm({VfsOp::kWrite, VfsError::kFull, 0, /*skip=*/0, /*times=*/2});
  EXPECT_EQ(insert(1), SQLITE_FULL);
  EXPECT_EQ(insert(2), SQLITE_FULL);
  EXPECT_EQ(insert(3), SQLITE_OK);  // the fault cleared itself
  EXPECT_EQ(vfs_.failures(), 2u);
  EXPECT_FALSE(vfs_.armed());
  EXPECT_EQ(rows(), 1);

  // The 40th write from now fails: some inserts go through, one fails whole, then all pass.
  vfs_.arm({VfsOp::kWrite, VfsError::kIoError, 0, /*skip=*/39, /*times=*/1});
  int ok = 0, failed = 0;
  for (int i = 0; i < 60; ++i) (insert(100 + i) == SQLITE_OK ? ok : failed) += 1;
  EXPECT_EQ(failed, 1);
  EXPECT_GT(ok, 10);
  EXPECT_EQ(rows(), 1 + ok);  // the failed insert left nothing
}

TEST_F(FaultVfsTest, CountsCommitsAsWalSyncsAndFailsASyncAfterThem) {
  open();
  db_->exec("CREATE TABLE t (x INTEGER)");
  const std::uint64_t before = vfs_.commits();
  vfs_.arm({VfsOp::kSync, VfsError::kIoError, /*after_commits=*/3, 0, /*times=*/1});
  for (int x = 1; x <= 3; ++x) EXPECT_EQ(insert(x), SQLITE_OK);
  EXPECT_EQ(insert(4), SQLITE_IOERR_FSYNC);
  EXPECT_EQ(insert(5), SQLITE_OK);
  EXPECT_EQ(vfs_.commits() - before, 4u);
  EXPECT_EQ(rows(), 4);
}

TEST_F(FaultVfsTest, ABusyWriteLockEndsTheBusyTimeoutAtOnce) {
  open("FULL", /*busy_timeout_ms=*/600'000);  // ten minutes: the test would hang without it
  db_->exec("CREATE TABLE t (x INTEGER)");
  vfs_.arm({VfsOp::kLock, VfsError::kBusy});
  EXPECT_EQ(insert(1) & 0xff, SQLITE_BUSY);
  vfs_.clear();
  EXPECT_EQ(insert(2), SQLITE_OK);
  EXPECT_EQ(rows(), 1);
}

TEST_F(FaultVfsTest, ACrashDropsTheUnsyncedWritesAndKeepsTheSyncedOnes) {
  open("FULL");
  db_->exec("CREATE TABLE t (x INTEGER)");
  ASSERT_EQ(insert(1), SQLITE_OK);  // synced
  db_->exec("PRAGMA synchronous = OFF");
  ASSERT_EQ(insert(2), SQLITE_OK);  // written, never synced
  ASSERT_EQ(insert(3), SQLITE_OK);
  EXPECT_EQ(rows(), 3);
  vfs_.crash();
  db_.reset();  // the dying process: its close writes nothing
  vfs_.drop_unsynced();
  open("FULL");
  EXPECT_EQ(rows(), 1);
  EXPECT_EQ(db_->execAndGet("PRAGMA quick_check").getString(), "ok");
  EXPECT_EQ(insert(4), SQLITE_OK);
  EXPECT_EQ(rows(), 2);
}

}  // namespace
}  // namespace saga::testing
