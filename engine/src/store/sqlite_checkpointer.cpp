// See sqlite_checkpointer.h.
#include "store/sqlite_checkpointer.h"

#include <pthread.h>

#include <string>

namespace saga {

std::unique_ptr<SqliteCheckpointer> SqliteCheckpointer::start(sqlite3* writer,
                                                              const std::string& path,
                                                              const std::string& vfs,
                                                              int synchronous, int threshold) {
  sqlite3* own = nullptr;
  const int rc = sqlite3_open_v2(path.c_str(), &own, SQLITE_OPEN_READWRITE,
                                 vfs.empty() ? nullptr : vfs.c_str());
  // The checkpoint syncs the log before and the database file after copying, as the writer's
  // own would: the same level.
  const std::string pragma = "PRAGMA synchronous = " + std::to_string(synchronous);
  if (rc != SQLITE_OK ||
      sqlite3_exec(own, pragma.c_str(), nullptr, nullptr, nullptr) != SQLITE_OK) {
    sqlite3_close(own);  // a handle is returned even on failure
    return nullptr;
  }
  return std::unique_ptr<SqliteCheckpointer>(new SqliteCheckpointer(writer, own, threshold));
}

SqliteCheckpointer::SqliteCheckpointer(sqlite3* writer, sqlite3* own, int threshold)
    : writer_(writer), own_(own), threshold_(threshold) {
  thread_ = std::thread([this] { run(); });
  pthread_setname_np(thread_.native_handle(), "saga-checkpoint");
  sqlite3_wal_hook(writer_, &SqliteCheckpointer::on_commit, this);
}

SqliteCheckpointer::~SqliteCheckpointer() {
  sqlite3_wal_autocheckpoint(writer_, kDefaultThreshold);  // replaces the hook
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  wake_.notify_one();
  thread_.join();
  sqlite3_close(own_);
}

// Called by SQLite on the writer's thread after each of its commits, with the log's size.
int SqliteCheckpointer::on_commit(void* self, sqlite3* db, const char* schema, int frames) {
  auto* c = static_cast<SqliteCheckpointer*>(self);
  if (frames >= c->threshold_ * kInlineFactor) {
    // Behind: what SQLite's own hook would do, so that the log cannot grow without bound.
    sqlite3_wal_checkpoint_v2(db, schema, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
    c->inline_checkpoints_.fetch_add(1);
  } else if (frames >= c->threshold_) {
    {
      std::lock_guard lock(c->mutex_);
      c->due_ = true;
    }
    c->wake_.notify_one();
  }
  return SQLITE_OK;
}

void SqliteCheckpointer::run() {
  std::unique_lock lock(mutex_);
  while (true) {
    wake_.wait(lock, [this] { return due_ || stop_; });
    if (stop_) return;
    due_ = false;
    lock.unlock();
    int copied = 0;
    // Errors (SQLITE_BUSY while another checkpoint runs, an I/O error) leave the log as it is:
    // the next commit over the threshold asks again, and the inline fallback bounds it.
    if (sqlite3_wal_checkpoint_v2(own_, nullptr, SQLITE_CHECKPOINT_PASSIVE, nullptr, &copied) ==
            SQLITE_OK &&
        copied > 0) {
      checkpoints_.fetch_add(1);
    }
    lock.lock();
  }
}

}  // namespace saga
