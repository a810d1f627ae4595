// Goal: the engine runs FTGO Create Order sagas to the right end on a real SQLite file: the four
// outcomes, retries after the pivot, restarts, stale replies, operator actions, the breaker.
// Method: EngineFixture (real database, in-memory transport, scripted idempotent participants,
// virtual clock); assert phases, histories, commands sent and participants' effects.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "saga/testing/engine_fixture.h"

namespace saga {
namespace {

using testing::EngineFixture;

std::vector<Event> events_of(const std::vector<HistoryEntry>& history) {
  std::vector<Event> out;
  for (const HistoryEntry& h : history) out.push_back(h.event);
  return out;
}

std::vector<std::string> commands_for(testing::InMemoryTransport& t, const std::string& saga) {
  std::vector<std::string> out;
  for (const auto& sent : t.sent()) {
    if (sent.command.saga_id == saga) {
      out.push_back(sent.participant + ":" + sent.command.name +
                    (sent.command.compensation ? "(c)" : ""));
    }
  }
  return out;
}

class EngineTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(f.open().is_ok()); }

  std::string start(const std::string& id) {
    StartOptions options;
    options.id = id;
    Result<std::string> started = f.engine().start_saga("create_order", "order-" + id, options);
    EXPECT_TRUE(started.is_ok()) << started.status().to_string();
    return started.is_ok() ? started.value() : "";
  }

  EngineFixture f;
};

TEST_F(EngineTest, HappyPathCompletesAndRunsEveryActionOnce) {
  const std::string id = start("happy");
  SagaInstance end = f.settle(id);
  EXPECT_EQ(end.phase, Phase::kCompleted);
  EXPECT_EQ(end.data, "order-happy+ticket");
  EXPECT_EQ(commands_for(f.transport(), id),
            (std::vector<std::string>{"consumer:ValidateOrderByConsumer", "kitchen:CreateTicket",
                                      "accounting:AuthorizeCard", "kitchen:ConfirmCreateTicket",
                                      "order:ApproveOrder"}));
  for (const char* c : {"ValidateOrderByConsumer", "CreateTicket", "AuthorizeCard",
                        "ConfirmCreateTicket", "ApproveOrder"}) {
    EXPECT_EQ(f.participants().effects(id, c), 1) << c;
  }
  // Payloads are built from the saga data as it was when each command was sent.
  const auto sent = f.transport().sent();
  EXPECT_EQ(sent[0].command.body, "order-happy|verify_consumer");
  EXPECT_EQ(sent[2].command.body, "order-happy+ticket|authorize_card");
  Result<std::vector<HistoryEntry>> history = f.engine().history(id);
  ASSERT_TRUE(history.is_ok());
  EXPECT_EQ(events_of(history.value()),
            (std::vector<Event>{Event::kStarted, Event::kStepSucceeded, Event::kStepSucceeded,
                                Event::kStepSucceeded, Event::kStepSucceeded, Event::kStepSucceeded,
                                Event::kCompleted}));
  EXPECT_EQ(history.value()[2].reply_name, "CreateTicketReply");
}

TEST_F(EngineTest, ConsumerVerificationFailsSoOrderIsRejectedAndNoTicket) {
  f.participants().fail("ValidateOrderByConsumer", "consumer_disabled");
  const std::string id = start("bad-consumer");
  SagaInstance end = f.settle(id);
  EXPECT_EQ(end.phase, Phase::kCompensated);
  EXPECT_EQ(commands_for(f.transport(), id),
            (std::vector<std::string>{"consumer:ValidateOrderByConsumer", "order:RejectOrder(c)"}));
  EXPECT_EQ(f.participants().effects(id, "CreateTicket"), 0);
  EXPECT_EQ(f.participants().effects(id, "RejectOrder"), 1);
  EXPECT_NE(end.last_reason.find("consumer_disabled"), std::string::npos);
}

TEST_F(EngineTest, KitchenRejectsTicketSoOnlyTheOrderIsRejected) {
  f.participants().fail("CreateTicket", "restaurant_closed");
  const std::string id = start("closed");
  SagaInstance end = f.settle(id);
  EXPECT_EQ(end.phase, Phase::kCompensated);
  EXPECT_EQ(commands_for(f.transport(), id),
            (std::vector<std::string>{"consumer:ValidateOrderByConsumer", "kitchen:CreateTicket",
                                      "order:RejectOrder(c)"}));
}

