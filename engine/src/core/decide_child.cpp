// Child sagas in the state machine (rules: ChildSaga in saga/definition.h, decide.h, and
// docs/dsl.md, "Child sagas"). Pure, like decide.cpp.
#include "core/decide_child.h"

#include <exception>
#include <utility>

namespace saga {

std::string child_saga_id(const std::string& parent_id, const std::string& step_name) {
  return parent_id + "/" + step_name;
}

namespace children {
namespace {

const StepDefinition& step_at(const SagaDefinition& def, std::int32_t i) {
  return def.steps[static_cast<std::size_t>(i)];
}

Status child_error(const StepDefinition& step, const std::string& what) {
  return invalid_argument("step '" + step.name + "': " + what);
}

void wait_for_child(SagaInstance& s) {
  s.wait = Wait::kChild;
  s.deadline = Millis{0};
  s.last_request_id.clear();
}

Result<std::string> child_data(const ChildSaga& child, const std::string& parent_data) {
  try {
    return child.make_data(parent_data);
  } catch (const std::exception& e) {
    return invalid_argument(std::string("child data function threw: ") + e.what());
  }
}

DataUpdate apply_end(const ChildSaga& child, const std::string& parent_data,
                     const std::string& child_data) {
  if (!child.on_end) return DataUpdate{false, {}, parent_data};
  try {
    return child.on_end(parent_data, child_data);
  } catch (const std::exception& e) {
    return DataUpdate{true, std::string("child end handler threw: ") + e.what(), {}};
  }
}

}  // namespace

Status check_child(const SagaDefinition& definition, std::size_t index) {
  const StepDefinition& step = definition.steps[index];
  const ChildSaga& child = *step.child;
  if (child.type.empty()) return child_error(step, "a child step names the child's definition");
  if (!child.make_data)
    return child_error(step, "a child step needs a function for the child's data");
  if (step.kind == StepKind::kRetriable) {
    return child_error(step,
                       "a child step is compensatable or the pivot (a child may compensate; a "
                       "retriable step must succeed)");
  }
  if (step.action || step.local || step.wait || step.compensation || step.on_reply) {
    return child_error(step,
                       "a child step only starts its child: no action, local function, wait or "
                       "compensation of its own (its compensation is the child's)");
  }
  if (!step.group.empty())
    return child_error(step, "a child step does not sit in a parallel group");
  if (!step.locks.empty()) return child_error(step, "a child step takes no locks of its own");
  return Status::ok();
}

std::string fingerprint_text(const StepDefinition& step) {
  if (!step.child) return {};
  return "child:" + step.child->type + ":" + std::to_string(step.child->version);
}

void begin(detail::DecideHooks& ops, std::int32_t j) {
  SagaInstance& s = ops.state();
  const StepDefinition& st = step_at(ops.definition(), j);
  Result<std::string> data = child_data(*st.child, s.data);
  if (!data) {
    ops.step_failed(j, FailureCause::kCommandBuildFailed,
                    "bad_child_data: " + data.status().message(), {},
                    /*run_own_compensation=*/false, /*retry_allowed=*/false);
    return;
  }
  const std::string id = child_saga_id(s.id, st.name);
  ops.record(Event::kChildStarted, j, id + " (" + st.child->type + ")", {});
  wait_for_child(s);
  ops.decision().child_start =
      ChildStart{id, st.child->type, st.child->version, std::move(data).value()};
}

void compensate(detail::DecideHooks& ops, std::int32_t j) {
  SagaInstance& s = ops.state();
  const std::string id = child_saga_id(s.id, step_at(ops.definition(), j).name);
  s.step = j;
  s.attempt = 1;
  ops.record(Event::kChildCompensationRequested, j, id, {});
  wait_for_child(s);
  ops.decision().child_compensate = id;
}

std::optional<std::string> child_ended(detail::DecideHooks& ops) {
  SagaInstance& s = ops.state();
  const SagaInstance* child = ops.input().child;
  if (child == nullptr) return "child_ended without the child";
  const SagaDefinition& def = ops.definition();
  const std::int32_t i = s.step;
  const bool in_range = i >= 0 && static_cast<std::size_t>(i) < def.steps.size();
  if (s.wait != Wait::kChild || !in_range ||
      child->id != child_saga_id(s.id, step_at(def, i).name)) {
    return "saga " + s.id + " does not wait for child " + child->id;
  }
  const bool done = child->phase == Phase::kExecuting && child->wait == Wait::kParent;
  if (!done && child->phase != Phase::kCompensated) {
    return "child " + child->id + " is " + std::string(to_string(child->phase));
  }
  if (s.phase == Phase::kCompensating) {
    if (done) {  // its steps got done after all (a cancel while it ran): now it compensates
      compensate(ops, i);
      return std::nullopt;
    }
    ops.record(Event::kCompensationSucceeded, i, {}, "child_compensated");
    ops.compensate_from(i - 1);
    return std::nullopt;
  }
  if (!done) {  // the child compensated: its effects are undone, the step failed
    ops.step_failed(i, FailureCause::kBusinessFailure,
                    "child saga " + child->id + " compensated: " + child->last_reason,
                    "child_compensated", /*run_own_compensation=*/false, /*retry_allowed=*/false);
    return std::nullopt;
  }
  DataUpdate update = apply_end(*step_at(def, i).child, s.data, child->data);
  if (update.failed) {  // the child's steps ran: undoing the parent includes its compensations
    ops.step_failed(i, FailureCause::kBusinessFailure, update.reason, "child_done",
                    /*run_own_compensation=*/true, /*retry_allowed=*/false);
    return std::nullopt;
  }
  s.data = std::move(update.data);
  ops.record(Event::kStepSucceeded, i, {}, "child_done");
  ops.advance_from(i);
  return std::nullopt;
}

void steps_done(detail::DecideHooks& ops) {
  SagaInstance& s = ops.state();
  ops.record(Event::kChildDone, -1, "waits for parent saga " + s.parent_id, {});
  s.wait = Wait::kParent;
  s.deadline = Millis{0};
  s.last_request_id.clear();
}

namespace {
std::optional<std::string> not_waiting(const SagaInstance& s) {
  if (s.phase == Phase::kExecuting && s.wait == Wait::kParent) return std::nullopt;
  return "saga " + s.id + " does not wait for its parent (" + std::string(to_string(s.phase)) +
         "): it tells its parent when its steps are done";
}
}  // namespace

std::optional<std::string> parent_compensates(detail::DecideHooks& ops) {
  SagaInstance& s = ops.state();
  if (std::optional<std::string> why = not_waiting(s)) return why;
  const std::string reason = "parent saga " + s.parent_id + " compensates";
  ops.record(Event::kCompensatingForParent, -1, reason, {});
  ops.set_failure(FailureCause::kParentCompensated, reason);
  ops.compensate_from(static_cast<std::int32_t>(ops.definition().steps.size()) - 1);
  return std::nullopt;
}

std::optional<std::string> parent_ended(detail::DecideHooks& ops) {
  SagaInstance& s = ops.state();
  if (std::optional<std::string> why = not_waiting(s)) return why;
  s.wait = Wait::kNone;
  ops.record(Event::kCompleted, -1, "parent saga " + s.parent_id + " ended", {});
  return std::nullopt;
}

}  // namespace children
}  // namespace saga
