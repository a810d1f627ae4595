// Goal: exercise 12 — the student predicts what a cancel does to Create Order at each step, and
// what a saga deadline does after the pivot; the engine confirms it.
// Method: an Engine on a real SQLite file (EngineFixture: in-memory transport, scripted FTGO
// participants, virtual clock, the FTGO step shapes: reject_order, verify_consumer,
// create_ticket, authorize_card = pivot, confirm_ticket, approve_order). A participant that
// ignores a command holds the saga at that step; Engine::cancel is asked there; the history's
// compensations, or the refusal, are compared with the student's answers
// (workshop::answer_path(), "question: answer" lines).
#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <string>
#include <thread>

#include "saga/testing/engine_fixture.h"
#include "workshop_support.h"

namespace {

using saga::testing::EngineFixture;

// The step each cancel question holds the saga at, and the command held there.
const std::map<std::string, std::pair<std::int32_t, std::string>> kCancelAt{
    {"cancel_at_verify_consumer", {1, "ValidateOrderByConsumer"}},
    {"cancel_at_create_ticket", {2, "CreateTicket"}},
    {"cancel_at_authorize_card", {3, "AuthorizeCard"}},
    {"cancel_at_confirm_ticket", {4, "ConfirmCreateTicket"}},
};

// What a wrong answer misses (never the answer).
const std::map<std::string, std::string> kWhy{
    {"cancel_at_verify_consumer",
     "which earlier steps did something that must be undone, and does verify_consumer have a "
     "compensation?"},
    {"cancel_at_create_ticket",
     "CreateTicket is out and unanswered: can the engine know whether the ticket exists?"},
    {"cancel_at_authorize_card",
     "AuthorizeCard has been sent: could the card already be charged, with nothing to undo it?"},
    {"cancel_at_confirm_ticket", "where is the saga's point of no return?"},
    {"deadline_at_confirm_ticket",
     "after the pivot, does a saga deadline roll back, or let the retriable steps finish?"},
};

std::map<std::string, std::string> answers() {
  return workshop::read_answers(
      [](const std::string& key) { return kWhy.contains(key); }, "",
      [](const std::string& key, const std::string& value) -> std::optional<std::string> {
        if (kCancelAt.contains(key)) {
          if (value == "refused" || value.starts_with("undo ")) return std::nullopt;
          return "'refused' or 'undo <step>, <step>, ...'";
        }
        if (value == "completed" || value == "compensated") return std::nullopt;
        return "completed or compensated";
      });
}

// Waits (real time, bounded) until saga `id` waits for the reply of step `step`.
bool held_at(EngineFixture& f, const std::string& id, std::int32_t step) {
  for (int i = 0; i < 2'000; ++i) {
    saga::Result<saga::SagaInstance> s = f.engine().get(id);
    if (s && s->step == step && s->wait == saga::Wait::kReply) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return false;
}

// "refused", or "undo a, b" from the compensations in the saga's history.
std::string cancel_outcome(EngineFixture& f, const std::string& id, const saga::Status& cancel) {
  f.settle(id);
  if (!cancel) return "refused";
  std::string undo;
  saga::Result<std::vector<saga::HistoryEntry>> history = f.engine().history(id);
  if (!history) return "<no history: " + history.status().to_string() + ">";
  for (const saga::HistoryEntry& h : history.value()) {
    if (h.event != saga::Event::kCompensationSucceeded) continue;
    undo += (undo.empty() ? "undo " : ", ") +
            f.definition()->steps[static_cast<std::size_t>(h.step)].name;
  }
  return undo.empty() ? "undo" : undo;
}

TEST(Workshop12Cancellation, TheAnswersMatchWhatTheEngineDid) {
  const std::map<std::string, std::string> given = answers();  // format errors first
  ASSERT_FALSE(::testing::Test::HasFailure()) << "format: fix the answer file first";
  EngineFixture f;
  ASSERT_TRUE(f.open().is_ok());
  std::map<std::string, std::string> actual;
  int n = 0;
  for (const auto& [question, at] : kCancelAt) {
    const std::string id = "order-" + std::to_string(++n);
    f.participants().ignore(at.second, 1);
    saga::StartOptions start;
    start.id = id;
    ASSERT_TRUE(f.engine().start_saga("create_order", "data", start).is_ok());
    ASSERT_TRUE(held_at(f, id, at.first)) << id << " never waited at step " << at.first;
    const saga::Status cancel = f.engine().cancel(id, "Ada changed her mind", "workshop");
    actual[question] = cancel_outcome(f, id, cancel);
    std::printf("%s: %s\n", question.c_str(), cancel ? "applied" : cancel.message().c_str());
  }
  // A deadline that passes while ConfirmCreateTicket is out (after the pivot); the virtual
  // clock stands still until settle() moves it.
  f.participants().ignore("ConfirmCreateTicket", 1);
  saga::StartOptions start;
  start.id = "order-late";
  start.deadline = f.clock().now() + saga::Millis{150};
  ASSERT_TRUE(f.engine().start_saga("create_order", "data", start).is_ok());
  ASSERT_TRUE(held_at(f, "order-late", 4));
  actual["deadline_at_confirm_ticket"] = std::string(saga::to_string(f.settle("order-late").phase));

  workshop::expect_answers(given, actual, kWhy);
}

}  // namespace
