// Exercise 5 — reference solution.
//
// exponential(initial, coefficient, maximum, attempts): delays 100, 200, 400, 800, 800 ms
// before jitter; kEqual draws each in [base/2, base]; maximum_attempts counts every send.
#include "saga/retry_policy.h"

namespace workshop {

saga::RetryPolicy confirm_ticket_retry_policy() {
  saga::RetryPolicy policy =
      saga::RetryPolicy::exponential(saga::Millis{100}, 2.0, saga::Millis{800}, 6);
  policy.jitter = saga::Jitter::kEqual;
  return policy;
}

}  // namespace workshop
