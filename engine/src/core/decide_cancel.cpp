// Saga control: scheduled start, cancel and the saga deadline (decide_cancel.h).
#include "decide_cancel.h"

#include <string>

namespace saga {

std::int32_t point_of_no_return(const SagaDefinition& definition) {
  for (std::size_t j = 0; j < definition.steps.size(); ++j) {
    if (definition.steps[j].kind != StepKind::kCompensatable) return static_cast<std::int32_t>(j);
  }
  return static_cast<std::int32_t>(definition.steps.size());
}

bool past_point_of_no_return(const SagaDefinition& definition, const SagaInstance& instance) {
  if (instance.phase != Phase::kExecuting) return false;
  const std::int32_t p = point_of_no_return(definition);
  // At the point itself the saga is still before it while it waits for the step's locks: its
  // command has not been sent.
  return instance.step > p || (instance.step == p && instance.wait != Wait::kLock);
}

namespace control {
namespace {

std::string step_label(const SagaDefinition& def, std::int32_t i) {
  if (i < 0 || static_cast<std::size_t>(i) >= def.steps.size()) return "the saga";
  return "step '" + def.steps[static_cast<std::size_t>(i)].name + "'";
}

// Undo what ran: the steps before the current one, and the current one too when its command is
// outstanding (sent, or due to be sent again after a timeout): its outcome is unknown, and the
// participant's barrier makes the compensation a no-op if the action never ran.
std::int32_t undo_from(const SagaInstance& s) {
  // A running child (Wait::kChild) is asked to compensate too (decide_child.cpp).
  return s.last_request_id.empty() && s.wait != Wait::kChild ? s.step - 1 : s.step;
}

Result<Plan> cancel(const SagaDefinition& def, const SagaInstance& s, const Input& in) {
  Plan plan;
  plan.reason = in.reason;
  plan.cause = FailureCause::kCancelled;
  if (s.phase == Phase::kScheduled) {
    plan.action = Action::kEnd;
    plan.event = Event::kCancelledBeforeStart;
    plan.reason = "cancelled before start: " + in.reason;
    return plan;
  }
  if (s.phase != Phase::kExecuting) {
    std::string hint = s.phase == Phase::kFailed ? " (an operator may compensate it)" : "";
    return failed_precondition("saga " + s.id + " is " + std::string(to_string(s.phase)) +
                               "; only an executing or scheduled saga can be cancelled" + hint);
  }
  if (past_point_of_no_return(def, s)) {
    return failed_precondition("saga " + s.id + " is past its pivot (" +
                               step_label(def, point_of_no_return(def)) +
                               "): it is bound to finish and cannot be cancelled");
  }
  plan.action = Action::kCompensate;
  plan.event = Event::kCancelled;
  plan.reason = "cancelled: " + in.reason;
  plan.compensate_from = undo_from(s);
  return plan;
}

Plan saga_deadline(const SagaDefinition& def, const SagaInstance& s, const Input& in) {
  Plan plan;
  const bool acts = s.saga_deadline.count() > 0 && in.now >= s.saga_deadline &&
                    (s.phase == Phase::kExecuting || s.phase == Phase::kScheduled);
  if (!acts) {
    plan.reason = "no saga deadline due";
    return plan;
  }
  plan.clear_saga_deadline = true;
  plan.cause = FailureCause::kSagaDeadline;
  const std::string at = "saga deadline " + std::to_string(s.saga_deadline.count()) + " passed";
  if (s.phase == Phase::kScheduled) {
    plan.action = Action::kEnd;
    plan.event = Event::kCancelledBeforeStart;
    plan.reason = at + " before the saga started";
  } else if (past_point_of_no_return(def, s)) {
    plan.action = Action::kNote;
    plan.event = Event::kSagaDeadlinePassedAfterPivot;
    plan.reason = at + " after the pivot: the saga finishes its remaining steps";
  } else {
    plan.action = Action::kCompensate;
    plan.event = Event::kSagaDeadlinePassed;
    plan.reason = at + " before the pivot";
    plan.compensate_from = undo_from(s);
  }
  return plan;
}

}  // namespace

Result<Plan> plan_control(const SagaDefinition& definition, const SagaInstance& instance,
                          const Input& input) {
  switch (input.kind) {
    case InputKind::kScheduledStart: {
      Plan plan;
      if (instance.phase != Phase::kScheduled || instance.wait != Wait::kStart ||
          input.now < instance.deadline) {
        plan.reason = "no scheduled start due";
        return plan;
      }
      plan.action = Action::kRun;
      plan.event = Event::kScheduledStart;
      return plan;
    }
    case InputKind::kCancel:
      if (input.reason.empty()) return invalid_argument("cancel: a reason is required");
      return cancel(definition, instance, input);
    case InputKind::kSagaDeadline:
      return saga_deadline(definition, instance, input);
    default:
      return invalid_argument("plan_control: not a saga control input");
  }
}

}  // namespace control
}  // namespace saga
