#include "saga/phase.h"

namespace saga {

std::string_view to_string(Phase phase) {
  switch (phase) {
    case Phase::kNotStarted:
      return "not_started";
    case Phase::kExecuting:
      return "executing";
    case Phase::kCompensating:
      return "compensating";
    case Phase::kCompleted:
      return "completed";
    case Phase::kCompensated:
      return "compensated";
    case Phase::kFailed:
      return "failed";
    case Phase::kScheduled:
      return "scheduled";
  }
  return "unknown";
}

std::string_view to_string(Event event) {
  switch (event) {
    case Event::kStarted:
      return "started";
    case Event::kStepSucceeded:
      return "step_succeeded";
    case Event::kStepSkipped:
      return "step_skipped";
    case Event::kStepFailed:
      return "step_failed";
    case Event::kStepTimedOut:
      return "step_timed_out";
    case Event::kStepRetryScheduled:
      return "step_retry_scheduled";
    case Event::kStepRetried:
      return "step_retried";
    case Event::kStepExhausted:
      return "step_exhausted";
    case Event::kCompleted:
      return "completed";
    case Event::kCompensationSucceeded:
      return "compensation_succeeded";
    case Event::kCompensationTimedOut:
      return "compensation_timed_out";
    case Event::kCompensationRetryScheduled:
      return "compensation_retry_scheduled";
    case Event::kCompensationRetried:
      return "compensation_retried";
    case Event::kCompensationExhausted:
      return "compensation_exhausted";
    case Event::kCompensated:
      return "compensated";
    case Event::kOperatorRetriedStep:
      return "operator_retried_step";
    case Event::kOperatorRetriedCompensation:
      return "operator_retried_compensation";
    case Event::kOperatorCompensated:
      return "operator_compensated";
    case Event::kOperatorSkippedStep:
      return "operator_skipped_step";
    case Event::kOperatorSkippedCompensation:
      return "operator_skipped_compensation";
    case Event::kLockWaiting:
      return "lock_waiting";
    case Event::kLockAcquired:
      return "lock_acquired";
    case Event::kOperatorReleasedLock:
      return "operator_released_lock";
    case Event::kCommandHeld:
      return "command_held";
    case Event::kCommandReleased:
      return "command_released";
    case Event::kOperatorRetriedRunningCompensation:
      return "operator_retried_running_compensation";
    case Event::kOperatorSkippedRunningCompensation:
      return "operator_skipped_running_compensation";
    case Event::kScheduled:
      return "scheduled";
    case Event::kScheduledStart:
      return "scheduled_start";
    case Event::kCancelled:
      return "cancelled";
    case Event::kCancelledBeforeStart:
      return "cancelled_before_start";
    case Event::kSagaDeadlinePassed:
      return "saga_deadline_passed";
    case Event::kSagaDeadlinePassedAfterPivot:
      return "saga_deadline_passed_after_pivot";
    case Event::kEventAwaited:
      return "event_awaited";
    case Event::kEventReceived:
      return "event_received";
    case Event::kEventTimedOut:
      return "event_timed_out";
    case Event::kGroupSent:
      return "group_sent";
    case Event::kBranchFailed:
      return "branch_failed";
    case Event::kBranchSettled:
      return "branch_settled";
    case Event::kBranchExhausted:
      return "branch_exhausted";
    case Event::kChildStarted:
      return "child_started";
    case Event::kChildDone:
      return "child_done";
    case Event::kChildCompensationRequested:
      return "child_compensation_requested";
    case Event::kCompensatingForParent:
      return "compensating_for_parent";
  }
  return "unknown";
}

}  // namespace saga
