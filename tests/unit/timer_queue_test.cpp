// Goal: the engine's timer queue fires due timers earliest first, within a budget that only
// current timers spend, and tells the loop how long it may wait.
// Method: TimerQueue alone, with hand-built instances; no engine, no clock.
#include "runtime/timer_queue.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace saga {
namespace {

SagaInstance waiting(const std::string& id, Wait wait, Millis at) {
  SagaInstance s;
  s.id = id;
  s.wait = wait;
  s.deadline = at;
  return s;
}

TEST(TimerQueueTest, ArmsOnlyInstancesThatWait) {
  TimerQueue timers;
  timers.arm(waiting("a", Wait::kNone, Millis{5}));
  EXPECT_EQ(timers.size(), 0u);
  timers.arm(waiting("b", Wait::kReply, Millis{5}));
  timers.arm(waiting("c", Wait::kRetry, Millis{7}));
  EXPECT_EQ(timers.size(), 2u);
}

TEST(TimerQueueTest, WaitBeforeNextIsClampedBetweenZeroAndTheMaximum) {
  TimerQueue timers;
  EXPECT_EQ(timers.wait_before_next(Millis{100}, Millis{50}), Millis{50});  // no timer
  timers.arm(waiting("a", Wait::kReply, Millis{120}));
  EXPECT_EQ(timers.wait_before_next(Millis{100}, Millis{50}), Millis{20});
  EXPECT_EQ(timers.wait_before_next(Millis{100}, Millis{10}), Millis{10});
  EXPECT_EQ(timers.wait_before_next(Millis{130}, Millis{50}), Millis{0});  // overdue
}

TEST(TimerQueueTest, FiresDueTimersEarliestFirstAndKeepsTheRest) {
  TimerQueue timers;
  timers.arm(waiting("late", Wait::kReply, Millis{30}));
  timers.arm(waiting("first", Wait::kReply, Millis{10}));
  timers.arm(waiting("second", Wait::kRetry, Millis{20}));
  std::vector<std::string> fired;
  timers.fire_due(Millis{25}, 10, [&](const std::string& id, Millis) {
    fired.push_back(id);
    return true;
  });
  EXPECT_EQ(fired, (std::vector<std::string>{"first", "second"}));
  EXPECT_EQ(timers.size(), 1u);
}

TEST(TimerQueueTest, StaleTimersCostNoBudget) {
  TimerQueue timers;
  for (int i = 0; i < 4; ++i) timers.arm(waiting("s" + std::to_string(i), Wait::kReply, Millis{i}));
  std::vector<std::string> seen;
  // s0 and s2 are stale; a budget of 2 fires s1 and s3 and sees all four.
  timers.fire_due(Millis{10}, 2, [&](const std::string& id, Millis) {
    seen.push_back(id);
    return id == "s1" || id == "s3";
  });
  EXPECT_EQ(seen, (std::vector<std::string>{"s0", "s1", "s2", "s3"}));
  EXPECT_EQ(timers.size(), 0u);
}

TEST(TimerQueueTest, BudgetStopsCollection) {
  TimerQueue timers;
  for (int i = 0; i < 3; ++i) timers.arm(waiting("s" + std::to_string(i), Wait::kReply, Millis{i}));
  int fired = 0;
  timers.fire_due(Millis{10}, 2, [&](const std::string&, Millis) { return ++fired > 0; });
  EXPECT_EQ(fired, 2);
  EXPECT_EQ(timers.size(), 1u);
  timers.fire_due(Millis{10}, 0, [&](const std::string&, Millis) { return ++fired > 0; });
  EXPECT_EQ(fired, 2);
}

TEST(TimerQueueTest, ATimerIsCurrentOnlyForTheMomentItsInstanceWaitsFor) {
  const SagaInstance s = waiting("a", Wait::kReply, Millis{10});
  EXPECT_TRUE(timer_current(&s, Millis{10}));
  EXPECT_FALSE(timer_current(&s, Millis{9}));  // re-armed since
  EXPECT_FALSE(timer_current(nullptr, Millis{10}));
  const SagaInstance done = waiting("b", Wait::kNone, Millis{10});
  EXPECT_FALSE(timer_current(&done, Millis{10}));
  EXPECT_EQ(timer_input(Wait::kReply), InputKind::kDeadline);
  EXPECT_EQ(timer_input(Wait::kRetry), InputKind::kRetryDue);
}

}  // namespace
}  // namespace saga
