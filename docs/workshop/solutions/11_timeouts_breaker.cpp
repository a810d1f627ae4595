// Exercise 11 — reference solution.
//
// The timeout sits between the slowest real reply (1.8 s) and the time by which silence must
// be noticed (3 s): 2 s. A slow Accounting then never times out, so the breaker, which counts
// consecutive timeouts, stays closed. When Accounting goes silent, three timeouts in a row open
// the breaker: every further AuthorizeCard waits in the outbox (no send, no deadline, no retry
// spent); every 5 s one probe goes through; the first probe answered closes the breaker and the
// held commands go out.
#include "saga/engine.h"

namespace workshop {

saga::Millis authorize_card_timeout() { return saga::Millis{2'000}; }

saga::ParticipantLimits accounting_limits() {
  saga::ParticipantLimits limits;
  limits.breaker_threshold = 3;
  limits.breaker_cooldown = saga::Millis{5'000};
  return limits;
}

}  // namespace workshop