TEST_F(EngineTest, CardDeclinedCancelsTicketThenRejectsOrder) {
  f.participants().fail("AuthorizeCard", "card_declined");
  const std::string id = start("declined");
  SagaInstance end = f.settle(id);
  EXPECT_EQ(end.phase, Phase::kCompensated);
  EXPECT_EQ(commands_for(f.transport(), id),
            (std::vector<std::string>{"consumer:ValidateOrderByConsumer", "kitchen:CreateTicket",
                                      "accounting:AuthorizeCard", "kitchen:CancelCreateTicket(c)",
                                      "order:RejectOrder(c)"}));
  EXPECT_EQ(f.participants().effects(id, "CancelCreateTicket"), 1);
  EXPECT_EQ(f.participants().effects(id, "AuthorizeCard"), 0);
}

TEST_F(EngineTest, FailureAfterPivotIsRetriedNeverCompensated) {
  f.participants().fail("ConfirmCreateTicket", "kitchen_busy", 2);
  const std::string id = start("busy");
  SagaInstance end = f.settle(id);
  EXPECT_EQ(end.phase, Phase::kCompleted);
  EXPECT_EQ(f.participants().deliveries("ConfirmCreateTicket"), 3);
  EXPECT_EQ(f.participants().effects(id, "ConfirmCreateTicket"), 1);
  EXPECT_EQ(f.participants().deliveries("CancelCreateTicket"), 0);
  EXPECT_EQ(f.participants().deliveries("RejectOrder"), 0);
  // Each retry after a failure is a new message: the inbox would replay the failure otherwise.
  std::vector<std::string> ids;
  for (const auto& s : f.transport().sent()) {
    if (s.command.name == "ConfirmCreateTicket") ids.push_back(s.command.message_id);
  }
  ASSERT_EQ(ids.size(), 3u);
  EXPECT_NE(ids[0], ids[1]);
  EXPECT_NE(ids[1], ids[2]);
}

TEST_F(EngineTest, LostReplyIsRecoveredByResendingTheSameMessage) {
  f.participants().lose_replies("CreateTicket", 1);
  const std::string id = start("lost");
  SagaInstance end = f.settle(id);
  EXPECT_EQ(end.phase, Phase::kCompleted);
  std::vector<Envelope> tickets;
  for (const auto& s : f.transport().sent()) {
    if (s.command.name == "CreateTicket") tickets.push_back(s.command);
  }
  ASSERT_EQ(tickets.size(), 2u);
  EXPECT_EQ(tickets[0].message_id, tickets[1].message_id);
  EXPECT_EQ(tickets[1].attempt, 2u);
  EXPECT_EQ(f.participants().effects(id, "CreateTicket"), 1);
  EXPECT_EQ(f.participants().duplicates(), 1);
  EXPECT_GE(f.engine().stats().timeouts, 1u);
}

TEST_F(EngineTest, DuplicateRepliesAreDroppedAndCounted) {
  f.participants().duplicate_replies(true);
  const std::string id = start("dup");
  EXPECT_EQ(f.settle(id).phase, Phase::kCompleted);
  EngineStats stats = f.engine().stats();
  EXPECT_EQ(stats.replies_applied, 5u);
  EXPECT_EQ(stats.stale_replies + stats.unknown_replies, 5u);
}

TEST_F(EngineTest, StartingTheSameIdTwiceIsAnError) {
  const std::string id = start("twice");
  f.settle(id);
  StartOptions options;
  options.id = id;
  Result<std::string> again = f.engine().start_saga("create_order", "x", options);
  ASSERT_FALSE(again.is_ok());
  EXPECT_EQ(again.status().code(), StatusCode::kAlreadyExists);
  Result<std::string> unknown_type = f.engine().start_saga("no_such_saga", "x");
  EXPECT_EQ(unknown_type.status().code(), StatusCode::kNotFound);
}

TEST_F(EngineTest, RestartResendsUnansweredCommandsWithTheirOriginalIds) {
  f.transport().set_paused("kitchen", true);  // CreateTicket goes out and is lost
  const std::string id = start("restart");
  Result<SagaInstance> waiting = f.engine().wait(id, Millis{200});
  ASSERT_EQ(waiting.status().code(), StatusCode::kTimeout);
  f.close();
  const auto before = f.transport().sent();
  ASSERT_EQ(before.back().command.name, "CreateTicket");

  f.transport().set_paused("kitchen", false);
  ASSERT_TRUE(f.open().is_ok());
  SagaInstance end = f.settle(id);
  EXPECT_EQ(end.phase, Phase::kCompleted);
  const auto after = f.transport().sent();
  ASSERT_GT(after.size(), before.size());
  EXPECT_EQ(after[before.size()].command.message_id, before.back().command.message_id);
  EXPECT_EQ(f.participants().effects(id, "CreateTicket"), 1);
}

