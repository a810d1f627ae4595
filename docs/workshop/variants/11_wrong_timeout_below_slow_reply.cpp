// Kept wrong solution (exercise 11): a good breaker, but a timeout just above Accounting's usual
// reply time (1.2 s): slow replies on their way are given up on, and every resend counts as
// another timeout.
#include "saga/engine.h"

namespace workshop {

saga::Millis authorize_card_timeout() { return saga::Millis{1'200}; }

saga::ParticipantLimits accounting_limits() {
  saga::ParticipantLimits limits;
  limits.breaker_threshold = 3;
  limits.breaker_cooldown = saga::Millis{5'000};
  return limits;
}

}  // namespace workshop
