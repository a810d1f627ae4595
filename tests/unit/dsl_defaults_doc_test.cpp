// Goal: the table "Step kinds and their defaults" in docs/dsl.md states the defaults the DSL
// really gives each kind of step: reply timeout and retry policy, and the compensation's.
// Method: build a saga with one step of each kind and no options, describe each default in the
// table's words, and compare with the rows read from the guide.
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "unit/ftgo_saga.h"

namespace {

using namespace test_ftgo;

// The guide's table: kind -> its cells.
std::map<std::string, std::vector<std::string>> defaults_table() {
  std::ifstream in(std::string(SAGA_SOURCE_DIR) + "/docs/dsl.md");
  std::map<std::string, std::vector<std::string>> rows;
  bool in_section = false;
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("### ", 0) == 0) in_section = line == "### Step kinds and their defaults";
    if (!in_section || line.rfind("| ", 0) != 0) continue;
    std::vector<std::string> cells;
    std::istringstream row(line.substr(2));
    for (std::string cell; std::getline(row, cell, '|');) {
      const auto last = cell.find_last_not_of(' ');
      cells.push_back(last == std::string::npos ? "" : cell.substr(0, last + 1));
      if (row.peek() == ' ') row.get();
    }
    if (cells.front() != "kind") rows[cells.front()] = cells;  // not the header
  }
  return rows;
}

std::string millis(saga::Millis ms) { return std::to_string(ms.count()) + " ms"; }

std::string factor(double f) {
  std::ostringstream out;
  out << f;
  return out.str();
}

// A policy in the table's words: "200 ms × 2 up to 30000 ms, 5 sends, full jitter".
std::string describe(const saga::RetryPolicy& p) {
  static const std::map<saga::Jitter, std::string> kJitter{
      {saga::Jitter::kNone, "no"}, {saga::Jitter::kFull, "full"}, {saga::Jitter::kEqual, "equal"}};
  std::string out = millis(p.initial_interval) + " × " + factor(p.backoff_coefficient);
  if (p.increment.count() != 0) out += " + " + millis(p.increment);
  out += " up to " + millis(p.maximum_interval) + ", ";
  out += p.maximum_attempts == 0 ? "unlimited" : std::to_string(p.maximum_attempts);
  out += " sends, " + kJitter.at(p.jitter) + " jitter";
  if (!p.non_retryable_reasons.empty()) out += ", some reasons not retried";
  return out;
}

TEST(DslDefaultsDocTest, TheGuidesTableStatesTheDefaultsOfEachKind) {
  const saga::RetryPolicy forever = saga::RetryPolicy::fixed(Millis{100}, 0);
  // clang-format off
  auto built = saga::define<CreateOrderData>("defaults", 1)
      .step("create_ticket").invoke(kitchen_service::create_ticket, &make_create_ticket)
          .compensate_with(kitchen_service::cancel_ticket, &make_cancel_ticket)
      .pivot("authorize_card").invoke(accounting_service::authorize_card, &make_authorize_card)
      .retriable("confirm_ticket").invoke(kitchen_service::confirm_ticket, &make_confirm_ticket).retry(forever)
      .build();
  // clang-format on
  ASSERT_TRUE(built.is_ok()) << built.status().to_string();
  const saga::SagaDefinition& d = *built.value();
  const saga::StepDefinition& compensatable = d.steps[0];
  const saga::StepDefinition& pivot = d.steps[1];
  const saga::StepDefinition& retriable = d.steps[2];

  const auto table = defaults_table();
  ASSERT_EQ(table.size(), 4u) << "rows: compensatable, pivot, retriable, compensation";
  const std::map<std::string, std::vector<std::string>> expected{
      {"compensatable", {millis(compensatable.reply_timeout), describe(compensatable.retry)}},
      {"pivot", {millis(pivot.reply_timeout), describe(pivot.retry)}},
      {"retriable", {millis(retriable.reply_timeout), "none: `.retry(...)` is required"}},
      {"compensation",
       {millis(compensatable.reply_timeout), describe(compensatable.compensation_retry)}},
  };
  for (const auto& [kind, cells] : expected) {
    ASSERT_TRUE(table.count(kind)) << "no row '" << kind << "' in docs/dsl.md";
    const std::vector<std::string>& row = table.at(kind);
    ASSERT_GE(row.size(), 3u) << kind;
    EXPECT_EQ(row[1], cells[0]) << kind << ": reply timeout";
    EXPECT_EQ(row[2], cells[1]) << kind << ": retry policy";
  }

  // "required" is true: a retriable step without .retry(...) does not build.
  auto no_retry = saga::define<CreateOrderData>("defaults", 1)
                      .pivot("authorize_card")
                      .invoke(accounting_service::authorize_card, &make_authorize_card)
                      .retriable("confirm_ticket")
                      .invoke(kitchen_service::confirm_ticket, &make_confirm_ticket)
                      .build();
  EXPECT_FALSE(no_retry.is_ok());
}

}  // namespace
