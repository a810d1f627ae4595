// Kept wrong solution (exercise 11): the right timeout, a breaker that rests for 5 minutes
// ("be gentle with Accounting"): orders still wait long after Accounting is back.
#include "saga/engine.h"

namespace workshop {

saga::Millis authorize_card_timeout() { return saga::Millis{2'000}; }

saga::ParticipantLimits accounting_limits() {
  saga::ParticipantLimits limits;
  limits.breaker_threshold = 3;
  limits.breaker_cooldown = saga::Millis{300'000};
  return limits;
}

}  // namespace workshop
