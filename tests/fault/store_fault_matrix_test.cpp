// Goal: whatever the store fault and whichever commit it hits, every Create Order saga reaches
// its correct end once the fault clears, no transition is half applied, and no participant
// applies an effect twice.
// Method: a generated matrix. For each fault kind (writes full, read-only or I/O error, sync
// I/O error, write lock busy) and each commit index k of a run of three FTGO sagas (one
// compensated, one with a retried step, one plain), the deterministic simulator runs the real
// engine with the database opened through the fault VFS; the fault is armed to hit commit k and
// every later attempt until the engine has counted three failed commits, then clears. The
// network is reliable, so the store fault is the only fault. The simulator's invariants check
// the ends and the participants' effects; the history of each saga is replayed through decide
// and must end where the stored instance is; no reply deadline passes (a reply kept by the
// engine is never waited for again). A kind's matrix ends at the first k past the last
// commit of the run (the fault never fires).
// Time budget: about 30 s for the whole matrix at -j2 (one ctest entry per kind).
#include <gtest/gtest.h>

#include <ostream>
#include <string>

#include "saga/testing/fault_vfs.h"
#include "saga/testing/simulation.h"

namespace saga {
namespace {

using testing::VfsError;
using testing::VfsFault;
using testing::VfsOp;

struct FaultKind {
  const char* name;
  VfsOp op;
  VfsError error;
};

void PrintTo(const FaultKind& kind, std::ostream* out) { *out << kind.name; }

constexpr FaultKind kKinds[] = {
    {"write_full", VfsOp::kWrite, VfsError::kFull},
    {"write_read_only", VfsOp::kWrite, VfsError::kReadOnly},
    {"write_io_error", VfsOp::kWrite, VfsError::kIoError},
    {"sync_io_error", VfsOp::kSync, VfsError::kIoError},
    {"lock_busy", VfsOp::kLock, VfsError::kBusy},
};

constexpr int kMaxCommits = 60;  // a bound on the matrix: the run has far fewer commits

testing::SimulationConfig matrix_config() {
  testing::SimulationConfig c = testing::ftgo_simulation_config();
  c.sagas = 3;  // saga 0 compensated (card declined), 1 with a retried step, 2 plain
  c.start_window = Millis{500};
  c.faults = testing::SimFaults{};
  c.faults.drop = 0;
  c.faults.duplicate = 0;
  c.faults.delay_min = Millis{1};
  c.faults.delay_max = Millis{20};
  c.faults.participant_crash = 0;
  c.faults.orchestrator_crash = 0;
  c.faults.crash_point = 0;
  c.fault_period = Millis{10'000};  // the planned fault clears within it
  c.quiet_limit = Millis{60'000};
  c.store_fault_attempts = 3;
  c.check_history_replay = true;
  c.expect_no_timeouts = true;  // a reply the engine had received is never waited for again
  return c;
}

class StoreFaultMatrixTest : public ::testing::TestWithParam<FaultKind> {};

TEST_P(StoreFaultMatrixTest, EverySagaEndsCorrectlyWhicheverCommitTheFaultHits) {
  const FaultKind kind = GetParam();
  testing::SimulationConfig config = matrix_config();
  int hit = 0;
  for (int k = 0; k < kMaxCommits; ++k) {
    config.store_fault_plan =
        VfsFault{kind.op, kind.error, static_cast<std::uint64_t>(k), 0, /*times=*/-1};
    testing::SimulationResult r = testing::simulate(config, 1);
    const std::string where = std::string(kind.name) + "/commit_" + std::to_string(k);
    EXPECT_TRUE(r.ok()) << where << ": " << r.summary();
    if (r.stats.failed_commits == 0) break;  // past the run's last commit
    ++hit;
    EXPECT_GE(r.stats.failed_commits, config.store_fault_attempts) << where;
    EXPECT_EQ(r.stats.completed, 2u) << where;
    EXPECT_EQ(r.stats.compensated, 1u) << where;
  }
  std::printf("%s: the fault hit %d commits in turn\n", kind.name, hit);
  EXPECT_GE(hit, 10) << "the matrix should cover every commit of the run";
  EXPECT_LT(hit, kMaxCommits) << "the run never ran out of commits";
}

INSTANTIATE_TEST_SUITE_P(Kinds, StoreFaultMatrixTest, ::testing::ValuesIn(kKinds),
                         [](const ::testing::TestParamInfo<FaultKind>& info) {
                           return std::string(info.param.name);
                         });

}  // namespace
}  // namespace saga
