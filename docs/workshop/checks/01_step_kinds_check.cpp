// Goal: exercise 1 — the student names the kind of every step of the Create Order saga.
// Method: reads the student's answer file (workshop::answer_path()) and compares it, line by
// line, with the step names and kinds of ftgo::create_order_definition(). A line that is not
// "<step> <kind>" is reported as a format error; a wrong kind as what that step does in the
// demo that the named kind would not (never the kind itself).
#include <gtest/gtest.h>

#include <sstream>

#include "workshop_support.h"

namespace {

const char* const kKinds[] = {"compensatable", "pivot", "retriable"};

// What a step of `kind` does when something goes wrong, in the demo's terms.
std::string behaviour(saga::StepKind kind) {
  switch (kind) {
    case saga::StepKind::kCompensatable:
      return "a failure later in the saga rolls back past it (undone, or nothing to undo)";
    case saga::StepKind::kPivot:
      return "its own failure rolls the saga back, and once it succeeded nothing is undone";
    case saga::StepKind::kRetriable:
      return "it runs after the point of no return: a failure of it is tried again, the saga "
             "never rolls back";
  }
  return {};
}

saga::StepKind kind_named(const std::string& word) {
  if (word == "pivot") return saga::StepKind::kPivot;
  if (word == "retriable") return saga::StepKind::kRetriable;
  return saga::StepKind::kCompensatable;
}

TEST(Workshop01StepKinds, EveryStepHasItsKind) {
  auto definition = workshop::example_definition();
  ASSERT_NE(definition, nullptr);
  const std::string path = workshop::answer_path();
  const std::vector<std::string> lines = workshop::answer_lines(path);
  ASSERT_EQ(lines.size(), definition->steps.size())
      << "format: " << path << " must have one line per step of the saga ("
      << definition->steps.size() << "), in order: <step> <kind>";
  // First the format of every line, then the answers.
  for (std::size_t i = 0; i < lines.size(); ++i) {
    std::istringstream words(lines[i]);
    std::string step, kind, extra;
    words >> step >> kind >> extra;
    const saga::StepDefinition& expected = definition->steps[i];
    ASSERT_TRUE(step == expected.name && extra.empty())
        << "format: line " << i + 1 << " ('" << lines[i] << "') should be '" << expected.name
        << " <kind>': the steps in saga order, each followed by one word";
    bool known = false;
    for (const char* k : kKinds) known = known || kind == k;
    ASSERT_TRUE(known) << "format: line " << i + 1 << ": '" << kind
                       << "' is not a step kind (compensatable, pivot or retriable)";
  }
  for (std::size_t i = 0; i < lines.size(); ++i) {
    std::istringstream words(lines[i]);
    std::string step, kind;
    words >> step >> kind;
    const saga::StepDefinition& expected = definition->steps[i];
    EXPECT_TRUE(kind == saga::to_string(expected.kind))
        << "step '" << expected.name << "' is not " << kind << ": a " << kind << " step would "
        << "mean " << behaviour(kind_named(kind)) << "; watch " << expected.name
        << " in the demo's timelines of orders 1 and 4 (hints: 01-step-kinds.md)";
  }
}

}  // namespace
