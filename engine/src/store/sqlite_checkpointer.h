// SqliteCheckpointer: the WAL checkpoints of the engine's database, on a thread of their own.
//
// In WAL mode SQLite copies the log back into the database file (a checkpoint) from inside the
// commit that makes the log reach 1,000 pages, on the committing connection's thread. For the
// engine that thread is the one every saga goes through (docs/performance.md, "engine thread"),
// so the store hands its checkpoints to this class instead: the engine's connection stops
// checkpointing (its WAL hook is replaced), and after each of its commits that leaves the log
// at `threshold` frames or more, this thread runs a PASSIVE checkpoint on a connection of its
// own to the same file (same VFS).
//
// Durability is not involved: a commit is durable when its log frames are synced, which the
// committing connection still does (synchronous=FULL); a checkpoint only moves synced pages
// into the database file, and it syncs the log before and the file after, as SQLite's own does.
// PASSIVE never waits for readers or writers. If the thread falls behind (the log reaches
// `threshold * kInlineFactor` frames, e.g. it cannot open or keeps failing), the committing
// connection checkpoints inline again, as SQLite would, so the log stays bounded.
#pragma once

#include <sqlite3.h>

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

namespace saga {

class SqliteCheckpointer {
 public:
  static constexpr int kDefaultThreshold = 1'000;  // SQLite's wal_autocheckpoint default
  static constexpr int kInlineFactor = 8;

  // Opens the checkpoint connection (on the caller's thread; `synchronous` is its PRAGMA
  // synchronous, the writer's level: 0 OFF .. 3 EXTRA) and takes over `writer`'s automatic
  // checkpoints. nullptr when that connection cannot be opened: `writer` then keeps SQLite's
  // own automatic checkpoints.
  static std::unique_ptr<SqliteCheckpointer> start(sqlite3* writer, const std::string& path,
                                                   const std::string& vfs, int synchronous,
                                                   int threshold = kDefaultThreshold);
  // Gives `writer` its automatic checkpoints back and joins the thread.
  ~SqliteCheckpointer();
  SqliteCheckpointer(const SqliteCheckpointer&) = delete;
  SqliteCheckpointer& operator=(const SqliteCheckpointer&) = delete;

  // Checkpoints run by this thread (those that copied at least one page) and inline by the
  // writer because the thread fell behind.
  std::uint64_t checkpoints() const { return checkpoints_.load(); }
  std::uint64_t inline_checkpoints() const { return inline_checkpoints_.load(); }

 private:
  SqliteCheckpointer(sqlite3* writer, sqlite3* own, int threshold);
  static int on_commit(void* self, sqlite3* db, const char* schema, int frames);
  void run();

  sqlite3* writer_;
  sqlite3* own_;
  const int threshold_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool due_ = false;
  bool stop_ = false;
  std::atomic<std::uint64_t> checkpoints_{0};
  std::atomic<std::uint64_t> inline_checkpoints_{0};
  std::thread thread_;
};

}  // namespace saga
