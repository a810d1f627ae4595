// Exercise 11 — timeouts and the circuit breaker (docs/workshop/11-timeouts-breaker.md).
//
// Accounting has two bad days a month:
//   - slow: under load each AuthorizeCard takes up to 1.8 s to answer, but it answers;
//   - silent: it hangs, takes commands and answers nothing, for a minute or more.
// The operations team asks for:
//   1. a slow Accounting is waited for: no AuthorizeCard is sent twice while the reply is on
//      its way, and the breaker stays closed;
//   2. a silent Accounting is noticed within 3 s of a send (a reply timeout);
//   3. while Accounting is silent, the orchestrator stops sending into it: with 10 orders
//      waiting, at most 30 AuthorizeCard in a 60 s outage (without a breaker every saga resends
//      on every timeout, with back-off up to 5 s: about a hundred);
//   4. once Accounting is back, every waiting order goes through within 30 s.
// A colleague set a short timeout, saw the breaker open at every load peak, and turned the
// breaker off. Choose the AuthorizeCard reply timeout and Accounting's limits.
// See saga::ParticipantLimits in engine/include/saga/engine.h, and .timeout() in docs/dsl.md.
#include "saga/engine.h"

namespace workshop {

saga::Millis authorize_card_timeout() {
  // TODO(exercise 11): long enough for a slow reply, short enough to notice silence.
  return saga::Millis{1'000};
}

saga::ParticipantLimits accounting_limits() {
  saga::ParticipantLimits limits;
  // TODO(exercise 11): the breaker (threshold, cool-down).
  limits.breaker_threshold = 0;  // "never": turned off after it opened at every load peak
  return limits;
}

}  // namespace workshop
