// Goal: decide's invariants hold in every reachable state of the FTGO Create Order saga, for
// every kind of input, and along long arbitrary input sequences.
// Method: a TEST_P sweep of every reachable state x every kind of input, then a seeded random
// walk (decide_fixture.h checks the invariants on every decision).
#include <gtest/gtest.h>

#include <functional>
#include <iostream>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "decide_fixture.h"

namespace saga {
namespace {

using namespace decide_fixture;

// --- exhaustive sweep: every reachable state x every kind of input ---------------------------

struct SweepState {
  std::string name;
  Phase phase;
  std::function<void(Driver&)> script;
};

void to_failed_from_executing(Driver& d) {
  d.run_to(kConfirm);
  exhaust_confirm_ticket(d);
}

std::vector<SweepState> sweep_states() {
  std::vector<SweepState> states;
  const auto add = [&](std::string name, Phase phase, std::function<void(Driver&)> script) {
    states.push_back({std::move(name), phase, std::move(script)});
  };
  add("not_started", Phase::kNotStarted, [](Driver&) {});
  for (std::int32_t k = kVerify; k <= kApprove; ++k) {
    const std::string at = "_at_" + std::to_string(k);
    add("executing" + at, Phase::kExecuting, [k](Driver& d) { d.run_to(k); });
    add("executing_timed_out" + at, Phase::kExecuting, [k](Driver& d) {
      d.run_to(k);
      d.deadline();
    });
    add("executing_resent" + at, Phase::kExecuting, [k](Driver& d) {
      d.run_to(k);
      d.deadline();
      d.retry_due();
    });
  }
  for (std::int32_t k : {kConfirm, kApprove}) {
    add("executing_failed_once_at_" + std::to_string(k), Phase::kExecuting, [k](Driver& d) {
      d.run_to(k);
      d.fail("NotYet", "busy");
    });
  }
  add("compensating_at_2", Phase::kCompensating, [](Driver& d) {
    d.run_to(kAuthorize);
    d.fail("CardDeclined", "card_declined");
  });
  add("compensating_at_0", Phase::kCompensating, [](Driver& d) {
    d.run_to(kAuthorize);
    d.fail("CardDeclined", "card_declined");
    d.succeed("CreateTicketCancelled");
  });
  add("compensating_at_0_from_1", Phase::kCompensating, [](Driver& d) {
    d.run_to(kVerify);
    d.fail("ConsumerVerificationFailed", "consumer_unknown");
  });
  add("compensating_failed_once_at_2", Phase::kCompensating, [](Driver& d) {
    d.run_to(kAuthorize);
    d.fail("CardDeclined", "card_declined");
    d.fail("CancelFailed", "kitchen_down");
  });
  add("compensating_timed_out_at_0", Phase::kCompensating, [](Driver& d) {
    d.run_to(kVerify);
    d.fail("ConsumerVerificationFailed", "consumer_unknown");
    d.deadline();
  });
  add("compensating_resent_at_0", Phase::kCompensating, [](Driver& d) {
    d.run_to(kVerify);
    d.fail("ConsumerVerificationFailed", "consumer_unknown");
    d.deadline();
    d.retry_due();
  });
  add("failed_from_executing", Phase::kFailed, to_failed_from_executing);
  add("failed_from_compensating_at_2", Phase::kFailed, fail_while_compensating);
  add("failed_from_compensating_at_0", Phase::kFailed, [](Driver& d) {
    d.run_to(kVerify);
    d.fail("ConsumerVerificationFailed", "consumer_unknown");
    d.deadline();
    d.retry_due();
    d.deadline();
  });
  add("executing_after_operator_retry", Phase::kExecuting, [](Driver& d) {
    to_failed_from_executing(d);
    d.operate(InputKind::kOperatorRetry);
  });
  add("compensating_after_operator_compensate", Phase::kCompensating, [](Driver& d) {
    to_failed_from_executing(d);
    d.operate(InputKind::kOperatorCompensate);
  });
  add("completed", Phase::kCompleted, [](Driver& d) {
    d.run_to(kApprove);
    d.succeed("OrderApproved");
  });
  add("compensated", Phase::kCompensated, [](Driver& d) {
    d.run_to(kVerify);
    d.fail("ConsumerVerificationFailed", "consumer_unknown");
    d.succeed("OrderRejected");
  });
  return states;
}

enum class Probe {
  kStart,
  kSuccessReply,
  kFailureReply,
  kStaleReply,
  kForeignReply,
  kDeadlineDue,
  kDeadlineEarly,
  kRetryDue,
  kRetryEarly,
  kOperatorRetry,
  kOperatorCompensate,
  kOperatorSkip,
};
constexpr Probe kAllProbes[] = {
    Probe::kStart,        Probe::kSuccessReply,  Probe::kFailureReply,       Probe::kStaleReply,
    Probe::kForeignReply, Probe::kDeadlineDue,   Probe::kDeadlineEarly,      Probe::kRetryDue,
    Probe::kRetryEarly,   Probe::kOperatorRetry, Probe::kOperatorCompensate, Probe::kOperatorSkip,
};

// Sends one probe; checks the invariants (Driver) and which errors are allowed.
void probe(Driver& d, Probe p) {
  const SagaInstance before = d.instance;
  Envelope command;
  command.saga_id = before.id;
  command.message_id = before.last_request_id.empty() ? "saga-1/0" : before.last_request_id;
  Result<Decision> r = failed_precondition("not run");
  bool may_refuse = false;
  switch (p) {
    case Probe::kStart:
      may_refuse = before.phase != Phase::kNotStarted;
      r = d.try_apply(d.input(InputKind::kStart));
      break;
    case Probe::kSuccessReply:
      r = d.try_reply_to(command, Outcome::kSuccess, "Ok");
      break;
    case Probe::kFailureReply:
      r = d.try_reply_to(command, Outcome::kFailure, "No", "no");
      break;
    case Probe::kStaleReply:
      command.message_id = "saga-1/999";
      r = d.try_reply_to(command, Outcome::kSuccess, "Ok");
      break;
    case Probe::kForeignReply:
      command.saga_id = "saga-2";
      r = d.try_reply_to(command, Outcome::kSuccess, "Ok");
      break;
    case Probe::kDeadlineDue:
    case Probe::kRetryDue:
      r = d.try_apply(
          d.due(p == Probe::kDeadlineDue ? InputKind::kDeadline : InputKind::kRetryDue));
      break;
    case Probe::kDeadlineEarly:
    case Probe::kRetryEarly: {
      Input in = d.input(p == Probe::kDeadlineEarly ? InputKind::kDeadline : InputKind::kRetryDue);
      if (before.wait != Wait::kNone) in.now = before.deadline - Millis{1};
      r = d.try_apply(in);
      if (r.is_ok()) {
        EXPECT_FALSE(r->applied) << "an early timer fired";
      }
      break;
    }
    case Probe::kOperatorRetry:
    case Probe::kOperatorSkip:
      // A failed saga, or one still compensating (its running compensation is resent or
      // skipped).
      may_refuse = before.phase != Phase::kFailed && before.phase != Phase::kCompensating;
      r = d.try_operate(p == Probe::kOperatorRetry ? InputKind::kOperatorRetry
                                                   : InputKind::kOperatorSkip);
      break;
    case Probe::kOperatorCompensate:
      may_refuse = before.phase != Phase::kFailed || before.failed_from == Phase::kCompensating;
      r = d.try_operate(InputKind::kOperatorCompensate);
      break;
  }
  if (!r.is_ok()) {
    EXPECT_TRUE(may_refuse) << r.status().to_string();
    EXPECT_EQ(r.status().code(), StatusCode::kFailedPrecondition);
    EXPECT_EQ(d.instance, before);
    return;
  }
  EXPECT_FALSE(may_refuse) << "should have been refused";
  const bool inert =
      p == Probe::kStaleReply || p == Probe::kForeignReply || is_terminal(before.phase) ||
      (before.last_request_id.empty() && (p == Probe::kSuccessReply || p == Probe::kFailureReply));
  if (inert) {
    EXPECT_FALSE(r->applied);
  }
}

class DecideSweepTest : public ::testing::TestWithParam<SweepState> {};

TEST_P(DecideSweepTest, EveryInputKeepsTheInvariants) {
  Driver reached(fragile_compensations());
  GetParam().script(reached);
  ASSERT_EQ(reached.instance.phase, GetParam().phase);
  for (std::uint32_t random : {0u, 7u, 0xffffffffu}) {
    for (Probe p : kAllProbes) {
      SCOPED_TRACE("probe " + std::to_string(static_cast<int>(p)) + " random " +
                   std::to_string(random));
      Driver d = reached;
      d.random = random;
      probe(d, p);
      // Then whatever follows: a second probe of every kind from the new state.
      for (Probe q : kAllProbes) {
        SCOPED_TRACE("then probe " + std::to_string(static_cast<int>(q)));
        Driver e = d;
        probe(e, q);
      }
    }
  }
}

INSTANTIATE_TEST_SUITE_P(ReachableStates, DecideSweepTest, ::testing::ValuesIn(sweep_states()),
                         [](const ::testing::TestParamInfo<SweepState>& info) {
                           return info.param.name;
                         });

// --- random walk: long seeded runs of arbitrary inputs ---------------------------------------

TEST(DecideRandomWalkTest, ArbitraryInputSequencesKeepTheInvariants) {
  const unsigned seed = static_cast<unsigned>(::testing::UnitTest::GetInstance()->random_seed());
  std::cout << "DecideRandomWalkTest seed " << seed << "\n";
  std::mt19937 rng(seed);
  int finished = 0;
  for (int walk = 0; walk < 300; ++walk) {
    SCOPED_TRACE("seed " + std::to_string(seed) + " walk " + std::to_string(walk));
    Driver d(fragile_compensations());
    d.start();
    for (int n = 0; n < 60 && !is_terminal(d.instance.phase); ++n) {
      d.random = static_cast<std::uint32_t>(rng());
      const Probe p = kAllProbes[rng() % std::size(kAllProbes)];
      probe(d, p);
      if (::testing::Test::HasFailure()) return;
    }
    if (is_terminal(d.instance.phase)) ++finished;
  }
  EXPECT_GT(finished, 0);
}

}  // namespace
}  // namespace saga
