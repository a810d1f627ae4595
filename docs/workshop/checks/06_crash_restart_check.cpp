// Goal: exercise 6 — the student predicts what a crash of the orchestrator between "sent the
// first command of a batch" and "sent the rest" does to a saga, and the engine confirms it.
// Method: an Engine on a real SQLite file (EngineFixture: in-memory transport, scripted FTGO
// participants, virtual clock) set to stop dead at CrashPoint::kAfterFirstSend; it is reopened
// on the same database until the saga ends; the facts measured (phase, deliveries, message ids,
// effects) are compared with the student's answers (workshop::answer_path(), "key: value" lines).
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>
#include <sstream>

#include "saga/testing/engine_fixture.h"
#include "workshop_support.h"

namespace {

using saga::testing::EngineFixture;

// The questions, and the answers each accepts (empty: a number).
const std::map<std::string, std::vector<std::string>> kQuestions{
    {"final_phase", {"completed", "compensated", "failed"}},
    {"some_command_delivered_more_than_once", {"yes", "no"}},
    {"resends_keep_the_message_id", {"yes", "no"}},
    {"create_ticket_applied_times", {}},
    {"approve_order_applied_times", {}},
};

// What a wrong answer to each question misses, in the exercise's terms (never the answer).
const std::map<std::string, std::string> kWhy{
    {"final_phase", "does a crash of the orchestrator change how a happy-path saga ends?"},
    {"some_command_delivered_more_than_once",
     "after a restart, can the engine know whether an unanswered command arrived before the "
     "crash? Compare the deliveries printed above"},
    {"resends_keep_the_message_id",
     "how could a participant's inbox recognise a resend otherwise?"},
    {"create_ticket_applied_times",
     "a delivery is not an application: what does Kitchen's inbox do with a resend?"},
    {"approve_order_applied_times",
     "a delivery is not an application: what does the Order service's inbox do with a resend?"},
};

// "key: value" lines of the answer file; a line that is not one is a format failure.
std::map<std::string, std::string> answers() {
  return workshop::read_answers(
      [](const std::string& key) { return kQuestions.contains(key); }, " (final_phase, ...)",
      [](const std::string& key, const std::string& value) -> std::optional<std::string> {
        const std::vector<std::string>& allowed = kQuestions.at(key);
        const bool ok =
            allowed.empty()
                ? !value.empty() && value.find_first_not_of("0123456789") == std::string::npos
                : std::find(allowed.begin(), allowed.end(), value) != allowed.end();
        if (ok) return std::nullopt;
        std::string choices = "a number";
        if (!allowed.empty()) {
          choices.clear();
          for (const std::string& a : allowed) choices += (choices.empty() ? "" : ", ") + a;
        }
        return choices;
      });
}

std::string yes_no(bool b) { return b ? "yes" : "no"; }

TEST(Workshop06CrashRestart, TheAnswersMatchWhatTheEngineDid) {
  const std::map<std::string, std::string> given = answers();  // format errors first
  ASSERT_FALSE(::testing::Test::HasFailure()) << "format: fix the answer file first";
  EngineFixture f;
  saga::EngineOptions crashing;
  crashing.crash_at = saga::CrashPoint::kAfterFirstSend;
  ASSERT_TRUE(f.open(crashing).is_ok());
  saga::StartOptions start;
  start.id = "order-1";
  saga::Result<std::string> started = f.engine().start_saga("create_order", "data-1", start);
  int restarts = 0;
  if (!started) ++restarts;  // the start itself met the crash point; it committed or not
  for (; restarts < 60; ++restarts) {
    saga::Result<saga::SagaInstance> s = f.engine().wait("order-1", saga::Millis{20});
    if (s.is_ok() && saga::is_terminal(s->phase)) break;
    if (!s.is_ok() && s.status().code() == saga::StatusCode::kNotFound) {
      (void)f.engine().start_saga("create_order", "data-1", start);
    }
    f.clock().advance(saga::Millis{1'100});  // past any reply deadline
    ASSERT_TRUE(f.open(crashing).is_ok());   // a restart on the same database
  }
  ASSERT_TRUE(f.open().is_ok());
  const saga::SagaInstance end = f.settle("order-1");

  // What happened, measured.
  std::map<std::string, std::set<std::string>> message_ids;  // command -> message ids sent
  std::map<std::string, int> deliveries;                     // command -> deliveries
  for (const auto& sent : f.transport().sent()) {
    if (sent.command.saga_id != "order-1") continue;
    message_ids[sent.command.name].insert(sent.command.message_id);
    ++deliveries[sent.command.name];
  }
  bool some_command_sent_twice = false;
  bool resends_keep_message_id = true;
  for (const auto& [name, count] : deliveries) {
    if (count > 1) some_command_sent_twice = true;
    if (message_ids[name].size() != 1) resends_keep_message_id = false;
  }
  std::printf("restarts: %d; deliveries:", restarts);
  for (const auto& [name, count] : deliveries) std::printf(" %s x%d", name.c_str(), count);
  std::printf("\n");
  EXPECT_GT(restarts, 1) << "the crash point was not hit";

  const std::map<std::string, std::string> actual{
      {"final_phase", std::string(saga::to_string(end.phase))},
      {"some_command_delivered_more_than_once", yes_no(some_command_sent_twice)},
      {"resends_keep_the_message_id", yes_no(resends_keep_message_id)},
      {"create_ticket_applied_times",
       std::to_string(f.participants().effects("order-1", "CreateTicket"))},
      {"approve_order_applied_times",
       std::to_string(f.participants().effects("order-1", "ApproveOrder"))},
  };
  workshop::expect_answers(given, actual, kWhy);
}

}  // namespace
