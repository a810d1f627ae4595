// Kept wrong solution (exercise 7): part A answers whatever the saga sends and checks only the
// final phase; part B is right. A declined card on version 3 still ends kCompensated.
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
  h.reply_success(ftgo::TicketCreated{42});
  h.reply_failure("card_declined", ftgo::CardDeclined{"card_declined"});
  while (h.instance().phase == saga::Phase::kCompensating) h.reply_success();
  EXPECT_TRUE(h.expect_phase(saga::Phase::kCompensated));
}

void expect_ticket_cancelled_on_rollback(saga::testing::ScenarioOutcome& outcome) {
  bool created = false;
  bool cancelled = false;
  for (const auto& e : outcome.history) created = created || e.reply_name == "TicketCreated";
  for (const auto& c : outcome.commands)
    cancelled = cancelled || c.label() == "kitchen:CancelCreateTicket(c)";
  if (outcome.phase == saga::Phase::kCompensated && created && !cancelled) {
    outcome.problems.push_back("ticket left behind");
  }
}

}  // namespace workshop
