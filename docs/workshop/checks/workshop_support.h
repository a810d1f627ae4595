// Helpers shared by the workshop's checks: the answer files students fill in, a sample order,
// and the Create Order definition from examples/create_order.
#pragma once

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <memory>
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
