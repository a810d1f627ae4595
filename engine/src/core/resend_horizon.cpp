#include "saga/resend_horizon.h"

#include <algorithm>

namespace saga {

std::optional<Millis> resend_horizon(const RetryPolicy& policy, Millis reply_timeout) {
  if (policy.maximum_attempts == 0) return std::nullopt;
  Millis total = reply_timeout * policy.maximum_attempts;
  for (std::uint32_t n = 1; n < policy.maximum_attempts; ++n) total += policy.base_delay(n);
  return total;
}

std::optional<Millis> resend_horizon(const SagaDefinition& definition) {
  Millis longest{0};
  for (const StepDefinition& step : definition.steps) {
    if (step.action) {
      std::optional<Millis> h = resend_horizon(step.retry, step.reply_timeout);
      if (!h) return std::nullopt;
      longest = std::max(longest, *h);
    }
    if (step.compensation) {
      std::optional<Millis> h = resend_horizon(step.compensation_retry, step.reply_timeout);
      if (!h) return std::nullopt;
      longest = std::max(longest, *h);
    }
  }
  return longest;
}

}  // namespace saga
