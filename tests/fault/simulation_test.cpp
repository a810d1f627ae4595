// Goal: under lost, duplicated, delayed and reordered messages and participant and orchestrator
// crashes, every FTGO saga ends completed or compensated with each effect applied once.
// Method: the deterministic simulator (real engine in manual mode, SQLite in a temp dir) over a
// bounded range of seeds from GoogleTest's random seed; a failing seed is printed for rerun.
#include "saga/testing/simulation.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <vector>

namespace saga {
namespace {

using testing::SimulationResult;

std::uint64_t first_seed() {
  return static_cast<std::uint64_t>(::testing::UnitTest::GetInstance()->random_seed()) * 1'000;
}

// --- snippet: simulation seeds (docs/testing.md) ---
TEST(SimulationTest, TwoHundredSeedsKeepEveryInvariant) {
  const testing::SimulationConfig config = testing::ftgo_simulation_config();
  const std::uint64_t start = first_seed();
  std::printf("simulation seeds %llu..%llu (rerun one: saga_simulate --start <seed> --seeds 1)\n",
              static_cast<unsigned long long>(start), static_cast<unsigned long long>(start + 199));
  testing::SimulationStats total;
  for (std::uint64_t seed = start; seed < start + 200; ++seed) {
    SimulationResult r = testing::simulate(config, seed);
    EXPECT_TRUE(r.ok()) << r.summary();
    total += r.stats;
  }
  // The faults really happened, and both endings were reached.
  EXPECT_GT(total.completed, 0u);
  EXPECT_GT(total.compensated, 0u);
  EXPECT_GT(total.orchestrator_crashes, 0u);
  EXPECT_GT(total.participant_crashes, 0u);
  EXPECT_GT(total.dropped, 0u);
}
// --- end snippet ---

TEST(SimulationTest, StoreFaultsAsASeededFaultKindKeepEveryInvariant) {
  // The database fails now and then (full, read-only, I/O error, sync error, lock busy) for up
  // to 3 s, and an orchestrator crash loses its unsynced writes: every saga still ends right,
  // and each history replays to its instance.
  testing::SimulationConfig config = testing::ftgo_simulation_config();
  config.faults.store_fault = 20;
  config.check_history_replay = true;
  const std::uint64_t first = first_seed() + 500'000;
  std::printf("store fault seeds from %llu (saga_simulate --store-faults 20 --start <seed>)\n",
              static_cast<unsigned long long>(first));
  std::vector<SimulationResult> runs;
  for (std::uint64_t i = 0; i < 30; ++i) runs.push_back(testing::simulate(config, first + i));
  auto total = [&runs](std::uint64_t testing::SimulationStats::*field) {
    std::uint64_t n = 0;
    for (const SimulationResult& r : runs) n += r.stats.*field;
    return n;
  };
  for (const SimulationResult& r : runs) EXPECT_TRUE(r.ok()) << r.summary();
  EXPECT_GT(total(&testing::SimulationStats::store_faults), 0u);
  EXPECT_GT(total(&testing::SimulationStats::failed_commits), 0u);
  EXPECT_GT(total(&testing::SimulationStats::orchestrator_crashes), 0u);
}

TEST(SimulationTest, TheSameSeedReplaysTheSameRun) {
  const testing::SimulationConfig config = testing::ftgo_simulation_config();
  const std::uint64_t seed = first_seed() + 7;
  std::printf("seed %llu\n", static_cast<unsigned long long>(seed));
  SimulationResult a = testing::simulate(config, seed);
  SimulationResult b = testing::simulate(config, seed);
  EXPECT_EQ(a.trace_hash, b.trace_hash);
  EXPECT_EQ(a.summary(), b.summary());
  SimulationResult c = testing::simulate(config, seed + 1);
  EXPECT_NE(a.trace_hash, c.trace_hash);
}

TEST(SimulationTest, AParticipantWithoutAnInboxIsCaughtApplyingTwice) {
  // The checker itself must bite: without deduplication a duplicated command runs twice.
  testing::SimulationConfig config = testing::ftgo_simulation_config();
  config.idempotent_inbox = false;
  int caught = 0;
  for (std::uint64_t seed = 1; seed <= 10; ++seed) {
    SimulationResult r = testing::simulate(config, seed);
    if (!r.ok() && r.summary().find("applied twice") != std::string::npos) ++caught;
  }
  EXPECT_GT(caught, 0);
}

TEST(SimulationTest, ACompensationThatCanNeverBeSentIsReported) {
  testing::SimulationConfig config = testing::ftgo_simulation_config();
  auto broken = std::make_shared<SagaDefinition>(*config.definition);
  broken->steps[2].compensation->make = [](std::string_view) {
    return Result<CommandMessage>(invalid_argument("cannot build"));
  };
  config.definition = broken;
  config.quiet_limit = Millis{10'000};
  SimulationResult r = testing::simulate(config, 3);
  ASSERT_FALSE(r.ok());
  std::printf("reported as expected:\n%s\n", r.summary().c_str());
  EXPECT_NE(r.summary().find("ended failed"), std::string::npos);
}

}  // namespace
}  // namespace saga
