// Goal: every interleaving of a parallel group's replies, failures and timeouts (bounded: three
// branches, every outcome of each, every order) ends as the rules say: the group goes on only
// when all succeeded; otherwise nothing is compensated before every branch answered, exactly
// the branches whose action ran or may have run are compensated, last step of the group first,
// then the step before the group; a retriable group fails for an operator only once every
// branch answered. Stale replies (after a branch settled) change nothing.
// Method: decide driven through each scenario (decide_fixture.h checks the invariants of every
// decision), against a small model of the branches computed independently of decide.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <string>
#include <vector>

#include "decide_fixture.h"

namespace saga {
namespace {

using namespace decide_fixture;

enum class Outcome3 { kSuccess, kFailure, kTimeout };
constexpr std::array<const char*, 3> kBranches = {"a", "b", "c"};

// reserve (compensatable), group g {a, b, c} (b without a compensation), pivot p, retriable
// group r {x, y, z}. Timeouts are not retried (one attempt), so a timeout settles a branch.
SagaDefinition matrix_saga() {
  SagaDefinition def;
  def.name = "matrix";
  StepDefinition reserve = step("reserve", StepKind::kCompensatable);
  reserve.action = command("stock", "Reserve", "reserve");
  reserve.compensation = command("stock", "Release", "reserve");
  def.steps.push_back(reserve);
  for (const char* name : kBranches) {
    StepDefinition s = step(name, StepKind::kCompensatable);
    s.group = "g";
    s.action = command(name, std::string("Do_") + name, name);
    if (std::string(name) != "b") s.compensation = command(name, std::string("Undo_") + name, name);
    s.retry = fixed_no_jitter(Millis{10}, 1);
    def.steps.push_back(s);
  }
  StepDefinition p = step("p", StepKind::kPivot);
  p.action = command("bank", "Charge", "p");
  def.steps.push_back(p);
  for (const char* name : {"x", "y", "z"}) {
    StepDefinition s = step(name, StepKind::kRetriable);
    s.group = "r";
    s.action = command(name, std::string("Do_") + name, name);
    s.retry = fixed_no_jitter(Millis{10}, 2);
    s.retry.non_retryable_reasons = {"no"};
    def.steps.push_back(s);
  }
  return def;
}

const Envelope* branch_command(const Driver& d, const std::string& step) {
  for (auto it = d.sent.rbegin(); it != d.sent.rend(); ++it) {
    if (it->envelope.step == step && !it->envelope.compensation) return &it->envelope;
  }
  return nullptr;
}

std::string describe(const std::array<Outcome3, 3>& outcomes, const std::array<int, 3>& order) {
  static constexpr const char* kNames[] = {"ok", "fail", "timeout"};
  std::string s;
  for (int i : order)
    s += std::string(kBranches[i]) + ":" + kNames[static_cast<int>(outcomes[i])] + " ";
  return s;
}

TEST(GroupMatrixTest, EveryInterleavingOfACompensatableGroup) {
  ASSERT_TRUE(validate(matrix_saga()).is_ok()) << validate(matrix_saga()).message();
  int scenarios = 0;
  for (int code = 0; code < 27; ++code) {
    const std::array<Outcome3, 3> outcomes = {Outcome3(code % 3), Outcome3(code / 3 % 3),
                                              Outcome3(code / 9)};
    std::array<int, 3> order = {0, 1, 2};
    do {
      SCOPED_TRACE(describe(outcomes, order));
      ++scenarios;
      Driver d(matrix_saga());
      d.start();
      d.succeed("Reserved");
      ASSERT_EQ(d.instance.branches.size(), 3u);
      // The model: per branch, open / ran (success or timeout) / refused.
      enum class M { kOpen, kRan, kRefused };
      std::array<M, 3> model = {M::kOpen, M::kOpen, M::kOpen};
      bool failed = false;
      for (int i : order) {
        const std::size_t sent_before = d.sent.size();
        if (outcomes[i] == Outcome3::kTimeout) {
          // Every branch still open at this moment times out together (same reply timeout).
          if (model[i] != M::kOpen) continue;
          d.deadline();
          for (M& m : model) {
            if (m == M::kOpen) m = M::kRan;
          }
          failed = true;
        } else {
          const Envelope* c = branch_command(d, kBranches[i]);
          ASSERT_NE(c, nullptr);
          const Outcome o =
              outcomes[i] == Outcome3::kSuccess ? Outcome::kSuccess : Outcome::kFailure;
          Result<Decision> r = d.try_reply_to(*c, o, "R", o == Outcome::kFailure ? "no" : "");
          ASSERT_TRUE(r.is_ok());
          EXPECT_EQ(r->applied, model[i] == M::kOpen) << "reply to a settled branch";
          if (model[i] != M::kOpen) continue;
          model[i] = o == Outcome::kSuccess ? M::kRan : M::kRefused;
          failed = failed || o == Outcome::kFailure;
        }
        const bool open = std::count(model.begin(), model.end(), M::kOpen) > 0;
        if (open) {
          EXPECT_EQ(d.sent.size(), sent_before) << "sent while branches are in flight";
        }
      }
      if (!failed) {
        EXPECT_EQ(d.instance.phase, Phase::kExecuting);
        EXPECT_EQ(d.sent.back().envelope.name, "Charge");
        continue;
      }
      Strings expected;
      for (int i = 2; i >= 0; --i) {
        if (model[static_cast<size_t>(i)] == M::kRan && i != 1) {
          expected.push_back(std::string("Undo_") + kBranches[static_cast<size_t>(i)]);
        }
      }
      expected.push_back("Release");
      Strings compensated;
      for (int guard = 0; d.instance.phase == Phase::kCompensating && guard < 10; ++guard) {
        ASSERT_TRUE(d.sent.back().envelope.compensation);
        compensated.push_back(d.sent.back().envelope.name);
        d.succeed("Undone");
      }
      EXPECT_EQ(compensated, expected);
      EXPECT_EQ(d.instance.phase, Phase::kCompensated);
      EXPECT_TRUE(d.instance.branches.empty());
      int branch_failed = 0;
      for (const HistoryEntry& h : d.history) branch_failed += h.event == Event::kBranchFailed;
      EXPECT_EQ(branch_failed, 1);
    } while (std::next_permutation(order.begin(), order.end()));
  }
  EXPECT_EQ(scenarios, 27 * 6);
}

TEST(GroupMatrixTest, EveryInterleavingOfARetriableGroup) {
  int scenarios = 0;
  for (int code = 0; code < 8; ++code) {  // bit i: branch i is refused for good ("no")
    std::array<int, 3> order = {0, 1, 2};
    do {
      ++scenarios;
      SCOPED_TRACE("refused mask " + std::to_string(code) + ", order " + std::to_string(order[0]) +
                   std::to_string(order[1]) + std::to_string(order[2]));
      Driver d(matrix_saga());
      d.start();
      d.succeed("Reserved");
      for (const char* b : kBranches) d.reply_to(*branch_command(d, b), Outcome::kSuccess, "R");
      d.succeed("Charged");
      ASSERT_EQ(d.instance.branches.size(), 3u);
      static constexpr std::array<const char*, 3> kR = {"x", "y", "z"};
      int answered = 0;
      for (int i : order) {
        const bool refused = (code >> i) & 1;
        d.reply_to(*branch_command(d, kR[static_cast<size_t>(i)]),
                   refused ? Outcome::kFailure : Outcome::kSuccess, "R");
        ++answered;
        if (answered < 3) {
          EXPECT_EQ(d.instance.phase, Phase::kExecuting);
        }
      }
      EXPECT_EQ(d.instance.phase, code == 0 ? Phase::kCompleted : Phase::kFailed);
      if (code == 0) continue;
      // The operator's retry resends only the refused branches; they succeed this time.
      Decision retried = d.operate(InputKind::kOperatorRetry);
      EXPECT_EQ(retried.branch_commands.size(),
                static_cast<std::size_t>(__builtin_popcount(static_cast<unsigned>(code))));
      for (const OutgoingCommand& c : retried.branch_commands) {
        d.reply_to(c.envelope, Outcome::kSuccess, "R");
      }
      EXPECT_EQ(d.instance.phase, Phase::kCompleted);
    } while (std::next_permutation(order.begin(), order.end()));
  }
  EXPECT_EQ(scenarios, 8 * 6);
}

}  // namespace
}  // namespace saga
