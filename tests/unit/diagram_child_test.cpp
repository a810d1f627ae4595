// Goal: the diagrams draw a child step as a call of the child definition (DOT shape=component,
// Mermaid's subroutine node), with its compensation node (the child's own compensations) in the
// chain of compensations, and a cancel while the child runs leading there.
// Method: the order_with_delivery saga of delivery_sagas.h through saga::to_dot and to_mermaid.
#include <gtest/gtest.h>

#include <string>

#include "saga/diagram.h"
#include "unit/delivery_sagas.h"

namespace saga {
namespace {

bool has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

TEST(DiagramChildTest, DotDrawsAChildStepAsACallWithTheChildsCompensations) {
  const std::string dot = to_dot(delivery_sagas::order_with_delivery(), {.control = true});
  EXPECT_TRUE(has(dot, "s1 [label=\"2. deliver\\nruns child saga delivery\", shape=component];"))
      << dot;
  EXPECT_TRUE(has(dot,
                  "c1 [label=\"undo deliver\\nchild delivery: its compensations, newest "
                  "first\""))
      << dot;
  // The pivot's failure and the child's undo lead through the chain in reverse.
  EXPECT_TRUE(has(dot, "s2 -> c1")) << dot;
  EXPECT_TRUE(has(dot, "c1 -> c0")) << dot;
  EXPECT_TRUE(has(dot, "s1 -> c1")) << dot;  // a cancel while the child runs
}

TEST(DiagramChildTest, MermaidDrawsAChildStepAsASubroutine) {
  const std::string mermaid = to_mermaid(delivery_sagas::order_with_delivery());
  EXPECT_TRUE(has(mermaid, "    s1[[\"2. deliver<br/>runs child saga delivery\"]]\n")) << mermaid;
  EXPECT_TRUE(has(mermaid, "  c1 -.-> c0\n")) << mermaid;
  EXPECT_TRUE(has(mermaid, "  s2 -. fails .-> c1\n")) << mermaid;
}

}  // namespace
}  // namespace saga
