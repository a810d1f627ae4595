// Goal: a saga with a child saga keeps every invariant of the simulator under lost, duplicated,
// delayed and reordered messages, participant and orchestrator crashes, and cancels: each
// parent and each child ended, as each other (completed or compensated together), every effect
// applied once, and a done child whose parent compensated has undone its compensatable steps
// and kept its pivot's effect (docs/dsl.md section 9; simulation.h, SimulationConfig::children).
// Method: the seeded simulator on tests/unit/delivery_sagas.h (reserve, the child step deliver,
// the pivot approve; the child: book_courier, the pivot dispatch), with business failures on
// either side chosen by each saga's index and a cancel for some sagas; a bounded range of seeds.
#include <gtest/gtest.h>

#include <cstdio>
#include <memory>
#include <optional>
#include <string>

#include "saga/testing/simulation.h"
#include "unit/delivery_sagas.h"

namespace saga {
namespace {

testing::SimulationConfig child_config() {
  testing::SimulationConfig config = testing::ftgo_simulation_config();
  config.definition = std::make_shared<const SagaDefinition>(delivery_sagas::order_with_delivery());
  config.children = {std::make_shared<const SagaDefinition>(delivery_sagas::delivery())};
  config.data = [](std::uint64_t i) { return "order-" + std::to_string(i); };
  config.compensation_only.clear();
  // Saga i: 1 mod 5 its child's Book is refused, 2 its child's Dispatch, 3 its own Approve
  // (after the child was done: the child compensates for it); the others succeed.
  config.outcome = [](const Envelope& command, std::uint64_t i,
                      std::uint32_t) -> std::optional<std::string> {
    if (command.compensation) return std::nullopt;
    if ((i % 5 == 1 && command.name == "Book") || (i % 5 == 2 && command.name == "Dispatch") ||
        (i % 5 == 3 && command.name == "Approve")) {
      return "refused";
    }
    return std::nullopt;
  };
  config.cancel_after = [](std::uint64_t i) -> std::optional<Millis> {
    if (i % 4 == 0) return Millis{150};
    return std::nullopt;
  };
  return config;
}

std::uint64_t first_seed() {
  return static_cast<std::uint64_t>(::testing::UnitTest::GetInstance()->random_seed()) * 1'000 +
         950'000;
}

TEST(ChildSimulationTest, ParentsAndChildrenKeepEveryInvariantUnderFaultsCrashesAndCancels) {
  for (const auto& d : {delivery_sagas::order_with_delivery(), delivery_sagas::delivery()}) {
    ASSERT_TRUE(validate(d).is_ok()) << validate(d).to_string();
  }
  const testing::SimulationConfig config = child_config();
  const std::uint64_t start = first_seed();
  std::printf("child simulation seeds %llu..%llu\n", static_cast<unsigned long long>(start),
              static_cast<unsigned long long>(start + 39));
  testing::SimulationStats total;
  for (std::uint64_t seed = start; seed < start + 40; ++seed) {
    testing::SimulationResult r = testing::simulate(config, seed);
    EXPECT_TRUE(r.ok()) << r.summary();
    total += r.stats;
  }
  std::printf("completed %llu, compensated %llu, children %llu, crashes %llu, dropped %llu\n",
              static_cast<unsigned long long>(total.completed),
              static_cast<unsigned long long>(total.compensated),
              static_cast<unsigned long long>(total.children),
              static_cast<unsigned long long>(total.orchestrator_crashes),
              static_cast<unsigned long long>(total.dropped));
  EXPECT_GT(total.completed, 0u);
  EXPECT_GT(total.compensated, 0u);
  EXPECT_GT(total.children, 0u);
  EXPECT_GT(total.orchestrator_crashes, 0u);
}

// The checker can fail, on children too: participants that run a duplicate again (no inbox) are
// caught, and among the effects applied twice are some of a child's steps.
TEST(ChildSimulationTest, ParticipantsWithoutAnInboxAreCaughtInParentsAndChildren) {
  testing::SimulationConfig config = child_config();
  config.idempotent_inbox = false;
  int failed = 0;
  bool child_caught = false;
  for (std::uint64_t seed = first_seed(); seed < first_seed() + 10; ++seed) {
    testing::SimulationResult r = testing::simulate(config, seed);
    failed += r.ok() ? 0 : 1;
    for (const std::string& v : r.violations) {
      child_caught = child_caught || v.find("/deliver step") != std::string::npos;
    }
  }
  EXPECT_GT(failed, 0);
  EXPECT_TRUE(child_caught);
}

TEST(ChildSimulationTest, TheSameSeedReplaysTheSameRun) {
  const testing::SimulationConfig config = child_config();
  testing::SimulationResult a = testing::simulate(config, first_seed() + 77);
  testing::SimulationResult b = testing::simulate(config, first_seed() + 77);
  EXPECT_EQ(a.trace_hash, b.trace_hash);
}

}  // namespace
}  // namespace saga
