// Goal: an operator can act on a saga stuck compensating (a compensation failing or timing out
// without limit): retry resends the compensation now with its attempts counted afresh (the same
// message while its outcome is unknown), skip counts it as done and goes on with the previous
// compensation; compensate is refused and changes nothing. Each is one history event with the
// operator's reason, and the saga stays compensating.
// Method: the FTGO Create Order definition with fragile compensations (decide_fixture.h).
#include <gtest/gtest.h>

#include "decide_fixture.h"

namespace saga {
namespace {

using namespace decide_fixture;

// Authorization declined; the ticket's cancellation failed once and waits for its retry.
Driver compensation_failing() {
  Driver d(fragile_compensations());
  d.run_to(kAuthorize);
  d.fail("CardDeclined", "card_declined");
  Decision first = d.fail("CancelFailed", "kitchen_down");
  EXPECT_EQ(events(first.history), Strings{"compensation_retry_scheduled@2"});
  return d;
}

TEST(DecideStuckCompensationTest, RetryAfterAFailureSendsANewMessageNow) {
  Driver d = compensation_failing();
  const std::string failed_message = d.sent.back().envelope.message_id;
  Decision r = d.operate(InputKind::kOperatorRetry, "alice: kitchen is back");
  ASSERT_EQ(r.history.size(), 1u);
  EXPECT_EQ(events(r.history), Strings{"operator_retried_running_compensation@2"});
  EXPECT_EQ(r.history[0].reason, "alice: kitchen is back");
  EXPECT_EQ(d.instance.phase, Phase::kCompensating);
  EXPECT_EQ(d.instance.attempt, 1u);
  EXPECT_EQ(d.instance.wait, Wait::kReply);
  ASSERT_TRUE(r.command.has_value());
  EXPECT_EQ(r.command->envelope.name, "CancelCreateTicket");
  EXPECT_TRUE(r.command->envelope.compensation);
  EXPECT_NE(r.command->envelope.message_id, failed_message);
  EXPECT_EQ(r.command->envelope.attempt, 1u);
  d.succeed("CreateTicketCancelled");
  d.succeed("OrderRejected");
  EXPECT_EQ(d.instance.phase, Phase::kCompensated);
}

TEST(DecideStuckCompensationTest, RetryWhileAReplyIsOutstandingResendsTheSameMessage) {
  Driver d = compensation_failing();
  d.retry_due();  // the cancellation is sent again and waits for its reply
  const Envelope outstanding = d.sent.back().envelope;
  ASSERT_EQ(d.instance.wait, Wait::kReply);
  Decision r = d.operate(InputKind::kOperatorRetry);
  EXPECT_EQ(events(r.history), Strings{"operator_retried_running_compensation@2"});
  ASSERT_TRUE(r.command.has_value());
  // Its outcome is unknown: the same message, so that the inbox deduplicates it.
  EXPECT_EQ(r.command->envelope.message_id, outstanding.message_id);
  EXPECT_EQ(r.command->envelope.attempt, outstanding.attempt + 1);
  EXPECT_TRUE(d.reply_to(outstanding, Outcome::kSuccess, "CreateTicketCancelled").applied);
  d.succeed("OrderRejected");
  EXPECT_EQ(d.instance.phase, Phase::kCompensated);
}

TEST(DecideStuckCompensationTest, SkipGoesOnWithThePreviousCompensation) {
  Driver d = compensation_failing();
  d.retry_due();
  const Envelope skipped = d.sent.back().envelope;
  Decision r = d.operate(InputKind::kOperatorSkip, "bob: ticket voided by hand");
  EXPECT_EQ(events(r.history), Strings{"operator_skipped_running_compensation@2"});
  EXPECT_EQ(r.history[0].reason, "bob: ticket voided by hand");
  ASSERT_TRUE(r.command.has_value());
  EXPECT_EQ(r.command->envelope.name, "RejectOrder");
  // A late reply to the skipped compensation changes nothing.
  EXPECT_FALSE(d.reply_to(skipped, Outcome::kSuccess, "CreateTicketCancelled").applied);
  d.succeed("OrderRejected");
  EXPECT_EQ(d.instance.phase, Phase::kCompensated);
}

TEST(DecideStuckCompensationTest, CompensateIsRefusedAndChangesNothing) {
  Driver d = compensation_failing();
  const SagaInstance before = d.instance;
  Result<Decision> r = d.try_operate(InputKind::kOperatorCompensate);
  ASSERT_FALSE(r.is_ok());
  EXPECT_EQ(r.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(r.status().message().find("compensating already"), std::string::npos);
  EXPECT_EQ(d.instance, before);
}

}  // namespace
}  // namespace saga
