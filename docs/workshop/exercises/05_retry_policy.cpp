// Exercise 5 — a retry policy with back-off and jitter (docs/workshop/05-retry-policy.md).
//
// ConfirmCreateTicket runs after the pivot, so a failure is retried, never compensated. The
// example retries it every 50 ms, forever, all sagas in lock-step. Kitchen asks for this
// instead:
//   - exponential back-off: the first retry after 100 ms, each delay twice the previous one,
//     never more than 800 ms;
//   - equal jitter (each delay drawn between half the back-off delay and the full delay), so
//     that sagas failing together do not retry together;
//   - at most 6 sends of the command in all, then the saga stops for an operator (kFailed).
// Return that policy. See engine/include/saga/retry_policy.h.
#include "saga/retry_policy.h"

namespace workshop {

saga::RetryPolicy confirm_ticket_retry_policy() {
  // TODO(exercise 5): replace the example's policy by Kitchen's.
  saga::RetryPolicy policy = saga::RetryPolicy::fixed(saga::Millis{50}, 0);
  policy.jitter = saga::Jitter::kNone;
  return policy;
}

}  // namespace workshop
