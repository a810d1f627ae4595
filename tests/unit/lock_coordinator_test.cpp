// Goal: the lock coordinator turns decisions into lock requests and releases, feeds the table's
// answers back to the sagas (a release hands keys on, a deadlock victim is logged and marked),
// releases keys for operators, and reports holders past their lease once.
// Method: LockCoordinator alone; staging is a callback that records inputs, time is by hand.
#include "runtime/lock_coordinator.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace saga {
namespace {

LockRequest request(std::int32_t step, std::vector<std::string> keys, Millis lease = Millis{100}) {
  LockRequest r{step, {}};
  for (std::string& k : keys)
    r.claims.push_back(LockClaim{std::move(k), LockMode::kWait, lease, -1});
  return r;
}

SagaInstance at(Phase phase, std::int32_t step) {
  SagaInstance s;
  s.phase = phase;
  s.step = step;
  return s;
}

struct Staged {
  std::string saga_id;
  InputKind kind;
  FailureCause cause;
  std::string reason;
};

struct LockCoordinatorTest : ::testing::Test {
  LockCoordinatorTest()
      : log([this](LogLevel, std::string_view line) { lines.emplace_back(line); },
            LogLevel::kDebug),
        locks(log) {}
  LockCoordinator::FreshInput fresh() {
    return [] {
      Input in;
      in.now = Millis{7};
      return in;
    };
  }
  LockCoordinator::StageFn stage() {
    return [this](const std::string& id, Input in, std::vector<LockAnswer>&) {
      staged.push_back({id, in.kind, in.cause, in.reason});
      return refuse_stage ? failed_precondition("not running") : Status::ok();
    };
  }
  // Stages a request for `id` and settles what the table answers.
  void ask(const std::string& id, std::vector<std::string> keys) {
    std::vector<LockAnswer> answers;
    locks.stage(id, request(0, std::move(keys)), at(Phase::kExecuting, 0), Millis{0}, answers);
    locks.settle(answers, fresh(), stage());
  }
  std::vector<std::string> lines;
  EngineLog log;
  LockCoordinator locks;
  std::vector<Staged> staged;
  bool refuse_stage = false;
};

TEST_F(LockCoordinatorTest, GrantWaitAndHandOverWhenTheHolderEnds) {
  ask("a", {"k"});
  ask("b", {"k"});
  ASSERT_EQ(staged.size(), 2u);
  EXPECT_EQ(staged[0].kind, InputKind::kLockGranted);
  EXPECT_EQ(staged[1].kind, InputKind::kLockWaiting);
  EXPECT_EQ(locks.metrics().held, 1u);
  EXPECT_EQ(locks.metrics().waiting, 1u);

  std::vector<LockAnswer> answers;  // a completes: its keys go to b
  locks.stage("a", std::nullopt, at(Phase::kCompleted, 1), Millis{5}, answers);
  locks.settle(answers, fresh(), stage());
  ASSERT_EQ(staged.size(), 3u);
  EXPECT_EQ(staged[2].saga_id, "b");
  EXPECT_EQ(staged[2].kind, InputKind::kLockGranted);
  EXPECT_EQ(locks.table().holder("k")->saga_id, "b");
  const LockMetrics m = locks.metrics();
  EXPECT_EQ(m.granted, 2u);
  EXPECT_EQ(m.waits, 1u);
  EXPECT_EQ(m.waiting, 0u);
}

TEST_F(LockCoordinatorTest, ACompensatingSagaKeepsItsKeys) {
  ask("a", {"k"});
  std::vector<LockAnswer> answers;
  locks.stage("a", std::nullopt, at(Phase::kCompensating, 5), Millis{5}, answers);
  EXPECT_TRUE(answers.empty());
  EXPECT_EQ(locks.table().holder("k")->saga_id, "a");
}

TEST_F(LockCoordinatorTest, ADeadlockVictimIsRefusedWithTheDeadlockCause) {
  ask("a", {"x"});
  ask("b", {"y"});
  ask("a", {"y"});  // a waits for b
  ask("b", {"x"});  // b waiting for a would close the cycle
  const Staged& last = staged.back();
  EXPECT_EQ(last.saga_id, "b");
  EXPECT_EQ(last.kind, InputKind::kLockRefused);
  EXPECT_EQ(last.cause, FailureCause::kDeadlock);
  EXPECT_EQ(locks.metrics().deadlocks, 1u);
  EXPECT_EQ(locks.metrics().refused, 1u);
  EXPECT_NE(lines.back().find("event=deadlock_victim"), std::string::npos) << lines.back();
}

TEST_F(LockCoordinatorTest, AFailFastRefusalCarriesTheLockRefusedCause) {
  ask("a", {"k"});
  std::vector<LockAnswer> answers;
  LockRequest r = request(0, {"k"});
  r.claims[0].mode = LockMode::kFailFast;
  locks.stage("b", r, at(Phase::kExecuting, 0), Millis{0}, answers);
  locks.settle(answers, fresh(), stage());
  EXPECT_EQ(staged.back().kind, InputKind::kLockRefused);
  EXPECT_EQ(staged.back().cause, FailureCause::kLockRefused);
}

TEST_F(LockCoordinatorTest, OperatorReleaseTellsTheHolderAndHandsTheKeyOn) {
  ask("a", {"k"});
  ask("b", {"k"});
  RunningSagas running;
  running["a"].trace_id = "trace-a";
  EXPECT_EQ(locks.release("k", "b", "ops: stuck", Millis{9}, fresh(), stage(), running).code(),
            StatusCode::kFailedPrecondition);  // held by a, not b
  EXPECT_EQ(locks.release("nope", "", "ops", Millis{9}, fresh(), stage(), running).code(),
            StatusCode::kNotFound);
  ASSERT_TRUE(locks.release("k", "", "ops: stuck", Millis{9}, fresh(), stage(), running));
  // One line with the saga, its trace id, who and why.
  EXPECT_EQ(lines.back(),
            "saga=a trace_id=trace-a event=lock_released_by_operator key=\"k\" "
            "reason=\"ops: stuck (lock k)\"");
  ASSERT_EQ(staged.size(), 4u);
  EXPECT_EQ(staged[2].saga_id, "a");
  EXPECT_EQ(staged[2].kind, InputKind::kOperatorReleasedLock);
  EXPECT_EQ(staged[2].reason, "ops: stuck (lock k)");
  EXPECT_EQ(staged[3].saga_id, "b");
  EXPECT_EQ(staged[3].kind, InputKind::kLockGranted);
  EXPECT_EQ(locks.metrics().released_by_operator, 1u);
}

TEST_F(LockCoordinatorTest, AKeyIsReleasedEvenWhenItsHolderCannotBeTold) {
  ask("a", {"k"});
  refuse_stage = true;
  ASSERT_TRUE(locks.release("k", "", "ops", Millis{9}, fresh(), stage(), RunningSagas{}));
  EXPECT_EQ(locks.table().holder("k"), nullptr);
  EXPECT_NE(lines[lines.size() - 2].find("event=lock_released_without_history"), std::string::npos);
}

TEST_F(LockCoordinatorTest, LeasesRunFromTheLastProgressAndAreReportedOnce) {
  ask("a", {"k"});  // acquired at 0, lease 100
  RunningSagas running;
  running["a"].updated_at = Millis{50};
  EXPECT_EQ(LockCoordinator::last_progress(*locks.table().holder("k"), running), Millis{50});
  locks.check_leases(Millis{140}, running);  // 90 ms since progress: fine
  EXPECT_EQ(locks.metrics().past_lease, 0u);
  const std::size_t before = lines.size();
  locks.check_leases(Millis{200}, running);
  locks.check_leases(Millis{300}, running);
  EXPECT_EQ(locks.metrics().past_lease, 1u);
  ASSERT_EQ(lines.size(), before + 1);  // once per key and holder
  EXPECT_NE(lines.back().find("event=lock_past_lease key=\"k\" idle_ms=150"), std::string::npos)
      << lines.back();
  std::vector<LockInfo> infos = locks.infos(Millis{300}, running);
  ASSERT_EQ(infos.size(), 1u);
  EXPECT_TRUE(infos[0].past_lease);
  EXPECT_EQ(infos[0].last_progress, Millis{50});
}

}  // namespace
}  // namespace saga