TEST_F(EngineTest, StaleReplyAfterRestartChangesNothing) {
  f.transport().set_paused("kitchen", true);
  const std::string id = start("stale");
  ASSERT_EQ(f.engine().wait(id, Millis{100}).status().code(), StatusCode::kTimeout);
  f.close();
  ASSERT_TRUE(f.open().is_ok());
  Result<SagaInstance> before = f.engine().get(id);
  ASSERT_TRUE(before.is_ok());
  Envelope stale;
  stale.kind = MessageKind::kReply;
  stale.message_id = "forged";
  stale.saga_id = id;
  stale.correlation_id = id + "/1";  // the consumer's long-answered command
  stale.name = "ValidateOrderByConsumerReply";
  f.transport().inject(stale);
  for (int i = 0; i < 100 && f.engine().stats().stale_replies == 0; ++i) {
    (void)f.engine().wait(id, Millis{5});
  }
  EXPECT_EQ(f.engine().stats().stale_replies, 1u);
  Result<SagaInstance> after = f.engine().get(id);
  ASSERT_TRUE(after.is_ok());
  EXPECT_EQ(after.value(), before.value());
}

TEST_F(EngineTest, CompensationFailingBeyondPolicyFailsAndOperatorRetryFinishesIt) {
  f.participants().fail("AuthorizeCard", "card_declined");
  f.participants().fail("CancelCreateTicket", "kitchen_down", 5);  // the policy allows 5 sends
  const std::string id = start("stuck");
  SagaInstance failed = f.settle(id);
  ASSERT_EQ(failed.phase, Phase::kFailed);
  EXPECT_EQ(failed.failed_from, Phase::kCompensating);
  EXPECT_NE(failed.last_reason.find("kitchen_down"), std::string::npos);
  ASSERT_EQ(f.engine().list(Phase::kFailed).value().size(), 1u);

  EXPECT_EQ(f.engine().compensate(id, "ops: why not").code(), StatusCode::kFailedPrecondition);
  ASSERT_TRUE(f.engine().retry(id, "alice: kitchen is back").is_ok());
  SagaInstance end = f.settle(id);
  EXPECT_EQ(end.phase, Phase::kCompensated);
  EXPECT_EQ(f.participants().effects(id, "CancelCreateTicket"), 1);
  EXPECT_EQ(f.participants().effects(id, "RejectOrder"), 1);
  auto history = f.engine().history(id).value();
  auto op = std::find_if(history.begin(), history.end(), [](const HistoryEntry& h) {
    return h.event == Event::kOperatorRetriedCompensation;
  });
  ASSERT_NE(op, history.end());
  EXPECT_EQ(op->reason, "alice: kitchen is back");
  EXPECT_EQ(f.engine().retry(id, "again").code(), StatusCode::kFailedPrecondition);
}

TEST_F(EngineTest, OperatorSkipMovesAFailedRetriableStepOn) {
  f.participants().fail("ApproveOrder", "order_locked");  // always: the policy runs out
  const std::string id = start("skip");
  SagaInstance failed = f.settle(id);
  ASSERT_EQ(failed.phase, Phase::kFailed);
  EXPECT_EQ(failed.failed_from, Phase::kExecuting);
  ASSERT_TRUE(f.engine().skip(id, "bob: approved by hand").is_ok());
  EXPECT_EQ(f.settle(id).phase, Phase::kCompleted);
  EXPECT_EQ(f.engine().skip("no-such-saga", "x").code(), StatusCode::kNotFound);
}

TEST_F(EngineTest, UnregisteredDefinitionIsReportedAndLeftUntouched) {
  f.transport().set_paused("kitchen", true);
  const std::string id = start("orphan");
  ASSERT_EQ(f.engine().wait(id, Millis{50}).status().code(), StatusCode::kTimeout);
  f.close();
  // A different definition under the same name and version: the fingerprint differs.
  f.definition()->steps[2].action->command_name = "CreateTicketV2";
  ASSERT_TRUE(f.open().is_ok());
  std::vector<SagaInstance> unresolved = f.engine().unresolved();
  ASSERT_EQ(unresolved.size(), 1u);
  EXPECT_EQ(unresolved[0].id, id);
  Result<SagaInstance> stored = f.engine().get(id);
  ASSERT_TRUE(stored.is_ok());
  EXPECT_EQ(stored->phase, Phase::kExecuting);
  EXPECT_EQ(stored->row_version, unresolved[0].row_version);
}

