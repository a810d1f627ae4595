// Goal: child sagas in the engine: the child is created in the parent's commit (with its
// parent's id, visible through get() and the history), each side's end reaches the other in the
// commit that ends it, a parent that compensates after its child's steps were done has the
// child run its own compensations, a crash (engine dropped, reopened on the file) in the middle
// loses nothing on either side, a cancel reaches a running child, and nesting deeper than
// kMaxChildDepth is refused when the definitions are registered.
// Method: a manual engine on a real SQLite file, the in-memory transport with participants that
// answer at once (some with failures, some paused), the virtual clock, and the sagas of
// tests/unit/delivery_sagas.h.
#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "integration/child_engine_fixture.h"
#include "saga/testing/history_replay.h"

namespace saga {
namespace {

class EngineChildTest : public testing::ChildEngineFixture {};

TEST_F(EngineChildTest, TheChildRunsInsideItsParentsStepAndBothComplete) {
  start("order_with_delivery", "o-1");
  const SagaInstance parent = saga("o-1");
  const SagaInstance child = saga("o-1/deliver");
  EXPECT_EQ(parent.phase, Phase::kCompleted);
  EXPECT_EQ(parent.data, "order-1delivered(order-1|child)");
  EXPECT_EQ(child.phase, Phase::kCompleted);
  EXPECT_EQ(child.parent_id, "o-1");
  EXPECT_EQ(child.type, "delivery");
  EXPECT_EQ(child.version, 1u);
  EXPECT_EQ(child.trace_id, parent.trace_id);
  EXPECT_EQ(history("o-1/deliver"),
            (std::vector<std::string>{"started", "step_succeeded", "step_succeeded", "child_done",
                                      "completed"}));
  EXPECT_EQ(engine->history("o-1/deliver")->front().reason, "child of saga o-1");
  EXPECT_EQ(sent(), (std::vector<std::string>{"Reserve", "Book", "Dispatch", "Approve"}));
}

TEST_F(EngineChildTest, AParentThatCompensatesHasItsDoneChildRunItsOwnCompensations) {
  failing = {"Approve"};
  start("order_with_delivery", "o-2");
  EXPECT_EQ(saga("o-2").phase, Phase::kCompensated);
  EXPECT_EQ(saga("o-2/deliver").phase, Phase::kCompensated);
  EXPECT_EQ(saga("o-2/deliver").failure_cause, FailureCause::kParentCompensated);
  // The child's compensation (its pivot has none) before the parent's earlier step's.
  EXPECT_EQ(sent(), (std::vector<std::string>{"Reserve", "Book", "Dispatch", "Approve",
                                              "CancelBooking", "Release"}));
  const std::vector<std::string> h = history("o-2");
  EXPECT_NE(std::find(h.begin(), h.end(), "child_compensation_requested"), h.end());
}

TEST_F(EngineChildTest, AChildThatCompensatedFailsItsParentsStep) {
  failing = {"Dispatch"};
  start("order_with_delivery", "o-3");
  EXPECT_EQ(saga("o-3/deliver").phase, Phase::kCompensated);
  const SagaInstance parent = saga("o-3");
  EXPECT_EQ(parent.phase, Phase::kCompensated);
  EXPECT_EQ(parent.last_reason,
            "step 'deliver': child saga o-3/deliver compensated: step 'dispatch': refused");
  EXPECT_EQ(sent(),
            (std::vector<std::string>{"Reserve", "Book", "Dispatch", "CancelBooking", "Release"}));
}

TEST_F(EngineChildTest, ACrashWhileTheParentWaitsForItsChildLosesNothing) {
  holding = {"Book"};  // the child's first command is "lost"
  start("order_with_delivery", "o-4");
  EXPECT_EQ(saga("o-4").wait, Wait::kChild);
  EXPECT_EQ(saga("o-4/deliver").step, 0);
  open();  // the orchestrator restarts from the file and adopts both sagas
  holding.clear();
  settle("o-4", Phase::kCompleted);
  EXPECT_EQ(saga("o-4").phase, Phase::kCompleted);
  EXPECT_EQ(saga("o-4/deliver").phase, Phase::kCompleted);
  EXPECT_EQ(saga("o-4").data, "order-1delivered(order-1|child)");
}

TEST_F(EngineChildTest, ACrashWhileTheChildWaitsForItsParentLosesNothing) {
  holding = {"Approve"};  // the parent's pivot after the child step is "lost"
  start("order_with_delivery", "o-6");
  ASSERT_EQ(saga("o-6/deliver").wait, Wait::kParent);
  ASSERT_EQ(saga("o-6").step, 2);
  open();
  holding.clear();
  failing = {"Approve"};  // the pivot fails after the restart: the done child compensates
  settle("o-6", Phase::kCompensated);
  EXPECT_EQ(saga("o-6").phase, Phase::kCompensated);
  EXPECT_EQ(saga("o-6/deliver").phase, Phase::kCompensated);
  EXPECT_EQ(saga("o-6/deliver").failure_cause, FailureCause::kParentCompensated);
  const std::vector<std::string> names = sent();
  ASSERT_GE(names.size(), 2u);
  EXPECT_EQ(std::vector<std::string>(names.end() - 2, names.end()),
            (std::vector<std::string>{"CancelBooking", "Release"}));
  EXPECT_EQ(history("o-6/deliver"),
            (std::vector<std::string>{"started", "step_succeeded", "step_succeeded", "child_done",
                                      "compensating_for_parent", "compensation_succeeded",
                                      "compensated"}));
}

TEST_F(EngineChildTest, ACancelOfTheParentCancelsItsRunningChild) {
  holding = {"Book"};
  start("order_with_delivery", "o-5");
  ASSERT_EQ(saga("o-5").wait, Wait::kChild);
  ASSERT_TRUE(engine->cancel("o-5", "customer changed their mind", "test"));
  pump();
  const SagaInstance child = saga("o-5/deliver");
  EXPECT_EQ(child.failure_cause, FailureCause::kCancelled);
  EXPECT_EQ(child.last_reason,
            "cancelled: parent saga o-5 compensates: cancelled: test: customer changed their mind");
  holding.clear();
  settle("o-5", Phase::kCompensated);
  EXPECT_EQ(saga("o-5").phase, Phase::kCompensated);
  EXPECT_EQ(saga("o-5/deliver").phase, Phase::kCompensated);
  const std::vector<std::string> names = sent();
  EXPECT_EQ(std::count(names.begin(), names.end(), "Dispatch"), 0);  // the child stopped
  EXPECT_EQ(std::count(names.begin(), names.end(), "CancelBooking"), 1);
  EXPECT_EQ(names.back(), "Release");
}

TEST_F(EngineChildTest, ACancelReachingAChildPastItsPivotWaitsForItsStepsThenCompensatesIt) {
  holding = {"Dispatch"};  // the child's pivot is in flight
  start("order_with_delivery", "o-7");
  ASSERT_TRUE(engine->cancel("o-7", "too late for the courier", "test"));
  pump();
  EXPECT_EQ(saga("o-7").phase, Phase::kCompensating);
  EXPECT_EQ(saga("o-7/deliver").phase, Phase::kExecuting);  // bound to finish its steps
  holding.clear();
  settle("o-7", Phase::kCompensated);
  EXPECT_EQ(saga("o-7/deliver").phase, Phase::kCompensated);
  EXPECT_EQ(saga("o-7/deliver").failure_cause, FailureCause::kParentCompensated);
  const std::vector<std::string> names = sent();
  EXPECT_EQ(std::vector<std::string>(names.end() - 2, names.end()),
            (std::vector<std::string>{"CancelBooking", "Release"}));
}

TEST_F(EngineChildTest, ASagaDeadlineOfTheParentCancelsItsRunningChild) {
  holding = {"Book"};
  StartOptions options;
  options.id = "o-8";
  options.deadline = clock->now() + Millis{3'000};
  ASSERT_TRUE(engine->start_saga("order_with_delivery", "order-1", options));
  pump();
  ASSERT_EQ(saga("o-8").wait, Wait::kChild);
  holding.clear();
  clock->advance(Millis{4'000});  // the saga's deadline passes before Book's is resent
  settle("o-8", Phase::kCompensated);
  EXPECT_EQ(saga("o-8").failure_cause, FailureCause::kSagaDeadline);
  EXPECT_EQ(saga("o-8/deliver").phase, Phase::kCompensated);
  EXPECT_EQ(saga("o-8/deliver").failure_cause, FailureCause::kCancelled);
  EXPECT_EQ(sent().back(), "Release");
}

TEST_F(EngineChildTest, TheHistoriesOfAParentAndItsChildReplayIdentically) {
  failing = {"Approve"};  // the parent compensates after its child's steps were done
  start("order_with_delivery", "o-9");
  ASSERT_EQ(saga("o-9").phase, Phase::kCompensated);
  const SagaDefinition parent = delivery_sagas::order_with_delivery();
  const SagaDefinition child = delivery_sagas::delivery();
  Result<testing::RecordedHistory> p = testing::export_history(*engine, "o-9", "order-1", &parent);
  Result<testing::RecordedHistory> c =
      testing::export_history(*engine, "o-9/deliver", "order-1|child", &child);
  ASSERT_TRUE(p && c);
  EXPECT_TRUE(testing::replays_identically(parent, p.value()));
  EXPECT_TRUE(testing::replays_identically(child, c.value()));
  // A child that compensated on its own, and the parent's failed step.
  failing = {"Dispatch"};
  start("order_with_delivery", "o-10");
  p = testing::export_history(*engine, "o-10", "order-1", &parent);
  c = testing::export_history(*engine, "o-10/deliver", "order-1|child", &child);
  ASSERT_TRUE(p && c);
  EXPECT_TRUE(testing::replays_identically(parent, p.value()));
  EXPECT_TRUE(testing::replays_identically(child, c.value()));
  // Both completed.
  failing.clear();
  start("order_with_delivery", "o-11");
  p = testing::export_history(*engine, "o-11", "order-1", &parent);
  c = testing::export_history(*engine, "o-11/deliver", "order-1|child", &child);
  ASSERT_TRUE(p && c);
  EXPECT_TRUE(testing::replays_identically(parent, p.value()));
  EXPECT_TRUE(testing::replays_identically(child, c.value()));
}

TEST_F(EngineChildTest, ChildrenNestingDeeperThanTheBoundAreRefusedWhenRegistered) {
  using delivery_sagas::link;
  auto reg = [&](const SagaDefinition& d) {
    return engine->register_definition(std::make_shared<const SagaDefinition>(d));
  };
  const Status loop = reg(link("nesting", "nesting"));
  EXPECT_EQ(loop.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(loop.message(),
            "definition nesting v1 starts child sagas more than 4 deep (children nest at most 4 "
            "deep): nesting v1 -> nesting v1 -> nesting v1 -> nesting v1 -> nesting v1 -> "
            "nesting v1");
  // A chain of kMaxChildDepth children is accepted, whatever the order of registration.
  ASSERT_EQ(reg(link("l0", "l1")), Status::ok());
  for (const char* name : {"l4", "l3", "l2"}) {
    const std::string next = name == std::string("l4") ? "" : std::string("l") + char(name[1] + 1);
    ASSERT_EQ(reg(link(name, next)), Status::ok()) << name;
  }
  ASSERT_EQ(reg(link("l1", "l2")), Status::ok());
  // One more level on top is refused, and not registered.
  const Status deep = reg(link("top", "l0"));
  EXPECT_EQ(deep.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(deep.message().find("top v1 -> l0 v1 -> l1 v1 -> l2 v1 -> l3 v1 -> l4 v1"),
            std::string::npos)
      << deep.message();
  StartOptions options;
  options.id = "t";
  EXPECT_EQ(engine->start_saga("top", "x", options).status().code(), StatusCode::kNotFound);
  // The accepted chain runs four children deep and completes.
  start("l0", "n");
  std::string id = "n";
  for (int depth = 0; depth <= kMaxChildDepth; ++depth, id += "/nest") {
    EXPECT_EQ(saga(id).phase, Phase::kCompleted) << id;
  }
  EXPECT_EQ(engine->get(id).status().code(), StatusCode::kNotFound);
}

}  // namespace
}  // namespace saga
