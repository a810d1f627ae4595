#include "saga/clock.h"

#include "saga/check.h"

namespace saga {

Millis SystemClock::now() const {
  return std::chrono::duration_cast<Millis>(std::chrono::system_clock::now().time_since_epoch());
}

Millis VirtualClock::now() const {
  std::lock_guard lock(mutex_);
  return now_;
}

void VirtualClock::advance(Millis by) {
  SAGA_CHECK(by.count() >= 0, "VirtualClock moves forward only");
  std::lock_guard lock(mutex_);
  now_ += by;
}

void VirtualClock::set(Millis to) {
  std::lock_guard lock(mutex_);
  SAGA_CHECK(to >= now_, "VirtualClock moves forward only");
  now_ = to;
}

}  // namespace saga
