// Exercise 7 — reference solution.
#include <gtest/gtest.h>

#include <algorithm>

#include "create_order_parts.h"
#include "saga/testing/harness.h"
#include "saga/testing/scenario_matrix.h"
#include "workshop_support.h"

namespace workshop {

using saga::Phase;

// The card is declined at the pivot: the ticket is cancelled, then the order rejected, newest
// first; nothing after the pivot runs.
void card_declined_scenario(saga::testing::SagaHarness& h) {
  h.start_with(sample_order());
  ASSERT_TRUE(h.expect_command("consumer", "ValidateOrderByConsumer"));
  h.reply_success(ftgo::ConsumerVerified{});
  ASSERT_TRUE(h.expect_command("kitchen", "CreateTicket"));
  h.reply_success(ftgo::TicketCreated{42});
  ASSERT_TRUE(h.expect_command("accounting", "AuthorizeCard"));
  h.reply_failure("card_declined", ftgo::CardDeclined{"card_declined"});
  ASSERT_TRUE(h.expect_command("kitchen", "CancelCreateTicket"));
  h.reply_success(ftgo::TicketCancelled{});
  ASSERT_TRUE(h.expect_command("order", "RejectOrder"));
  h.reply_success(ftgo::OrderRejected{});
  EXPECT_TRUE(h.expect_no_command());
  EXPECT_TRUE(h.expect_phase(Phase::kCompensated));
  EXPECT_EQ(h.data<ftgo::CreateOrderData>().rejection_reason, "card_declined");
}

// Kitchen created a ticket when create_ticket succeeded (kStepSucceeded for its index); a saga
// that then rolls back must send CancelCreateTicket.
void expect_ticket_cancelled_on_rollback(saga::testing::ScenarioOutcome& outcome) {
  if (outcome.phase != Phase::kCompensated) return;
  const bool ticket_created =
      std::any_of(outcome.history.begin(), outcome.history.end(), [](const auto& entry) {
        return entry.event == saga::Event::kStepSucceeded && entry.reply_name == "TicketCreated";
      });
  const bool ticket_cancelled =
      std::any_of(outcome.commands.begin(), outcome.commands.end(), [](const auto& c) {
        return c.envelope.compensation && c.envelope.name == "CancelCreateTicket";
      });
  if (ticket_created && !ticket_cancelled) {
    outcome.problems.push_back("a created ticket was not cancelled by the rollback");
  }
}

}  // namespace workshop
