// Goal: child sagas in the pure state machine, from both sides. The parent's child step starts
// the child (data derived from the parent's) and waits; the child's steps done is the step's
// success (its data taken into the parent's), a compensated child its failure; when the parent
// compensates after the child's steps were done, the child runs its own compensations, newest
// first, and the parent goes on once the child is compensated; a done child completes when its
// parent ends. Inputs meant for another state are ignored, and the definition rules hold.
// Method: a parent (reserve, deliver = child step, approve = pivot) and a child (book_courier,
// dispatch = pivot), each driven input by input (decide_fixture.h), the engine's part (telling
// one side about the other) done by hand.
#include <gtest/gtest.h>

#include <string>

#include "decide_fixture.h"
#include "delivery_sagas.h"

namespace saga {
namespace {

using namespace decide_fixture;

constexpr char kChildId[] = "saga-1/deliver";

SagaDefinition parent() { return delivery_sagas::order_with_delivery(); }
SagaDefinition child() { return delivery_sagas::delivery(); }

Driver child_driver() {
  Driver c(child(), "order:99;|child");
  c.instance.id = kChildId;
  c.instance.parent_id = kSagaId;
  return c;
}

// The engine's part: tells the parent how its child is now.
Decision tell_parent(Driver& p, const SagaInstance& c) {
  Input in = p.input(InputKind::kChildEnded);
  in.child = &c;
  return p.apply(in);
}

// A parent waiting on its child step, and the child whose steps are done.
struct Pair {
  Driver p{parent()};
  Driver c = child_driver();
  Decision started;
};

Pair child_done() {
  Pair pair;
  pair.p.start();
  pair.started = pair.p.succeed("Reserved");
  pair.c.start();
  pair.c.succeed("Booked");
  pair.c.succeed("Dispatched");
  return pair;
}

TEST(DecideChildTest, TheParentStartsItsChildAndGoesOnWhenTheChildsStepsAreDone) {
  ASSERT_TRUE(validate(parent()).is_ok());
  Pair pair = child_done();
  Driver& p = pair.p;
  Driver& c = pair.c;
  EXPECT_EQ(events(pair.started.history), (Strings{"step_succeeded@0", "child_started@1"}));
  EXPECT_EQ(pair.started.history.back().reason, "saga-1/deliver (delivery)");
  ASSERT_TRUE(pair.started.child_start.has_value());
  EXPECT_EQ(pair.started.child_start->id, kChildId);
  EXPECT_EQ(pair.started.child_start->type, "delivery");
  EXPECT_EQ(pair.started.child_start->version, 0u);
  EXPECT_EQ(pair.started.child_start->data, "order:99;|child");
  EXPECT_FALSE(pair.started.command.has_value());
  EXPECT_EQ(p.instance.wait, Wait::kChild);
  EXPECT_EQ(p.instance.step, 1);

  // The child's history names its parent; its end is kChildDone, and it waits for the parent.
  EXPECT_EQ(c.history.front().reason, "child of saga saga-1");
  EXPECT_EQ(c.history.back().event, Event::kChildDone);
  EXPECT_EQ(c.instance.phase, Phase::kExecuting);
  EXPECT_EQ(c.instance.wait, Wait::kParent);

  Decision done = tell_parent(p, c.instance);
  EXPECT_EQ(events(done.history), Strings{"step_succeeded@1"});
  EXPECT_EQ(done.history.back().reply_name, "child_done");
  EXPECT_EQ(p.instance.data, "order:99;delivered(order:99;|child)");
  ASSERT_TRUE(done.command.has_value());
  EXPECT_EQ(done.command->envelope.name, "Approve");
  EXPECT_EQ(done.command->envelope.body, "order:99;delivered(order:99;|child)|approve");
  p.succeed("Approved");
  EXPECT_EQ(p.instance.phase, Phase::kCompleted);

  // The parent ended: the child completes.
  Decision released = c.apply(c.input(InputKind::kParentEnded));
  EXPECT_EQ(events(released.history), Strings{"completed@-1"});
  EXPECT_EQ(released.history.back().reason, "parent saga saga-1 ended");
  EXPECT_EQ(c.instance.phase, Phase::kCompleted);
}

TEST(DecideChildTest, AChildThatCompensatedFailsTheParentsStep) {
  Driver p(parent());
  p.start();
  p.succeed("Reserved");
  Driver c = child_driver();
  c.start();
  c.fail("NoCourier", "no courier free");
  ASSERT_EQ(c.instance.phase, Phase::kCompensated);

  Decision failed = tell_parent(p, c.instance);
  EXPECT_EQ(events(failed.history), Strings{"step_failed@1"});
  EXPECT_EQ(p.instance.last_reason,
            "step 'deliver': child saga saga-1/deliver compensated: step 'book_courier': no "
            "courier free");
  // The child undid itself: only the steps before the child step are compensated.
  ASSERT_TRUE(failed.command.has_value());
  EXPECT_EQ(sent(*failed.command), (Sent{"stock", "Release", true, message_id_for(kSagaId, 2), 1,
                                         "reserve", "order:99;|reserve"}));
  EXPECT_TRUE(failed.child_compensate.empty());
  p.succeed("Released");
  EXPECT_EQ(p.instance.phase, Phase::kCompensated);
}

TEST(DecideChildTest, WhenTheParentCompensatesTheDoneChildRunsItsOwnCompensationsInReverse) {
  Pair pair = child_done();
  Driver& p = pair.p;
  Driver& c = pair.c;
  tell_parent(p, c.instance);
  Decision refused = p.fail("Rejected", "order rejected");
  EXPECT_EQ(events(refused.history), (Strings{"step_failed@2", "child_compensation_requested@1"}));
  EXPECT_EQ(refused.child_compensate, kChildId);
  EXPECT_FALSE(refused.command.has_value());
  EXPECT_EQ(p.instance.phase, Phase::kCompensating);
  EXPECT_EQ(p.instance.wait, Wait::kChild);

  // The child: its compensations, newest first (its pivot has none).
  Decision compensating = c.apply(c.input(InputKind::kParentCompensates));
  EXPECT_EQ(events(compensating.history), Strings{"compensating_for_parent@-1"});
  EXPECT_EQ(c.instance.failure_cause, FailureCause::kParentCompensated);
  ASSERT_TRUE(compensating.command.has_value());
  EXPECT_EQ(compensating.command->envelope.name, "CancelBooking");
  EXPECT_EQ(compensating.command->envelope.step, "book_courier");
  // Not compensated yet: the parent is told nothing and keeps waiting.
  EXPECT_FALSE(p.try_apply([&] {
                  Input in = p.input(InputKind::kChildEnded);
                  in.child = &c.instance;
                  return in;
                }())
                   ->applied);
  c.succeed("BookingCancelled");
  ASSERT_EQ(c.instance.phase, Phase::kCompensated);

  Decision back = tell_parent(p, c.instance);
  EXPECT_EQ(events(back.history), Strings{"compensation_succeeded@1"});
  ASSERT_TRUE(back.command.has_value());
  EXPECT_EQ(back.command->envelope.name, "Release");
  p.succeed("Released");
  EXPECT_EQ(p.instance.phase, Phase::kCompensated);
}

TEST(DecideChildTest, InputsForAnotherStateAreIgnored) {
  Driver p(parent());
  p.start();
  // Not waiting for a child yet.
  SagaInstance other = child_driver().instance;
  other.phase = Phase::kCompensated;
  Input in = p.input(InputKind::kChildEnded);
  in.child = &other;
  EXPECT_FALSE(p.try_apply(in)->applied);
  p.succeed("Reserved");
  // Another saga's child.
  other.id = "saga-2/deliver";
  EXPECT_FALSE(p.try_apply(in)->applied);
  // A child still running asked to compensate, or told its parent ended: not yet.
  Driver c = child_driver();
  c.start();
  EXPECT_FALSE(c.try_apply(c.input(InputKind::kParentCompensates))->applied);
  EXPECT_FALSE(c.try_apply(c.input(InputKind::kParentEnded))->applied);
  EXPECT_EQ(c.instance.phase, Phase::kExecuting);
}

TEST(DecideChildTest, ChildDataThatCannotBeMadeFailsTheStep) {
  SagaDefinition def = parent();
  def.steps[1].child->make_data = [](std::string_view) -> Result<std::string> {
    return invalid_argument("no address");
  };
  Driver p(def);
  p.start();
  Decision d = p.succeed("Reserved");
  EXPECT_EQ(events(d.history), (Strings{"step_succeeded@0", "step_failed@1"}));
  EXPECT_FALSE(d.child_start.has_value());
  EXPECT_EQ(p.instance.failure_cause, FailureCause::kCommandBuildFailed);
  EXPECT_EQ(p.instance.last_reason, "step 'deliver': bad_child_data: no address");
}

TEST(DecideChildTest, TheDefinitionRulesOfChildSteps) {
  auto error = [](SagaDefinition def) { return validate(def).message(); };
  SagaDefinition retriable = parent();
  retriable.steps[1].kind = StepKind::kRetriable;
  retriable.steps[2].kind = StepKind::kRetriable;
  retriable.steps[2].retry = fixed_no_jitter(Millis{10}, 3);
  EXPECT_EQ(error(retriable),
            "step 'deliver': a child step is compensatable or the pivot (a child may "
            "compensate; a retriable step must succeed)");
  SagaDefinition compensated = parent();
  compensated.steps[1].compensation = delivery_sagas::text_command("x", "Undo", "deliver");
  EXPECT_EQ(error(compensated),
            "step 'deliver': a child step only starts its child: no action, local function, "
            "wait or compensation of its own (its compensation is the child's)");
  SagaDefinition unnamed = parent();
  unnamed.steps[1].child->type.clear();
  EXPECT_EQ(error(unnamed), "step 'deliver': a child step names the child's definition");
  SagaDefinition pivot = parent();
  pivot.steps[1].kind = StepKind::kPivot;
  pivot.steps[2].kind = StepKind::kRetriable;
  pivot.steps[2].retry = fixed_no_jitter(Millis{10}, 3);
  EXPECT_TRUE(validate(pivot).is_ok()) << validate(pivot).to_string();
  SagaDefinition other_child = parent();
  other_child.steps[1].child->type = "pickup";
  EXPECT_NE(fingerprint(other_child), fingerprint(parent()));
  EXPECT_EQ(child_saga_id("o-7", "deliver"), "o-7/deliver");
}

}  // namespace
}  // namespace saga
