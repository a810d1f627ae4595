// Goal: SqliteCheckpointer takes the WAL checkpoints off the committing connection's thread:
// its own thread copies the log into the database once a commit leaves it at the threshold,
// the writer checkpoints inline only when that thread falls behind, every committed row is
// there afterwards (also with a reader reading throughout), and the engine's store runs one
// while it is open.
// Method: a real WAL file in a temp dir, a raw SQLite writer connection, a small threshold;
// a reader holding an old snapshot makes the thread fall behind (PASSIVE cannot copy past it).
#include "store/sqlite_checkpointer.h"

#include <SQLiteCpp/SQLiteCpp.h>
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>
#include <thread>

#include "saga/testing/temp_dir.h"
#include "saga/testing/threads.h"
#include "store/sqlite_saga_store.h"

namespace saga {
namespace {

using testing::threads_named;

constexpr int kThreshold = 20;  // frames

bool eventually(const auto& condition) {
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!condition()) {
    if (std::chrono::steady_clock::now() > until) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return true;
}

class SqliteCheckpointerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    writer.exec("PRAGMA journal_mode = WAL");
    writer.exec("PRAGMA synchronous = FULL");
    writer.exec("CREATE TABLE t (id INTEGER PRIMARY KEY, payload BLOB NOT NULL)");
  }

  // One commit that dirties several pages (a 3 KiB row each).
  void commit_rows(int rows) {
    SQLite::Transaction tx(writer);
    SQLite::Statement insert(writer, "INSERT INTO t (id, payload) VALUES (?1, zeroblob(3000))");
    for (int i = 0; i < rows; ++i) {
      insert.bind(1, next_id++);
      insert.exec();
      insert.reset();
    }
    tx.commit();
  }

  std::int64_t rows_seen_by_a_new_connection() {
    SQLite::Database reader(path, SQLite::OPEN_READONLY);
    return reader.execAndGet("SELECT count(*) FROM t").getInt64();
  }

  testing::TempDir dir;
  std::string path = dir.file("checkpoint.db");
  SQLite::Database writer{path, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE};
  int next_id = 1;
};

TEST_F(SqliteCheckpointerTest, ItsThreadCheckpointsOnceACommitReachesTheThreshold) {
  auto checkpointer = SqliteCheckpointer::start(writer.getHandle(), path, "", 2, kThreshold);
  ASSERT_NE(checkpointer, nullptr);
  EXPECT_EQ(threads_named("saga-checkpoint"), 1);
  commit_rows(2);  // a few frames: under the threshold
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_EQ(checkpointer->checkpoints(), 0u);
  for (int i = 0; i < 10; ++i) commit_rows(4);
  EXPECT_TRUE(eventually([&] { return checkpointer->checkpoints() >= 1; }));
  EXPECT_EQ(checkpointer->inline_checkpoints(), 0u);
  EXPECT_EQ(rows_seen_by_a_new_connection(), 42);
  checkpointer.reset();
  EXPECT_EQ(threads_named("saga-checkpoint"), 0);
}

TEST_F(SqliteCheckpointerTest, TheWriterCheckpointsInlineWhenTheThreadFallsBehind) {
  auto checkpointer = SqliteCheckpointer::start(writer.getHandle(), path, "", 2, kThreshold);
  ASSERT_NE(checkpointer, nullptr);
  commit_rows(1);
  {
    // A reader's snapshot stops every PASSIVE checkpoint short of the frames after it, so the
    // log grows past threshold * kInlineFactor and the writer's own commits checkpoint.
    SQLite::Database reader(path, SQLite::OPEN_READONLY);
    SQLite::Transaction snapshot(reader, SQLite::TransactionBehavior::DEFERRED);
    EXPECT_EQ(reader.execAndGet("SELECT count(*) FROM t").getInt64(), 1);
    for (int i = 0; i < 80; ++i) commit_rows(4);
    EXPECT_GT(checkpointer->inline_checkpoints(), 0u);
  }
  const std::uint64_t before = checkpointer->checkpoints();
  for (int i = 0; i < 10; ++i) commit_rows(4);  // the reader is gone: the thread catches up
  EXPECT_TRUE(eventually([&] { return checkpointer->checkpoints() > before; }));
  EXPECT_EQ(rows_seen_by_a_new_connection(), 1 + 90 * 4);
}

// The thread checkpoints while the writer commits and another connection keeps reading (its
// snapshots hold PASSIVE back now and then): every row is there, and the log was copied.
TEST_F(SqliteCheckpointerTest, CommitsWhileAReaderReadsAndTheThreadCheckpointsLoseNothing) {
  auto checkpointer = SqliteCheckpointer::start(writer.getHandle(), path, "", 2, kThreshold);
  ASSERT_NE(checkpointer, nullptr);
  std::atomic<bool> done{false};
  std::atomic<std::int64_t> last_seen{0};
  std::thread reader([&] {
    SQLite::Database r(path, SQLite::OPEN_READONLY);
    r.setBusyTimeout(5'000);
    while (!done.load()) {
      const std::int64_t seen = r.execAndGet("SELECT count(*) FROM t").getInt64();
      EXPECT_GE(seen, last_seen.load());  // a snapshot never goes back
      last_seen.store(seen);
    }
  });
  for (int i = 0; i < 300; ++i) commit_rows(3);
  done.store(true);
  reader.join();
  EXPECT_GT(checkpointer->checkpoints(), 0u);
  EXPECT_GT(last_seen.load(), 0);
  EXPECT_EQ(rows_seen_by_a_new_connection(), 900);
}

TEST_F(SqliteCheckpointerTest, AFileThatCannotBeOpenedLeavesTheWriterItsOwnCheckpoints) {
  EXPECT_EQ(SqliteCheckpointer::start(writer.getHandle(), dir.file("missing/x.db"), "", 2),
            nullptr);
  EXPECT_EQ(threads_named("saga-checkpoint"), 0);
}

TEST_F(SqliteCheckpointerTest, TheEngineStoreRunsOneOnAFileButNotInMemory) {
  {
    StoreOptions options;
    options.path = dir.file("engine.db");
    auto store = SqliteSagaStore::open(options);
    ASSERT_TRUE(store.is_ok()) << store.status().to_string();
    EXPECT_EQ(threads_named("saga-checkpoint"), 1);
  }
  EXPECT_EQ(threads_named("saga-checkpoint"), 0);
  StoreOptions memory;
  memory.path = ":memory:";
  auto store = SqliteSagaStore::open(memory);
  ASSERT_TRUE(store.is_ok()) << store.status().to_string();
  EXPECT_EQ(threads_named("saga-checkpoint"), 0);
}

}  // namespace
}  // namespace saga
