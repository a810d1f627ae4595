// TimerQueue: when the sagas' reply deadlines and retry delays fall due (engine thread only).
//
// A timer is (time, saga id). The instance's own `wait` and `deadline` say whether a timer is
// still current, so a timer is never removed when its saga moves on: it is skipped when it
// comes up (timer_current). Timers come up earliest first; nothing more is promised about
// timers set for the same moment.
#pragma once

#include <cstddef>
#include <functional>
#include <queue>
#include <string>
#include <vector>

#include "saga/decide.h"
#include "saga/instance.h"

namespace saga {

class TimerQueue {
 public:
  // Adds the instance's timer at its deadline, when it waits for one (wait != kNone).
  void arm(const SagaInstance& instance);
  // Adds the instance's saga deadline timer (StartOptions::deadline), when it has one.
  void arm_saga_deadline(const SagaInstance& instance);
  // Adds a timer that fired but whose input was not committed: it fires again.
  void arm_at(std::string saga_id, Millis at) { timers_.push(Timer{at, std::move(saga_id)}); }
  // How long a poll may wait at `now`: `max_wait`, or less when a timer falls due sooner (0 when
  // one is due already).
  Millis wait_before_next(Millis now, Millis max_wait) const;
  // Pops the timers due at `now`, earliest first, calling fire(saga_id, at) for each, until
  // `budget` calls returned true. fire() returns false for a timer that is no longer current:
  // it is dropped and costs nothing.
  void fire_due(Millis now, std::size_t budget,
                const std::function<bool(const std::string& saga_id, Millis at)>& fire);
  std::size_t size() const { return timers_.size(); }
  void clear() { timers_ = {}; }

 private:
  struct Timer {
    Millis at;
    std::string saga_id;
    bool operator>(const Timer& o) const { return at > o.at; }
  };
  std::priority_queue<Timer, std::vector<Timer>, std::greater<>> timers_;
};

// Whether a timer set for `at` is still current for `instance` (null: not running): the
// instance waits for exactly that moment, or its saga deadline is that moment and still to act.
bool timer_current(const SagaInstance* instance, Millis at);
// The input a current timer gives its instance: kDeadline when it waits for a reply or an event,
// kRetryDue when it waits to send again, kScheduledStart when it waits to start.
InputKind timer_input(Wait wait);
// kSagaDeadline when `at` is the instance's saga deadline still to act, else timer_input(wait).
InputKind timer_input(const SagaInstance& instance, Millis at);

}  // namespace saga
