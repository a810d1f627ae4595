// FaultVfs: a SQLite VFS for tests that wraps the default one and injects store faults, in the
// spirit of leveldb's fault injection env.
//
//   FaultVfs& vfs = FaultVfs::install();   // registers "saga_fault" once (not as the default)
//   vfs.reset();                           // forget earlier tests' files and faults
//   options.store_vfs = FaultVfs::kName;   // EngineOptions: the engine opens its file with it
//   vfs.arm({VfsOp::kWrite, VfsError::kFull, /*after_commits=*/2});
//
// A fault fails calls of one kind on the files SQLite opens as a main database, its rollback
// journal or its WAL (not temp files):
//   kWrite  xWrite, with SQLITE_FULL, SQLITE_READONLY, SQLITE_BUSY or SQLITE_IOERR_WRITE;
//   kSync   xSync, with SQLITE_IOERR_FSYNC (or the chosen code);
//   kLock   taking the write lock (xLock at RESERVED or above; in WAL mode the exclusive WAL
//           write lock, xShmLock slot 0), with SQLITE_BUSY (or the chosen code). While a lock
//           fault is armed, xSleep does not sleep, so busy_timeout ends at once.
// It waits `after_commits` commits (a commit is a successful xSync of a WAL file: one per
// transaction in WAL mode with synchronous FULL) and then `skip` more matching calls, then fails
// the next `times` matching calls (-1: every one until clear()).
//
// Crashes: every write since the last xSync of its file is "unsynced". crash() makes every
// later write, truncate, sync and delete fail (nothing more reaches the files) so that the
// connections can be closed as a dying process would leave them; drop_unsynced() then puts back
// what each unsynced write and truncate overwrote, truncates each file to its size at its last
// sync, deletes the WAL index (-shm, rebuilt by SQLite) and ends the crash. Opening the
// database again is then like opening it after a power loss.
//
// Thread-safe (one mutex). Tracking is by path: reset() between tests.
#pragma once

#include <cstdint>

namespace saga::testing {

enum class VfsOp : std::uint8_t { kWrite, kSync, kLock };
enum class VfsError : std::uint8_t { kFull, kBusy, kReadOnly, kIoError };

struct VfsFault {
  VfsOp op = VfsOp::kWrite;
  VfsError error = VfsError::kIoError;
  std::uint64_t after_commits = 0;  // commits let through first, counted from arm()
  std::uint64_t skip = 0;           // then matching calls let through
  std::int64_t times = -1;          // calls failed, then the fault clears; -1: until clear()
};

class FaultVfs {
 public:
  static constexpr const char* kName = "saga_fault";

  // Registers the VFS (once, not as the default) and returns it.
  static FaultVfs& install();

  // Replaces the armed fault (if any); counting starts now.
  void arm(const VfsFault& fault);
  // No fault from now on (a crash in progress is not ended: see drop_unsynced).
  void clear();
  // Whether a fault is armed and has calls left to fail.
  bool armed() const;
  // Calls failed by faults since reset().
  std::uint64_t failures() const;
  // Commits (successful WAL syncs) since reset().
  std::uint64_t commits() const;

  void crash();
  void drop_unsynced();

  // Forgets every tracked file, the fault, the counters and the crash. Only while no database
  // is open through the VFS.
  void reset();

  class State;  // internal

 private:
  FaultVfs() = default;
};

}  // namespace saga::testing
