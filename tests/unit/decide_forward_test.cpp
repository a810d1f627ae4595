// Goal: decide drives the FTGO Create Order saga's forward path: exact commands, payloads,
// history and phases on the happy path, on failures before and at the pivot, with
// skipped and local steps and with callbacks that throw.
// Method: a hand-built definition driven input by input (decide_fixture.h; invariants checked on
// every decision).
#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

#include "decide_fixture.h"

namespace saga {
namespace {

using namespace decide_fixture;

// --- the happy path --------------------------------------------------------------------------

TEST(DecideTest, HappyPathSendsEachActionOnceInOrderAndCompletes) {
  Driver d;
  Decision started = d.start();
  EXPECT_EQ(events(started.history), Strings{"started@-1"});  // reject_order: nothing forward
  EXPECT_EQ(d.instance.created_at, kStartTime);
  d.succeed("ConsumerVerified");
  d.succeed("TicketCreated");
  EXPECT_EQ(d.instance.data, "order:99;ticket:TicketCreated");  // on_reply ran
  d.succeed("CardAuthorized");
  d.succeed("TicketConfirmed");
  Decision last = d.succeed("OrderApproved");
  EXPECT_EQ(events(last.history), (Strings{"step_succeeded@5", "completed@-1"}));
  EXPECT_FALSE(last.command.has_value());

  const std::string ticket = "order:99;ticket:TicketCreated";
  EXPECT_EQ(
      sent(d.sent),
      (std::vector<Sent>{
          {"consumer", "ValidateOrderByConsumer", false, id(1), 1, "verify_consumer",
           "order:99;|verify_consumer"},
          {"kitchen", "CreateTicket", false, id(2), 1, "create_ticket", "order:99;|create_ticket"},
          {"accounting", "AuthorizeCard", false, id(3), 1, "authorize_card",
           ticket + "|authorize_card"},
          {"kitchen", "ConfirmCreateTicket", false, id(4), 1, "confirm_ticket",
           ticket + "|confirm_ticket"},
          {"order", "ApproveOrder", false, id(5), 1, "approve_order", ticket + "|approve_order"},
      }));
  for (const OutgoingCommand& c : d.sent) {
    EXPECT_EQ(c.envelope.content_type, ContentType::kJson);
    EXPECT_EQ(c.envelope.trace_id, "trace-7");
    EXPECT_EQ(c.envelope.saga_type, "create_order");
  }
  EXPECT_EQ(events(d.history),
            (Strings{"started@-1", "step_succeeded@1", "step_succeeded@2", "step_succeeded@3",
                     "step_succeeded@4", "step_succeeded@5", "completed@-1"}));
  EXPECT_EQ(d.history[2].reply_name, "TicketCreated");
  EXPECT_EQ(d.instance.phase, Phase::kCompleted);
  EXPECT_EQ(d.instance.step, kStepCount);
  EXPECT_EQ(d.instance.wait, Wait::kNone);
  EXPECT_TRUE(d.instance.last_request_id.empty());
  EXPECT_EQ(d.instance.message_seq, 5u);
  expect_inert(d);
  EXPECT_EQ(d.sent.size(), 5u);
}

TEST(DecideTest, CommandsWaitForTheirReplyUntilTheStepTimeout) {
  Driver d;
  d.start();
  EXPECT_EQ(d.instance.wait, Wait::kReply);
  EXPECT_EQ(d.instance.deadline, kStartTime + kReplyTimeout);
  EXPECT_EQ(d.instance.last_request_id, id(1));
  EXPECT_EQ(d.instance.attempt, 1u);
  EXPECT_EQ(d.instance.delivery, 1u);
  EXPECT_EQ(d.instance.step, kVerify);
}

// --- failures before and at the pivot --------------------------------------------------------

TEST(DecideTest, ConsumerRejectedCompensatesWithRejectOrderOnly) {
  Driver d;
  d.start();
  Decision failed = d.fail("ConsumerVerificationFailed", "consumer_unknown");
  EXPECT_EQ(events(failed.history), Strings{"step_failed@1"});
  EXPECT_EQ(failed.history[0].reason, "consumer_unknown");
  EXPECT_EQ(failed.history[0].reply_name, "ConsumerVerificationFailed");
  EXPECT_EQ(d.instance.phase, Phase::kCompensating);
  EXPECT_EQ(d.instance.last_reason, "step 'verify_consumer': consumer_unknown");
  ASSERT_TRUE(failed.command.has_value());
  EXPECT_EQ(sent(*failed.command), (Sent{"order", "RejectOrder", true, id(2), 1, "reject_order",
                                         "order:99;|reject_order"}));
  Decision done = d.succeed("OrderRejected");
  EXPECT_EQ(events(done.history), (Strings{"compensation_succeeded@0", "compensated@-1"}));
  EXPECT_EQ(done.history[1].reason, "step 'verify_consumer': consumer_unknown");
  EXPECT_EQ(d.instance.phase, Phase::kCompensated);
  ASSERT_EQ(d.sent.size(), 2u);  // CreateTicket was never sent
  for (const OutgoingCommand& c : d.sent) EXPECT_NE(c.envelope.name, "CreateTicket");
  expect_inert(d);
}

TEST(DecideTest, TicketRejectedDoesNotSendItsOwnCompensation) {
  Driver d;
  d.run_to(kCreateTicket);
  Decision failed = d.fail("CreateTicketRejected", "kitchen_closed");
  EXPECT_EQ(events(failed.history), Strings{"step_failed@2"});
  ASSERT_TRUE(failed.command.has_value());
  // The reply handler sees failure replies too; the compensation carries its update.
  EXPECT_EQ(sent(*failed.command), (Sent{"order", "RejectOrder", true, id(3), 1, "reject_order",
                                         "order:99;ticket:CreateTicketRejected|reject_order"}));
  d.succeed("OrderRejected");
  EXPECT_EQ(d.instance.phase, Phase::kCompensated);
  for (const OutgoingCommand& c : d.sent) EXPECT_NE(c.envelope.name, "CancelCreateTicket");
}

TEST(DecideTest, CardDeclinedUndoesTheTicketThenRejectsTheOrder) {
  Driver d;
  d.run_to(kAuthorize);
  Decision declined = d.fail("CardDeclined", "card_declined");
  EXPECT_EQ(events(declined.history), Strings{"step_failed@3"});
  EXPECT_EQ(d.instance.step, kCreateTicket);
  Decision undone = d.succeed("CreateTicketCancelled");
  EXPECT_EQ(events(undone.history), Strings{"compensation_succeeded@2"});
  d.succeed("OrderRejected");
  const std::string data = "order:99;ticket:Ok";
  const std::vector<Sent> all = sent(d.sent);
  ASSERT_EQ(all.size(), 5u);
  EXPECT_EQ(all[3], (Sent{"kitchen", "CancelCreateTicket", true, id(4), 1, "create_ticket",
                          data + "|create_ticket"}));
  EXPECT_EQ(all[4],
            (Sent{"order", "RejectOrder", true, id(5), 1, "reject_order", data + "|reject_order"}));
  EXPECT_EQ(events(d.history),
            (Strings{"started@-1", "step_succeeded@1", "step_succeeded@2", "step_failed@3",
                     "compensation_succeeded@2", "compensation_succeeded@0", "compensated@-1"}));
  EXPECT_EQ(d.instance.phase, Phase::kCompensated);
  EXPECT_EQ(d.instance.last_reason, "step 'authorize_card': card_declined");
}

// --- predicates, local steps, throwing callbacks ---------------------------------------------

TEST(DecideTest, SkippedStepIsNeitherSentNorCompensated) {
  SagaDefinition def = create_order_saga();
  def.steps[kCreateTicket].applies = [](std::string_view data) {
    return data.find("pickup") == std::string_view::npos;
  };
  Driver d(def, "order:99;pickup;");
  d.start();
  Decision verified = d.succeed("ConsumerVerified");
  EXPECT_EQ(events(verified.history), (Strings{"step_succeeded@1", "step_skipped@2"}));
  ASSERT_TRUE(verified.command.has_value());
  EXPECT_EQ(verified.command->envelope.name, "AuthorizeCard");
  EXPECT_EQ(verified.command->envelope.message_id, id(2));
  EXPECT_EQ(d.instance.skipped_mask, std::uint64_t{1} << kCreateTicket);
  d.fail("CardDeclined", "card_declined");
  EXPECT_EQ(d.sent.back().envelope.name, "RejectOrder");
  d.succeed("OrderRejected");
  EXPECT_EQ(d.instance.phase, Phase::kCompensated);
  for (const OutgoingCommand& c : d.sent) {
    EXPECT_NE(c.envelope.name, "CreateTicket");
    EXPECT_NE(c.envelope.name, "CancelCreateTicket");
  }
}

TEST(DecideTest, LocalStepUpdatesTheDataInline) {
  SagaDefinition def = create_order_saga();
  def.steps[kVerify].action.reset();
  def.steps[kVerify].local = [](std::string_view data) {
    return DataUpdate{false, {}, std::string(data) + "verified;"};
  };
  Driver d(def);
  Decision started = d.start();
  EXPECT_EQ(events(started.history), (Strings{"started@-1", "step_succeeded@1"}));
  ASSERT_TRUE(started.command.has_value());
  EXPECT_EQ(sent(*started.command), (Sent{"kitchen", "CreateTicket", false, id(1), 1,
                                          "create_ticket", "order:99;verified;|create_ticket"}));
  EXPECT_EQ(d.instance.data, "order:99;verified;");
}

TEST(DecideTest, FailingLocalStepCompensates) {
  SagaDefinition def = create_order_saga();
  def.steps[kVerify].action.reset();
  def.steps[kVerify].local = [](std::string_view) { return DataUpdate{true, "blocked", {}}; };
  Driver d(def);
  Decision started = d.start();
  EXPECT_EQ(events(started.history), (Strings{"started@-1", "step_failed@1"}));
  EXPECT_EQ(started.history[1].reason, "blocked");
  ASSERT_TRUE(started.command.has_value());
  EXPECT_EQ(started.command->envelope.name, "RejectOrder");
  EXPECT_TRUE(started.command->envelope.compensation);
}

TEST(DecideTest, ThrowingLocalStepIsAStepFailure) {
  SagaDefinition def = create_order_saga();
  def.steps[kVerify].action.reset();
  def.steps[kVerify].local = [](std::string_view) -> DataUpdate {
    throw std::runtime_error("boom");
  };
  Driver d(def);
  Decision started = d.start();
  EXPECT_EQ(events(started.history), (Strings{"started@-1", "step_failed@1"}));
  EXPECT_EQ(started.history[1].reason, "local step threw: boom");
  ASSERT_TRUE(started.command.has_value());
  EXPECT_EQ(started.command->envelope.name, "RejectOrder");
}

TEST(DecideTest, ThrowingCommandBuilderIsAStepFailure) {
  SagaDefinition def = create_order_saga();
  def.steps[kCreateTicket].action->make = [](std::string_view) -> Result<CommandMessage> {
    throw std::runtime_error("boom");
  };
  Driver d(def);
  d.start();
  Decision r = d.succeed("ConsumerVerified");
  EXPECT_EQ(events(r.history), (Strings{"step_succeeded@1", "step_failed@2"}));
  EXPECT_EQ(r.history[1].reason, "bad_command: command builder threw: boom");
  ASSERT_TRUE(r.command.has_value());
  EXPECT_EQ(r.command->envelope.name, "RejectOrder");  // the ticket was never sent
}

TEST(DecideTest, ThrowingCompensationBuilderFailsTheSaga) {
  SagaDefinition def = create_order_saga();
  def.steps[kReject].compensation->make = [](std::string_view) -> Result<CommandMessage> {
    throw std::runtime_error("boom");
  };
  Driver d(def);
  d.start();
  Decision r = d.fail("ConsumerVerificationFailed", "consumer_unknown");
  EXPECT_EQ(events(r.history), (Strings{"step_failed@1", "compensation_exhausted@0"}));
  EXPECT_FALSE(r.command.has_value());
  EXPECT_EQ(d.instance.phase, Phase::kFailed);
  EXPECT_EQ(d.instance.failed_from, Phase::kCompensating);
}

// The ticket exists at the kitchen (it replied success), so undoing the saga must cancel it.
TEST(DecideTest, ThrowingReplyHandlerOnSuccessFailsTheStepAndUndoesIt) {
  SagaDefinition def = create_order_saga();
  def.steps[kCreateTicket].on_reply = [](std::string_view, const ReplyView&) -> DataUpdate {
    throw std::runtime_error("bad body");
  };
  Driver d(def);
  d.run_to(kCreateTicket);
  Decision r = d.succeed("TicketCreated");
  EXPECT_EQ(events(r.history), Strings{"step_failed@2"});
  EXPECT_EQ(r.history[0].reason, "reply handler threw: bad body");
  EXPECT_EQ(d.instance.data, "order:99;");
  ASSERT_TRUE(r.command.has_value());
  EXPECT_EQ(r.command->envelope.name, "CancelCreateTicket");
  d.succeed("CreateTicketCancelled");
  EXPECT_EQ(d.sent.back().envelope.name, "RejectOrder");
}

TEST(DecideTest, ThrowingReplyHandlerOnAFailureReplyKeepsTheReplyReason) {
  SagaDefinition def = create_order_saga();
  def.steps[kCreateTicket].on_reply = [](std::string_view, const ReplyView&) -> DataUpdate {
    throw std::runtime_error("bad body");
  };
  Driver d(def);
  d.run_to(kCreateTicket);
  Decision r = d.fail("CreateTicketRejected", "kitchen_closed");
  EXPECT_EQ(events(r.history), Strings{"step_failed@2"});
  EXPECT_EQ(r.history[0].reason, "kitchen_closed");
  ASSERT_TRUE(r.command.has_value());
  EXPECT_EQ(r.command->envelope.name, "RejectOrder");  // the kitchen said no: nothing to undo
}

TEST(DecideTest, ThrowingPredicateRunsTheStep) {
  SagaDefinition def = create_order_saga();
  def.steps[kCreateTicket].applies = [](std::string_view) -> bool {
    throw std::runtime_error("boom");
  };
  Driver d(def);
  d.run_to(kCreateTicket);
  EXPECT_EQ(d.sent.back().envelope.name, "CreateTicket");
}

// A retriable local step that keeps failing: the operator's retry runs it again, inline.
TEST(DecideTest, OperatorRetryOfAFailedLocalStepRunsItAgain) {
  SagaDefinition def = create_order_saga();
  def.steps[kApprove].action.reset();
  def.steps[kApprove].local = [](std::string_view) -> DataUpdate {
    throw std::runtime_error("order store down");
  };
  Driver d(def);
  d.run_to(kConfirm);
  Decision failed = d.succeed("TicketConfirmed");
  EXPECT_EQ(events(failed.history), (Strings{"step_succeeded@4", "step_exhausted@5"}));
  EXPECT_EQ(d.instance.phase, Phase::kFailed);
  Decision retried = d.operate(InputKind::kOperatorRetry);
  EXPECT_EQ(events(retried.history), (Strings{"operator_retried_step@5", "step_exhausted@5"}));
  EXPECT_EQ(retried.history[1].reason, "local step threw: order store down");
  EXPECT_EQ(d.sent.size(), 4u);  // a local step sends nothing
  EXPECT_FALSE(retried.command.has_value());
  EXPECT_EQ(d.instance.phase, Phase::kFailed);
  Decision skipped = d.operate(InputKind::kOperatorSkip);
  EXPECT_EQ(events(skipped.history), (Strings{"operator_skipped_step@5", "completed@-1"}));
}

}  // namespace
}  // namespace saga
