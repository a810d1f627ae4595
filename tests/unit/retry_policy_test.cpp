// Goal: RetryPolicy computes the delays and limits its header promises, without overflow.
// Method: exact base delays per strategy, then jitter bounds over random words from a seeded
// std::mt19937 (seed = GoogleTest's random_seed(), printed so a failure replays).
#include "saga/retry_policy.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <iostream>
#include <limits>
#include <random>
#include <vector>

namespace saga {
namespace {

using std::chrono::hours;

constexpr std::uint32_t kHugeRetry = std::numeric_limits<std::uint32_t>::max();

TEST(RetryPolicyTest, DefaultsMatchTheHeader) {
  RetryPolicy p;
  EXPECT_EQ(p.initial_interval, Millis{200});
  EXPECT_EQ(p.backoff_coefficient, 2.0);
  EXPECT_EQ(p.maximum_interval, Millis{30'000});
  EXPECT_EQ(p.maximum_attempts, 5u);
  EXPECT_EQ(p.jitter, Jitter::kFull);
  EXPECT_TRUE(p.non_retryable_reasons.empty());
}

TEST(RetryPolicyTest, ImmediateHasNoDelayAndNoJitter) {
  RetryPolicy p = RetryPolicy::immediate(4);
  EXPECT_EQ(p.jitter, Jitter::kNone);
  EXPECT_EQ(p.maximum_attempts, 4u);
  for (std::uint32_t n = 1; n <= 20; ++n) {
    EXPECT_EQ(p.base_delay(n), Millis{0}) << n;
    EXPECT_EQ(p.delay(n, 0xdeadbeef), Millis{0}) << n;
  }
  EXPECT_EQ(p.base_delay(kHugeRetry), Millis{0});
}

TEST(RetryPolicyTest, FixedKeepsTheSameDelay) {
  RetryPolicy p = RetryPolicy::fixed(Millis{100}, 3);
  for (std::uint32_t n = 1; n <= 50; ++n) EXPECT_EQ(p.base_delay(n), Millis{100}) << n;
  EXPECT_EQ(p.base_delay(kHugeRetry), Millis{100});
  p.jitter = Jitter::kNone;
  EXPECT_EQ(p.delay(7, 12345), Millis{100});
}

TEST(RetryPolicyTest, ExponentialDoublesUpToTheCap) {
  RetryPolicy p = RetryPolicy::exponential(Millis{100}, 2.0, Millis{1'000}, 0);
  const std::vector<std::int64_t> expected = {100, 200, 400, 800, 1000, 1000, 1000};
  for (std::uint32_t n = 1; n <= expected.size(); ++n) {
    EXPECT_EQ(p.base_delay(n), Millis{expected[n - 1]}) << "retry " << n;
  }
  RetryPolicy triple = RetryPolicy::exponential(Millis{10}, 3.0, Millis{1'000}, 0);
  EXPECT_EQ(triple.base_delay(1), Millis{10});
  EXPECT_EQ(triple.base_delay(2), Millis{30});
  EXPECT_EQ(triple.base_delay(3), Millis{90});
  EXPECT_EQ(triple.base_delay(5), Millis{810});
  EXPECT_EQ(triple.base_delay(6), Millis{1'000});
}

TEST(RetryPolicyTest, SlidingGrowsLinearlyUpToTheCap) {
  RetryPolicy p = RetryPolicy::sliding(Millis{100}, Millis{50}, Millis{300}, 0);
  EXPECT_EQ(p.backoff_coefficient, 1.0);
  const std::vector<std::int64_t> expected = {100, 150, 200, 250, 300, 300, 300};
  for (std::uint32_t n = 1; n <= expected.size(); ++n) {
    EXPECT_EQ(p.base_delay(n), Millis{expected[n - 1]}) << "retry " << n;
  }
}

TEST(RetryPolicyTest, HugeRetryNumbersAreCappedWithoutOverflow) {
  const std::vector<RetryPolicy> policies = {
      RetryPolicy::exponential(Millis{100}, 2.0, Millis{30'000}, 0),
      RetryPolicy::exponential(Millis{1}, 10.0, hours{24 * 365}, 0),
      RetryPolicy::sliding(Millis{100}, Millis{1'000'000}, hours{24}, 0),
      RetryPolicy::fixed(Millis{250}, 0),
  };
  for (const RetryPolicy& p : policies) {
    for (std::uint32_t n : {1'000u, 1'000'000u, kHugeRetry - 1, kHugeRetry}) {
      SCOPED_TRACE("retry " + std::to_string(n));
      EXPECT_EQ(p.base_delay(n), p.maximum_interval);
      const Millis full = p.delay(n, std::numeric_limits<std::uint32_t>::max());
      EXPECT_GE(full.count(), 0);
      EXPECT_LE(full, p.maximum_interval);
    }
  }
}

// A caller may spell "no cap" as Millis::max(): the delay must still be a sane, positive number.
TEST(RetryPolicyTest, UnboundedCapDoesNotOverflow) {
  RetryPolicy p = RetryPolicy::exponential(Millis{100}, 2.0, Millis::max(), 0);
  EXPECT_EQ(p.base_delay(3), Millis{400});
  for (Jitter j : {Jitter::kNone, Jitter::kFull, Jitter::kEqual}) {
    p.jitter = j;
    for (std::uint32_t n : {2'000u, kHugeRetry}) {
      const Millis base = p.base_delay(n);
      EXPECT_GT(base.count(), 0) << n;
      const Millis d = p.delay(n, 0xffffffffu);
      EXPECT_GE(d.count(), 0) << n;
      EXPECT_LE(d, base) << n;
    }
  }
}

TEST(RetryPolicyTest, JitterStaysWithinItsBounds) {
  const unsigned seed = static_cast<unsigned>(::testing::UnitTest::GetInstance()->random_seed());
  std::cout << "RetryPolicyTest.JitterStaysWithinItsBounds seed " << seed << "\n";
  std::mt19937 rng(seed);
  const std::vector<RetryPolicy> policies = {
      RetryPolicy::fixed(Millis{1}, 0),
      RetryPolicy::fixed(Millis{100}, 0),
      RetryPolicy::exponential(Millis{3}, 2.0, Millis{30'000}, 0),
      RetryPolicy::sliding(Millis{7}, Millis{13}, Millis{1'001}, 0),
      RetryPolicy::immediate(0),
  };
  for (const RetryPolicy& policy : policies) {
    RetryPolicy p = policy;
    for (std::uint32_t n = 1; n <= 20; ++n) {
      const std::int64_t base = p.base_delay(n).count();
      std::vector<std::uint32_t> words = {0u, 1u, static_cast<std::uint32_t>(base),
                                          std::numeric_limits<std::uint32_t>::max()};
      for (int k = 0; k < 500; ++k) words.push_back(static_cast<std::uint32_t>(rng()));
      for (std::uint32_t w : words) {
        SCOPED_TRACE("seed " + std::to_string(seed) + " retry " + std::to_string(n) + " word " +
                     std::to_string(w) + " base " + std::to_string(base));
        p.jitter = Jitter::kNone;
        EXPECT_EQ(p.delay(n, w).count(), base);
        p.jitter = Jitter::kFull;
        const std::int64_t full = p.delay(n, w).count();
        EXPECT_GE(full, 0);
        EXPECT_LE(full, base);
        p.jitter = Jitter::kEqual;
        const std::int64_t equal = p.delay(n, w).count();
        EXPECT_GE(equal, base / 2);
        EXPECT_LE(equal, base);
      }
    }
  }
}

TEST(RetryPolicyTest, FullJitterReachesBothEnds) {
  RetryPolicy p = RetryPolicy::fixed(Millis{100}, 0);
  p.jitter = Jitter::kFull;
  EXPECT_EQ(p.delay(1, 0), Millis{0});
  EXPECT_EQ(p.delay(1, 100), Millis{100});
  p.jitter = Jitter::kEqual;
  EXPECT_EQ(p.delay(1, 0), Millis{50});
  EXPECT_EQ(p.delay(1, 50), Millis{100});
}

TEST(RetryPolicyTest, ZeroMaximumAttemptsIsUnlimited) {
  RetryPolicy p = RetryPolicy::fixed(Millis{10}, 0);
  for (std::uint32_t made : {0u, 1u, 3u, 1'000'000u, kHugeRetry}) {
    EXPECT_TRUE(p.allows_another(made)) << made;
  }
}

TEST(RetryPolicyTest, MaximumAttemptsCountsEverySend) {
  RetryPolicy p = RetryPolicy::fixed(Millis{10}, 3);
  EXPECT_TRUE(p.allows_another(0));
  EXPECT_TRUE(p.allows_another(1));
  EXPECT_TRUE(p.allows_another(2));
  EXPECT_FALSE(p.allows_another(3));
  EXPECT_FALSE(p.allows_another(4));
  EXPECT_FALSE(p.allows_another(kHugeRetry));
}

TEST(RetryPolicyTest, NonRetryableReasonsAreNeverRetried) {
  RetryPolicy p;
  EXPECT_TRUE(p.retryable("card_declined"));
  p.non_retryable_reasons = {"card_declined", "fraud"};
  EXPECT_FALSE(p.retryable("card_declined"));
  EXPECT_FALSE(p.retryable("fraud"));
  EXPECT_TRUE(p.retryable("timeout"));
  EXPECT_TRUE(p.retryable(""));
  EXPECT_TRUE(p.retryable("card"));             // exact match only, not a prefix
  EXPECT_TRUE(p.retryable("card_declined_x"));  // nor a longer string
}

TEST(RetryPolicyTest, CancelAllowsNoRetry) {
  RetryPolicy p = RetryPolicy::cancel();
  EXPECT_EQ(p.maximum_attempts, 1u);
  EXPECT_TRUE(p.allows_another(0));  // the first send
  EXPECT_FALSE(p.allows_another(1));
  EXPECT_FALSE(p.allows_another(2));
}

TEST(RetryPolicyTest, NamedConstructorsSetTheirFields) {
  RetryPolicy f = RetryPolicy::fixed(Millis{100}, 3);
  EXPECT_EQ(f.initial_interval, Millis{100});
  EXPECT_EQ(f.maximum_interval, Millis{100});
  EXPECT_EQ(f.maximum_attempts, 3u);
  RetryPolicy s = RetryPolicy::sliding(Millis{1}, Millis{2}, Millis{3}, 4);
  EXPECT_EQ(s.increment, Millis{2});
  EXPECT_EQ(s.maximum_interval, Millis{3});
  EXPECT_EQ(s.maximum_attempts, 4u);
  EXPECT_EQ(RetryPolicy::exponential(Millis{5}, 1.5, Millis{9}, 2).backoff_coefficient, 1.5);
  EXPECT_EQ(RetryPolicy::fixed(Millis{5}, 2), RetryPolicy::fixed(Millis{5}, 2));
  EXPECT_NE(RetryPolicy::fixed(Millis{5}, 2), RetryPolicy::fixed(Millis{5}, 3));
}

}  // namespace
}  // namespace saga
