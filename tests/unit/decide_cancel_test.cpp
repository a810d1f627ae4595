// Goal: saga control in the pure decision function (decide_cancel.cpp): cancel before the pivot
// compensates what ran (including the outstanding step), after the pivot it is refused; the
// saga deadline compensates before the pivot and only annotates after it; a scheduled start
// waits for its time, and a scheduled saga cancelled or past its deadline ends without running.
// Method: the FTGO Create Order definition driven input by input (decide_fixture.h), whose
// point of no return is authorize_card (the pivot).
#include <gtest/gtest.h>

#include <string>

#include "decide_fixture.h"

namespace saga {
namespace {

using namespace decide_fixture;

Result<Decision> cancel(Driver& d, const std::string& reason = "alice: customer asked") {
  return d.try_operate(InputKind::kCancel, reason);
}

Decision saga_deadline_due(Driver& d) {
  d.now = std::max(d.now, d.instance.saga_deadline);
  return d.apply(d.input(InputKind::kSagaDeadline));
}

void expect_refused(Driver& d, const std::string& message_part) {
  const SagaInstance before = d.instance;
  Result<Decision> r = cancel(d);
  ASSERT_FALSE(r.is_ok());
  EXPECT_EQ(r.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(r.status().message().find(message_part), std::string::npos) << r.status().message();
  EXPECT_EQ(d.instance, before);
}

TEST(DecideCancelTest, ThePointOfNoReturnIsThePivot) {
  EXPECT_EQ(point_of_no_return(create_order_saga()), kAuthorize);
  SagaDefinition all_compensatable = create_order_saga();
  all_compensatable.steps.resize(kAuthorize);
  EXPECT_EQ(point_of_no_return(all_compensatable), kAuthorize);  // the step count
}

TEST(DecideCancelTest, CancelWhileAStepIsOutstandingCompensatesItAndWhatRanBefore) {
  Driver d;
  d.run_to(kCreateTicket);
  Result<Decision> r = cancel(d);
  ASSERT_TRUE(r.is_ok()) << r.status().to_string();
  EXPECT_EQ(events(r->history), Strings{"cancelled@2"});
  EXPECT_EQ(r->history.front().reason, "cancelled: alice: customer asked");
  EXPECT_EQ(d.instance.phase, Phase::kCompensating);
  EXPECT_EQ(d.instance.failure_cause, FailureCause::kCancelled);
  EXPECT_EQ(d.instance.last_reason, "cancelled: alice: customer asked");
  // The ticket's outcome is unknown: its compensation runs (a no-op if it never ran).
  ASSERT_TRUE(r->command.has_value());
  EXPECT_EQ(sent(*r->command), (Sent{"kitchen", "CancelCreateTicket", true, id(3), 1,
                                     "create_ticket", "order:99;|create_ticket"}));
  // The late reply to CreateTicket is stale now.
  EXPECT_FALSE(d.reply_to(d.sent[1].envelope, Outcome::kSuccess, "TicketCreated").applied);
  d.succeed("CreateTicketCancelled");
  Decision last = d.succeed("OrderRejected");
  EXPECT_EQ(events(last.history), (Strings{"compensation_succeeded@0", "compensated@-1"}));
  EXPECT_EQ(last.history.back().reason, "cancelled: alice: customer asked");
  EXPECT_EQ(d.instance.phase, Phase::kCompensated);
  expect_inert(d);
}

TEST(DecideCancelTest, CancelAtEveryStepBeforeThePivotUndoesExactlyWhatWasSent) {
  for (std::int32_t at : {kVerify, kCreateTicket, kAuthorize}) {
    SCOPED_TRACE("cancel at step " + std::to_string(at));
    Driver d;
    d.run_to(at);
    if (at == kAuthorize) {  // AuthorizeCard is out: past the point of no return
      expect_refused(d, "past its pivot (step 'authorize_card')");
      continue;
    }
    ASSERT_TRUE(cancel(d).is_ok());
    Strings undo;
    while (d.instance.phase == Phase::kCompensating) {
      undo.push_back(d.sent.back().envelope.name);
      d.succeed("Undone");
    }
    EXPECT_EQ(d.instance.phase, Phase::kCompensated);
    // verify_consumer has no compensation; create_ticket's runs once it was sent.
    EXPECT_EQ(undo, at == kVerify ? Strings{"RejectOrder"}
                                  : (Strings{"CancelCreateTicket", "RejectOrder"}));
  }
}

TEST(DecideCancelTest, CancelAfterThePivotIsRefusedAndTheSagaFinishes) {
  Driver d;
  d.run_to(kConfirm);
  expect_refused(d, "it is bound to finish and cannot be cancelled");
  d.succeed("Ok");
  d.succeed("Ok");
  EXPECT_EQ(d.instance.phase, Phase::kCompleted);
  expect_refused(d, "is completed");
}

TEST(DecideCancelTest, CancelIsRefusedWhileCompensatingOrFailedAndNeedsAReason) {
  Driver d(fragile_compensations());
  d.run_to(kCreateTicket);
  Result<Decision> no_reason = cancel(d, "");
  ASSERT_FALSE(no_reason.is_ok());
  EXPECT_EQ(no_reason.status().code(), StatusCode::kInvalidArgument);
  d.fail("TicketRejected", "kitchen_closed");
  expect_refused(d, "is compensating");
  Driver failed(fragile_compensations());
  fail_while_compensating(failed);
  expect_refused(failed, "an operator may compensate it");
}

TEST(DecideCancelTest, ScheduledStartWaitsForItsTimeThenRuns) {
  Driver d;
  Input start = d.input(InputKind::kStart);
  start.not_before = kStartTime + Millis{60'000};
  Decision s = d.apply(start);
  EXPECT_EQ(events(s.history), Strings{"scheduled@-1"});
  EXPECT_EQ(d.instance.phase, Phase::kScheduled);
  EXPECT_EQ(d.instance.wait, Wait::kStart);
  EXPECT_EQ(d.instance.deadline, start.not_before);
  EXPECT_FALSE(s.command.has_value());
  d.now = start.not_before - Millis{1};
  EXPECT_FALSE(d.apply(d.input(InputKind::kScheduledStart)).applied);  // not yet
  EXPECT_FALSE(d.deadline().applied);  // a reply deadline means nothing here
  d.now = start.not_before;
  Decision run = d.apply(d.input(InputKind::kScheduledStart));
  EXPECT_EQ(events(run.history), Strings{"scheduled_start@-1"});
  EXPECT_EQ(d.instance.phase, Phase::kExecuting);
  ASSERT_TRUE(run.command.has_value());
  EXPECT_EQ(run.command->envelope.name, "ValidateOrderByConsumer");
  EXPECT_EQ(d.instance.created_at, kStartTime);
  EXPECT_FALSE(d.apply(d.input(InputKind::kScheduledStart)).applied);  // once
}

TEST(DecideCancelTest, AStartWhoseTimeHasComeIsNotScheduled) {
  Driver d;
  Input start = d.input(InputKind::kStart);
  start.not_before = kStartTime;
  Decision s = d.apply(start);
  ASSERT_FALSE(s.history.empty());
  EXPECT_EQ(s.history.front().event, Event::kStarted);
  ASSERT_TRUE(s.command.has_value());
  EXPECT_EQ(d.instance.phase, Phase::kExecuting);
}

TEST(DecideCancelTest, CancellingAScheduledSagaEndsItWithoutRunningAStep) {
  Driver d;
  Input start = d.input(InputKind::kStart);
  start.not_before = kStartTime + Millis{60'000};
  d.apply(start);
  Result<Decision> r = cancel(d, "bob: pickup moved");
  ASSERT_TRUE(r.is_ok()) << r.status().to_string();
  EXPECT_EQ(events(r->history), Strings{"cancelled_before_start@-1"});
  EXPECT_EQ(d.instance.phase, Phase::kCompensated);
  EXPECT_EQ(d.instance.failure_cause, FailureCause::kCancelled);
  EXPECT_EQ(d.instance.last_reason, "cancelled before start: bob: pickup moved");
  EXPECT_TRUE(d.sent.empty());
  d.now = start.not_before;
  EXPECT_FALSE(d.apply(d.input(InputKind::kScheduledStart)).applied);
}

TEST(DecideCancelTest, SagaDeadlineBeforeThePivotCompensates) {
  Driver d;
  d.instance.saga_deadline = kStartTime + Millis{30'000};
  d.run_to(kCreateTicket);
  d.now = d.instance.saga_deadline - Millis{1};
  EXPECT_FALSE(d.apply(d.input(InputKind::kSagaDeadline)).applied);  // not yet
  Decision r = saga_deadline_due(d);
  EXPECT_EQ(events(r.history), Strings{"saga_deadline_passed@2"});
  EXPECT_EQ(r.history.front().reason, "saga deadline 1030000 passed before the pivot");
  EXPECT_EQ(d.instance.phase, Phase::kCompensating);
  EXPECT_EQ(d.instance.failure_cause, FailureCause::kSagaDeadline);
  EXPECT_EQ(d.instance.saga_deadline, Millis{0});  // acted on, once
  ASSERT_TRUE(r.command.has_value());
  EXPECT_EQ(r.command->envelope.name, "CancelCreateTicket");
  EXPECT_FALSE(d.apply(d.input(InputKind::kSagaDeadline)).applied);
  d.succeed("CreateTicketCancelled");
  d.succeed("OrderRejected");
  EXPECT_EQ(d.instance.phase, Phase::kCompensated);
  EXPECT_EQ(d.history.back().reason, "saga deadline 1030000 passed before the pivot");
}

TEST(DecideCancelTest, SagaDeadlineAfterThePivotOnlyFinishesTheRetriableSteps) {
  Driver d;
  d.instance.saga_deadline = kStartTime + Millis{30'000};
  d.run_to(kConfirm);
  const std::string outstanding = d.instance.last_request_id;
  Decision r = saga_deadline_due(d);
  EXPECT_EQ(events(r.history), Strings{"saga_deadline_passed_after_pivot@4"});
  EXPECT_EQ(r.history.front().reason,
            "saga deadline 1030000 passed after the pivot: the saga finishes its remaining steps");
  EXPECT_FALSE(r.command.has_value());
  EXPECT_EQ(d.instance.phase, Phase::kExecuting);
  EXPECT_EQ(d.instance.last_request_id, outstanding);  // still waiting for the same reply
  EXPECT_EQ(d.instance.failure_cause, FailureCause::kNone);
  d.succeed("TicketConfirmed");
  d.succeed("OrderApproved");
  EXPECT_EQ(d.instance.phase, Phase::kCompleted);
}

TEST(DecideCancelTest, SagaDeadlineOfAScheduledSagaEndsItBeforeItStarts) {
  Driver d;
  d.instance.saga_deadline = kStartTime + Millis{30'000};
  Input start = d.input(InputKind::kStart);
  start.not_before = kStartTime + Millis{60'000};
  d.apply(start);
  Decision r = saga_deadline_due(d);
  EXPECT_EQ(events(r.history), Strings{"cancelled_before_start@-1"});
  EXPECT_EQ(d.instance.phase, Phase::kCompensated);
  EXPECT_EQ(d.instance.failure_cause, FailureCause::kSagaDeadline);
  EXPECT_TRUE(d.sent.empty());
}

TEST(DecideCancelTest, SagaDeadlineDoesNothingToACompensatingOrFailedSaga) {
  Driver d(fragile_compensations());
  d.instance.saga_deadline = kStartTime + Millis{600'000};
  fail_while_compensating(d);
  const SagaInstance before = d.instance;
  EXPECT_FALSE(saga_deadline_due(d).applied);
  EXPECT_EQ(d.instance, before);
}

}  // namespace
}  // namespace saga
