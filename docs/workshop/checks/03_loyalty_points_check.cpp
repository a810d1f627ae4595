// Goal: exercise 3 — the student adds an award_loyalty_points step of the right kind.
// Method: builds the student's definition, inspects the new step, then drives it with a
// SagaHarness: happy path, and a failing AwardLoyaltyPoints that must be retried, never
// compensated. The wrong kinds are refused by the compiler (03_wrong_choice.cpp, compile-fail).
#include <gtest/gtest.h>

#include "create_order_parts.h"
#include "saga/testing/harness.h"
#include "workshop_support.h"

namespace workshop {
saga::DefinitionResult create_order_with_loyalty_definition();  // the student's file
}

namespace {

using saga::Phase;
using saga::testing::SagaHarness;

std::shared_ptr<const saga::SagaDefinition> student_definition() {
  saga::DefinitionResult definition = workshop::create_order_with_loyalty_definition();
  EXPECT_TRUE(definition.is_ok()) << definition.status().to_string();
  return definition.is_ok() ? definition.value() : nullptr;
}

// Runs the saga through ApproveOrder, everything succeeding.
void run_to_approval(SagaHarness& h) {
  h.start_with(workshop::sample_order());
  ASSERT_TRUE(h.expect_command("consumer", "ValidateOrderByConsumer"));
  h.reply_success(ftgo::ConsumerVerified{});
  ASSERT_TRUE(h.expect_command("kitchen", "CreateTicket"));
  h.reply_success(ftgo::TicketCreated{42});
  ASSERT_TRUE(h.expect_command("accounting", "AuthorizeCard"));
  h.reply_success(ftgo::CardAuthorized{"tx-1"});
  ASSERT_TRUE(h.expect_command("kitchen", "ConfirmCreateTicket"));
  h.reply_success(ftgo::TicketConfirmed{});
  ASSERT_TRUE(h.expect_command("order", "ApproveOrder"));
  h.reply_success(ftgo::OrderApproved{});
}

TEST(Workshop03LoyaltyPoints, TheStepExistsAfterThePivotAndIsRetriable) {
  auto definition = student_definition();
  ASSERT_NE(definition, nullptr);
  const saga::StepDefinition* step = definition->find_step("award_loyalty_points");
  ASSERT_NE(step, nullptr) << "no step named award_loyalty_points";
  EXPECT_EQ(step->kind, saga::StepKind::kRetriable)
      << "awarding points cannot be undone and must not decide the outcome";
  ASSERT_TRUE(step->action.has_value());
  EXPECT_EQ(step->action->participant, "loyalty");
  EXPECT_EQ(step->action->command_name, "AwardLoyaltyPoints");
  EXPECT_EQ(definition->steps.back().name, "award_loyalty_points")
      << "points are for approved orders: award them after approve_order";
}

TEST(Workshop03LoyaltyPoints, HappyPathAwardsPointsLast) {
  auto definition = student_definition();
  ASSERT_NE(definition, nullptr);
  SagaHarness h(definition);
  run_to_approval(h);
  ::testing::AssertionResult award =
      h.expect_command("loyalty", workshop::AwardLoyaltyPoints{1, 1, 24});
  EXPECT_TRUE(award) << "Ada's 24.00 order should earn her 24 points (one per whole euro)\n"
                     << award.message();
  h.reply_success();
  EXPECT_TRUE(h.expect_phase(Phase::kCompleted));
}

TEST(Workshop03LoyaltyPoints, AFailureToAwardIsRetriedNeverCompensated) {
  auto definition = student_definition();
  ASSERT_NE(definition, nullptr);
  SagaHarness h(definition);
  run_to_approval(h);
  for (int k = 0; k < 3; ++k) {
    ASSERT_TRUE(h.expect_command("loyalty", "AwardLoyaltyPoints"));
    h.reply_failure("loyalty_unavailable");
    ASSERT_TRUE(h.expect_phase(Phase::kExecuting))
        << "Loyalty was unavailable " << k + 1 << " time(s) in a row and the saga stopped trying: "
        << "the card is charged and the order approved, so the points must still arrive once "
           "Loyalty is back";
    h.advance(saga::Millis{1'000});
  }
  ASSERT_TRUE(h.expect_command("loyalty", "AwardLoyaltyPoints"));
  h.reply_success();
  EXPECT_TRUE(h.expect_phase(Phase::kCompleted));
  for (const auto& c : h.commands()) EXPECT_FALSE(c.envelope.compensation) << c.label();
}

}  // namespace
