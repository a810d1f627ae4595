// Goal: the store and the participant library map SQLite errors to the same Status codes
// (engine/src/store/sqlite_error.h), primary and extended result codes alike.
// Method: status_code() over every mapped code and some of their extended forms; from_exception()
// over a real SQLiteCpp error and over one raised without a connection.
#include "store/sqlite_error.h"

#include <SQLiteCpp/SQLiteCpp.h>
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <cerrno>
#include <string>

namespace saga {
namespace {

using sqlite_error::status_code;

TEST(SqliteErrorTest, PrimaryCodesMapAsDocumented) {
  EXPECT_EQ(status_code(SQLITE_BUSY), StatusCode::kBusy);
  EXPECT_EQ(status_code(SQLITE_LOCKED), StatusCode::kBusy);
  EXPECT_EQ(status_code(SQLITE_FULL), StatusCode::kFull);
  EXPECT_EQ(status_code(SQLITE_READONLY), StatusCode::kReadOnly);
  EXPECT_EQ(status_code(SQLITE_CORRUPT), StatusCode::kCorrupt);
  EXPECT_EQ(status_code(SQLITE_NOTADB), StatusCode::kCorrupt);
  EXPECT_EQ(status_code(SQLITE_CANTOPEN), StatusCode::kIoError);
  EXPECT_EQ(status_code(SQLITE_IOERR), StatusCode::kIoError);
  EXPECT_EQ(status_code(SQLITE_CONSTRAINT), StatusCode::kInvalidArgument);
  EXPECT_EQ(status_code(SQLITE_ERROR), StatusCode::kInvalidArgument);
  EXPECT_EQ(status_code(SQLITE_MISMATCH), StatusCode::kInvalidArgument);
  EXPECT_EQ(status_code(SQLITE_RANGE), StatusCode::kInvalidArgument);
  EXPECT_EQ(status_code(SQLITE_TOOBIG), StatusCode::kInvalidArgument);
  EXPECT_EQ(status_code(SQLITE_NOMEM), StatusCode::kInternal);
  EXPECT_EQ(status_code(SQLITE_MISUSE), StatusCode::kInternal);
  EXPECT_EQ(status_code(-1), StatusCode::kInternal);
}

TEST(SqliteErrorTest, ExtendedCodesMapAsTheirPrimaryCode) {
  EXPECT_EQ(status_code(SQLITE_BUSY_SNAPSHOT), StatusCode::kBusy);
  EXPECT_EQ(status_code(SQLITE_BUSY_RECOVERY), StatusCode::kBusy);
  EXPECT_EQ(status_code(SQLITE_LOCKED_SHAREDCACHE), StatusCode::kBusy);
  EXPECT_EQ(status_code(SQLITE_READONLY_DBMOVED), StatusCode::kReadOnly);
  EXPECT_EQ(status_code(SQLITE_READONLY_ROLLBACK), StatusCode::kReadOnly);
  EXPECT_EQ(status_code(SQLITE_CORRUPT_VTAB), StatusCode::kCorrupt);
  EXPECT_EQ(status_code(SQLITE_CANTOPEN_ISDIR), StatusCode::kIoError);
  EXPECT_EQ(status_code(SQLITE_IOERR_WRITE), StatusCode::kIoError);
  EXPECT_EQ(status_code(SQLITE_IOERR_FSYNC), StatusCode::kIoError);
  EXPECT_EQ(status_code(SQLITE_CONSTRAINT_PRIMARYKEY), StatusCode::kInvalidArgument);
}

TEST(SqliteErrorTest, RealErrorCarriesContextMessageAndExtendedCode) {
  SQLite::Database db(":memory:", SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
  db.exec("CREATE TABLE t (id INTEGER PRIMARY KEY)");
  db.exec("INSERT INTO t VALUES (1)");
  try {
    db.exec("INSERT INTO t VALUES (1)");
    FAIL() << "the duplicate key was accepted";
  } catch (const SQLite::Exception& e) {
    const Status s = sqlite_error::from_exception(e, "store: commit");
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(s.message(), "store: commit: UNIQUE constraint failed: t.id (sqlite " +
                               std::to_string(SQLITE_CONSTRAINT_PRIMARYKEY) + ")");
  }
}

TEST(SqliteErrorTest, ErrorWithoutConnectionUsesItsPrimaryCode) {
  const SQLite::Exception e("database is locked", SQLITE_BUSY);
  const Status s = sqlite_error::from_exception(e, "participant store: begin");
  EXPECT_EQ(s.code(), StatusCode::kBusy);
  EXPECT_EQ(s.message(), "participant store: begin: database is locked (sqlite 5)");
}

TEST(SqliteErrorTest, ErrorWithoutAnyCodeIsInternal) {
  const SQLite::Exception e("no code");
  const Status s = sqlite_error::from_exception(e, "store");
  EXPECT_EQ(s.code(), StatusCode::kInternal);
  EXPECT_EQ(s.message(), "store: no code");
}

// SQLite reports a write refused whole for lack of room as SQLITE_IOERR_WRITE; the errno says
// it is a full disk (ENOSPC), an exhausted quota (EDQUOT) or a file size limit (EFBIG).
TEST(SqliteErrorTest, IoErrorWhoseErrnoSaysNoRoomIsFull) {
  const Status io(StatusCode::kIoError, "store: commit: commit: disk I/O error (sqlite 778)");
  for (int e : {ENOSPC, EDQUOT, EFBIG}) {
    const Status s = sqlite_error::with_system_errno(io, e);
    EXPECT_EQ(s.code(), StatusCode::kFull) << e;
    EXPECT_EQ(s.message().rfind(io.message() + " (errno " + std::to_string(e) + ": ", 0), 0u)
        << s.message();
  }
  EXPECT_EQ(sqlite_error::with_system_errno(io, EIO), io);
  EXPECT_EQ(sqlite_error::with_system_errno(io, 0), io);
  const Status busy(StatusCode::kBusy, "store: commit: begin: database is locked (sqlite 5)");
  EXPECT_EQ(sqlite_error::with_system_errno(busy, ENOSPC), busy);
}

}  // namespace
}  // namespace saga
