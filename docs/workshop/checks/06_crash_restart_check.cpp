// Goal: exercise 6 — the student predicts what a crash of the orchestrator between "sent the
// first command of a batch" and "sent the rest" does to a saga, and the engine confirms it.
// Method: an Engine on a real SQLite file (EngineFixture: in-memory transport, scripted FTGO
// participants, virtual clock) set to stop dead at CrashPoint::kAfterFirstSend; it is reopened
// on the same database until the saga ends; the facts measured (phase, deliveries, message ids,
// effects) are compared with the student's answers (SAGA_WORKSHOP_FILE, "key: value" lines).
#include <gtest/gtest.h>

#include <map>
#include <set>
#include <sstream>

#include "saga/testing/engine_fixture.h"
#include "workshop_support.h"

namespace {

using saga::testing::EngineFixture;

// "key: value" lines of the answer file.
std::map<std::string, std::string> answers() {
  std::map<std::string, std::string> out;
  for (const std::string& line : workshop::answer_lines(SAGA_WORKSHOP_FILE)) {
    const auto colon = line.find(':');
    if (colon == std::string::npos) continue;
    std::string value = line.substr(colon + 1);
    value.erase(0, value.find_first_not_of(' '));
    out[line.substr(0, colon)] = value;
  }
  return out;
}

std::string yes_no(bool b) { return b ? "yes" : "no"; }

TEST(Workshop06CrashRestart, TheAnswersMatchWhatTheEngineDid) {
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
  const std::map<std::string, std::string> given = answers();
  for (const auto& [key, value] : actual) {
    auto it = given.find(key);
    if (it == given.end()) {
      ADD_FAILURE() << "no answer for '" << key << "'";
    } else {
      EXPECT_TRUE(it->second == value) << key << ": '" << it->second << "' is not what happened";
    }
  }
}

}  // namespace
