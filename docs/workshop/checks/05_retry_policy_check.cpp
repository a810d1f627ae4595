// Goal: exercise 5 — ConfirmCreateTicket is retried with Kitchen's back-off and jitter.
// Method: the Create Order definition with the student's policy on confirm_ticket, driven by a
// SagaHarness in virtual time; ConfirmCreateTicket always fails; each resend's delay (virtual
// time from the failure reply to the resend) must fall inside the policy's bounds
// [base/2, base], base = min(800, 100 * 2^(n-1)) ms; after 6 sends the saga waits for an
// operator. Several random words must give different delays (jitter).
#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "create_order_parts.h"
#include "saga/testing/harness.h"
#include "workshop_support.h"

namespace workshop {
saga::RetryPolicy confirm_ticket_retry_policy();  // the student's file
}

namespace {

using saga::Millis;
using saga::Phase;
using saga::testing::SagaHarness;

constexpr int kSendsMax = 6;

Millis expected_base(int retry) {  // retry >= 1
  std::int64_t base = 100;
  for (int i = 1; i < retry; ++i) base *= 2;
  return Millis{std::min<std::int64_t>(base, 800)};
}

// Drives one saga with `random` as the harness's random word; returns the delay before each
// resend of ConfirmCreateTicket (virtual time), and leaves the harness at its end.
std::vector<Millis> observed_delays(SagaHarness& h) {
  h.start_with(workshop::sample_order());
  EXPECT_TRUE(h.expect_command("consumer", "ValidateOrderByConsumer"));
  h.reply_success(ftgo::ConsumerVerified{});
  EXPECT_TRUE(h.expect_command("kitchen", "CreateTicket"));
  h.reply_success(ftgo::TicketCreated{42});
  EXPECT_TRUE(h.expect_command("accounting", "AuthorizeCard"));
  h.reply_success(ftgo::CardAuthorized{"tx-1"});
  std::vector<Millis> delays;
  for (int send = 1; send <= kSendsMax + 2; ++send) {
    if (!h.expect_command("kitchen", "ConfirmCreateTicket")) break;
    h.reply_failure("kitchen_busy");
    if (h.instance().phase != Phase::kExecuting) break;
    const Millis failed_at = h.now();
    if (!h.fire_timer()) break;
    delays.push_back(h.now() - failed_at);
  }
  return delays;
}

TEST(Workshop05RetryPolicy, ResendsFallInsideTheBackOffBoundsThenStop) {
  for (std::uint32_t random : {0u, 0x40000000u, 0x9e3779b9u, 0xffffffffu}) {
    SCOPED_TRACE("random word " + std::to_string(random));
    auto definition =
        workshop::create_order_with_confirm_policy(workshop::confirm_ticket_retry_policy());
    ASSERT_TRUE(definition.is_ok()) << definition.status().to_string();
    saga::testing::HarnessOptions options;
    options.random = random;
    SagaHarness h(definition.value(), options);
    const std::vector<Millis> delays = observed_delays(h);
    for (std::size_t i = 0; i < delays.size() && i < static_cast<std::size_t>(kSendsMax - 1); ++i) {
      const Millis base = expected_base(static_cast<int>(i) + 1);
      EXPECT_TRUE(delays[i].count() >= base.count() / 2 && delays[i].count() <= base.count())
          << "retry " << i + 1 << " of ConfirmCreateTicket came " << delays[i].count()
          << " ms after the failure; Kitchen's back-off with equal jitter allows "
          << base.count() / 2 << " to " << base.count() << " ms there";
    }
    EXPECT_EQ(delays.size() + 1, static_cast<std::size_t>(kSendsMax))
        << "ConfirmCreateTicket was sent " << delays.size() + 1 << " times while Kitchen kept "
        << "failing; Kitchen asked for at most " << kSendsMax
        << " sends in all, then a stop for "
           "an operator";
    EXPECT_TRUE(h.expect_phase(Phase::kFailed)) << "after 6 failed sends, an operator decides";
    for (const auto& c : h.commands()) EXPECT_FALSE(c.envelope.compensation) << c.label();
  }
}

TEST(Workshop05RetryPolicy, JitterSpreadsTheDelays) {
  std::set<std::int64_t> first_delays;
  for (std::uint32_t random : {0u, 0x40000000u, 0x9e3779b9u, 0xffffffffu}) {
    auto definition =
        workshop::create_order_with_confirm_policy(workshop::confirm_ticket_retry_policy());
    ASSERT_TRUE(definition.is_ok()) << definition.status().to_string();
    saga::testing::HarnessOptions options;
    options.random = random;
    SagaHarness h(definition.value(), options);
    const std::vector<Millis> delays = observed_delays(h);
    ASSERT_FALSE(delays.empty());
    first_delays.insert(delays[0].count());
  }
  EXPECT_GT(first_delays.size(), 1u)
      << "sagas that failed together all retried after the same delay: they will hit Kitchen "
         "together again (no jitter)";
}

}  // namespace
