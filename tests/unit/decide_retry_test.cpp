// Goal: decide retries what may be retried: retriable steps after the pivot (with the operator's
// retry, skip and compensate once they are exhausted) and reply timeouts on every kind of step.
// Method: the FTGO Create Order definition driven input by input (decide_fixture.h).
#include <gtest/gtest.h>

#include <string>

#include "decide_fixture.h"

namespace saga {
namespace {

using namespace decide_fixture;

// --- retriable steps after the pivot ---------------------------------------------------------

TEST(DecideTest, RetriableFailuresAreRetriedWithNewMessagesUntilTheySucceed) {
  Driver d;
  d.run_to(kConfirm);
  ASSERT_EQ(d.sent.back().envelope.message_id, id(4));
  for (int failure = 1; failure <= 2; ++failure) {
    SCOPED_TRACE("failure " + std::to_string(failure));
    Decision scheduled = d.fail("TicketNotReady", "kitchen_busy");
    EXPECT_EQ(events(scheduled.history), Strings{"step_retry_scheduled@4"});
    EXPECT_EQ(scheduled.history[0].reason, "kitchen_busy");
    EXPECT_FALSE(scheduled.command.has_value());
    EXPECT_EQ(d.instance.phase, Phase::kExecuting);
    EXPECT_EQ(d.instance.wait, Wait::kRetry);
    EXPECT_EQ(d.instance.deadline, d.now + Millis{100});
    EXPECT_TRUE(d.instance.last_request_id.empty());
    Decision resent = d.retry_due();
    EXPECT_EQ(events(resent.history), Strings{"step_retried@4"});
    ASSERT_TRUE(resent.command.has_value());
    EXPECT_EQ(sent(*resent.command),
              (Sent{"kitchen", "ConfirmCreateTicket", false, id(4 + failure), 1, "confirm_ticket",
                    "order:99;ticket:Ok|confirm_ticket"}));
    EXPECT_EQ(d.instance.attempt, static_cast<std::uint32_t>(1 + failure));
  }
  d.succeed("TicketConfirmed");
  EXPECT_EQ(d.sent.back().envelope.name, "ApproveOrder");
  EXPECT_EQ(d.sent.back().envelope.message_id, id(7));
  d.succeed("OrderApproved");
  EXPECT_EQ(d.instance.phase, Phase::kCompleted);
  for (const OutgoingCommand& c : d.sent) EXPECT_FALSE(c.envelope.compensation);
}

TEST(DecideTest, ExhaustedRetriableStepFailsTheSagaAndNeverCompensates) {
  Driver d;
  d.run_to(kConfirm);
  exhaust_confirm_ticket(d);
  EXPECT_EQ(d.instance.phase, Phase::kFailed);
  EXPECT_EQ(d.instance.failed_from, Phase::kExecuting);
  EXPECT_EQ(d.instance.step, kConfirm);
  EXPECT_EQ(d.instance.last_reason, "kitchen_busy");
  EXPECT_EQ(d.instance.wait, Wait::kNone);
  for (const OutgoingCommand& c : d.sent) EXPECT_FALSE(c.envelope.compensation);
  // Nothing but an operator moves it.
  EXPECT_FALSE(d.deadline().applied);
  EXPECT_FALSE(d.retry_due().applied);
  EXPECT_FALSE(d.succeed("Late").applied);
}

TEST(DecideTest, OperatorRetryResendsTheFailedStepWithANewMessage) {
  Driver d;
  d.run_to(kConfirm);
  exhaust_confirm_ticket(d);
  Decision retried = d.operate(InputKind::kOperatorRetry, "alice: kitchen is back");
  EXPECT_EQ(events(retried.history), Strings{"operator_retried_step@4"});
  EXPECT_EQ(retried.history[0].reason, "alice: kitchen is back");
  EXPECT_EQ(d.instance.phase, Phase::kExecuting);
  EXPECT_EQ(d.instance.attempt, 1u);
  ASSERT_TRUE(retried.command.has_value());
  EXPECT_EQ(sent(*retried.command), (Sent{"kitchen", "ConfirmCreateTicket", false, id(7), 1,
                                          "confirm_ticket", "order:99;ticket:Ok|confirm_ticket"}));
  // The policy starts over: two more failures are retried again.
  EXPECT_EQ(events(d.fail("TicketNotReady", "kitchen_busy").history),
            Strings{"step_retry_scheduled@4"});
  d.retry_due();
  d.succeed("TicketConfirmed");
  d.succeed("OrderApproved");
  EXPECT_EQ(d.instance.phase, Phase::kCompleted);
}

TEST(DecideTest, OperatorSkipMovesToTheNextStep) {
  Driver d;
  d.run_to(kConfirm);
  exhaust_confirm_ticket(d);
  Decision skipped = d.operate(InputKind::kOperatorSkip);
  EXPECT_EQ(events(skipped.history), Strings{"operator_skipped_step@4"});
  ASSERT_TRUE(skipped.command.has_value());
  EXPECT_EQ(skipped.command->envelope.name, "ApproveOrder");
  EXPECT_EQ(d.instance.step, kApprove);
  d.succeed("OrderApproved");
  EXPECT_EQ(d.instance.phase, Phase::kCompleted);
}

TEST(DecideTest, OperatorCompensateAfterThePivotUndoesTheCompensatableSteps) {
  Driver d;
  d.run_to(kConfirm);
  exhaust_confirm_ticket(d);
  Decision c = d.operate(InputKind::kOperatorCompensate, "bob: give up");
  EXPECT_EQ(events(c.history), Strings{"operator_compensated@4"});
  EXPECT_EQ(d.instance.last_reason, "operator: bob: give up");
  ASSERT_TRUE(c.command.has_value());
  EXPECT_EQ(c.command->envelope.name, "CancelCreateTicket");
  d.succeed("CreateTicketCancelled");
  EXPECT_EQ(d.sent.back().envelope.name, "RejectOrder");
  d.succeed("OrderRejected");
  EXPECT_EQ(d.instance.phase, Phase::kCompensated);
}

TEST(DecideTest, NonRetryableReasonFailsARetriableStepAtOnce) {
  SagaDefinition def = create_order_saga();
  def.steps[kConfirm].retry.non_retryable_reasons = {"ticket_gone"};
  Driver d(def);
  d.run_to(kConfirm);
  Decision r = d.fail("TicketGone", "ticket_gone");
  EXPECT_EQ(events(r.history), Strings{"step_exhausted@4"});
  EXPECT_EQ(d.instance.phase, Phase::kFailed);
  EXPECT_EQ(d.instance.failed_from, Phase::kExecuting);
}

// --- timeouts --------------------------------------------------------------------------------

TEST(DecideTest, TimeoutResendsTheSameMessageAndAcceptsALateReply) {
  SagaDefinition def = create_order_saga();
  def.steps[kVerify].retry = fixed_no_jitter(Millis{50}, 3);
  Driver d(def);
  d.start();
  Decision timed_out = d.deadline();
  EXPECT_EQ(d.now, kStartTime + kReplyTimeout);
  EXPECT_EQ(events(timed_out.history), Strings{"step_timed_out@1"});
  EXPECT_EQ(timed_out.history[0].reason, "timeout");
  EXPECT_FALSE(timed_out.command.has_value());
  EXPECT_EQ(d.instance.phase, Phase::kExecuting);
  EXPECT_EQ(d.instance.wait, Wait::kRetry);
  EXPECT_EQ(d.instance.deadline, d.now + Millis{50});
  EXPECT_EQ(d.instance.last_request_id, id(1));  // still the outstanding command

  Decision resent = d.retry_due();
  EXPECT_EQ(events(resent.history), Strings{"step_retried@1"});
  ASSERT_TRUE(resent.command.has_value());
  EXPECT_EQ(sent(*resent.command), (Sent{"consumer", "ValidateOrderByConsumer", false, id(1), 2,
                                         "verify_consumer", "order:99;|verify_consumer"}));
  EXPECT_EQ(d.instance.attempt, 2u);
  EXPECT_EQ(d.instance.delivery, 2u);
  EXPECT_EQ(d.instance.message_seq, 1u);

  // The reply to the first delivery arrives late: same message_id, so it counts.
  Decision late = d.reply_to(d.sent.front().envelope, Outcome::kSuccess, "ConsumerVerified");
  EXPECT_TRUE(late.applied);
  EXPECT_EQ(events(late.history), Strings{"step_succeeded@1"});
  EXPECT_EQ(d.sent.back().envelope.name, "CreateTicket");
  EXPECT_EQ(d.sent.back().envelope.message_id, id(2));
  EXPECT_EQ(d.sent.back().envelope.attempt, 1u);
}

TEST(DecideTest, AReplyWhileWaitingToResendIsAccepted) {
  Driver d;
  d.start();
  d.deadline();
  ASSERT_EQ(d.instance.wait, Wait::kRetry);
  Decision late = d.succeed("ConsumerVerified");
  EXPECT_TRUE(late.applied);
  EXPECT_EQ(d.instance.step, kCreateTicket);
  EXPECT_EQ(d.instance.wait, Wait::kReply);
}

TEST(DecideTest, TimeoutsExhaustingACompensatableStepRunItsOwnCompensation) {
  SagaDefinition def = create_order_saga();
  def.steps[kCreateTicket].retry = fixed_no_jitter(Millis{50}, 2);
  Driver d(def);
  d.run_to(kCreateTicket);
  EXPECT_EQ(events(d.deadline().history), Strings{"step_timed_out@2"});
  d.retry_due();
  Decision failed = d.deadline();
  EXPECT_EQ(events(failed.history), Strings{"step_failed@2"});
  EXPECT_EQ(failed.history[0].reason, "timeout");
  EXPECT_EQ(d.instance.last_reason, "step 'create_ticket': timeout");
  ASSERT_TRUE(failed.command.has_value());
  // Its outcome is unknown, so its own compensation runs first (new message).
  EXPECT_EQ(sent(*failed.command), (Sent{"kitchen", "CancelCreateTicket", true, id(3), 1,
                                         "create_ticket", "order:99;|create_ticket"}));
  d.succeed("CreateTicketCancelled");
  EXPECT_EQ(d.sent.back().envelope.name, "RejectOrder");
  d.succeed("OrderRejected");
  EXPECT_EQ(d.instance.phase, Phase::kCompensated);
}

// The pivot may have run and cannot be undone: no rollback around it; an operator decides, and a
// retry resends the same message so the participant's inbox tells what happened.
TEST(DecideTest, TimeoutsExhaustingThePivotFailTheSagaWithoutCompensating) {
  SagaDefinition def = create_order_saga();
  def.steps[kAuthorize].retry = fixed_no_jitter(Millis{50}, 2);
  Driver d(def);
  d.run_to(kAuthorize);
  const std::string pivot_message = d.sent.back().envelope.message_id;
  d.deadline();
  d.retry_due();
  Decision exhausted = d.deadline();
  EXPECT_EQ(events(exhausted.history), Strings{"step_exhausted@3"});
  EXPECT_FALSE(exhausted.command.has_value());  // no CancelCreateTicket, no RejectOrder
  EXPECT_EQ(d.instance.phase, Phase::kFailed);
  EXPECT_EQ(d.instance.failed_from, Phase::kExecuting);
  EXPECT_EQ(d.instance.last_reason, "timeout");

  Decision retried = d.operate(InputKind::kOperatorRetry, "alice: accounting is back");
  ASSERT_TRUE(retried.command.has_value());
  EXPECT_EQ(retried.command->envelope.message_id, pivot_message);
  EXPECT_EQ(retried.command->envelope.attempt, 3u);
  d.succeed("CardAuthorized");
  EXPECT_EQ(d.sent.back().envelope.name, "ConfirmCreateTicket");
}

TEST(DecideTest, RetriableStepTimeoutsExhaustedFailTheSaga) {
  Driver d;
  d.run_to(kConfirm);
  d.deadline();
  d.retry_due();
  d.deadline();
  d.retry_due();
  EXPECT_EQ(d.sent.back().envelope.attempt, 3u);
  EXPECT_EQ(d.sent.back().envelope.message_id, id(4));
  Decision last = d.deadline();
  EXPECT_EQ(events(last.history), Strings{"step_exhausted@4"});
  EXPECT_EQ(d.instance.phase, Phase::kFailed);
  EXPECT_EQ(d.instance.failed_from, Phase::kExecuting);
  EXPECT_EQ(d.instance.last_reason, "timeout");
}

}  // namespace
}  // namespace saga
