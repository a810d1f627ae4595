// RetryPolicy: when to try a command again, and when to stop.
//
// The delay before retry n (n = 1 for the first retry) is
//   base(n) = min(maximum_interval, initial_interval * backoff_coefficient^(n-1) + increment*(n-1))
// and then jitter spreads it:
//   kNone   delay = base
//   kFull   delay uniform in [0, base]
//   kEqual  delay uniform in [base/2, base]
// That one formula covers the usual strategies (see the named constructors). maximum_attempts
// counts every send of the step's command, the first one included (0 = unlimited): a policy
// with maximum_attempts = 3 sends at most three times. A failure whose reason is listed in
// non_retryable_reasons is never retried.
//
// All functions are pure: randomness comes in as an argument, so that `decide` stays
// deterministic and tests can pin it.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "saga/clock.h"

namespace saga {

enum class Jitter : std::uint8_t { kNone = 0, kFull = 1, kEqual = 2 };

struct RetryPolicy {
  Millis initial_interval{200};
  double backoff_coefficient = 2.0;
  Millis increment{0};
  Millis maximum_interval{30'000};
  std::uint32_t maximum_attempts = 5;  // sends in all, the first included; 0 = unlimited
  Jitter jitter = Jitter::kFull;
  std::vector<std::string> non_retryable_reasons;

  // Retry at once, up to `attempts` sends.
  static RetryPolicy immediate(std::uint32_t attempts);
  // The same delay between sends.
  static RetryPolicy fixed(Millis interval, std::uint32_t attempts);
  // Doubling (or `coefficient`) delays, capped at `maximum`.
  static RetryPolicy exponential(Millis initial, double coefficient, Millis maximum,
                                 std::uint32_t attempts);
  // Delays growing by `increment` each time (linear / sliding back-off).
  static RetryPolicy sliding(Millis initial, Millis increment, Millis maximum,
                             std::uint32_t attempts);
  // Never retry: the first failure or timeout is final.
  static RetryPolicy cancel();

  // The delay before retry `retry` (>= 1) without jitter.
  Millis base_delay(std::uint32_t retry) const;
  // The delay before retry `retry` with jitter applied; `random` is a uniformly random word.
  Millis delay(std::uint32_t retry, std::uint32_t random) const;
  // Whether another send is allowed after `attempts_made` sends.
  bool allows_another(std::uint32_t attempts_made) const;
  // Whether a failure with this reason may be retried at all.
  bool retryable(std::string_view reason) const;

  friend bool operator==(const RetryPolicy&, const RetryPolicy&) = default;
};

}  // namespace saga
