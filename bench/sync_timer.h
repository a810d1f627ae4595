// SyncTimer: times every fsync SQLite makes in this process, so a benchmark can state a saga's
// durable floor from the syncs it really made (count and median duration, in the same run)
// rather than from a separate loop whose fsync time the disk may not repeat a second later.
//
//   bench::SyncTimer::install();          // before any database opens: becomes the default VFS
//   bench::SyncTimer::reset();            // forget the syncs so far
//   bench::SyncStats s = bench::SyncTimer::stats();
//
// It wraps SQLite's default VFS and forwards every call; only xSync is timed (a mutex and one
// push per sync). Benchmarks only: tests inject store faults with saga::testing::FaultVfs.
#pragma once

#include <cstddef>

namespace bench {

struct SyncStats {
  std::size_t syncs = 0;
  double median_ms = 0;
  double total_ms = 0;
};

class SyncTimer {
 public:
  static void install();
  static void reset();
  static SyncStats stats();
};

}  // namespace bench
