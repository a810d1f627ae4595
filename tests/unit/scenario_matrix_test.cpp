// Goal: one call runs the standard failure scenarios of a definition and checks the saga
// invariants in each; a broken definition or a failed user expectation is reported by name.
// Method: run_scenario_matrix / EXPECT_SCENARIOS_PASS over the typed FTGO definition
// (ftgo_typed.h) and the string one, plus mutants whose reports must name the failing scenario.
#include "saga/testing/scenario_matrix.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "ftgo_typed.h"
#include "saga/testing/ftgo_definition.h"

namespace saga {
namespace {

using namespace ftgo;
using namespace typed_ftgo;
using testing::ScenarioConfig;
using testing::ScenarioOutcome;

// --- snippet: scenario matrix (docs/testing.md) ---
ScenarioConfig ftgo_config() {
  ScenarioConfig config;
  config.start_with(sample_order());
  config.reply_with("CreateTicket", TicketCreated{42});
  config.reply_with("ValidateOrderByConsumer", ConsumerVerified{});
  config.reply_with("AuthorizeCard", CardAuthorized{});
  return config;
}

TEST(ScenarioMatrixTest, EveryStandardScenarioOfTypedFtgoPasses) {
  ScenarioConfig config = ftgo_config();
  // A user expectation on top of the built-in ones: a rolled-back order is always rejected.
  config.expect = [](ScenarioOutcome& o) {
    if (o.phase == Phase::kCompensated && o.commands.back().envelope.name != "RejectOrder") {
      o.problems.push_back("the last command of a rollback is not RejectOrder");
    }
  };
  EXPECT_SCENARIOS_PASS(typed_ftgo_definition(), config);
}
// --- end snippet ---

TEST(ScenarioMatrixTest, GeneratesTheStandardScenariosForEachStep) {
  std::vector<std::string> names;
  for (const auto& s : testing::scenarios_for(*typed_ftgo_definition(), ftgo_config())) {
    names.push_back(s.name);
  }
  for (const char* expected :
       {"happy_path", "action_fails/verify_consumer", "action_fails/authorize_card",
        "action_fails/confirm_ticket", "action_fails_then_succeeds/confirm_ticket",
        "compensation_fails/reject_order", "compensation_fails/create_ticket",
        "compensation_exhausted/create_ticket", "reply_duplicated/create_ticket",
        "action_times_out/create_ticket", "action_times_out/approve_order"}) {
    EXPECT_NE(std::find(names.begin(), names.end(), expected), names.end()) << expected;
  }
  // Nothing compensates a pivot or retriable step.
  for (const char* absent :
       {"compensation_fails/authorize_card", "compensation_fails/confirm_ticket",
        "action_fails_then_succeeds/create_ticket"}) {
    EXPECT_EQ(std::find(names.begin(), names.end(), absent), names.end()) << absent;
  }
  // One cancelled/<step> per step with an action: verify, create_ticket, authorize, confirm,
  // approve.
  EXPECT_NE(std::find(names.begin(), names.end(), "cancelled/create_ticket"), names.end());
  EXPECT_NE(std::find(names.begin(), names.end(), "cancelled/confirm_ticket"), names.end());
  EXPECT_EQ(names.size(), 27u);
}

TEST(ScenarioMatrixTest, TheReportNamesWhatItLeftOutAndWhy) {
  EXPECT_TRUE(testing::plan_scenarios(*typed_ftgo_definition(), ftgo_config()).omitted.empty());

  auto unlimited = std::make_shared<SagaDefinition>(*typed_ftgo_definition());
  ASSERT_EQ(unlimited->steps[4].name, "confirm_ticket");
  unlimited->steps[4].retry.maximum_attempts = 0;  // retried forever
  ASSERT_EQ(unlimited->steps[2].name, "create_ticket");
  unlimited->steps[2].compensation_retry.maximum_attempts = 0;  // CancelCreateTicket, forever
  const testing::ScenarioReport report = testing::run_scenario_matrix(unlimited, ftgo_config());
  EXPECT_TRUE(report.ok()) << report.to_string();
  EXPECT_EQ(report.outcomes.size(), 24u);  // 27, less the three that could never end

  std::vector<std::string> omitted;
  for (const testing::OmittedScenario& o : report.omitted) omitted.push_back(o.name);
  EXPECT_EQ(omitted, (std::vector<std::string>{"compensation_exhausted/create_ticket",
                                               "action_fails/confirm_ticket",
                                               "action_times_out/confirm_ticket"}));
  const std::string text = report.to_string();
  EXPECT_NE(text.find("3 left out\n"), std::string::npos) << text;
  EXPECT_NE(text.find("  skip action_fails/confirm_ticket: the step's retry policy is unlimited: "
                      "a failing retriable step is retried forever and never ends failed\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("  skip action_times_out/confirm_ticket: the step's retry policy is "
                      "unlimited: a command nobody answers is resent forever\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("  skip compensation_exhausted/create_ticket: the compensation's retry "
                      "policy is unlimited (the default): a failing compensation is retried "
                      "forever and never ends failed\n"),
            std::string::npos)
      << text;
  // The GoogleTest message of a passing matrix lists them too.
  const std::string message = testing::scenarios_pass(unlimited, ftgo_config()).message();
  EXPECT_NE(message.find("24 scenarios passed, 3 left out"), std::string::npos) << message;
  EXPECT_NE(message.find("skip compensation_exhausted/create_ticket"), std::string::npos);
}

TEST(ScenarioMatrixTest, ReportsShowPhasesAndOperatorRetries) {
  testing::ScenarioReport report =
      testing::run_scenario_matrix(typed_ftgo_definition(), ftgo_config());
  ASSERT_TRUE(report.ok()) << report.to_string();
  const std::string text = report.to_string();
  EXPECT_NE(text.find("ok   action_fails/authorize_card -> compensated"), std::string::npos)
      << text;
  EXPECT_NE(text.find("ok   compensation_exhausted/create_ticket -> compensated (after an "
                      "operator retry)"),
            std::string::npos)
      << text;
  for (const ScenarioOutcome& o : report.outcomes) {
    if (o.scenario.name == "action_times_out/create_ticket") {
      // Timed out: its outcome is unknown, so its own compensation runs too.
      EXPECT_EQ(o.compensated_steps(), (std::vector<std::string>{"create_ticket", "reject_order"}));
    }
    if (o.scenario.name == "action_fails/authorize_card") {
      EXPECT_EQ(decode_body<CreateOrderData>(o.data)->ticket_id, 42);
    }
  }
}

TEST(ScenarioMatrixTest, TheStringFtgoDefinitionPassesToo) {
  ScenarioConfig config;
  config.start_data = "order-1";
  EXPECT_SCENARIOS_PASS(testing::ftgo_definition(), config);
}

TEST(ScenarioMatrixTest, AMisconfiguredRetryPolicyIsCaughtByName) {
  // Mutant: confirm_ticket treats every failure as final, so a retriable step cannot recover.
  auto mutant = typed_ftgo_definition();
  mutant->steps[4].retry.non_retryable_reasons = {"scenario_failure"};
  testing::ScenarioReport report = testing::run_scenario_matrix(mutant, ftgo_config());
  EXPECT_FALSE(report.ok());
  const std::string text = report.to_string();
  std::printf("%s", text.c_str());  // what a user sees
  EXPECT_NE(text.find("FAIL action_fails_then_succeeds/confirm_ticket"), std::string::npos) << text;
}

TEST(ScenarioMatrixTest, AMissingCompensationIsCaught) {
  // Mutant: the ticket's compensation is forgotten. The built-in order check still passes (no
  // compensation is expected from the definition itself), so the user's expectation catches it.
  auto mutant = typed_ftgo_definition();
  mutant->steps[2].compensation.reset();
  ScenarioConfig config = ftgo_config();
  config.expect = [](ScenarioOutcome& o) {
    const auto steps = o.compensated_steps();
    const bool ticket_created =
        std::any_of(o.commands.begin(), o.commands.end(),
                    [](const auto& c) { return c.envelope.name == "CreateTicket"; });
    if (o.phase == Phase::kCompensated && ticket_created &&
        std::find(steps.begin(), steps.end(), "create_ticket") == steps.end()) {
      o.problems.push_back("a created ticket was not cancelled");
    }
  };
  testing::ScenarioReport report = testing::run_scenario_matrix(mutant, config);
  EXPECT_GT(report.failed(), 0u);
  EXPECT_NE(report.to_string().find("a created ticket was not cancelled"), std::string::npos);
}

}  // namespace
}  // namespace saga
