// Goal: the harness drives both sides of a child step with the engine's inputs: a parent's
// child start, its child's end (done or compensated) and the compensation it asks of a done
// child; a child's wait for its parent, then its parent's end or compensation.
// Method: SagaHarness on the sagas of delivery_sagas.h (text data, commands answered "Done").
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "saga/testing/harness.h"
#include "unit/delivery_sagas.h"

namespace saga {
namespace {

using testing::SagaHarness;

std::shared_ptr<const SagaDefinition> parent_def() {
  return std::make_shared<const SagaDefinition>(delivery_sagas::order_with_delivery());
}

testing::HarnessOptions child_options() {
  testing::HarnessOptions o;
  o.saga_id = "o-1/deliver";
  o.parent_id = "o-1";
  return o;
}

TEST(ChildHarnessTest, AParentWaitsForItsChildAndTakesItsData) {
  SagaHarness h(parent_def());
  h.start("order-1");
  EXPECT_TRUE(h.expect_command("stock", "Reserve"));
  ASSERT_TRUE(h.reply_success().applied);
  ASSERT_TRUE(h.child_started().has_value());
  EXPECT_EQ(h.child_started()->id, "saga-1/deliver");
  EXPECT_EQ(h.child_started()->type, "delivery");
  EXPECT_EQ(h.child_started()->data, "order-1|child");
  EXPECT_EQ(h.instance().wait, Wait::kChild);
  EXPECT_TRUE(h.expect_no_command());
  ASSERT_TRUE(h.child_done("order-1|child|booked").applied);
  EXPECT_EQ(h.instance().data, "order-1delivered(order-1|child|booked)");
  EXPECT_TRUE(h.expect_command("order", "Approve"));
  ASSERT_TRUE(h.reply_success().applied);
  EXPECT_TRUE(h.expect_phase(Phase::kCompleted));
  EXPECT_TRUE(h.errors().empty());
}

TEST(ChildHarnessTest, AParentCompensatingAfterItsChildAsksTheChildFirst) {
  SagaHarness h(parent_def());
  h.start("order-1");
  ASSERT_TRUE(h.reply_success().applied);
  ASSERT_TRUE(h.child_done("order-1|child").applied);
  ASSERT_TRUE(h.reply_failure("no approval").applied);  // the pivot fails
  EXPECT_EQ(h.child_compensate_requested(), "saga-1/deliver");
  EXPECT_EQ(h.instance().wait, Wait::kChild);
  EXPECT_TRUE(h.child_compensated("parent saga saga-1 compensates").applied);
  EXPECT_TRUE(h.expect_commands({"stock:Reserve", "order:Approve", "stock:Release(c)"}));
  ASSERT_TRUE(h.reply_success().applied);
  EXPECT_TRUE(h.expect_phase(Phase::kCompensated));
}

TEST(ChildHarnessTest, AChildThatCompensatedFailsTheStepWithItsReason) {
  SagaHarness h(parent_def());
  h.start("order-1");
  ASSERT_TRUE(h.reply_success().applied);
  ASSERT_TRUE(h.child_compensated("step 'dispatch': refused").applied);
  EXPECT_EQ(h.instance().last_reason,
            "step 'deliver': child saga saga-1/deliver compensated: step 'dispatch': refused");
  EXPECT_EQ(h.child_compensate_requested(), "");  // its effects are undone already
  ASSERT_TRUE(h.reply_success().applied);         // Release
  EXPECT_TRUE(h.expect_phase(Phase::kCompensated));
}

TEST(ChildHarnessTest, AChildWaitsForItsParentThenCompletesOrCompensatesNewestFirst) {
  auto child = std::make_shared<const SagaDefinition>(delivery_sagas::delivery());
  SagaHarness done(child, child_options());
  done.start("order-1|child");
  ASSERT_TRUE(done.reply_success().applied);  // Book
  ASSERT_TRUE(done.reply_success().applied);  // Dispatch, the pivot
  EXPECT_EQ(done.instance().phase, Phase::kExecuting);
  EXPECT_EQ(done.instance().wait, Wait::kParent);
  EXPECT_EQ(done.events().back(), Event::kChildDone);
  ASSERT_TRUE(done.parent_ended().applied);
  EXPECT_TRUE(done.expect_phase(Phase::kCompleted));

  SagaHarness undone(child, child_options());
  undone.start("order-1|child");
  ASSERT_TRUE(undone.reply_success().applied);
  ASSERT_TRUE(undone.reply_success().applied);
  ASSERT_TRUE(undone.parent_compensates().applied);
  EXPECT_EQ(undone.instance().failure_cause, FailureCause::kParentCompensated);
  EXPECT_TRUE(undone.expect_commands(
      {"courier:Book", "courier:Dispatch", "courier:CancelBooking(c)"}));  // the pivot has none
  ASSERT_TRUE(undone.reply_success().applied);
  EXPECT_TRUE(undone.expect_phase(Phase::kCompensated));
}

}  // namespace
}  // namespace saga
