#include "runtime/timer_queue.h"

#include <algorithm>

namespace saga {

void TimerQueue::arm(const SagaInstance& instance) {
  if (instance.wait != Wait::kNone) timers_.push(Timer{instance.deadline, instance.id});
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

bool timer_current(const SagaInstance* instance, Millis at) {
  return instance != nullptr && instance->wait != Wait::kNone && instance->deadline == at;
}

InputKind timer_input(Wait wait) {
  return wait == Wait::kReply || wait == Wait::kEvent ? InputKind::kDeadline : InputKind::kRetryDue;
}

}  // namespace saga
