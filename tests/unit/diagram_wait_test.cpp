// Goal: the DOT and Mermaid drawings show wait steps: the event they wait for and what their
// time limit means (compensate, go on, skip to a step), and a wait before the pivot has the
// "fails" edge to the compensations before it.
// Method: draw the booking saga (booking_saga.h) and look for its wait steps' labels.
#include <gtest/gtest.h>

#include <string>

#include "saga/diagram.h"
#include "unit/booking_saga.h"

namespace {

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

TEST(DiagramWaitTest, DotShowsTheEventAndWhatItsLimitMeans) {
  const std::string dot = saga::to_dot(*booking::booking_definition().value());
  EXPECT_TRUE(contains(dot,
                       "2. await_confirmation\\nwaits for event HotelConfirmed (by key)"
                       "\\nafter 60000 ms: compensate"))
      << dot;
  EXPECT_TRUE(contains(dot,
                       "4. await_checkin\\nwaits for event CheckedIn\\nafter 3600000 ms: "
                       "skip to thank\""))
      << dot;
  // A timed-out confirmation rolls back the reservation: the "fails" edge from step 2.
  EXPECT_TRUE(contains(
      dot, "s1 -> c0 [style=dashed, color=firebrick, fontcolor=firebrick, label=\"fails\""))
      << dot;
}

TEST(DiagramWaitTest, MermaidShowsTheSame) {
  const std::string mermaid = saga::to_mermaid(*booking::booking_definition().value());
  EXPECT_TRUE(contains(mermaid,
                       "waits for event HotelConfirmed (by key)<br/>after 60000 ms: "
                       "compensate"))
      << mermaid;
  EXPECT_TRUE(contains(mermaid, "after 3600000 ms: skip to thank")) << mermaid;
}

}  // namespace
