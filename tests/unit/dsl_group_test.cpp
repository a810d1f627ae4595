// Goal: the DSL builds parallel groups (group names on their steps, kinds as declared), build()
// refuses what the types cannot see (a one-step group), and the diagrams draw a group as a
// cluster with its fan-out and fan-in and its failures entering the compensations.
// Method: FTGO Create Order with verify_consumer and create_ticket in one group, built through
// saga::define; the DOT is run through `dot` when Graphviz is installed.
#include <gtest/gtest.h>

#include <cstdio>
#include <string>

#include "saga/diagram.h"
#include "unit/ftgo_saga.h"

namespace test_ftgo {
namespace {

// clang-format off
saga::DefinitionResult parallel_create_order() {
  return saga::define<LoyaltyOrderData>("create_order_parallel")
      .step("reject_order").compensate_with(order_service::reject_order, &make_reject_order)
      .parallel("prepare")
          .step("verify_consumer").invoke(consumer_service::validate_order, &make_validate_order)
          .step("create_ticket").invoke(kitchen_service::create_ticket, &make_create_ticket)
              .on_reply<TicketCreated>(&on_ticket_created)
              .compensate_with(kitchen_service::cancel_ticket, &make_cancel_ticket)
      .end_parallel()
      .pivot("authorize_card").invoke(accounting_service::authorize_card, &make_authorize_card)
      .parallel("finish")
          .retriable("confirm_ticket").invoke(kitchen_service::confirm_ticket, &make_confirm_ticket)
              .retry(kForever)
          .retriable("approve_order").invoke(order_service::approve_order, &make_approve_order)
              .retry(kForever)
      .end_parallel()
      .build();
}
// clang-format on

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

TEST(DslGroupTest, BuildsGroupsWithTheirKinds) {
  saga::DefinitionResult def = parallel_create_order();
  ASSERT_TRUE(def.is_ok()) << def.status().to_string();
  const auto& steps = (*def)->steps;
  ASSERT_EQ(steps.size(), 6u);
  EXPECT_EQ(steps[0].group, "");
  EXPECT_EQ(steps[1].group, "prepare");
  EXPECT_EQ(steps[2].group, "prepare");
  EXPECT_EQ(steps[3].group, "");
  EXPECT_EQ(steps[3].kind, saga::StepKind::kPivot);
  EXPECT_EQ(steps[4].group, "finish");
  EXPECT_EQ(steps[5].group, "finish");
  EXPECT_EQ(steps[5].kind, saga::StepKind::kRetriable);
}

TEST(DslGroupTest, AGroupOfOneStepIsRefusedByBuild) {
  // clang-format off
  saga::DefinitionResult def = saga::define<LoyaltyOrderData>("s")
      .parallel("alone")
          .step("verify_consumer").invoke(consumer_service::validate_order, &make_validate_order)
      .end_parallel()
      .pivot("authorize_card").invoke(accounting_service::authorize_card, &make_authorize_card)
      .build();
  // clang-format on
  ASSERT_FALSE(def.is_ok());
  EXPECT_EQ(def.status().message(), "group 'alone': a parallel group needs at least two steps");
}

TEST(DslGroupTest, DiagramsDrawGroupsAsClustersThatFanOutAndIn) {
  saga::DefinitionResult def = parallel_create_order();
  ASSERT_TRUE(def.is_ok());
  const std::string dot = saga::to_dot(**def);
  EXPECT_TRUE(contains(dot, "subgraph cluster_group_1 {\n      label=\"parallel: prepare\""))
      << dot;
  EXPECT_TRUE(contains(dot, "label=\"parallel: finish\"")) << dot;
  for (const char* edge : {"start -> s0;", "s0 -> s1;", "s0 -> s2;", "s1 -> s3;", "s2 -> s3;",
                           "s3 -> s4;", "s3 -> s5;", "s4 -> completed;", "s5 -> completed;"}) {
    EXPECT_TRUE(contains(dot, edge)) << edge << "\n" << dot;
  }
  EXPECT_FALSE(contains(dot, "s1 -> s2;")) << "branches are not chained";
  // A failing branch enters the compensations at the group's last compensation.
  EXPECT_TRUE(contains(dot, "s1 -> c2 [style=dashed")) << dot;
  EXPECT_TRUE(contains(dot, "s2 -> c2 [style=dashed")) << dot;

  const std::string mermaid = saga::to_mermaid(**def);
  EXPECT_TRUE(contains(mermaid, "subgraph group_1 [\"parallel: prepare\"]")) << mermaid;
  for (const char* edge : {"s0 --> s1", "s0 --> s2", "s1 --> s3", "s2 --> s3", "s4 --> completed",
                           "s5 --> completed", "s1 -. fails .-> c2"}) {
    EXPECT_TRUE(contains(mermaid, edge)) << edge << "\n" << mermaid;
  }

  if (std::system("command -v dot > /dev/null 2>&1") != 0) return;  // Graphviz is optional
  FILE* pipe = popen("dot -Tsvg -o /dev/null", "w");
  ASSERT_NE(pipe, nullptr);
  std::fputs(dot.c_str(), pipe);
  EXPECT_EQ(pclose(pipe), 0) << "dot refused:\n" << dot;
}

}  // namespace
}  // namespace test_ftgo
