// Goal: decide handles compensations that fail (the saga fails with the reason; the operator may
// retry or skip them) and ignores inputs that must change nothing: stale, duplicate and foreign
// replies, deadlines not due, operator actions on a saga that has not failed, a second start.
// Method: the FTGO Create Order definition driven input by input (decide_fixture.h).
#include <gtest/gtest.h>

#include <string>

#include "decide_fixture.h"

namespace saga {
namespace {

using namespace decide_fixture;

// --- compensation failures -------------------------------------------------------------------

TEST(DecideTest, ExhaustedCompensationFailsTheSagaWithTheReason) {
  Driver d(fragile_compensations());
  fail_while_compensating(d);
  EXPECT_EQ(d.instance.phase, Phase::kFailed);
  EXPECT_EQ(d.instance.failed_from, Phase::kCompensating);
  EXPECT_EQ(d.instance.step, kCreateTicket);
  EXPECT_EQ(d.instance.last_reason, "compensation of 'create_ticket': kitchen_down");
  EXPECT_EQ(d.instance.wait, Wait::kNone);
  EXPECT_NE(d.sent.back().envelope.name, "RejectOrder");  // never silently skipped
}

TEST(DecideTest, OperatorRetryOfACompensationCompensatesAgain) {
  Driver d(fragile_compensations());
  fail_while_compensating(d);
  Decision r = d.operate(InputKind::kOperatorRetry);
  EXPECT_EQ(events(r.history), Strings{"operator_retried_compensation@2"});
  EXPECT_EQ(d.instance.phase, Phase::kCompensating);
  ASSERT_TRUE(r.command.has_value());
  EXPECT_EQ(sent(*r.command), (Sent{"kitchen", "CancelCreateTicket", true, id(6), 1,
                                    "create_ticket", "order:99;ticket:Ok|create_ticket"}));
  d.succeed("CreateTicketCancelled");
  d.succeed("OrderRejected");
  EXPECT_EQ(d.instance.phase, Phase::kCompensated);
}

TEST(DecideTest, OperatorSkipOfACompensationGoesOnCompensating) {
  Driver d(fragile_compensations());
  fail_while_compensating(d);
  Decision r = d.operate(InputKind::kOperatorSkip);
  EXPECT_EQ(events(r.history), Strings{"operator_skipped_compensation@2"});
  ASSERT_TRUE(r.command.has_value());
  EXPECT_EQ(r.command->envelope.name, "RejectOrder");
}

TEST(DecideTest, OperatorCannotCompensateASagaThatFailedWhileCompensating) {
  Driver d(fragile_compensations());
  fail_while_compensating(d);
  const SagaInstance before = d.instance;
  Result<Decision> r = d.try_operate(InputKind::kOperatorCompensate);
  ASSERT_FALSE(r.is_ok());
  EXPECT_EQ(r.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(d.instance, before);
}

TEST(DecideTest, CompensationTimeoutsResendThenFailTheSagaWithTheReason) {
  Driver d(fragile_compensations());
  d.run_to(kVerify);
  d.fail("ConsumerVerificationFailed", "consumer_unknown");
  Decision t = d.deadline();
  EXPECT_EQ(events(t.history), Strings{"compensation_timed_out@0"});
  EXPECT_EQ(d.instance.last_request_id, id(2));
  Decision resent = d.retry_due();
  EXPECT_EQ(events(resent.history), Strings{"compensation_retried@0"});
  ASSERT_TRUE(resent.command.has_value());
  EXPECT_EQ(sent(*resent.command), (Sent{"order", "RejectOrder", true, id(2), 2, "reject_order",
                                         "order:99;|reject_order"}));
  Decision exhausted = d.deadline();
  EXPECT_EQ(events(exhausted.history), Strings{"compensation_exhausted@0"});
  EXPECT_EQ(d.instance.phase, Phase::kFailed);
  EXPECT_EQ(d.instance.failed_from, Phase::kCompensating);
  EXPECT_EQ(d.instance.last_reason, "compensation of 'reject_order': timeout");
}

// --- inputs that change nothing --------------------------------------------------------------

TEST(DecideTest, StaleDuplicateAndForeignRepliesAreIgnored) {
  Driver d;
  d.run_to(kCreateTicket);
  const Envelope first = d.sent[0].envelope;    // already answered
  const Envelope current = d.sent[1].envelope;  // outstanding
  const SagaInstance before = d.instance;

  Decision duplicate = d.reply_to(first, Outcome::kSuccess, "ConsumerVerified");
  EXPECT_FALSE(duplicate.applied);
  EXPECT_NE(duplicate.ignored_reason.find("stale"), std::string::npos);

  Envelope wrong_correlation = current;
  wrong_correlation.message_id = "saga-1/99";
  EXPECT_FALSE(d.reply_to(wrong_correlation, Outcome::kFailure, "Nope").applied);

  Envelope other_saga = current;
  other_saga.saga_id = "saga-2";
  EXPECT_FALSE(d.reply_to(other_saga, Outcome::kFailure, "Nope").applied);
  EXPECT_EQ(d.instance, before);
  EXPECT_EQ(d.sent.size(), 2u);

  // The real reply still counts, once.
  EXPECT_TRUE(d.reply_to(current, Outcome::kSuccess, "TicketCreated").applied);
  EXPECT_FALSE(d.reply_to(current, Outcome::kSuccess, "TicketCreated").applied);
  EXPECT_EQ(d.instance.data, "order:99;ticket:TicketCreated");
}

TEST(DecideTest, DeadlinesThatAreNotDueOrNotAwaitedAreIgnored) {
  Driver d;
  d.start();
  const SagaInstance before = d.instance;
  Input early = d.input(InputKind::kDeadline);
  early.now = d.instance.deadline - Millis{1};
  EXPECT_FALSE(d.apply(early).applied);
  EXPECT_FALSE(d.apply(d.input(InputKind::kRetryDue)).applied);  // waiting for a reply
  EXPECT_EQ(d.instance, before);

  d.deadline();  // now waiting to resend
  const SagaInstance waiting = d.instance;
  EXPECT_FALSE(d.deadline().applied);  // no reply deadline while waiting to resend
  Input retry_early = d.input(InputKind::kRetryDue);
  retry_early.now = d.instance.deadline - Millis{1};
  EXPECT_FALSE(d.apply(retry_early).applied);
  EXPECT_EQ(d.instance, waiting);
}

TEST(DecideTest, OperatorActionsNeedAFailedSaga) {
  Driver d;
  for (InputKind k :
       {InputKind::kOperatorRetry, InputKind::kOperatorCompensate, InputKind::kOperatorSkip}) {
    Result<Decision> before_start = d.try_operate(k);
    ASSERT_FALSE(before_start.is_ok());
    EXPECT_EQ(before_start.status().code(), StatusCode::kFailedPrecondition);
  }
  d.start();
  const SagaInstance running = d.instance;
  for (InputKind k :
       {InputKind::kOperatorRetry, InputKind::kOperatorCompensate, InputKind::kOperatorSkip}) {
    Result<Decision> r = d.try_operate(k);
    ASSERT_FALSE(r.is_ok());
    EXPECT_EQ(r.status().code(), StatusCode::kFailedPrecondition);
  }
  EXPECT_EQ(d.instance, running);
}

TEST(DecideTest, StartingTwiceOrWithAnotherDefinitionIsAnError) {
  Driver d;
  d.start();
  Result<Decision> again = d.try_apply(d.input(InputKind::kStart));
  ASSERT_FALSE(again.is_ok());
  EXPECT_EQ(again.status().code(), StatusCode::kFailedPrecondition);

  SagaDefinition renamed = create_order_saga();
  renamed.name = "cancel_order";
  Result<Decision> by_name = decide(renamed, d.instance, d.input(InputKind::kDeadline));
  ASSERT_FALSE(by_name.is_ok());
  EXPECT_EQ(by_name.status().code(), StatusCode::kFailedPrecondition);

  SagaDefinition newer = create_order_saga();
  newer.version = 4;
  Result<Decision> by_version = decide(newer, d.instance, d.input(InputKind::kRetryDue));
  ASSERT_FALSE(by_version.is_ok());
  EXPECT_EQ(by_version.status().code(), StatusCode::kFailedPrecondition);
  Driver fresh;
  EXPECT_FALSE(decide(newer, fresh.instance, fresh.input(InputKind::kStart)).is_ok());
}

}  // namespace
}  // namespace saga
