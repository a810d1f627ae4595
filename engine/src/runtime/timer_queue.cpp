#include "runtime/timer_queue.h"

#include <algorithm>

namespace saga {

void TimerQueue::arm(const SagaInstance& instance) {
  if (instance.wait != Wait::kNone) timers_.push(Timer{instance.deadline, instance.id});
}

void TimerQueue::arm_saga_deadline(const SagaInstance& instance) {
  if (instance.saga_deadline.count() > 0) timers_.push(Timer{instance.saga_deadline, instance.id});
}

Millis TimerQueue::wait_before_next(Millis now, Millis max_wait) const {
  if (timers_.empty()) return max_wait;
  return std::clamp(timers_.top().at - now, Millis{0}, max_wait);
}

void TimerQueue::fire_due(Millis now, std::size_t budget,
                          const std::function<bool(const std::string&, Millis)>& fire) {
  while (!timers_.empty() && timers_.top().at <= now && budget > 0) {
    Timer timer = timers_.top();
    timers_.pop();
    if (fire(timer.saga_id, timer.at)) --budget;
  }
}

namespace {
// The saga deadline acts on executing and scheduled sagas (decide_cancel.cpp), once.
bool saga_deadline_due_at(const SagaInstance& instance, Millis at) {
  return instance.saga_deadline.count() > 0 && instance.saga_deadline == at &&
         (instance.phase == Phase::kExecuting || instance.phase == Phase::kScheduled);
}
}  // namespace

bool timer_current(const SagaInstance* instance, Millis at) {
  if (instance == nullptr) return false;
  return (instance->wait != Wait::kNone && instance->deadline == at) ||
         saga_deadline_due_at(*instance, at);
}

InputKind timer_input(Wait wait) {
  switch (wait) {
    case Wait::kReply:
    case Wait::kEvent:
      return InputKind::kDeadline;
    case Wait::kStart:
      return InputKind::kScheduledStart;
    default:
      return InputKind::kRetryDue;
  }
}

InputKind timer_input(const SagaInstance& instance, Millis at) {
  return saga_deadline_due_at(instance, at) ? InputKind::kSagaDeadline : timer_input(instance.wait);
}

}  // namespace saga
