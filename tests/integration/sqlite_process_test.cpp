// saga::disable_sqlite_memory_statistics(): SQLite takes the setting only before it initializes.
#include "saga/sqlite_process.h"

#include <SQLiteCpp/SQLiteCpp.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sqlite3.h>

#include "saga/testing/temp_dir.h"

namespace saga {
namespace {

using ::testing::HasSubstr;

class SqliteProcessTest : public ::testing::Test {
 protected:
  // Earlier tests in this process may have used SQLite: with every connection closed,
  // sqlite3_shutdown() makes it uninitialized again, as at the start of a program.
  void SetUp() override { ASSERT_EQ(sqlite3_shutdown(), SQLITE_OK); }
  // Back to Debian's default for the tests that follow in the same process.
  void TearDown() override {
    sqlite3_shutdown();
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 1);
  }
};

TEST_F(SqliteProcessTest, BeforeTheFirstDatabaseTheStatisticsStopAndADatabaseWorks) {
  ASSERT_TRUE(disable_sqlite_memory_statistics().is_ok());
  testing::TempDir dir;
  SQLite::Database db(dir.file("t.db"), SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
  db.exec("CREATE TABLE t (v TEXT NOT NULL)");
  db.exec("INSERT INTO t VALUES ('kept')");
  EXPECT_EQ(db.execAndGet("SELECT v FROM t").getString(), "kept");
  // Without statistics SQLite counts nothing: the setting took effect.
  EXPECT_EQ(sqlite3_memory_used(), 0);
}

TEST_F(SqliteProcessTest, AfterSqliteInitializedItIsRefusedAndChangesNothing) {
  testing::TempDir dir;
  SQLite::Database db(dir.file("t.db"), SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
  db.exec("CREATE TABLE t (v TEXT NOT NULL)");
  const Status late = disable_sqlite_memory_statistics();
  EXPECT_EQ(late.code(), StatusCode::kFailedPrecondition);
  EXPECT_THAT(late.message(), HasSubstr("before opening any database"));
  EXPECT_GT(sqlite3_memory_used(), 0);  // still counting: Debian's default stays
}

}  // namespace
}  // namespace saga
