#include "scenario_matrix_events.h"

#include <algorithm>

namespace saga::testing::matrix_events {

bool is_event_kind(ScenarioKind kind) {
  return kind == ScenarioKind::kEventEarly || kind == ScenarioKind::kEventLate ||
         kind == ScenarioKind::kEventDuplicated || kind == ScenarioKind::kEventNever;
}

void plan(const SagaDefinition& def, std::vector<Scenario>& out) {
  for (std::size_t i = 0; i < def.steps.size(); ++i) {
    if (!def.steps[i].wait) continue;
    for (ScenarioKind kind :
         {ScenarioKind::kEventEarly, ScenarioKind::kEventLate, ScenarioKind::kEventDuplicated,
          ScenarioKind::kEventNever, ScenarioKind::kCancelled}) {
      out.push_back(
          Scenario{kind, i, 0, 0, std::string(to_string(kind)) + "/" + def.steps[i].name});
    }
  }
}

Result<EventDisposition> Driver::deliver(SagaHarness& h, const std::string& name,
                                         const std::string& event_id) const {
  std::string body;
  ContentType type = ContentType::kCerealBinary;
  if (auto f = config_.events.find(name); f != config_.events.end()) {
    body = f->second.body;
    type = f->second.content_type;
  }
  return h.deliver_event(name, event_id, type, std::move(body));
}

void Driver::at_start(SagaHarness& h) {
  if (sc_.kind != ScenarioKind::kEventEarly) return;
  const std::string& name = def_.steps[sc_.step].wait->event;
  Result<EventDisposition> r = deliver(h, name, "early");
  if (!r) {
    problems_.push_back("the early event was refused: " + r.status().to_string());
  } else if (r.value() == EventDisposition::kDuplicate) {
    problems_.push_back("the early event was taken as a duplicate");
  } else {
    early_sent_ = true;
  }
}

bool Driver::at_wait(SagaHarness& h, bool& cancel_tried, Status& cancel_status) {
  const std::size_t i = static_cast<std::size_t>(h.instance().step);
  if (i >= def_.steps.size() || !def_.steps[i].wait) return h.fire_timer();
  const std::string name = def_.steps[i].wait->event;
  const std::string id = "event/" + def_.steps[i].name;
  const bool here = i == sc_.step;
  if (here && sc_.kind == ScenarioKind::kCancelled && !cancel_tried) {
    cancel_tried = true;  // while the saga waits: no event comes
    cancel_status = h.cancel("scenario: cancel");
    return true;
  }
  if (here && sc_.kind == ScenarioKind::kEventEarly) {
    problems_.push_back("the early event was not taken when the saga reached its wait step");
    return h.fire_timer();
  }
  if (here && (sc_.kind == ScenarioKind::kEventNever || sc_.kind == ScenarioKind::kEventLate)) {
    timed_out_ = true;
    if (!h.fire_timer()) return false;
    if (sc_.kind == ScenarioKind::kEventLate) {
      const SagaInstance before = h.instance();
      Result<EventDisposition> r = deliver(h, name, id);
      if (r) {
        problems_.push_back("an event after the time limit was taken (" +
                            std::string(to_string(r.value())) + ")");
      } else if (r.status().code() != StatusCode::kFailedPrecondition) {
        problems_.push_back("a late event was refused with " + r.status().to_string() +
                            ", expected failed_precondition");
      } else if (!(h.instance() == before)) {
        problems_.push_back("a refused late event changed the instance");
      } else {
        late_refused_ = true;
      }
    }
    return true;
  }
  Result<EventDisposition> r = deliver(h, name, id);
  if (!r) {
    problems_.push_back("the event " + name + " was refused: " + r.status().to_string());
    return h.fire_timer();
  }
  if (here && sc_.kind == ScenarioKind::kEventDuplicated) {
    const SagaInstance before = h.instance();
    Result<EventDisposition> again = deliver(h, name, id);
    if (!again || again.value() != EventDisposition::kDuplicate) {
      problems_.push_back("the same event id again was not a duplicate");
    } else if (!(h.instance() == before)) {
      problems_.push_back("a duplicate event changed the instance");
    } else {
      duplicate_ignored_ = true;
    }
  }
  return true;
}

bool Driver::in_history(const ScenarioOutcome& out, Event event) const {
  return std::any_of(out.history.begin(), out.history.end(), [&](const HistoryEntry& e) {
    return e.event == event && e.step == static_cast<std::int32_t>(sc_.step);
  });
}

Driver::Expectation Driver::check(const ScenarioOutcome& out,
                                  std::vector<std::string>& problems) const {
  problems.insert(problems.end(), problems_.begin(), problems_.end());
  Expectation e;
  const EventWait& wait = *def_.steps[sc_.step].wait;
  switch (sc_.kind) {
    case ScenarioKind::kEventEarly:
    case ScenarioKind::kEventDuplicated:
      if (sc_.kind == ScenarioKind::kEventEarly && !early_sent_) {
        problems.push_back("the early event was never delivered");
      }
      if (sc_.kind == ScenarioKind::kEventDuplicated && !duplicate_ignored_) {
        problems.push_back("no duplicate was delivered and ignored");
      }
      if (!in_history(out, Event::kEventReceived)) {
        problems.push_back("the wait step's history has no event_received");
      }
      break;
    case ScenarioKind::kEventLate:
      if (!late_refused_) problems.push_back("the late event was not refused");
      [[fallthrough]];
    case ScenarioKind::kEventNever:
      if (!timed_out_) problems.push_back("the saga never waited at the step");
      if (!in_history(out, Event::kEventTimedOut)) {
        problems.push_back("the wait step's history has no event_timed_out");
      }
      if (in_history(out, Event::kEventReceived)) {
        problems.push_back("the wait step took an event after its time limit");
      }
      if (wait.on_timeout == EventTimeout::kCompensate) {
        e.phase = Phase::kCompensated;
        e.compensates = true;
      }
      break;
    default:
      break;
  }
  return e;
}

}  // namespace saga::testing::matrix_events