ParticipantState participant_state(Engine& engine, const std::string& name) {
  for (const ParticipantState& p : engine.participants()) {
    if (p.name == name) return p;
  }
  return {};
}

int sends_of(testing::InMemoryTransport& t, const std::string& command) {
  const auto sent = t.sent();
  return static_cast<int>(std::count_if(sent.begin(), sent.end(),
                                        [&](const auto& s) { return s.command.name == command; }));
}

TEST_F(EngineTest, BreakerOpensAfterTimeoutsHoldsCommandsAndClosesOnReply) {
  EngineOptions options;
  options.participant_defaults.breaker_threshold = 2;
  options.participant_defaults.breaker_cooldown = Millis{5'000};
  // Manual mode: this thread runs every iteration, so the virtual clock cannot run ahead of the
  // engine (a loaded machine once let the cool-down pass before the test saw the breaker open).
  options.manual = true;
  ASSERT_TRUE(f.open(options).is_ok());
  f.transport().set_paused("consumer", true);
  const std::string id = start("breaker");
  // Two timeouts (1 s each, plus 100 ms back-off) open the breaker.
  for (int i = 0;
       i < 100 && participant_state(f.engine(), "consumer").breaker != BreakerState::kOpen; ++i) {
    f.clock().advance(Millis{100});
    ASSERT_TRUE(f.engine().run_once(Millis{0}));
  }
  ASSERT_EQ(participant_state(f.engine(), "consumer").breaker, BreakerState::kOpen);
  const int sent_when_opened = sends_of(f.transport(), "ValidateOrderByConsumer");
  EXPECT_EQ(sent_when_opened, 2);

  // While open, the next send waits in the outbox: nothing goes out, no deadline runs.
  for (int i = 0; i < 30; ++i) {
    f.clock().advance(Millis{100});
    ASSERT_TRUE(f.engine().run_once(Millis{0}));
  }
  EXPECT_EQ(sends_of(f.transport(), "ValidateOrderByConsumer"), sent_when_opened);
  EXPECT_EQ(participant_state(f.engine(), "consumer").held, 1u);

  // After the cool-down one probe goes out; its reply closes the breaker.
  f.transport().set_paused("consumer", false);
  for (int i = 0; i < 200 && f.engine().get(id).value().phase == Phase::kExecuting; ++i) {
    f.clock().advance(Millis{100});
    ASSERT_TRUE(f.engine().run_once(Millis{0}));
  }
  EXPECT_EQ(f.engine().get(id).value().phase, Phase::kCompleted);
  EXPECT_EQ(sends_of(f.transport(), "ValidateOrderByConsumer"), sent_when_opened + 1);
  EXPECT_EQ(participant_state(f.engine(), "consumer").breaker, BreakerState::kClosed);
  auto history = f.engine().history(id).value();
  EXPECT_EQ(std::count_if(history.begin(), history.end(),
                          [](const HistoryEntry& h) { return h.event == Event::kStepTimedOut; }),
            2);
}

}  // namespace
}  // namespace saga

namespace saga {
namespace {

// Manual mode: the caller's thread drives the engine one iteration at a time.
TEST(EngineManualModeTest, RunOnceDrivesASagaDeterministically) {
  EngineFixture f;
  EngineOptions options;
  options.manual = true;
  ASSERT_TRUE(f.open(options).is_ok());
  StartOptions start;
  start.id = "manual";
  ASSERT_TRUE(f.engine().start_saga("create_order", "d", start).is_ok());
  // The start committed inline and its first command went out before start_saga returned.
  ASSERT_EQ(f.transport().sent().size(), 1u);
  int iterations = 0;
  while (f.engine().get("manual").value().phase == Phase::kExecuting) {
    ASSERT_TRUE(f.engine().run_once());
    ASSERT_LT(++iterations, 20);
  }
  EXPECT_EQ(iterations, 5);  // one reply per iteration: five steps with actions
  EXPECT_EQ(f.engine().get("manual").value().phase, Phase::kCompleted);
  f.engine().stop();
  EXPECT_FALSE(f.engine().run_once());
  EXPECT_EQ(f.engine().get("manual").status().code(), StatusCode::kUnavailable);
}

}  // namespace
}  // namespace saga
