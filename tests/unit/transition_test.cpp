// Goal: the transition table is exactly what next_phase answers, and nothing else is allowed.
// Method: replay every row, then sweep all 7 phases x every event against the table.
#include <gtest/gtest.h>

#include <set>
#include <string>

#include "saga/phase.h"

namespace saga {
namespace {

constexpr Phase kAllPhases[] = {Phase::kNotStarted, Phase::kExecuting,   Phase::kCompensating,
                                Phase::kCompleted,  Phase::kCompensated, Phase::kFailed,
                                Phase::kScheduled};

Event event_number(int e) { return static_cast<Event>(e); }

bool in_table(Phase source, Event event) {
  for (const Transition& t : kTransitions) {
    if (t.source == source && t.event == event) return true;
  }
  return false;
}

// next_phase is constexpr: the table can be queried at compile time.
static_assert(next_phase(Phase::kNotStarted, Event::kStarted) == Phase::kExecuting);
static_assert(!next_phase(Phase::kCompleted, Event::kStarted).has_value());

TEST(TransitionTest, EveryRowIsReturnedByNextPhase) {
  for (const Transition& t : kTransitions) {
    SCOPED_TRACE(std::string(to_string(t.source)) + " + " + std::string(to_string(t.event)));
    std::optional<Phase> target = next_phase(t.source, t.event);
    ASSERT_TRUE(target.has_value());
    EXPECT_EQ(*target, t.target);
  }
}

TEST(TransitionTest, NoRowLeavesATerminalPhase) {
  for (const Transition& t : kTransitions) {
    EXPECT_FALSE(is_terminal(t.source)) << to_string(t.source) << " + " << to_string(t.event);
  }
  for (int e = 1; e <= kEventCount; ++e) {
    EXPECT_FALSE(next_phase(Phase::kCompleted, event_number(e)).has_value()) << e;
    EXPECT_FALSE(next_phase(Phase::kCompensated, event_number(e)).has_value()) << e;
  }
}

TEST(TransitionTest, OnlyCompletedAndCompensatedAreTerminal) {
  for (Phase p : kAllPhases) {
    EXPECT_EQ(is_terminal(p), p == Phase::kCompleted || p == Phase::kCompensated) << to_string(p);
  }
}

TEST(TransitionTest, PairsOutsideTheTableHaveNoTarget) {
  int allowed = 0;
  for (Phase p : kAllPhases) {
    for (int e = 1; e <= kEventCount; ++e) {
      const Event event = event_number(e);
      SCOPED_TRACE(std::string(to_string(p)) + " + " + std::string(to_string(event)));
      std::optional<Phase> target = next_phase(p, event);
      EXPECT_EQ(target.has_value(), in_table(p, event));
      if (target) ++allowed;
    }
  }
  // One row per allowed (phase, event) pair, and nothing else.
  EXPECT_EQ(allowed, static_cast<int>(kTransitions.size()));
}

TEST(TransitionTest, EveryEventHasARowAndSharedEventsKeepThePhase) {
  for (int e = 1; e <= kEventCount; ++e) {
    int rows = 0;
    for (const Transition& t : kTransitions) {
      if (t.event != event_number(e)) continue;
      ++rows;
      if (t.event == Event::kOperatorReleasedLock || is_informational(t.event)) {
        EXPECT_EQ(t.source, t.target);
      }
    }
    EXPECT_GE(rows, 1) << to_string(event_number(e));
    if (event_number(e) != Event::kOperatorReleasedLock && !is_informational(event_number(e))) {
      EXPECT_EQ(rows, 1) << e;
    }
  }
  // A lock is released by an operator from any running phase, and the phase stays.
  EXPECT_EQ(next_phase(Phase::kFailed, Event::kOperatorReleasedLock), Phase::kFailed);
  EXPECT_EQ(next_phase(Phase::kCompensating, Event::kOperatorReleasedLock), Phase::kCompensating);
  EXPECT_FALSE(next_phase(Phase::kCompensating, Event::kLockWaiting).has_value());
  // A command held by (or released from) its participant's gate annotates a saga that sends.
  for (Event e : {Event::kCommandHeld, Event::kCommandReleased}) {
    EXPECT_EQ(next_phase(Phase::kExecuting, e), Phase::kExecuting);
    EXPECT_EQ(next_phase(Phase::kCompensating, e), Phase::kCompensating);
    EXPECT_FALSE(next_phase(Phase::kFailed, e).has_value());
  }
}

TEST(TransitionTest, NothingLeadsBackToNotStarted) {
  for (const Transition& t : kTransitions) {
    EXPECT_NE(t.target, Phase::kNotStarted) << to_string(t.event);
  }
}

TEST(TransitionTest, PhaseNamesAreDistinctAndKnown) {
  std::set<std::string> names;
  for (Phase p : kAllPhases) {
    const std::string name(to_string(p));
    EXPECT_NE(name, "unknown");
    EXPECT_FALSE(name.empty());
    EXPECT_TRUE(names.insert(name).second) << "duplicate " << name;
  }
  EXPECT_EQ(names.size(), 7u);
  EXPECT_EQ(to_string(static_cast<Phase>(99)), "unknown");
}

TEST(TransitionTest, EventNamesAreDistinctAndKnown) {
  std::set<std::string> names;
  for (int e = 1; e <= kEventCount; ++e) {
    const std::string name(to_string(event_number(e)));
    EXPECT_NE(name, "unknown") << e;
    EXPECT_FALSE(name.empty()) << e;
    EXPECT_TRUE(names.insert(name).second) << "duplicate " << name;
  }
  EXPECT_EQ(names.size(), static_cast<std::size_t>(kEventCount));
  EXPECT_EQ(to_string(static_cast<Event>(0)), "unknown");
  EXPECT_EQ(to_string(static_cast<Event>(kEventCount + 1)), "unknown");
}

}  // namespace
}  // namespace saga
