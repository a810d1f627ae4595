// Kept wrong solution (exercise 7): part A is right; part B asks for a CancelCreateTicket in
// every rollback, also when no ticket was ever created (a false alarm on the example).
#include <gtest/gtest.h>

#include <algorithm>

#include "create_order_parts.h"
#include "saga/testing/harness.h"
#include "saga/testing/scenario_matrix.h"
#include "workshop_support.h"

namespace workshop {

void card_declined_scenario(saga::testing::SagaHarness& h) {
  h.start_with(sample_order());
  ASSERT_TRUE(h.expect_command("consumer", "ValidateOrderByConsumer"));
  h.reply_success(ftgo::ConsumerVerified{});
  ASSERT_TRUE(h.expect_command("kitchen", "CreateTicket"));
  h.reply_success(ftgo::TicketCreated{42});
  ASSERT_TRUE(h.expect_command("accounting", "AuthorizeCard"));
  h.reply_failure("card_declined", ftgo::CardDeclined{"card_declined"});
  ASSERT_TRUE(h.expect_command("kitchen", ftgo::CancelCreateTicket{1}));
  h.reply_success(ftgo::TicketCancelled{});
  ASSERT_TRUE(h.expect_command("order", ftgo::RejectOrder{1}));
  h.reply_success(ftgo::OrderRejected{});
  EXPECT_TRUE(h.expect_phase(saga::Phase::kCompensated));
}

void expect_ticket_cancelled_on_rollback(saga::testing::ScenarioOutcome& outcome) {
  if (outcome.phase != saga::Phase::kCompensated) return;
  const bool cancelled =
      std::any_of(outcome.commands.begin(), outcome.commands.end(),
                  [](const auto& c) { return c.envelope.name == "CancelCreateTicket"; });
  if (!cancelled) outcome.problems.push_back("no CancelCreateTicket in the rollback");
}

}  // namespace workshop
