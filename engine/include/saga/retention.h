// Retention: finished sagas and their history removed after a configured age, in small batches
// on a thread of its own, off the engine's hot path.
//
// A RetentionWorker opens the engine's database with operator access (saga/inspection.h), and
// every `interval` removes the sagas completed or compensated more than `keep_finished` ago, one
// short transaction of `batch` sagas at a time, pausing `pause` between batches so that the
// engine's commits never wait long for the write lock. Failed and unfinished sagas are never
// removed. Optionally each saga is appended to an archive file first (PruneOptions).
//
//   RetentionOptions retention;
//   retention.database_path = "/var/lib/orders/engine.db";
//   retention.keep_finished = std::chrono::hours(24 * 30);
//   auto worker = RetentionWorker::start(retention);   // runs until destroyed
//
// `sagactl prune --older-than 30d` does the same once, from the command line.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "saga/clock.h"
#include "saga/log.h"
#include "saga/status.h"

namespace saga {

struct RetentionOptions {
  std::string database_path;  // the engine's database; it must exist
  // Finished sagas older than this are removed. At least one minute (kInvalidArgument): a
  // caller of Engine::wait() or a dashboard may still look at a saga that just ended.
  Millis keep_finished{0};
  std::size_t batch = 100;       // sagas per transaction, 1..10000
  Millis pause{50};              // between two full batches
  Millis interval{60'000};       // between two rounds once nothing was due
  std::string archive_path;      // optional JSON-lines archive (PruneOptions)
  std::shared_ptr<Clock> clock;  // ages by this clock; default SystemClock
  LogSink log;                   // default make_spdlog_sink(); one line per round that removed
  Millis busy_timeout{5'000};
};

struct RetentionStats {
  std::uint64_t deleted = 0;  // sagas removed so far
  std::uint64_t batches = 0;
  std::uint64_t errors = 0;  // batches that failed (logged; retried next round)
};

class RetentionWorker {
 public:
  // Checks the options and opens the database; kNotFound when it does not exist.
  static Result<std::unique_ptr<RetentionWorker>> start(RetentionOptions options);
  ~RetentionWorker();  // stop()
  RetentionWorker(const RetentionWorker&) = delete;
  RetentionWorker& operator=(const RetentionWorker&) = delete;

  // Runs a round now instead of at the end of the interval (after a VirtualClock moved).
  void wake();
  RetentionStats stats() const;
  // Stops after the batch in progress. Idempotent.
  void stop();

  class Impl;

 private:
  explicit RetentionWorker(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace saga
