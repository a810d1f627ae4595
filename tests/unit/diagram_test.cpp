// Goal: to_dot / to_mermaid draw the forward chain, the reverse compensation path, the pivot
// and the retriable tail; the DOT is valid Graphviz.
// Method: export the FTGO Create Order definition; look for the expected lines; pipe the DOT
// through `dot -Tsvg` when Graphviz is installed.
#include "saga/diagram.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "unit/ftgo_saga.h"

namespace test_ftgo {
namespace {

std::shared_ptr<const saga::SagaDefinition> create_order() {
  saga::DefinitionResult result = build_create_order();
  EXPECT_TRUE(result.is_ok()) << result.status().to_string();
  return result.value();
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

TEST(DslDotTest, DrawsTheForwardChain) {
  const std::string dot = saga::to_dot(*create_order());
  EXPECT_EQ(dot.rfind("digraph \"create_order\" {", 0), 0u) << dot;
  EXPECT_TRUE(contains(dot, "label=\"create_order v3\""));
  for (const char* edge : {"start -> s0;", "s0 -> s1;", "s1 -> s2;", "s2 -> s3;", "s3 -> s4;",
                           "s4 -> s5;", "s5 -> s6;", "s6 -> completed;"}) {
    EXPECT_TRUE(contains(dot, edge)) << edge;
  }
  EXPECT_TRUE(contains(dot,
                       "s2 [label=\"3. create_ticket\\nkitchen: CreateTicket\\n"
                       "(conditional)\"]"))
      << dot;
  EXPECT_TRUE(contains(dot, "s5 [label=\"6. add_loyalty_points\\nlocal\\nretried until done\"]"));
  EXPECT_TRUE(contains(dot, "s0 [label=\"1. reject_order\\n(no action)\"]"));
}

TEST(DslDotTest, DrawsCompensationsInReverse) {
  const std::string dot = saga::to_dot(*create_order());
  EXPECT_TRUE(contains(dot, "c2 [label=\"undo create_ticket\\nkitchen: CancelCreateTicket\""));
  EXPECT_TRUE(contains(dot, "c0 [label=\"undo reject_order\\norder: RejectOrder\""));
  // A failure runs the compensations of the earlier steps, never the failing step's own.
  EXPECT_TRUE(contains(dot, "s1 -> c0 [style=dashed"));
  EXPECT_TRUE(contains(dot, "s2 -> c0 [style=dashed"));
  EXPECT_TRUE(contains(dot, "s3 -> c2 [style=dashed"));
  EXPECT_TRUE(contains(dot, "c2 -> c0 [style=dashed"));
  EXPECT_TRUE(contains(dot, "c0 -> compensated [style=dashed"));
  EXPECT_FALSE(contains(dot, "s4 -> c")) << "retriable steps are never compensated";
  EXPECT_FALSE(contains(dot, "s0 -> c")) << "a compensation-only step cannot fail";
}

TEST(DslDotTest, MarksThePivotAndTheRetriableTail) {
  const std::string dot = saga::to_dot(*create_order());
  EXPECT_TRUE(contains(dot, "subgraph cluster_pivot {\n    label=\"pivot: point of no return\";"));
  EXPECT_TRUE(contains(dot,
                       "s3 [label=\"4. authorize_card\\naccounting: AuthorizeCard\", "
                       "shape=hexagon"));
  const std::size_t tail = dot.find("subgraph cluster_retriable {");
  ASSERT_NE(tail, std::string::npos);
  const std::size_t tail_end = dot.find("  }\n", tail);
  for (const char* node : {"s4 [", "s5 [", "s6 ["}) {
    const std::size_t at = dot.find(node);
    EXPECT_TRUE(at > tail && at < tail_end) << node;
  }
}

TEST(DslDotTest, EscapesQuotes) {
  saga::SagaDefinition d;
  d.name = "say \"hi\"";
  d.steps.emplace_back();
  d.steps.back().name = "a\\b";
  const std::string dot = saga::to_dot(d);
  EXPECT_TRUE(contains(dot, "digraph \"say \\\"hi\\\"\" {"));
  EXPECT_TRUE(contains(dot, "1. a\\\\b"));
}

TEST(DslDotTest, IsDeterministic) {
  EXPECT_EQ(saga::to_dot(*create_order()), saga::to_dot(*create_order()));
  EXPECT_EQ(saga::to_mermaid(*create_order()), saga::to_mermaid(*create_order()));
}

TEST(DslDotTest, GraphvizAcceptsIt) {
  if (std::system("command -v dot > /dev/null 2>&1") != 0) {
    GTEST_SKIP() << "Graphviz `dot` is not installed (apt-get install graphviz); not checked";
  }
  const std::string dot = saga::to_dot(*create_order());
  FILE* pipe = popen("dot -Tsvg -o /dev/null", "w");
  ASSERT_NE(pipe, nullptr);
  EXPECT_EQ(std::fwrite(dot.data(), 1, dot.size(), pipe), dot.size());
  EXPECT_EQ(pclose(pipe), 0) << "dot rejected:\n" << dot;
}

TEST(DslMermaidTest, DrawsTheSamePicture) {
  const std::string m = saga::to_mermaid(*create_order());
  EXPECT_EQ(m.rfind("flowchart TD\n", 0), 0u);
  for (const char* line :
       {"  start((\" \")) --> s0\n", "  subgraph cluster_pivot [\"pivot: point of no return\"]\n",
        "    s3{{\"4. authorize_card<br/>accounting: AuthorizeCard\"}}\n",
        "    c2[\"undo create_ticket<br/>kitchen: CancelCreateTicket\"]\n",
        "  subgraph cluster_retriable [\"retriable: retried, never compensated\"]\n",
        "  s6 --> completed\n", "  s3 -. fails .-> c2\n", "  s1 -. fails .-> c0\n",
        "  c2 -.-> c0\n", "  c0 -.-> compensated\n", "  class c0,c2 compensation\n",
        "  class s3 pivot\n"}) {
    EXPECT_TRUE(contains(m, line)) << line << "\nin:\n" << m;
  }
}

TEST(DslMermaidTest, EscapesLabels) {
  saga::SagaDefinition d;
  d.name = "x";
  d.steps.emplace_back();
  d.steps.back().name = "<\"q\">";
  EXPECT_TRUE(contains(saga::to_mermaid(d), "1. #lt;#quot;q#quot;#gt;"));
}

}  // namespace
}  // namespace test_ftgo
