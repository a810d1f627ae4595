#include "timeline.h"

#include <algorithm>
#include <cstdio>
#include <string>
#include <utility>

namespace ftgo {
namespace {

bool is_compensation(saga::Event e) {
  using saga::Event;
  return e == Event::kCompensationSucceeded || e == Event::kCompensationTimedOut ||
         e == Event::kCompensationRetryScheduled || e == Event::kCompensationRetried ||
         e == Event::kCompensationExhausted || e == Event::kOperatorRetriedCompensation ||
         e == Event::kOperatorSkippedCompensation;
}

// What the event means, in words.
std::string meaning(const saga::HistoryEntry& h, const saga::SagaDefinition& definition) {
  using saga::Event;
  switch (h.event) {
    case Event::kStarted:
      return definition.name == "create_order" ? "saga started (order is APPROVAL_PENDING)"
                                               : "saga started";
    case Event::kStepSucceeded:
      return "step succeeded";
    case Event::kStepSkipped:
      return "step skipped";
    case Event::kStepFailed:
      if (h.step < 0) return "saga's lock REFUSED (" + h.reason + "): nothing to undo";
      return "step FAILED (" + h.reason + "): roll back";
    case Event::kStepTimedOut:
      return "no reply in time: same command sent again";
    case Event::kStepRetryScheduled:
      return "step failed (" + h.reason + "): retry scheduled";
    case Event::kStepRetried:
      return "step retried";
    case Event::kStepExhausted:
      return "retries exhausted: needs an operator";
    case Event::kCompleted:
      return "saga COMPLETED";
    case Event::kCompensationSucceeded:
      return "compensation succeeded";
    case Event::kCompensationTimedOut:
      return "compensation: no reply in time, sent again";
    case Event::kCompensationRetryScheduled:
      return "compensation failed (" + h.reason + "): retry scheduled";
    case Event::kCompensationRetried:
      return "compensation retried";
    case Event::kCompensationExhausted:
      return "compensation retries exhausted: needs an operator";
    case Event::kCompensated:
      return "saga ROLLED BACK (compensated)";
    case Event::kLockWaiting:
      return "WAITS for lock " + h.reason;
    case Event::kLockAcquired:
      return "lock " + h.reason + " acquired";
    default:
      return std::string(to_string(h.event)) + (h.reason.empty() ? "" : " (" + h.reason + ")");
  }
}

// The step ("3 reverse_authorization") and command ("undo: UndoBeginCancelTicket") of an entry.
std::pair<std::string, std::string> step_and_command(const saga::SagaDefinition& definition,
                                                     const saga::HistoryEntry& h) {
  std::string step = "-";
  std::string command = "-";
  if (h.step >= 0 && static_cast<std::size_t>(h.step) < definition.steps.size()) {
    const saga::StepDefinition& s = definition.steps[static_cast<std::size_t>(h.step)];
    step = std::to_string(h.step + 1) + " " + s.name;
    const auto& action = is_compensation(h.event) ? s.compensation : s.action;
    if (action) command = (is_compensation(h.event) ? "undo: " : "") + action->command_name;
  }
  return {step, command};
}

}  // namespace

void print_timelines(std::ostream& out, const std::vector<TimelineSaga>& sagas) {
  struct Line {
    saga::Millis time;
    std::size_t saga;
    const saga::HistoryEntry* entry;
  };
  std::vector<Line> lines;
  for (std::size_t i = 0; i < sagas.size(); ++i) {
    for (const saga::HistoryEntry& h : sagas[i].history) lines.push_back({h.time, i, &h});
  }
  std::stable_sort(lines.begin(), lines.end(),
                   [](const Line& a, const Line& b) { return a.time < b.time; });
  const saga::Millis start = lines.empty() ? saga::Millis{0} : lines.front().time;
  char line[320];
  std::snprintf(line, sizeof line, "    %8s  %-14s %-25s %-28s %-22s %-3s %s\n", "time", "saga",
                "step", "command", "reply", "att", "what happened");
  out << line;
  for (const Line& l : lines) {
    const TimelineSaga& s = sagas[l.saga];
    const saga::HistoryEntry& h = *l.entry;
    const auto [step, command] = step_and_command(*s.definition, h);
    const std::string reply = h.reply_name.empty() ? "-" : h.reply_name;
    const std::string attempt = h.attempt == 0 ? "-" : std::to_string(h.attempt);
    std::snprintf(line, sizeof line, "    +%5lld ms  %-14s %-25s %-28s %-22s %-3s %s\n",
                  static_cast<long long>((h.time - start).count()), s.saga_id.c_str(), step.c_str(),
                  command.c_str(), reply.c_str(), attempt.c_str(),
                  meaning(h, *s.definition).c_str());
    out << line;
  }
}

void print_timeline(std::ostream& out, const saga::SagaDefinition& definition,
                    const saga::SagaInstance& instance,
                    const std::vector<saga::HistoryEntry>& history) {
  const saga::Millis start = history.empty() ? instance.created_at : history.front().time;
  char line[256];
  std::snprintf(line, sizeof line, "    %8s  %-20s %-25s %-18s %-7s %s\n", "time", "step",
                "command", "reply", "attempt", "what happened");
  out << line;
  for (const saga::HistoryEntry& h : history) {
    const auto [step, command] = step_and_command(definition, h);
    const std::string reply = h.reply_name.empty() ? "-" : h.reply_name;
    const std::string attempt = h.attempt == 0 ? "-" : std::to_string(h.attempt);
    std::snprintf(line, sizeof line, "    +%5lld ms  %-20s %-25s %-18s %-7s %s\n",
                  static_cast<long long>((h.time - start).count()), step.c_str(), command.c_str(),
                  reply.c_str(), attempt.c_str(), meaning(h, definition).c_str());
    out << line;
  }
}

}  // namespace ftgo
