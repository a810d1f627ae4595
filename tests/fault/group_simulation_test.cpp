// Goal: a saga with parallel groups keeps every invariant of the simulator under lost,
// duplicated, delayed and reordered messages and participant and orchestrator crashes (the
// engine is destroyed, sometimes at a crash point, and recovers from its database: the kill
// test for groups): each saga completed or compensated, every effect applied once, no retriable
// step compensated; and each saga's history replays to its stored instance.
// Method: the FTGO simulation with verify_consumer + create_ticket in one compensatable group
// and confirm_ticket + approve_order in one retriable group; a bounded range of seeds.
#include <gtest/gtest.h>

#include <cstdio>

#include "saga/testing/simulation.h"

namespace saga {
namespace {

testing::SimulationConfig grouped_config() {
  testing::SimulationConfig config = testing::ftgo_simulation_config();
  auto def = std::make_shared<SagaDefinition>(*config.definition);
  def->name = "create_order_parallel";
  for (StepDefinition& step : def->steps) {
    if (step.name == "verify_consumer" || step.name == "create_ticket") step.group = "prepare";
    if (step.name == "confirm_ticket" || step.name == "approve_order") step.group = "finish";
  }
  EXPECT_TRUE(validate(*def).is_ok()) << validate(*def).to_string();
  config.definition = def;
  config.check_history_replay = true;
  return config;
}

std::uint64_t first_seed() {
  return static_cast<std::uint64_t>(::testing::UnitTest::GetInstance()->random_seed()) * 1'000 +
         900'000;
}

TEST(GroupSimulationTest, GroupsKeepEveryInvariantUnderFaultsAndCrashes) {
  const testing::SimulationConfig config = grouped_config();
  const std::uint64_t start = first_seed();
  std::printf("group simulation seeds %llu..%llu\n", static_cast<unsigned long long>(start),
              static_cast<unsigned long long>(start + 59));
  testing::SimulationStats total;
  for (std::uint64_t seed = start; seed < start + 60; ++seed) {
    testing::SimulationResult r = testing::simulate(config, seed);
    EXPECT_TRUE(r.ok()) << r.summary();
    total += r.stats;
  }
  EXPECT_GT(total.completed, 0u);
  EXPECT_GT(total.compensated, 0u);
  EXPECT_GT(total.orchestrator_crashes, 0u);
}

TEST(GroupSimulationTest, TheSameSeedReplaysTheSameRun) {
  const testing::SimulationConfig config = grouped_config();
  testing::SimulationResult a = testing::simulate(config, first_seed() + 77);
  testing::SimulationResult b = testing::simulate(config, first_seed() + 77);
  EXPECT_EQ(a.trace_hash, b.trace_hash);
}

}  // namespace
}  // namespace saga
