// Helpers shared by the workshop's checks: the answer files students fill in, a sample order,
// and the Create Order definition from examples/create_order.
#pragma once

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "ftgo/create_order_saga.h"
#include "ftgo/messages.h"
#include "saga/definition.h"

namespace workshop {

// The answer file a text check reads: $SAGA_WORKSHOP_ANSWER when set (the tests give the
// reference solution and the kept variants this way), else the student's file.
#ifdef SAGA_WORKSHOP_FILE  // defined for the checks, not for the files they judge
inline std::string answer_path() {
  const char* path = std::getenv("SAGA_WORKSHOP_ANSWER");
  return path != nullptr && *path != '\0' ? std::string(path) : std::string(SAGA_WORKSHOP_FILE);
}
#endif

// The lines of an answer file, trimmed, without blank lines and `#` comments. An unreadable
// file is a test failure and gives no lines.
inline std::vector<std::string> answer_lines(const std::string& path) {
  std::ifstream in(path);
  EXPECT_TRUE(in.good()) << "cannot read " << path;
  std::vector<std::string> lines;
  std::string line;
  while (std::getline(in, line)) {
    const auto first = line.find_first_not_of(" \t\r");
    if (first == std::string::npos || line[first] == '#') continue;
    const auto last = line.find_last_not_of(" \t\r");
    lines.push_back(line.substr(first, last - first + 1));
  }
  return lines;
}

// The answers of a quiz file (answer_path()): "question: answer" lines. A line that is not one,
// or whose question `known` rejects, is a format failure ("... with one of the file's
// questions<hint>"); an answer for which `choices` returns text (what it accepts) is a format
// failure quoting it. The rest, by question.
#ifdef SAGA_WORKSHOP_FILE
inline std::map<std::string, std::string> read_answers(
    const std::function<bool(const std::string& question)>& known, const std::string& hint,
    const std::function<std::optional<std::string>(const std::string& question,
                                                   const std::string& answer)>& choices) {
  std::map<std::string, std::string> out;
  const std::string path = answer_path();
  for (const std::string& line : answer_lines(path)) {
    const auto colon = line.find(':');
    const std::string key = line.substr(0, colon);
    if (colon == std::string::npos || !known(key)) {
      ADD_FAILURE() << "format: '" << line << "' in " << path << " is not 'question: answer' "
                    << "with one of the file's questions" << hint;
      continue;
    }
    std::string value = line.substr(colon + 1);
    value.erase(0, value.find_first_not_of(' '));
    if (std::optional<std::string> accepted = choices(key, value)) {
      ADD_FAILURE() << "format: " << key << ": '" << value << "' is not an answer (" << *accepted
                    << ")";
      continue;
    }
    out[key] = value;
  }
  return out;
}
#endif

// Compares a quiz's answers ("question: answer" lines, parsed) with what the engine did, one
// failure per question: "format: no answer for ..." when it is missing, else "<question>:
// '<given>' is not what happened; <why[question]>" (a question back, never the answer).
inline void expect_answers(const std::map<std::string, std::string>& given,
                           const std::map<std::string, std::string>& actual,
                           const std::map<std::string, std::string>& why) {
  for (const auto& [key, value] : actual) {
    auto it = given.find(key);
    if (it == given.end()) {
      ADD_FAILURE() << "format: no answer for '" << key << "'";
    } else {
      EXPECT_TRUE(it->second == value)
          << key << ": '" << it->second << "' is not what happened; " << why.at(key);
    }
  }
}

// Ada (consumer 1) orders two vindaloo at Ajanta (restaurant 1): the demo's happy order.
inline ftgo::CreateOrderData sample_order() {
  ftgo::CreateOrderData d;
  d.order_id = 1;
  d.consumer_id = 1;
  d.restaurant_id = 1;
  d.order_total_cents = 2'400;
  d.line_items = {{"vindaloo", 2}};
  return d;
}

// The example's definition; aborts the test when it does not build.
inline std::shared_ptr<const saga::SagaDefinition> example_definition() {
  saga::DefinitionResult definition = ftgo::create_order_definition();
  EXPECT_TRUE(definition.is_ok()) << definition.status().to_string();
  return definition.is_ok() ? definition.value() : nullptr;
}

}  // namespace workshop
