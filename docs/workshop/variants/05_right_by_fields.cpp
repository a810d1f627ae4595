// A second right solution (exercise 5): the policy's fields set one by one.
#include "saga/retry_policy.h"

namespace workshop {

saga::RetryPolicy confirm_ticket_retry_policy() {
  saga::RetryPolicy policy;
  policy.initial_interval = saga::Millis{100};
  policy.backoff_coefficient = 2.0;
  policy.increment = saga::Millis{0};
  policy.maximum_interval = saga::Millis{800};
  policy.maximum_attempts = 6;
  policy.jitter = saga::Jitter::kEqual;
  return policy;
}

}  // namespace workshop
