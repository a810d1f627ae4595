// Goal: parallel groups in the pure state machine: a group's commands go out together, the
// group is done when every branch answered, a failure compensates the branches that ran (after
// the ones in flight answered) in the documented order, retriable groups retry per branch and
// fail for an operator, and the definition rules hold (validate, fingerprint, stored form).
// Method: FTGO Create Order with verify_consumer + create_ticket in a compensatable group and
// confirm_ticket + approve_order in a retriable one, driven input by input (decide_fixture.h).
#include <gtest/gtest.h>

#include <string>

#include "decide_fixture.h"

namespace saga {
namespace {

using namespace decide_fixture;

SagaDefinition grouped() {
  SagaDefinition def = create_order_saga();
  def.steps[kVerify].group = "prepare";
  def.steps[kCreateTicket].group = "prepare";
  def.steps[kConfirm].group = "finish";
  def.steps[kApprove].group = "finish";
  def.steps[kApprove].retry = fixed_no_jitter(Millis{100}, 3);
  def.steps[kConfirm].retry.jitter = Jitter::kNone;
  return def;
}

// The command of `step` in d.sent, the most recent one.
const Envelope& command_of(const Driver& d, const std::string& step) {
  for (auto it = d.sent.rbegin(); it != d.sent.rend(); ++it) {
    if (it->envelope.step == step) return it->envelope;
  }
  static const Envelope none;
  ADD_FAILURE() << "no command of " << step;
  return none;
}

Strings compensations(const Driver& d) {
  Strings out;
  for (const OutgoingCommand& c : d.sent) {
    if (c.envelope.compensation) out.push_back(c.envelope.name);
  }
  return out;
}

TEST(DecideGroupTest, TheGroupIsSentTogetherAndDoneWhenEveryBranchReplied) {
  ASSERT_TRUE(validate(grouped()).is_ok());
  Driver d(grouped());
  Decision started = d.start();
  EXPECT_EQ(events(started.history), (Strings{"started@-1", "group_sent@1"}));
  EXPECT_EQ(started.history.back().reason, "steps verify_consumer, create_ticket");
  EXPECT_FALSE(started.command.has_value());
  ASSERT_EQ(started.branch_commands.size(), 2u);
  EXPECT_EQ(sent(started.branch_commands),
            (std::vector<Sent>{{"consumer", "ValidateOrderByConsumer", false, id(1), 1,
                                "verify_consumer", "order:99;|verify_consumer"},
                               {"kitchen", "CreateTicket", false, id(2), 1, "create_ticket",
                                "order:99;|create_ticket"}}));
  EXPECT_EQ(d.instance.step, kVerify);
  EXPECT_EQ(d.instance.wait, Wait::kReply);
  EXPECT_EQ(d.instance.deadline, kStartTime + kReplyTimeout);
  ASSERT_EQ(d.instance.branches.size(), 2u);

  // The ticket answers first: nothing goes out until the consumer answered too.
  Decision ticket = d.reply_to(command_of(d, "create_ticket"), Outcome::kSuccess, "TicketCreated");
  EXPECT_EQ(events(ticket.history), Strings{"step_succeeded@2"});
  EXPECT_FALSE(ticket.command.has_value());
  EXPECT_TRUE(ticket.branch_commands.empty());
  EXPECT_EQ(d.instance.data, "order:99;ticket:TicketCreated");
  // The same reply again is stale: that branch is no longer in flight.
  EXPECT_FALSE(
      d.try_reply_to(command_of(d, "create_ticket"), Outcome::kSuccess, "TicketCreated")->applied);

  Decision verified = d.reply_to(command_of(d, "verify_consumer"), Outcome::kSuccess, "Ok");
  EXPECT_EQ(events(verified.history), Strings{"step_succeeded@1"});
  ASSERT_TRUE(verified.command.has_value());
  EXPECT_EQ(verified.command->envelope.name, "AuthorizeCard");
  EXPECT_TRUE(d.instance.branches.empty());

  Decision authorized = d.succeed("CardAuthorized");
  EXPECT_EQ(events(authorized.history), (Strings{"step_succeeded@3", "group_sent@4"}));
  ASSERT_EQ(authorized.branch_commands.size(), 2u);
  d.reply_to(command_of(d, "approve_order"), Outcome::kSuccess, "OrderApproved");
  Decision done = d.reply_to(command_of(d, "confirm_ticket"), Outcome::kSuccess, "Confirmed");
  EXPECT_EQ(events(done.history), (Strings{"step_succeeded@4", "completed@-1"}));
  EXPECT_EQ(d.instance.phase, Phase::kCompleted);
  EXPECT_TRUE(compensations(d).empty());
}

TEST(DecideGroupTest, AFailureCompensatesTheBranchesThatRanThenTheStepsBefore) {
  Driver d(grouped());
  d.start();
  d.reply_to(command_of(d, "create_ticket"), Outcome::kSuccess, "TicketCreated");
  Decision failed = d.reply_to(command_of(d, "verify_consumer"), Outcome::kFailure, "Invalid");
  EXPECT_EQ(events(failed.history), Strings{"branch_failed@1"});
  EXPECT_EQ(d.instance.phase, Phase::kCompensating);
  EXPECT_EQ(d.instance.failure_cause, FailureCause::kBusinessFailure);
  EXPECT_EQ(d.instance.last_reason, "step 'verify_consumer': no");
  ASSERT_TRUE(failed.command.has_value());
  EXPECT_EQ(sent(*failed.command),
            (Sent{"kitchen", "CancelCreateTicket", true, id(3), 1, "create_ticket",
                  "order:99;ticket:TicketCreated|create_ticket"}));
  d.succeed("Cancelled");
  EXPECT_EQ(d.sent.back().envelope.name, "RejectOrder");
  Decision end = d.succeed("Rejected");
  EXPECT_EQ(events(end.history), (Strings{"compensation_succeeded@0", "compensated@-1"}));
  EXPECT_EQ(compensations(d), (Strings{"CancelCreateTicket", "RejectOrder"}));
  EXPECT_TRUE(d.instance.branches.empty());
}

TEST(DecideGroupTest, BranchesInFlightAreAwaitedBeforeCompensating) {
  Driver d(grouped());
  d.start();
  Decision failed = d.reply_to(command_of(d, "verify_consumer"), Outcome::kFailure, "Invalid");
  EXPECT_EQ(events(failed.history), Strings{"branch_failed@1"});
  EXPECT_FALSE(failed.command.has_value());
  EXPECT_EQ(d.instance.phase, Phase::kCompensating);
  EXPECT_EQ(d.instance.wait, Wait::kReply);  // for create_ticket
  Decision late = d.reply_to(command_of(d, "create_ticket"), Outcome::kSuccess, "TicketCreated");
  EXPECT_EQ(events(late.history), Strings{"branch_settled@2"});
  EXPECT_EQ(late.history[0].reason, "succeeded; compensated with its group");
  ASSERT_TRUE(late.command.has_value());
  EXPECT_EQ(late.command->envelope.name, "CancelCreateTicket");
  // The late success's reply handler ran: the compensation sees its data.
  EXPECT_EQ(late.command->envelope.body, "order:99;ticket:TicketCreated|create_ticket");
}

TEST(DecideGroupTest, ABranchThatWasRefusedIsNotCompensated) {
  Driver d(grouped());
  d.start();
  d.reply_to(command_of(d, "verify_consumer"), Outcome::kFailure, "Invalid");
  Decision late = d.reply_to(command_of(d, "create_ticket"), Outcome::kFailure, "NoTicket");
  EXPECT_EQ(events(late.history), Strings{"branch_settled@2"});
  d.succeed("Rejected");
  EXPECT_EQ(d.instance.phase, Phase::kCompensated);
  EXPECT_EQ(compensations(d), Strings{"RejectOrder"});
}

TEST(DecideGroupTest, TimeoutsResendTheSameMessageThenCountAsFailedAndAreCompensated) {
  SagaDefinition def = grouped();
  def.steps[kCreateTicket].retry = fixed_no_jitter(Millis{50}, 2);
  def.steps[kVerify].reply_timeout = Millis{60'000};
  Driver d(def);
  d.start();
  Decision timed_out = d.deadline();
  EXPECT_EQ(events(timed_out.history), Strings{"step_timed_out@2"});
  EXPECT_EQ(d.instance.wait, Wait::kRetry);
  EXPECT_EQ(d.instance.deadline, kStartTime + kReplyTimeout + Millis{50});
  Decision resent = d.retry_due();
  EXPECT_EQ(events(resent.history), Strings{"step_retried@2"});
  ASSERT_EQ(resent.branch_commands.size(), 1u);
  EXPECT_EQ(resent.branch_commands[0].envelope.message_id, id(2));  // the same message
  EXPECT_EQ(resent.branch_commands[0].envelope.attempt, 2u);
  Decision exhausted = d.deadline();
  EXPECT_EQ(events(exhausted.history), Strings{"branch_failed@2"});
  EXPECT_EQ(d.instance.failure_cause, FailureCause::kTimeout);
  EXPECT_FALSE(exhausted.command.has_value());  // verify_consumer is still in flight
  Decision verified = d.reply_to(command_of(d, "verify_consumer"), Outcome::kSuccess, "Ok");
  EXPECT_EQ(events(verified.history), Strings{"branch_settled@1"});
  // The timed-out ticket may exist: it is cancelled (the barrier makes that safe).
  ASSERT_TRUE(verified.command.has_value());
  EXPECT_EQ(verified.command->envelope.name, "CancelCreateTicket");
}

TEST(DecideGroupTest, ABranchStillInFlightWhenTheGroupFailedTimesOutAsUnknown) {
  Driver d(grouped());
  d.start();
  d.reply_to(command_of(d, "verify_consumer"), Outcome::kFailure, "Invalid");
  Decision settled = d.deadline();
  EXPECT_EQ(events(settled.history), Strings{"branch_settled@2"});
  EXPECT_EQ(settled.history[0].reason, "timeout: outcome unknown, compensated with its group");
  ASSERT_TRUE(settled.command.has_value());
  EXPECT_EQ(settled.command->envelope.name, "CancelCreateTicket");
}

TEST(DecideGroupTest, RetriableBranchesRetryAloneAndAnExhaustedOneWaitsForItsSiblings) {
  Driver d(grouped());
  d.start();
  d.reply_to(command_of(d, "verify_consumer"), Outcome::kSuccess, "Ok");
  d.reply_to(command_of(d, "create_ticket"), Outcome::kSuccess, "TicketCreated");
  d.succeed("CardAuthorized");
  ASSERT_EQ(d.instance.branches.size(), 2u);
  const std::string first_approve = command_of(d, "approve_order").message_id;
  Decision scheduled = d.reply_to(command_of(d, "approve_order"), Outcome::kFailure, "Busy");
  EXPECT_EQ(events(scheduled.history), Strings{"step_retry_scheduled@5"});
  EXPECT_EQ(d.instance.wait, Wait::kRetry);
  Decision resent = d.retry_due();
  ASSERT_EQ(resent.branch_commands.size(), 1u);
  EXPECT_NE(resent.branch_commands[0].envelope.message_id, first_approve);  // a new message
  d.reply_to(command_of(d, "approve_order"), Outcome::kFailure, "Busy");
  d.retry_due();
  Decision exhausted = d.reply_to(command_of(d, "approve_order"), Outcome::kFailure, "Busy");
  EXPECT_EQ(events(exhausted.history), Strings{"branch_exhausted@5"});
  EXPECT_EQ(d.instance.phase, Phase::kExecuting);  // confirm_ticket is still in flight
  Decision failed = d.reply_to(command_of(d, "confirm_ticket"), Outcome::kSuccess, "Confirmed");
  EXPECT_EQ(events(failed.history), (Strings{"step_succeeded@4", "step_exhausted@5"}));
  EXPECT_EQ(d.instance.phase, Phase::kFailed);
  EXPECT_EQ(d.instance.failed_from, Phase::kExecuting);
  EXPECT_EQ(d.instance.step, kConfirm);  // the group's first step

  // An operator retry sends the exhausted branch again, alone.
  Decision retried = d.operate(InputKind::kOperatorRetry);
  EXPECT_EQ(events(retried.history), (Strings{"operator_retried_step@4", "step_retried@5"}));
  ASSERT_EQ(retried.branch_commands.size(), 1u);
  EXPECT_EQ(retried.branch_commands[0].envelope.name, "ApproveOrder");
  Decision done = d.reply_to(command_of(d, "approve_order"), Outcome::kSuccess, "Approved");
  EXPECT_EQ(events(done.history), (Strings{"step_succeeded@5", "completed@-1"}));
}

TEST(DecideGroupTest, AnOperatorSkipOfAnExhaustedGroupMovesPastTheGroup) {
  SagaDefinition def = grouped();
  def.steps[kApprove].retry = fixed_no_jitter(Millis{100}, 2);
  def.steps[kConfirm].retry = fixed_no_jitter(Millis{100}, 2);
  def.steps[kApprove].retry.non_retryable_reasons = {"no"};
  Driver d(def);
  d.start();
  d.reply_to(command_of(d, "verify_consumer"), Outcome::kSuccess, "Ok");
  d.reply_to(command_of(d, "create_ticket"), Outcome::kSuccess, "TicketCreated");
  d.succeed("CardAuthorized");
  d.reply_to(command_of(d, "approve_order"), Outcome::kFailure, "Refused");  // reason "no"
  d.reply_to(command_of(d, "confirm_ticket"), Outcome::kSuccess, "Confirmed");
  ASSERT_EQ(d.instance.phase, Phase::kFailed);
  Decision skipped = d.operate(InputKind::kOperatorSkip);
  EXPECT_EQ(events(skipped.history), (Strings{"operator_skipped_step@4", "completed@-1"}));
  EXPECT_TRUE(d.instance.branches.empty());
}

TEST(DecideGroupTest, SkippedBranchesAreNotSentAndAGroupWithNoneGoesOn) {
  SagaDefinition def = grouped();
  def.steps[kVerify].applies = [](std::string_view) { return false; };
  Driver d(def);
  Decision started = d.start();
  EXPECT_EQ(events(started.history), (Strings{"started@-1", "step_skipped@1", "group_sent@1"}));
  ASSERT_EQ(started.branch_commands.size(), 1u);
  EXPECT_EQ(started.branch_commands[0].envelope.name, "CreateTicket");

  def.steps[kCreateTicket].applies = [](std::string_view) { return false; };
  Driver none(def);
  Decision straight = none.start();
  EXPECT_EQ(events(straight.history), (Strings{"started@-1", "step_skipped@1", "step_skipped@2"}));
  ASSERT_TRUE(straight.command.has_value());
  EXPECT_EQ(straight.command->envelope.name, "AuthorizeCard");
}

TEST(DecideGroupTest, ACommandThatCannotBeBuiltSendsNothingOfTheGroup) {
  SagaDefinition def = grouped();
  def.steps[kCreateTicket].action->make = [](std::string_view) -> Result<CommandMessage> {
    return invalid_argument("no items");
  };
  Driver d(def);
  Decision started = d.start();
  EXPECT_TRUE(started.branch_commands.empty());
  EXPECT_EQ(events(started.history), (Strings{"started@-1", "step_failed@2"}));
  ASSERT_TRUE(started.command.has_value());
  EXPECT_EQ(started.command->envelope.name, "RejectOrder");
  EXPECT_EQ(d.instance.last_reason, "step 'create_ticket': bad_command: no items");
}

TEST(DecideGroupTest, ValidateChecksTheGroupRules) {
  auto error = [](SagaDefinition def) { return validate(def).message(); };
  SagaDefinition lonely = create_order_saga();
  lonely.steps[kVerify].group = "g";
  EXPECT_EQ(error(lonely), "group 'g': a parallel group needs at least two steps");
  SagaDefinition pivot = create_order_saga();
  pivot.steps[kCreateTicket].group = pivot.steps[kAuthorize].group = "g";
  EXPECT_EQ(error(pivot), "group 'g': a pivot never sits in a parallel group ('authorize_card')");
  SagaDefinition mixed = create_order_saga();
  mixed.steps[kAuthorize].kind = StepKind::kRetriable;
  mixed.steps[kAuthorize].retry = fixed_no_jitter(Millis{1}, 2);
  mixed.steps[kCreateTicket].group = mixed.steps[kAuthorize].group = "g";
  mixed.steps[kCreateTicket].compensation.reset();
  EXPECT_EQ(error(mixed), "group 'g': a parallel group is compensatable or retriable as a whole");
  SagaDefinition compensation_only = create_order_saga();
  compensation_only.steps[kReject].group = compensation_only.steps[kVerify].group = "g";
  EXPECT_EQ(error(compensation_only),
            "step 'reject_order': a step in a parallel group needs an action");
  SagaDefinition apart = grouped();
  apart.steps[kApprove].group = "prepare";
  apart.steps[kConfirm].group.clear();
  EXPECT_EQ(error(apart), "group 'prepare': its steps must be consecutive");
  SagaDefinition locked = grouped();
  LockDeclaration lock;
  lock.keys = [](std::string_view) { return std::vector<std::string>{"k"}; };
  locked.steps[kVerify].locks.push_back(lock);
  EXPECT_EQ(error(locked), "step 'verify_consumer': a step in a parallel group declares no locks");
}

TEST(DecideGroupTest, TheFingerprintSeesGroupsAndSequentialOnesStayAsTheyWere) {
  EXPECT_NE(fingerprint(grouped()), fingerprint(create_order_saga()));
  SagaDefinition renamed = grouped();
  renamed.steps[kVerify].group = renamed.steps[kCreateTicket].group = "other";
  EXPECT_NE(fingerprint(renamed), fingerprint(grouped()));
}

TEST(DecideGroupTest, BranchesRoundTripThroughTheirStoredForm) {
  std::vector<Branch> branches = {
      {1, BranchState::kInFlight, 1, 1, Millis{1'010'000}, "saga,;:1/1"},
      {2, BranchState::kRetryDue, 3, 1, Millis{-5}, ""},
      {4, BranchState::kExhausted, 2, 2, Millis{0}, "x"}};
  std::optional<std::vector<Branch>> back = decode_branches(encode_branches(branches));
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(*back, branches);
  EXPECT_EQ(decode_branches(""), std::vector<Branch>{});
  EXPECT_FALSE(decode_branches("1,1,1,1,0,5:ab;").has_value());
  EXPECT_FALSE(decode_branches("1,9,1,1,0,0:;").has_value());
  EXPECT_FALSE(decode_branches("1,1,1").has_value());
  EXPECT_EQ(to_string(BranchState::kRejected), "rejected");
}

}  // namespace
}  // namespace saga
