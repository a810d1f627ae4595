// Goal: exercise 7 — the student's harness scenario and matrix rule pass on a correct
// definition and catch the bug planted in create_order_v3_definition().
// Method: runs the student's card-declined scenario on each definition, intercepting its
// GoogleTest failures (gtest-spi.h); runs the scenario matrix with the student's expectation on
// each definition and compares the verdicts.
#include <gtest/gtest-spi.h>
#include <gtest/gtest.h>

#include <iostream>

#include "create_order_parts.h"
#include "saga/testing/harness.h"
#include "saga/testing/scenario_matrix.h"
#include "workshop_support.h"

namespace workshop {  // the student's file
void card_declined_scenario(saga::testing::SagaHarness& h);
void expect_ticket_cancelled_on_rollback(saga::testing::ScenarioOutcome& outcome);
}  // namespace workshop

namespace {

using ::testing::ScopedFakeTestPartResultReporter;
using ::testing::TestPartResultArray;

std::shared_ptr<const saga::SagaDefinition> v3() {
  saga::DefinitionResult definition = workshop::create_order_v3_definition();
  EXPECT_TRUE(definition.is_ok()) << definition.status().to_string();
  return definition.is_ok() ? definition.value() : nullptr;
}

// The failures the student's scenario reports on `definition`, as text.
std::vector<std::string> scenario_failures(std::shared_ptr<const saga::SagaDefinition> definition) {
  TestPartResultArray results;
  {
    ScopedFakeTestPartResultReporter reporter(
        ScopedFakeTestPartResultReporter::INTERCEPT_ONLY_CURRENT_THREAD, &results);
    saga::testing::SagaHarness h(std::move(definition));
    workshop::card_declined_scenario(h);
  }
  std::vector<std::string> failures;
  for (int i = 0; i < results.size(); ++i)
    failures.emplace_back(results.GetTestPartResult(i).message());
  return failures;
}

saga::testing::ScenarioConfig matrix_config() {
  saga::testing::ScenarioConfig config;
  config.start_with(workshop::sample_order());
  config.reply_with("ValidateOrderByConsumer", ftgo::ConsumerVerified{});
  config.reply_with("CreateTicket", ftgo::TicketCreated{42});
  config.reply_with("AuthorizeCard", ftgo::CardAuthorized{"tx-1"});
  config.expect = &workshop::expect_ticket_cancelled_on_rollback;
  return config;
}

TEST(Workshop07FailureScenarios, PartAScenarioPassesOnTheExample) {
  const std::vector<std::string> failures = scenario_failures(workshop::example_definition());
  for (const std::string& f : failures) {
    ADD_FAILURE() << "your scenario fails on the example's definition, which is right: " << f;
  }
}

TEST(Workshop07FailureScenarios, PartAScenarioCatchesTheBugInVersion3) {
  EXPECT_FALSE(scenario_failures(v3()).empty())
      << "your card-declined scenario passes on version 3, which is broken: a declined card "
         "there does not roll back what the example rolls back. Does your scenario expect every "
         "command the rollback must send, in order, down to the final phase?";
}

TEST(Workshop07FailureScenarios, PartBMatrixPassesOnTheExample) {
  const saga::testing::ScenarioReport report =
      saga::testing::run_scenario_matrix(workshop::example_definition(), matrix_config());
  EXPECT_TRUE(report.ok()) << "your rule reports a problem on the example's definition, which "
                              "is right (a false alarm):\n"
                           << report.to_string();
}

TEST(Workshop07FailureScenarios, PartBMatrixFindsTheBugInVersion3) {
  const saga::testing::ScenarioReport report =
      saga::testing::run_scenario_matrix(v3(), matrix_config());
  EXPECT_FALSE(report.ok()) << "your rule found nothing wrong in any scenario of version 3, "
                               "which is broken: does it add a problem when a created ticket "
                               "is left behind by a rollback?";
  std::cout << report.to_string();
}

}  // namespace
