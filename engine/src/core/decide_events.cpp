// Wait steps: validation, fingerprint, their transitions and the engine's questions about a
// delivered event. Pure, like decide.cpp (see decide_events.h).
#include "core/decide_events.h"

#include <exception>

namespace saga {

std::string_view to_string(EventTimeout outcome) {
  switch (outcome) {
    case EventTimeout::kCompensate:
      return "compensate";
    case EventTimeout::kContinue:
      return "continue";
  }
  return "unknown";
}

namespace events {
namespace {

Status wait_error(const StepDefinition& step, std::string_view what) {
  return invalid_argument("step '" + step.name + "': " + std::string(what));
}

std::int32_t index_of(const SagaDefinition& def, const std::string& name) {
  for (std::size_t j = 0; j < def.steps.size(); ++j) {
    if (def.steps[j].name == name) return static_cast<std::int32_t>(j);
  }
  return -1;
}

const StepDefinition& step_at(const SagaDefinition& def, std::int32_t i) {
  return def.steps[static_cast<std::size_t>(i)];
}

// Runs a user callback; an exception becomes a failed update.
template <typename Call>
DataUpdate guarded(Call&& call, std::string_view what) {
  try {
    return call();
  } catch (const std::exception& e) {
    return DataUpdate{true, std::string(what) + " threw: " + e.what(), {}};
  }
}

}  // namespace

Status check_wait(const SagaDefinition& definition, std::size_t index) {
  const StepDefinition& step = definition.steps[index];
  if (!step.wait) return Status::ok();
  const EventWait& wait = *step.wait;
  if (wait.event.empty()) return wait_error(step, "a wait step needs an event name");
  if (step.action || step.local || step.compensation || step.on_reply) {
    return wait_error(step,
                      "a wait step only waits: no action, local function, compensation or reply "
                      "handler");
  }
  if (step.kind == StepKind::kPivot) {
    return wait_error(step, "the pivot cannot be a wait step (a wait has no effect to commit to)");
  }
  if (wait.timeout <= Millis{0}) return wait_error(step, "a wait's timeout must be positive");
  if (wait.on_timeout == EventTimeout::kCompensate) {
    if (step.kind != StepKind::kCompensatable) {
      return wait_error(step,
                        "a wait after the pivot cannot compensate on timeout (the saga is bound "
                        "to finish): continue instead");
    }
    if (!wait.skip_to.empty() || wait.timeout_update) {
      return wait_error(step, "skip_to and a timeout update go with on_timeout continue");
    }
  }
  if (!wait.skip_to.empty() &&
      index_of(definition, wait.skip_to) <= static_cast<std::int32_t>(index)) {
    return wait_error(step, "skip_to must name a later step: '" + wait.skip_to + "'");
  }
  return Status::ok();
}

std::string fingerprint_text(const StepDefinition& step) {
  if (!step.wait) return {};
  const EventWait& w = *step.wait;
  return "wait|" + w.event + "|" + std::string(to_string(w.on_timeout)) + "|" + w.skip_to + "|" +
         (w.key ? "keyed" : "by-id");
}

void begin_wait(DecideOps& ops, std::int32_t j) {
  SagaInstance& s = ops.state();
  const EventWait& wait = *step_at(ops.definition(), j).wait;
  s.step = j;
  s.last_request_id.clear();
  s.wait = Wait::kEvent;
  s.deadline = ops.input().now + wait.timeout;
  ops.record(Event::kEventAwaited, j, {}, wait.event);
}

std::optional<std::string> event_arrived(DecideOps& ops) {
  SagaInstance& s = ops.state();
  const Input& in = ops.input();
  if (in.event == nullptr) return "event input without an event";
  const std::string awaited = awaited_event(ops.definition(), s);
  if (awaited.empty() || awaited != in.event->name) {
    return "not waiting for event '" + std::string(in.event->name) + "'";
  }
  const std::int32_t i = s.step;
  const EventWait& wait = *step_at(ops.definition(), i).wait;
  DataUpdate update =
      wait.on_event ? guarded([&] { return wait.on_event(s.data, *in.event); }, "event handler")
                    : DataUpdate{false, {}, s.data};
  s.wait = Wait::kNone;
  s.deadline = Millis{0};
  ops.record(Event::kEventReceived, i, std::string(in.event->event_id), wait.event);
  if (update.failed) {
    ops.step_failed(i, FailureCause::kBusinessFailure, "event rejected: " + update.reason,
                    wait.event, /*run_own_compensation=*/false, /*retry_allowed=*/false);
    return std::nullopt;
  }
  s.data = std::move(update.data);
  ops.advance_from(i);
  return std::nullopt;
}

std::optional<std::string> wait_timed_out(DecideOps& ops) {
  SagaInstance& s = ops.state();
  if (s.wait != Wait::kEvent || ops.input().now < s.deadline) return "no event deadline due";
  const std::int32_t i = s.step;
  const StepDefinition& st = step_at(ops.definition(), i);
  const EventWait& wait = *st.wait;
  s.wait = Wait::kNone;
  s.deadline = Millis{0};
  const std::string reason = "event_timeout: " + wait.event;
  ops.record(Event::kEventTimedOut, i, reason, wait.event);
  if (wait.on_timeout == EventTimeout::kCompensate) {
    ops.step_failed(i, FailureCause::kTimeout, reason, {}, /*run_own_compensation=*/false,
                    /*retry_allowed=*/false);
    return std::nullopt;
  }
  if (wait.timeout_update) {
    DataUpdate update = guarded([&] { return wait.timeout_update(s.data); }, "timeout update");
    if (update.failed) {
      ops.step_failed(i, FailureCause::kLocalStepFailed, update.reason, {},
                      /*run_own_compensation=*/false, /*retry_allowed=*/false);
      return std::nullopt;
    }
    s.data = std::move(update.data);
  }
  std::int32_t resume = i;
  if (!wait.skip_to.empty()) {
    const std::int32_t target = index_of(ops.definition(), wait.skip_to);
    for (std::int32_t j = i + 1; j < target; ++j) {
      s.step = j;
      s.attempt = 0;
      s.skipped_mask |= (std::uint64_t{1} << j);
      ops.record(Event::kStepSkipped, j, "skipped after " + reason, {});
    }
    resume = target - 1;
  }
  ops.advance_from(resume);
  return std::nullopt;
}

EventFit event_fit(const SagaDefinition& definition, const SagaInstance& instance,
                   std::string_view name, std::string* why) {
  auto never = [&](std::string text) {
    if (why) *why = std::move(text);
    return EventFit::kNever;
  };
  std::int32_t last_wait = -1;
  for (std::size_t j = 0; j < definition.steps.size(); ++j) {
    const StepDefinition& st = definition.steps[j];
    if (st.wait && st.wait->event == name) last_wait = static_cast<std::int32_t>(j);
  }
  const std::string saga = "saga " + instance.id;
  if (last_wait < 0) {
    return never(saga + " (" + definition.name + ") waits for no event '" + std::string(name) +
                 "'");
  }
  const bool running =
      instance.phase == Phase::kExecuting ||
      (instance.phase == Phase::kFailed && instance.failed_from == Phase::kExecuting);
  if (!running) {
    return never(saga + " is " + std::string(to_string(instance.phase)) +
                 ": it waits for no event any more");
  }
  if (instance.phase == Phase::kExecuting && instance.wait == Wait::kEvent &&
      awaited_event(definition, instance) == name) {
    return EventFit::kNow;
  }
  // Not waiting for it now: a wait step for it still ahead (or the current step, not entered
  // yet or to be run again by an operator) will take it.
  const bool entered = instance.wait == Wait::kEvent && instance.phase == Phase::kExecuting;
  if (last_wait > instance.step || (last_wait == instance.step && !entered)) {
    return EventFit::kLater;
  }
  return never(saga + " is past its wait for '" + std::string(name) + "' (at step " +
               std::to_string(instance.step + 1) + ")");
}

std::vector<std::pair<std::string, std::string>> event_keys(const SagaDefinition& definition,
                                                            std::string_view data) {
  std::vector<std::pair<std::string, std::string>> keys;
  for (const StepDefinition& st : definition.steps) {
    if (!st.wait || !st.wait->key) continue;
    std::string key;
    try {
      key = st.wait->key(data);
    } catch (const std::exception&) {
      continue;  // no key: events for this wait must name the saga by its id
    }
    if (!key.empty()) keys.emplace_back(st.wait->event, std::move(key));
  }
  return keys;
}

std::string awaited_event(const SagaDefinition& definition, const SagaInstance& instance) {
  if (instance.wait != Wait::kEvent || instance.step < 0 ||
      static_cast<std::size_t>(instance.step) >= definition.steps.size()) {
    return {};
  }
  const StepDefinition& st = step_at(definition, instance.step);
  return st.wait ? st.wait->event : std::string();
}

}  // namespace events
}  // namespace saga
