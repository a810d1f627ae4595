// Goal: the harness drives saga control like the engine (start options, cancel, saga deadline
// as a timer) and its recorded histories replay through decide() identically.
// Method: SagaHarness over the hand-built FTGO definition (steps 0 reject_order ... 3
// authorize_card = pivot ... 5 approve_order); record_history + replays_identically.
#include <gtest/gtest.h>

#include "saga/testing/ftgo_definition.h"
#include "saga/testing/harness.h"
#include "saga/testing/history_replay.h"

namespace saga {
namespace {

using testing::HarnessOptions;
using testing::SagaHarness;

TEST(ControlReplayTest, ACancelBeforeThePivotReplays) {
  SagaHarness h(testing::ftgo_definition());
  h.start("order-1");
  h.reply_success();  // verify_consumer
  EXPECT_TRUE(h.cancel("alice: changed her mind").is_ok());
  EXPECT_EQ(h.instance().last_reason, "cancelled: alice: changed her mind");
  while (h.instance().phase == Phase::kCompensating) h.reply_success();
  EXPECT_TRUE(h.expect_phase(Phase::kCompensated));
  EXPECT_TRUE(testing::replays_identically(*testing::ftgo_definition(), record_history(h)));
}

TEST(ControlReplayTest, ACancelAfterThePivotIsRefusedAndChangesNothing) {
  SagaHarness h(testing::ftgo_definition());
  h.start("order-1");
  for (int i = 0; i < 3; ++i) h.reply_success();  // up to confirm_ticket
  const SagaInstance before = h.instance();
  EXPECT_EQ(h.cancel("alice: too late").code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(h.instance(), before);
  EXPECT_TRUE(h.errors().empty());
}

TEST(ControlReplayTest, AScheduledStartAndASagaDeadlineFireAsTimersAndReplay) {
  HarnessOptions options;
  options.not_before = options.start_time + Millis{60'000};
  options.deadline = options.start_time + Millis{61'000};
  SagaHarness h(testing::ftgo_definition(), options);
  h.start("order-1");
  EXPECT_TRUE(h.expect_phase(Phase::kScheduled));
  EXPECT_TRUE(h.expect_no_command());
  EXPECT_EQ(h.advance(Millis{60'000}), 1);  // the scheduled start
  EXPECT_TRUE(h.expect_phase(Phase::kExecuting));
  EXPECT_TRUE(h.expect_command("consumer", "ValidateOrderByConsumer"));
  h.reply_success();
  EXPECT_EQ(h.advance(Millis{1'000}), 1);  // the saga deadline, create_ticket still out
  bool passed = false;
  for (const HistoryEntry& e : h.history())
    passed = passed || e.event == Event::kSagaDeadlinePassed;
  EXPECT_TRUE(passed);
  EXPECT_TRUE(h.expect_phase(Phase::kCompensating));
  EXPECT_EQ(h.instance().failure_cause, FailureCause::kSagaDeadline);
  while (h.instance().phase == Phase::kCompensating) h.reply_success();
  EXPECT_TRUE(h.expect_phase(Phase::kCompensated));
  EXPECT_TRUE(testing::replays_identically(*testing::ftgo_definition(), record_history(h)));
}

TEST(ControlReplayTest, ASagaDeadlineAfterThePivotReplays) {
  HarnessOptions options;
  options.deadline = options.start_time + Millis{100};
  SagaHarness h(testing::ftgo_definition(), options);
  h.start("order-1");
  for (int i = 0; i < 3; ++i) h.reply_success();  // up to confirm_ticket
  EXPECT_EQ(h.advance(Millis{100}), 1);
  EXPECT_EQ(h.history().back().event, Event::kSagaDeadlinePassedAfterPivot);
  h.reply_success();
  h.reply_success();
  EXPECT_TRUE(h.expect_phase(Phase::kCompleted));
  EXPECT_TRUE(testing::replays_identically(*testing::ftgo_definition(), record_history(h)));
}

}  // namespace
}  // namespace saga
