// Goal: the DSL builds a child step: start_child<ChildData>() fills StepDefinition::child (type,
// version, a data function that encodes the typed child data made from the parent's), and
// on_child_end<ChildData>() takes the child's typed data into the parent's; build() runs the
// child rules of validate().
// Method: a Create Order whose approval is followed by a delivery child step, built through
// saga::define; the byte-level callbacks are called directly.
#include <gtest/gtest.h>

#include <string>

#include "unit/ftgo_saga.h"

namespace test_ftgo {
namespace {

struct DeliveryData {
  std::int64_t order_id = 0;
  std::string courier;
  template <class A>
  void serialize(A& a) {
    a(CEREAL_NVP(order_id), CEREAL_NVP(courier));
  }
};

// clang-format off
saga::DefinitionResult order_with_delivery() {
  return saga::define<LoyaltyOrderData>("create_order_with_delivery")
      .step("reject_order").compensate_with(order_service::reject_order, &make_reject_order)
      .pivot("deliver")
          .start_child<DeliveryData>("delivery", [](const LoyaltyOrderData& o) {
            return DeliveryData{o.order_id, {}};
          }, 2)
          .on_child_end<DeliveryData>([](LoyaltyOrderData& o, const DeliveryData& d) {
            o.rejection_reason = "courier " + d.courier;
          })
      .build();
}
// clang-format on

TEST(DslChildTest, StartChildFillsTheChildStepAndItsTypedCallbacks) {
  saga::DefinitionResult def = order_with_delivery();
  ASSERT_TRUE(def.is_ok()) << def.status().to_string();
  const saga::StepDefinition& step = (*def)->steps[1];
  ASSERT_TRUE(step.child.has_value());
  EXPECT_EQ(step.child->type, "delivery");
  EXPECT_EQ(step.child->version, 2u);
  EXPECT_FALSE(step.action.has_value());
  EXPECT_FALSE(step.compensation.has_value());

  LoyaltyOrderData order;
  order.order_id = 42;
  const std::string parent = saga::encode_data(order).value();
  saga::Result<std::string> child_bytes = step.child->make_data(parent);
  ASSERT_TRUE(child_bytes) << child_bytes.status().to_string();
  EXPECT_EQ(saga::decode_data<DeliveryData>(*child_bytes)->order_id, 42);

  const std::string done = saga::encode_data(DeliveryData{42, "c-7"}).value();
  saga::DataUpdate update = step.child->on_end(parent, done);
  ASSERT_FALSE(update.failed) << update.reason;
  EXPECT_EQ(saga::decode_data<LoyaltyOrderData>(update.data)->rejection_reason, "courier c-7");
  // Bytes that are not the child's data fail the step instead of throwing.
  EXPECT_TRUE(step.child->on_end(parent, "garbage").failed);
}

TEST(DslChildTest, BuildRefusesAChildStepWithoutAType) {
  // clang-format off
  saga::DefinitionResult def = saga::define<LoyaltyOrderData>("s")
      .step("deliver")
          .start_child<DeliveryData>("", [](const LoyaltyOrderData&) { return DeliveryData{}; })
      .build();
  // clang-format on
  ASSERT_FALSE(def.is_ok());
  EXPECT_EQ(def.status().message(), "step 'deliver': a child step names the child's definition");
}

}  // namespace
}  // namespace test_ftgo
