// Goal: (1) the reply deadline has one rule, reply_deadline(), and decide and the engine's
// send-time recomputation agree; (2) each way a saga fails or compensates sets the matching
// FailureCause next to last_reason, and the operator retry reads the cause, not the text: a
// participant whose failure reason happens to be "timeout" gets a new message, a real timeout
// the same message again.
// Method: decide() alone on a one-step definition (pivot or retriable), time by hand.
#include <gtest/gtest.h>

#include <string>

#include "saga/decide.h"

namespace saga {
namespace {

SagaDefinition one_step(StepKind kind) {
  SagaDefinition d;
  d.name = "one";
  StepDefinition st;
  st.name = "charge";
  st.kind = kind;
  st.action.emplace();
  st.action->participant = "p";
  st.action->command_name = "Charge";
  st.action->make = [](std::string_view) -> Result<CommandMessage> {
    return CommandMessage{"Charge", ContentType::kJson, "{}"};
  };
  st.reply_timeout = Millis{2'500};
  st.retry = RetryPolicy::cancel();
  d.steps = {st};
  return d;
}

Input input(InputKind kind, Millis now) {
  Input in;
  in.kind = kind;
  in.now = now;
  in.reason = "ops: why";
  return in;
}

Decision run(const SagaDefinition& def, const SagaInstance& s, const Input& in) {
  Result<Decision> d = decide(def, s, in);
  EXPECT_TRUE(d.is_ok()) << d.status().to_string();
  return d.is_ok() ? std::move(d).value() : Decision{};
}

SagaInstance started(const SagaDefinition& def) {
  SagaInstance s;
  s.id = "s";
  s.type = def.name;
  s.version = def.version;
  return run(def, s, input(InputKind::kStart, Millis{1'000})).next;
}

Decision failure_reply(const SagaDefinition& def, const SagaInstance& s, std::string reason) {
  Envelope reply;
  reply.kind = MessageKind::kReply;
  reply.saga_id = s.id;
  reply.correlation_id = s.last_request_id;
  reply.name = "ChargeFailed";
  reply.outcome = Outcome::kFailure;
  reply.reason = std::move(reason);
  Input in = input(InputKind::kReply, Millis{1'100});
  in.reply = &reply;
  return run(def, s, in);
}

TEST(ReplyDeadlineTest, DecideAndTheEnginesRecomputationAgree) {
  const SagaDefinition def = one_step(StepKind::kPivot);
  Result<Decision> d = decide(
      def,
      [&] {
        SagaInstance s;
        s.id = "s";
        s.type = def.name;
        s.version = def.version;
        return s;
      }(),
      input(InputKind::kStart, Millis{1'000}));
  ASSERT_TRUE(d.is_ok());
  ASSERT_TRUE(d->command.has_value());
  // decide arms the deadline from the decision's time...
  EXPECT_EQ(d->next.deadline, Millis{3'500});
  EXPECT_EQ(d->next.deadline, reply_deadline(&def.steps[0], Millis{1'000}));
  // ...and the engine, finding the step by the envelope's name, gets the same at the same time.
  const StepDefinition* found = def.find_step(d->command->envelope.step);
  ASSERT_EQ(found, &def.steps[0]);
  EXPECT_EQ(reply_deadline(found, Millis{1'000}), d->next.deadline);
  // A step the engine cannot find gets StepDefinition's default.
  EXPECT_EQ(reply_deadline(nullptr, Millis{1'000}), Millis{1'000} + StepDefinition{}.reply_timeout);
}

TEST(FailureCauseTest, ATimedOutPivotFailsWithTimeoutAndRetryResendsTheSameMessage) {
  const SagaDefinition def = one_step(StepKind::kPivot);
  const SagaInstance s = started(def);
  EXPECT_EQ(s.failure_cause, FailureCause::kNone);
  const std::string sent = s.last_request_id;
  Decision failed = run(def, s, input(InputKind::kDeadline, Millis{3'500}));
  ASSERT_EQ(failed.next.phase, Phase::kFailed);
  EXPECT_EQ(failed.next.failure_cause, FailureCause::kTimeout);
  EXPECT_EQ(failed.next.last_reason, "timeout");
  Decision retried = run(def, failed.next, input(InputKind::kOperatorRetry, Millis{4'000}));
  ASSERT_TRUE(retried.command.has_value());
  EXPECT_EQ(retried.command->envelope.message_id, sent);
}

TEST(FailureCauseTest, AFailureReplyWhoseReasonReadsTimeoutIsNotATimeout) {
  const SagaDefinition def = one_step(StepKind::kRetriable);
  const SagaInstance s = started(def);
  const std::string sent = s.last_request_id;
  Decision failed = failure_reply(def, s, "timeout");
  ASSERT_EQ(failed.next.phase, Phase::kFailed);
  EXPECT_EQ(failed.next.last_reason, "timeout");  // the participant's words, kept for people
  EXPECT_EQ(failed.next.failure_cause, FailureCause::kBusinessFailure);
  Decision retried = run(def, failed.next, input(InputKind::kOperatorRetry, Millis{4'000}));
  ASSERT_TRUE(retried.command.has_value());
  EXPECT_NE(retried.command->envelope.message_id, sent);  // a new message
}

TEST(FailureCauseTest, ACompensatableStepFailureAndAnOperatorCompensationSayWhy) {
  SagaDefinition def = one_step(StepKind::kCompensatable);
  def.steps[0].compensation = def.steps[0].action;  // its own command: enough here
  Decision failed = failure_reply(def, started(def), "card_declined");
  EXPECT_EQ(failed.next.failure_cause, FailureCause::kBusinessFailure);
  EXPECT_EQ(failed.next.last_reason, "step 'charge': card_declined");

  const SagaDefinition pivot = one_step(StepKind::kPivot);
  Decision down = run(pivot, started(pivot), input(InputKind::kDeadline, Millis{3'500}));
  Decision compensated =
      run(pivot, down.next, input(InputKind::kOperatorCompensate, Millis{4'000}));
  EXPECT_EQ(compensated.next.failure_cause, FailureCause::kOperator);
  EXPECT_EQ(compensated.next.last_reason, "operator: ops: why");
}

TEST(FailureCauseTest, ACommandThatCannotBeBuiltSaysSo) {
  SagaDefinition def = one_step(StepKind::kRetriable);
  def.steps[0].action->make = [](std::string_view) -> Result<CommandMessage> {
    return invalid_argument("no amount");
  };
  const SagaInstance s = started(def);
  ASSERT_EQ(s.phase, Phase::kFailed);
  EXPECT_EQ(s.failure_cause, FailureCause::kCommandBuildFailed);
}

TEST(FailureCauseTest, AFailingLocalStepSaysSo) {
  SagaDefinition def = one_step(StepKind::kCompensatable);
  def.steps[0].action.reset();
  def.steps[0].local = [](std::string_view) { return DataUpdate{true, "bad data", {}}; };
  const SagaInstance s = started(def);
  EXPECT_EQ(s.failure_cause, FailureCause::kLocalStepFailed);
  EXPECT_EQ(s.last_reason, "step 'charge': bad data");
}

TEST(FailureCauseTest, LockRefusalsCarryTheEnginesCause) {
  SagaDefinition def = one_step(StepKind::kCompensatable);
  LockDeclaration lock;
  lock.keys = [](std::string_view) { return std::vector<std::string>{"k"}; };
  def.locks = {lock};
  const SagaInstance waiting = started(def);
  ASSERT_EQ(waiting.wait, Wait::kLock);
  Input refused = input(InputKind::kLockRefused, Millis{1'001});
  refused.reason = "deadlock: s -> t -> s";
  refused.cause = FailureCause::kDeadlock;
  EXPECT_EQ(run(def, waiting, refused).next.failure_cause, FailureCause::kDeadlock);
  refused.cause = FailureCause::kNone;  // a caller that does not say: a refusal
  refused.reason = "lock_held: k";
  Decision d = run(def, waiting, refused);
  EXPECT_EQ(d.next.failure_cause, FailureCause::kLockRefused);
  EXPECT_EQ(d.next.last_reason, "saga locks: lock_held: k");
}

TEST(FailureCauseTest, NamesAreStable) {
  EXPECT_EQ(to_string(FailureCause::kNone), "none");
  EXPECT_EQ(to_string(FailureCause::kTimeout), "timeout");
  EXPECT_EQ(to_string(FailureCause::kDeadlock), "deadlock");
  EXPECT_EQ(to_string(static_cast<FailureCause>(200)), "unknown");
}

}  // namespace
}  // namespace saga
