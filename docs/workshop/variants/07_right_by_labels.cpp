// A second right solution (exercise 7): part A compares the whole command list at the end;
// part B asks the outcome which steps the rollback compensated.
#include <gtest/gtest.h>

#include <algorithm>

#include "create_order_parts.h"
#include "saga/testing/harness.h"
#include "saga/testing/scenario_matrix.h"
#include "workshop_support.h"

namespace workshop {

void card_declined_scenario(saga::testing::SagaHarness& h) {
  h.start_with(sample_order());
  h.reply_success(ftgo::ConsumerVerified{});
  h.reply_success(ftgo::TicketCreated{7});
  h.reply_failure("card_declined", ftgo::CardDeclined{"card_declined"});
  for (int i = 0; i < 5 && h.instance().phase == saga::Phase::kCompensating; ++i) {
    h.reply_success();
  }
  EXPECT_TRUE(h.expect_commands({"consumer:ValidateOrderByConsumer", "kitchen:CreateTicket",
                                 "accounting:AuthorizeCard", "kitchen:CancelCreateTicket(c)",
                                 "order:RejectOrder(c)"}));
  EXPECT_TRUE(h.expect_phase(saga::Phase::kCompensated));
}

void expect_ticket_cancelled_on_rollback(saga::testing::ScenarioOutcome& outcome) {
  const bool created =
      std::any_of(outcome.history.begin(), outcome.history.end(), [](const auto& e) {
        return e.event == saga::Event::kStepSucceeded && e.reply_name == "TicketCreated";
      });
  const std::vector<std::string> undone = outcome.compensated_steps();
  const bool ticket_undone =
      std::find(undone.begin(), undone.end(), "create_ticket") != undone.end();
  if (outcome.phase == saga::Phase::kCompensated && created && !ticket_undone) {
    outcome.problems.push_back("the rollback kept the ticket create_ticket made");
  }
}

}  // namespace workshop
