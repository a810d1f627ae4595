// Goal: decide() asks for locks before the saga and before a step that declares them, waits
// without sending anything, goes on when the engine grants them, and treats a refusal as a
// business failure of that step (retried like one on a retriable step).
// Method: decide() alone on hand-built definitions whose data is the lock key suffix.
#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <vector>

#include "saga/decide.h"

namespace saga {
namespace {

CommandAction action(const std::string& name) {
  CommandAction a;
  a.participant = "p";
  a.command_name = name;
  a.make = [name](std::string_view) -> Result<CommandMessage> {
    return CommandMessage{name, ContentType::kJson, "{}"};
  };
  return a;
}

LockDeclaration lock(std::vector<std::string> suffixes, LockMode mode = LockMode::kWait) {
  LockDeclaration l;
  l.keys = [suffixes](std::string_view data) {
    std::vector<std::string> keys;
    for (const std::string& s : suffixes) keys.push_back(s.empty() ? "" : s + std::string(data));
    return keys;
  };
  l.mode = [mode](std::string_view) { return mode; };
  return l;
}

// first (compensatable, undo) -> last (retriable).
SagaDefinition definition() {
  SagaDefinition d;
  d.name = "locked";
  StepDefinition first;
  first.name = "first";
  first.action = action("First");
  first.compensation = action("UndoFirst");
  StepDefinition last;
  last.name = "last";
  last.kind = StepKind::kRetriable;
  last.action = action("Last");
  last.retry = RetryPolicy::fixed(Millis{100}, 0);
  last.retry.jitter = Jitter::kNone;
  d.steps = {first, last};
  return d;
}

SagaInstance fresh() {
  SagaInstance s;
  s.id = "s";
  s.type = "locked";
  s.version = 1;
  s.data = "7";
  return s;
}

Input input(InputKind kind, Millis now, std::string reason = {}) {
  Input in;
  in.kind = kind;
  in.now = now;
  in.reason = std::move(reason);
  return in;
}

std::vector<Event> events_of(const Decision& d) {
  std::vector<Event> out;
  for (const HistoryEntry& h : d.history) out.push_back(h.event);
  return out;
}

Decision run(const SagaDefinition& def, const SagaInstance& s, const Input& in) {
  Result<Decision> d = decide(def, s, in);
  EXPECT_TRUE(d.is_ok()) << d.status().to_string();
  return d.is_ok() ? std::move(d).value() : Decision{};
}

TEST(DecideLockTest, SagaLocksAreRequestedBeforeTheFirstStepAndGrantedLocksLetItRun) {
  SagaDefinition def = definition();
  def.locks.push_back(lock({"order:", "", "order:", "consumer:"}));  // empty and duplicate dropped
  Decision started = run(def, fresh(), input(InputKind::kStart, Millis{1}));
  EXPECT_EQ(events_of(started), (std::vector<Event>{Event::kStarted}));
  EXPECT_FALSE(started.command.has_value());
  ASSERT_TRUE(started.lock_request.has_value());
  EXPECT_EQ(started.lock_request->step, -1);
  ASSERT_EQ(started.lock_request->claims.size(), 2u);
  EXPECT_EQ(started.lock_request->claims[0].key, "order:7");
  EXPECT_EQ(started.lock_request->claims[1].key, "consumer:7");
  EXPECT_EQ(started.lock_request->claims[0].release_after, -1);
  EXPECT_EQ(started.next.wait, Wait::kLock);
  EXPECT_EQ(started.next.step, -1);

  Decision waiting = run(def, started.next, input(InputKind::kLockWaiting, Millis{2}, "held"));
  EXPECT_EQ(events_of(waiting), (std::vector<Event>{Event::kLockWaiting}));
  EXPECT_EQ(waiting.history[0].reason, "held");
  EXPECT_FALSE(waiting.command.has_value());
  EXPECT_FALSE(waiting.lock_request.has_value());
  EXPECT_EQ(waiting.next.wait, Wait::kLock);

  Decision granted =
      run(def, waiting.next, input(InputKind::kLockGranted, Millis{3}, "order:7 consumer:7"));
  EXPECT_EQ(events_of(granted), (std::vector<Event>{Event::kLockAcquired}));
  ASSERT_TRUE(granted.command.has_value());
  EXPECT_EQ(granted.command->envelope.name, "First");
  EXPECT_EQ(granted.next.locks_through, -1);
  EXPECT_EQ(granted.next.wait, Wait::kReply);
}

TEST(DecideLockTest, ARefusedSagaLockCompensatesNothingAndEndsCompensated) {
  SagaDefinition def = definition();
  def.locks.push_back(lock({"order:"}, LockMode::kFailFast));
  Decision started = run(def, fresh(), input(InputKind::kStart, Millis{1}));
  EXPECT_EQ(started.lock_request->claims[0].mode, LockMode::kFailFast);
  Decision refused =
      run(def, started.next, input(InputKind::kLockRefused, Millis{2}, "lock_held: order:7"));
  EXPECT_EQ(events_of(refused), (std::vector<Event>{Event::kStepFailed, Event::kCompensated}));
  EXPECT_EQ(refused.next.phase, Phase::kCompensated);
  EXPECT_EQ(refused.next.last_reason, "saga locks: lock_held: order:7");
  EXPECT_FALSE(refused.command.has_value());
}

TEST(DecideLockTest, ARefusedLockOnARetriableStepIsRetriedAndAskedForAgain) {
  SagaDefinition def = definition();
  def.steps[1].locks.push_back(lock({"ticket:"}, LockMode::kFailFast));
  Decision started = run(def, fresh(), input(InputKind::kStart, Millis{1}));
  ASSERT_TRUE(started.command.has_value());  // no saga locks: first runs at once
  Envelope reply;
  reply.kind = MessageKind::kReply;
  reply.correlation_id = started.next.last_request_id;
  reply.saga_id = "s";
  reply.name = "Done";
  Input replied = input(InputKind::kReply, Millis{2});
  replied.reply = &reply;
  Decision after_first = run(def, started.next, replied);
  EXPECT_EQ(events_of(after_first), (std::vector<Event>{Event::kStepSucceeded}));
  ASSERT_TRUE(after_first.lock_request.has_value());
  EXPECT_EQ(after_first.lock_request->step, 1);
  EXPECT_FALSE(after_first.command.has_value());

  Decision refused = run(def, after_first.next, input(InputKind::kLockRefused, Millis{3}, "busy"));
  EXPECT_EQ(events_of(refused), (std::vector<Event>{Event::kStepRetryScheduled}));
  EXPECT_EQ(refused.next.wait, Wait::kRetry);
  EXPECT_EQ(refused.next.deadline, Millis{103});

  Decision retried = run(def, refused.next, input(InputKind::kRetryDue, Millis{103}));
  EXPECT_EQ(events_of(retried), (std::vector<Event>{Event::kStepRetried}));
  ASSERT_TRUE(retried.lock_request.has_value());  // the locks again, not the command
  EXPECT_FALSE(retried.command.has_value());
  Decision granted = run(def, retried.next, input(InputKind::kLockGranted, Millis{104}));
  ASSERT_TRUE(granted.command.has_value());
  EXPECT_EQ(granted.command->envelope.name, "Last");
  EXPECT_EQ(granted.next.locks_through, 1);
}

TEST(DecideLockTest, KeysThatThrowFailTheStepAndKNoneTakesNothing) {
  SagaDefinition def = definition();
  LockDeclaration bad;
  bad.keys = [](std::string_view) -> std::vector<std::string> {
    throw std::runtime_error("no key");
  };
  def.locks.push_back(bad);
  Decision started = run(def, fresh(), input(InputKind::kStart, Millis{1}));
  EXPECT_EQ(started.next.phase, Phase::kCompensated);
  EXPECT_EQ(started.next.last_reason, "saga locks: lock keys threw: no key");

  SagaDefinition none = definition();
  none.locks.push_back(lock({"order:"}, LockMode::kNone));
  Decision free = run(none, fresh(), input(InputKind::kStart, Millis{1}));
  EXPECT_FALSE(free.lock_request.has_value());
  ASSERT_TRUE(free.command.has_value());
  EXPECT_EQ(free.next.locks_through, -1);
}

TEST(DecideLockTest, LockAnswersForASagaThatIsNotWaitingAreIgnored) {
  SagaDefinition def = definition();
  Decision started = run(def, fresh(), input(InputKind::kStart, Millis{1}));
  Result<Decision> late = decide(def, started.next, input(InputKind::kLockGranted, Millis{2}));
  ASSERT_TRUE(late.is_ok());
  EXPECT_FALSE(late->applied);
}

TEST(DecideLockTest, AnOperatorReleaseIsRecordedInAnyRunningPhase) {
  SagaDefinition def = definition();
  SagaInstance failed = fresh();
  failed.phase = Phase::kFailed;
  failed.step = 1;
  Decision d = run(def, failed, input(InputKind::kOperatorReleasedLock, Millis{5}, "ops: stuck"));
  EXPECT_EQ(events_of(d), (std::vector<Event>{Event::kOperatorReleasedLock}));
  EXPECT_EQ(d.history[0].reason, "ops: stuck");
  EXPECT_EQ(d.next.phase, Phase::kFailed);
  SagaInstance done = fresh();
  done.phase = Phase::kCompleted;
  EXPECT_FALSE(decide(def, done, input(InputKind::kOperatorReleasedLock, Millis{5})).is_ok());
}

}  // namespace
}  // namespace saga
