// Kept wrong solution (exercise 5): the right back-off and limit, full jitter instead of equal.
#include "saga/retry_policy.h"

namespace workshop {

saga::RetryPolicy confirm_ticket_retry_policy() {
  saga::RetryPolicy policy =
      saga::RetryPolicy::exponential(saga::Millis{100}, 2.0, saga::Millis{800}, 6);
  policy.jitter = saga::Jitter::kFull;
  return policy;
}

}  // namespace workshop
