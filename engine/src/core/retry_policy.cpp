#include "saga/retry_policy.h"

#include <algorithm>
#include <cmath>

namespace saga {

RetryPolicy RetryPolicy::immediate(std::uint32_t attempts) {
  RetryPolicy p;
  p.initial_interval = Millis{0};
  p.backoff_coefficient = 1.0;
  p.maximum_attempts = attempts;
  p.jitter = Jitter::kNone;
  return p;
}

RetryPolicy RetryPolicy::exponential(Millis initial, double coefficient, Millis maximum,
                                     std::uint32_t attempts) {
  RetryPolicy p;
  p.initial_interval = initial;
  p.backoff_coefficient = coefficient;
  p.maximum_interval = maximum;
  p.maximum_attempts = attempts;
  return p;
}

// The named policies below are exponential() with a coefficient of 1 (and an increment).
RetryPolicy RetryPolicy::fixed(Millis interval, std::uint32_t attempts) {
  return exponential(interval, 1.0, interval, attempts);
}

RetryPolicy RetryPolicy::sliding(Millis initial, Millis increment, Millis maximum,
                                 std::uint32_t attempts) {
  RetryPolicy p = exponential(initial, 1.0, maximum, attempts);
  p.increment = increment;
  return p;
}

RetryPolicy RetryPolicy::cancel() { return immediate(1); }

Millis RetryPolicy::base_delay(std::uint32_t retry) const {
  const double n = retry == 0 ? 0.0 : static_cast<double>(retry - 1);
  // Clamped to 2^62 ms: Millis::max() as a double rounds up to 2^63, which does not convert
  // back to int64, and callers add the delay to a time point.
  const double cap = std::min(static_cast<double>(maximum_interval.count()), 0x1p62);
  double ms = static_cast<double>(initial_interval.count()) * std::pow(backoff_coefficient, n) +
              static_cast<double>(increment.count()) * n;
  if (!std::isfinite(ms) || ms > cap) ms = cap;  // also guards pow() overflow
  if (ms < 0) ms = 0;
  return Millis{static_cast<std::int64_t>(ms)};
}

Millis RetryPolicy::delay(std::uint32_t retry, std::uint32_t random) const {
  const std::int64_t base = base_delay(retry).count();
  switch (jitter) {
    case Jitter::kNone:
      return Millis{base};
    case Jitter::kFull:
      return Millis{static_cast<std::int64_t>(random % (base + 1))};
    case Jitter::kEqual: {
      const std::int64_t half = base / 2;
      return Millis{half + static_cast<std::int64_t>(random % (base - half + 1))};
    }
  }
  return Millis{base};
}

bool RetryPolicy::allows_another(std::uint32_t attempts_made) const {
  return maximum_attempts == 0 || attempts_made < maximum_attempts;
}

bool RetryPolicy::retryable(std::string_view reason) const {
  return std::find(non_retryable_reasons.begin(), non_retryable_reasons.end(), reason) ==
         non_retryable_reasons.end();
}

}  // namespace saga
