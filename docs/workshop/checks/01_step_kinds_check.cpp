// Goal: exercise 1 — the student names the kind of every step of the Create Order saga.
// Method: reads the student's answer file (SAGA_WORKSHOP_FILE) and compares it, line by line,
// with the step names and kinds of ftgo::create_order_definition().
#include <gtest/gtest.h>

#include <sstream>

#include "workshop_support.h"

namespace {

TEST(Workshop01StepKinds, EveryStepHasItsKind) {
  auto definition = workshop::example_definition();
  ASSERT_NE(definition, nullptr);
  const std::vector<std::string> lines = workshop::answer_lines(SAGA_WORKSHOP_FILE);
  ASSERT_EQ(lines.size(), definition->steps.size())
      << "one line per step, in order: <step> <kind> (" << SAGA_WORKSHOP_FILE << ")";
  for (std::size_t i = 0; i < lines.size(); ++i) {
    std::istringstream words(lines[i]);
    std::string step;
    std::string kind;
    words >> step >> kind;
    const saga::StepDefinition& expected = definition->steps[i];
    EXPECT_EQ(step, expected.name) << "line " << i + 1 << ": steps are listed in saga order";
    // The expected kind is not printed: the check says which answer is wrong, not the answer.
    EXPECT_TRUE(kind == saga::to_string(expected.kind))
        << "step '" << expected.name << "': '" << kind << "' is not its kind"
        << " (compensatable, pivot or retriable)";
  }
}

}  // namespace
