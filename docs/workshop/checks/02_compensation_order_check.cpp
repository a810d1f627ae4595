// Goal: exercise 2 — the student predicts the compensations a declined card triggers.
// Method: a SagaHarness drives ftgo::create_order_definition() to AuthorizeCard, the card is
// declined, every compensation is answered; the compensation commands sent are compared with
// the student's answer file (workshop::answer_path()), in order. A line that is not
// participant:Command is a format error; otherwise the first message says what is wrong about
// the rollback (an extra, a missing or a misplaced compensation), not what the answer is.
#include <gtest/gtest.h>

#include <algorithm>
#include <regex>

#include "saga/testing/harness.h"
#include "workshop_support.h"

namespace {

using saga::Phase;

// The compensation commands of a declined card, "participant:Command", in the order sent.
std::vector<std::string> compensations_of_a_declined_card() {
  saga::testing::SagaHarness h(workshop::example_definition());
  h.start_with(workshop::sample_order());
  EXPECT_TRUE(h.expect_command("consumer", "ValidateOrderByConsumer"));
  h.reply_success(ftgo::ConsumerVerified{});
  EXPECT_TRUE(h.expect_command("kitchen", "CreateTicket"));
  h.reply_success(ftgo::TicketCreated{42});
  EXPECT_TRUE(h.expect_command("accounting", "AuthorizeCard"));
  h.reply_failure("card_declined", ftgo::CardDeclined{"card_declined"});
  for (int guard = 0; h.instance().phase == Phase::kCompensating && guard < 20; ++guard) {
    h.reply_success();  // every compensation succeeds
  }
  EXPECT_TRUE(h.expect_phase(Phase::kCompensated));
  std::vector<std::string> out;
  for (const saga::testing::SentCommand& c : h.commands()) {
    if (c.envelope.compensation) out.push_back(c.participant + ":" + c.envelope.name);
  }
  return out;
}

// Every command of the saga, forward and compensation, "participant:Command".
std::vector<std::string> forward_commands() {
  std::vector<std::string> out;
  const auto definition = workshop::example_definition();  // kept alive for the loop
  for (const saga::StepDefinition& s : definition->steps) {
    if (s.action) out.push_back(s.action->participant + ":" + s.action->command_name);
  }
  return out;
}

bool contains(const std::vector<std::string>& v, const std::string& x) {
  return std::find(v.begin(), v.end(), x) != v.end();
}

TEST(Workshop02CompensationOrder, CardDeclinedCompensatesAsPredicted) {
  const std::vector<std::string> sent = compensations_of_a_declined_card();
  const std::string path = workshop::answer_path();
  const std::vector<std::string> answer = workshop::answer_lines(path);
  const std::regex format("[a-z]+:[A-Za-z]+");
  for (std::size_t i = 0; i < answer.size(); ++i) {
    ASSERT_TRUE(std::regex_match(answer[i], format))
        << "format: line " << i + 1 << " of " << path << ", '" << answer[i]
        << "', is not participant:Command (lower-case participant, a colon, the command name, "
           "no spaces), e.g. consumer:SomeCommand";
  }
  for (std::size_t i = 0; i < answer.size(); ++i) {
    if (contains(sent, answer[i])) continue;
    if (contains(forward_commands(), answer[i])) {
      FAIL() << "line " << i + 1 << ", '" << answer[i] << "', is a step's action, sent going "
             << "forward; during the rollback only compensations are sent";
    }
    FAIL() << "line " << i + 1 << ", '" << answer[i] << "': the rollback of a declined card "
           << "never sends it. Did that step change anything that must be undone?";
  }
  for (const std::string& s : sent) {
    ASSERT_TRUE(contains(answer, s))
        << "your answer misses a compensation: " << answer.size() << " listed, but the rollback "
        << "undoes more completed steps than that";
  }
  EXPECT_TRUE(answer == sent) << "the right compensations, in the wrong order: the rollback "
                              << "undoes the completed steps in a definite order (which step "
                              << "completed last?)";
}

}  // namespace
