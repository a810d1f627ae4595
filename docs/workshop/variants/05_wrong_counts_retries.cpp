// Kept wrong solution (exercise 5): "at most 6 sends" read as "5 retries": maximum_attempts 5.
#include "saga/retry_policy.h"

namespace workshop {

saga::RetryPolicy confirm_ticket_retry_policy() {
  saga::RetryPolicy policy =
      saga::RetryPolicy::exponential(saga::Millis{100}, 2.0, saga::Millis{800}, 5);
  policy.jitter = saga::Jitter::kEqual;
  return policy;
}

}  // namespace workshop
