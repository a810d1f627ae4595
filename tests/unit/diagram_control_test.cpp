// Goal: with DiagramOptions::control the diagrams show saga control: a scheduled node before the
// start and "cancel / deadline" edges from every step before the point of no return that sends
// a command or waits for an event, to the compensation that runs first; none past the pivot;
// off by default.
// Method: the DSL's FTGO Create Order (steps: 0 reject_order, 1 verify_consumer, 2
// create_ticket, 3 authorize_card = pivot, ...); look for the lines; Graphviz when installed.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "saga/diagram.h"
#include "unit/booking_saga.h"
#include "unit/ftgo_saga.h"

namespace test_ftgo {
namespace {

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

TEST(DiagramControlTest, DotDrawsScheduledStartAndCancelPathsBeforeThePivotOnly) {
  std::shared_ptr<const saga::SagaDefinition> d = build_create_order().value();
  const std::string plain = saga::to_dot(*d);
  EXPECT_FALSE(contains(plain, "cancel / deadline"));
  const std::string dot = saga::to_dot(*d, saga::DiagramOptions{true});
  EXPECT_TRUE(contains(dot, "scheduled -> start [style=dotted"));
  EXPECT_TRUE(contains(dot, "scheduled -> compensated [style=dotted"));
  // verify_consumer has no compensation: reject_order's runs; create_ticket undoes itself.
  EXPECT_TRUE(contains(dot,
                       "s1 -> c0 [style=dotted, color=purple, fontcolor=purple, "
                       "label=\"cancel / deadline\""))
      << dot;
  EXPECT_TRUE(contains(dot, "s2 -> c2 [style=dotted")) << dot;
  EXPECT_FALSE(contains(dot, "s0 -> c0 [style=dotted")) << "reject_order sends nothing";
  EXPECT_FALSE(contains(dot, "s3 -> c2 [style=dotted")) << "the pivot cannot be cancelled";
  EXPECT_FALSE(contains(dot, "s4 -> c")) << dot;
  if (std::system("command -v dot > /dev/null 2>&1") == 0) {
    FILE* pipe = popen("dot -Tsvg -o /dev/null", "w");
    ASSERT_NE(pipe, nullptr);
    EXPECT_EQ(std::fwrite(dot.data(), 1, dot.size(), pipe), dot.size());
    EXPECT_EQ(pclose(pipe), 0) << "dot rejected:\n" << dot;
  }
}

TEST(DiagramControlTest, MermaidDrawsTheSamePaths) {
  std::shared_ptr<const saga::SagaDefinition> d = build_create_order().value();
  EXPECT_FALSE(contains(saga::to_mermaid(*d), "cancel / deadline"));
  const std::string m = saga::to_mermaid(*d, saga::DiagramOptions{true});
  EXPECT_TRUE(contains(m, "scheduled([\"scheduled<br/>(not before T)\"]) -. time comes .-> start"));
  EXPECT_TRUE(contains(m, "  s1 -. cancel / deadline .-> c0\n")) << m;
  EXPECT_TRUE(contains(m, "  s2 -. cancel / deadline .-> c2\n")) << m;
  EXPECT_FALSE(contains(m, "  s3 -. cancel / deadline")) << m;
}

// A wait step before the pivot can be cancelled (or reach the saga's deadline) while it waits:
// the booking saga's await_confirmation (step 1) has the edge to reserve's compensation; its
// await_checkin, past the pivot, has none.
TEST(DiagramControlTest, AWaitStepBeforeThePivotHasItsCancelPath) {
  std::shared_ptr<const saga::SagaDefinition> d = booking::booking_definition().value();
  const std::string dot = saga::to_dot(*d, saga::DiagramOptions{true});
  EXPECT_TRUE(contains(dot,
                       "s1 -> c0 [style=dotted, color=purple, fontcolor=purple, "
                       "label=\"cancel / deadline\""))
      << dot;
  EXPECT_FALSE(contains(dot, "s3 -> c")) << dot;
  const std::string m = saga::to_mermaid(*d, saga::DiagramOptions{true});
  EXPECT_TRUE(contains(m, "  s1 -. cancel / deadline .-> c0\n")) << m;
  EXPECT_FALSE(contains(m, "  s3 -. cancel / deadline")) << m;
}

}  // namespace
}  // namespace test_ftgo
