// Goal: exercise 2 — the student predicts the compensations a declined card triggers.
// Method: a SagaHarness drives ftgo::create_order_definition() to AuthorizeCard, the card is
// declined, every compensation is answered; the compensation commands sent are compared with
// the student's answer file (SAGA_WORKSHOP_FILE), in order.
#include <gtest/gtest.h>

#include "saga/testing/harness.h"
#include "workshop_support.h"

namespace {

using saga::Phase;

TEST(Workshop02CompensationOrder, CardDeclinedCompensatesAsPredicted) {
  saga::testing::SagaHarness h(workshop::example_definition());
  h.start_with(workshop::sample_order());
  ASSERT_TRUE(h.expect_command("consumer", "ValidateOrderByConsumer"));
  h.reply_success(ftgo::ConsumerVerified{});
  ASSERT_TRUE(h.expect_command("kitchen", "CreateTicket"));
  h.reply_success(ftgo::TicketCreated{42});
  ASSERT_TRUE(h.expect_command("accounting", "AuthorizeCard"));
  h.reply_failure("card_declined", ftgo::CardDeclined{"card_declined"});
  for (int guard = 0; h.instance().phase == Phase::kCompensating && guard < 20; ++guard) {
    h.reply_success();  // every compensation succeeds
  }
  ASSERT_TRUE(h.expect_phase(Phase::kCompensated));

  std::vector<std::string> compensations;  // "participant:Command", in the order sent
  for (const saga::testing::SentCommand& c : h.commands()) {
    if (c.envelope.compensation) compensations.push_back(c.participant + ":" + c.envelope.name);
  }
  // The expected commands are not printed: the check says where the answer goes wrong.
  const std::vector<std::string> answer = workshop::answer_lines(SAGA_WORKSHOP_FILE);
  for (std::size_t i = 0; i < answer.size() && i < compensations.size(); ++i) {
    ASSERT_TRUE(answer[i] == compensations[i])
        << "line " << i + 1 << " of your answer, '" << answer[i] << "', is not the compensation "
        << "command sent in position " << i + 1 << " (format: participant:Command)";
  }
  EXPECT_TRUE(answer.size() == compensations.size())
      << "your answer lists " << answer.size() << " compensation commands; the saga sends "
      << (answer.size() < compensations.size() ? "more" : "fewer") << " (" << SAGA_WORKSHOP_FILE
      << ")";
}

}  // namespace
