// Goal: cancels racing replies, timeouts and orchestrator crashes, and saga deadlines, keep every
// simulator invariant: a cancel the engine took ends the saga compensated with no effect left
// in place; one past the pivot is refused and the saga completes; a deadline that passed
// before the pivot compensates; nothing is applied twice.
// Method: the seeded FTGO simulation (simulation.h) with cancel_after and saga_deadline; a
// bounded range of seeds from GoogleTest's random seed, printed for rerun.
#include <gtest/gtest.h>

#include <cstdio>

#include "saga/testing/simulation.h"

namespace saga {
namespace {

using testing::SimulationResult;

TEST(SimulationControlTest, CancelsAndDeadlinesKeepEveryInvariant) {
  testing::SimulationConfig config = testing::ftgo_simulation_config();
  // Every other saga is cancelled 0..1.2 s after its start (before, during or after its pivot);
  // every third gets a deadline of 0.8..2.3 s.
  config.cancel_after = [](std::uint64_t i) -> std::optional<Millis> {
    if (i % 2 != 0) return std::nullopt;
    return Millis{static_cast<std::int64_t>((i * 97) % 1'200)};
  };
  config.saga_deadline = [](std::uint64_t i) -> std::optional<Millis> {
    if (i % 3 != 1) return std::nullopt;
    return Millis{800 + static_cast<std::int64_t>((i * 131) % 1'500)};
  };
  config.check_history_replay = true;
  const std::uint64_t start =
      static_cast<std::uint64_t>(::testing::UnitTest::GetInstance()->random_seed()) * 1'000 +
      900'000;
  std::printf("control simulation seeds %llu..%llu\n", static_cast<unsigned long long>(start),
              static_cast<unsigned long long>(start + 39));
  testing::SimulationStats total;
  for (std::uint64_t seed = start; seed < start + 40; ++seed) {
    SimulationResult r = testing::simulate(config, seed);
    EXPECT_TRUE(r.ok()) << r.summary();
    total += r.stats;
  }
  std::printf("cancels applied %llu, refused %llu; deadlines passed %llu\n",
              static_cast<unsigned long long>(total.cancels_applied),
              static_cast<unsigned long long>(total.cancels_refused),
              static_cast<unsigned long long>(total.deadlines_passed));
  // Both sides of the pivot were hit, deadlines acted, crashes happened.
  EXPECT_GT(total.cancels_applied, 0u);
  EXPECT_GT(total.cancels_refused, 0u);
  EXPECT_GT(total.deadlines_passed, 0u);
  EXPECT_GT(total.completed, 0u);
  EXPECT_GT(total.orchestrator_crashes, 0u);
}

}  // namespace
}  // namespace saga
