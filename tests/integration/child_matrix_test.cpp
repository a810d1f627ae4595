// Goal: every combination of a child saga's outcome, its parent's outcome, and what happens at a
// pause on either side of the child's wait (nothing, an orchestrator restart, a cancel of the
// parent, both) ends as the rules of docs/dsl.md section 9 say: the commands sent, in order, and
// both sagas' final phases. Bounded: 3 child outcomes x 2 parent outcomes x 3 pause points x
// {restart, cancel} (38 valid scenarios, one ctest entry each).
// Method: the engine on a real SQLite file (child_engine_fixture.h: the manual engine, the
// in-memory transport, the virtual clock), checked against a model written here from the rules,
// independently of the engine.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "integration/child_engine_fixture.h"

namespace saga {
namespace {

enum class Child { kBookFails, kDispatchFails, kOk };
enum class Pause { kNone, kBook, kApprove };  // kBook: the child's first command is out

struct Scenario {
  Child child;
  bool approve_fails;
  Pause pause;
  bool restart;
  bool cancel;
};

std::string name_of(const Scenario& s) {
  static constexpr const char* kChild[] = {"BookFails", "DispatchFails", "ChildOk"};
  static constexpr const char* kPause[] = {"", "_PauseAtBook", "_PauseAtApprove"};
  return std::string(kChild[static_cast<int>(s.child)]) +
         (s.approve_fails ? "_ApproveFails" : "_ApproveOk") + kPause[static_cast<int>(s.pause)] +
         (s.restart ? "_Restart" : "") + (s.cancel ? "_Cancel" : "");
}

std::vector<Scenario> scenarios() {
  std::vector<Scenario> out;
  for (Child c : {Child::kBookFails, Child::kDispatchFails, Child::kOk}) {
    for (bool approve_fails : {false, true}) {
      out.push_back({c, approve_fails, Pause::kNone, false, false});
      for (Pause p : {Pause::kBook, Pause::kApprove}) {
        if (p == Pause::kApprove && c != Child::kOk) continue;  // the child never ends done
        for (bool restart : {false, true}) {
          for (bool cancel : {false, true}) out.push_back({c, approve_fails, p, restart, cancel});
        }
      }
    }
  }
  return out;
}

// The model. A cancel while the child's first command is out comes before the parent's pivot:
// the parent compensates, and its running child is cancelled and compensates what ran, the
// outstanding step included (docs/dsl.md section 6: its outcome is unknown). A cancel at the
// parent's pivot is refused: both go on as without it. Otherwise a child that compensated
// fails the parent's step; a done child whose parent compensates runs its own compensations
// (newest first; its pivot has none) before the parent's earlier steps'.
struct Expected {
  std::vector<std::string> commands;  // distinct, in the order first sent
  Phase parent;
  Phase child;
};

Expected model(const Scenario& s) {
  const Phase undone = Phase::kCompensated;
  if (s.cancel && s.pause == Pause::kBook) {
    return {{"Reserve", "Book", "CancelBooking", "Release"}, undone, undone};
  }
  switch (s.child) {
    case Child::kBookFails:
      return {{"Reserve", "Book", "Release"}, undone, undone};
    case Child::kDispatchFails:
      return {{"Reserve", "Book", "Dispatch", "CancelBooking", "Release"}, undone, undone};
    case Child::kOk:
      break;
  }
  if (s.approve_fails) {
    return {{"Reserve", "Book", "Dispatch", "Approve", "CancelBooking", "Release"}, undone, undone};
  }
  return {{"Reserve", "Book", "Dispatch", "Approve"}, Phase::kCompleted, Phase::kCompleted};
}

class ChildMatrixTest : public testing::ChildEngineFixture,
                        public ::testing::WithParamInterface<Scenario> {
 protected:
  std::vector<std::string> distinct_sent() const {
    std::vector<std::string> out;
    for (const std::string& n : sent()) {
      if (std::find(out.begin(), out.end(), n) == out.end()) out.push_back(n);
    }
    return out;
  }
};

TEST_P(ChildMatrixTest, EndsAsTheRulesSay) {
  const Scenario s = GetParam();
  const std::string parent = "o-1";
  const std::string child = "o-1/deliver";
  if (s.child == Child::kBookFails) failing.insert("Book");
  if (s.child == Child::kDispatchFails) failing.insert("Dispatch");
  if (s.pause == Pause::kBook) holding.insert("Book");
  if (s.pause == Pause::kApprove) holding.insert("Approve");
  if (s.approve_fails && s.pause != Pause::kApprove) failing.insert("Approve");
  start("order_with_delivery", parent);

  if (s.pause == Pause::kBook) {
    ASSERT_EQ(saga(parent).wait, Wait::kChild);
    ASSERT_EQ(saga(child).step, 0);
  }
  if (s.pause == Pause::kApprove) {
    ASSERT_EQ(saga(child).wait, Wait::kParent);
    ASSERT_EQ(saga(parent).step, 2);
  }
  if (s.restart) open();  // the orchestrator restarts from the file: both are adopted
  if (s.cancel) {
    Status cancelled = engine->cancel(parent, "changed my mind", "test");
    if (s.pause == Pause::kApprove) {
      EXPECT_EQ(cancelled.code(), StatusCode::kFailedPrecondition) << cancelled.to_string();
    } else {
      EXPECT_TRUE(cancelled.is_ok()) << cancelled.to_string();
    }
    pump();
  }
  holding.clear();
  if (s.approve_fails) failing.insert("Approve");
  for (int i = 0; i < 30 && !(is_terminal(saga(parent).phase) && is_terminal(saga(child).phase));
       ++i) {
    clock->advance(Millis{5'000});  // held commands are resent after their deadlines
    pump();
  }

  const Expected expected = model(s);
  EXPECT_EQ(distinct_sent(), expected.commands);
  EXPECT_EQ(saga(parent).phase, expected.parent);
  EXPECT_EQ(saga(child).phase, expected.child);
  EXPECT_EQ(saga(child).parent_id, parent);
  // The parent's data took the child's end exactly when the child did all its steps: it was
  // not refused, nor cancelled before its pivot.
  const bool child_done = s.child == Child::kOk && !(s.cancel && s.pause == Pause::kBook);
  EXPECT_EQ(saga(parent).data.find("delivered(") != std::string::npos, child_done);
}

INSTANTIATE_TEST_SUITE_P(Scenarios, ChildMatrixTest, ::testing::ValuesIn(scenarios()),
                         [](const ::testing::TestParamInfo<Scenario>& info) {
                           return name_of(info.param);
                         });

}  // namespace
}  // namespace saga
