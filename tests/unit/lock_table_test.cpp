// Goal: the engine's lock table grants keys first come first served, keeps re-entrant keys,
// gives keys back on a refusal (to the next saga in line), finds deadlock cycles, and undoes
// everything since the last commit on rollback, reporting exactly what changed.
// Method: the table on its own (engine/src/core/lock_table.h), no engine, no database.
#include "core/lock_table.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace saga {
namespace {

LockClaim wait_for(std::string key, std::int32_t release_after = -1) {
  return LockClaim{std::move(key), LockMode::kWait, Millis{1'000}, release_after};
}
LockClaim fail_fast(std::string key) {
  return LockClaim{std::move(key), LockMode::kFailFast, Millis{1'000}, -1};
}

class LockTableTest : public ::testing::Test {
 protected:
  LockAnswer acquire(const std::string& saga, std::vector<LockClaim> claims) {
    std::vector<LockAnswer> answers;
    table.acquire(saga, 0, claims, Millis{10}, answers);
    EXPECT_EQ(answers.size(), 1u);
    return answers.back();
  }
  std::vector<LockAnswer> release(const std::string& saga) {
    std::vector<LockAnswer> answers;
    table.release_saga(saga, Millis{20}, answers);
    return answers;
  }

  LockTable table;
};

TEST_F(LockTableTest, FreeKeysAreGrantedAndHeldKeysQueueInOrder) {
  LockAnswer a = acquire("a", {wait_for("k1"), wait_for("k2")});
  EXPECT_EQ(a.outcome, LockOutcome::kGranted);
  EXPECT_EQ(a.reason, "k1 k2");
  EXPECT_EQ(acquire("b", {wait_for("k2")}).outcome, LockOutcome::kWaiting);
  LockAnswer c = acquire("c", {wait_for("k2")});
  EXPECT_EQ(c.outcome, LockOutcome::kWaiting);
  EXPECT_EQ(c.reason, "k2 held by a");
  EXPECT_EQ(table.queue("k2"), (std::vector<std::string>{"b", "c"}));

  std::vector<LockAnswer> next = release("a");
  ASSERT_EQ(next.size(), 1u);
  EXPECT_EQ(next[0].saga_id, "b");
  EXPECT_EQ(next[0].outcome, LockOutcome::kGranted);
  EXPECT_EQ(table.holder("k2")->saga_id, "b");
  EXPECT_EQ(table.holder("k1"), nullptr);
  EXPECT_EQ(table.queue("k2"), (std::vector<std::string>{"c"}));
  next = release("b");
  ASSERT_EQ(next.size(), 1u);
  EXPECT_EQ(next[0].saga_id, "c");
  EXPECT_TRUE(release("c").empty());
  EXPECT_EQ(table.lock_count(), 0u);
  EXPECT_EQ(table.wait_count(), 0u);
}

TEST_F(LockTableTest, KeysTheSagaHoldsAreReentrant) {
  EXPECT_EQ(acquire("a", {wait_for("k")}).outcome, LockOutcome::kGranted);
  EXPECT_EQ(acquire("a", {fail_fast("k"), wait_for("m")}).outcome, LockOutcome::kGranted);
  EXPECT_EQ(table.lock_count(), 2u);
  EXPECT_EQ(table.holder("k")->acquired_at, Millis{10});
}

TEST_F(LockTableTest, AFailFastRefusalGivesBackWhatTheCallTook) {
  acquire("a", {wait_for("held")});
  LockAnswer b = acquire("b", {wait_for("free"), fail_fast("held")});
  EXPECT_EQ(b.outcome, LockOutcome::kRefused);
  EXPECT_EQ(b.reason, "lock_held: held held by a");
  EXPECT_FALSE(b.deadlock);
  EXPECT_EQ(table.holder("free"), nullptr);
}

TEST_F(LockTableTest, AKeyHandedOverAndThenGivenBackGoesToTheNextInLine) {
  acquire("a", {wait_for("k"), wait_for("m")});
  acquire("x", {wait_for("z")});
  // b waits for k, then wants z fail-fast (held by x); c waits for k behind b.
  EXPECT_EQ(acquire("b", {wait_for("k"), fail_fast("z")}).outcome, LockOutcome::kWaiting);
  EXPECT_EQ(acquire("c", {wait_for("k")}).outcome, LockOutcome::kWaiting);
  std::vector<LockAnswer> answers = release("a");
  ASSERT_EQ(answers.size(), 2u);
  // b got k, was refused z, and gave k back: c has it now.
  EXPECT_EQ(answers[0].saga_id, "c");
  EXPECT_EQ(answers[0].outcome, LockOutcome::kGranted);
  EXPECT_EQ(answers[1].saga_id, "b");
  EXPECT_EQ(answers[1].outcome, LockOutcome::kRefused);
  EXPECT_EQ(table.holder("k")->saga_id, "c");
}

TEST_F(LockTableTest, AWaitThatWouldCloseACycleIsRefusedAsADeadlock) {
  acquire("a", {wait_for("ka")});
  acquire("b", {wait_for("kb")});
  acquire("c", {wait_for("kc")});
  EXPECT_EQ(acquire("a", {wait_for("kb")}).outcome, LockOutcome::kWaiting);  // a -> b
  EXPECT_EQ(acquire("b", {wait_for("kc")}).outcome, LockOutcome::kWaiting);  // b -> c
  LockAnswer c = acquire("c", {wait_for("ka")});                             // c -> a: cycle
  EXPECT_EQ(c.outcome, LockOutcome::kRefused);
  EXPECT_TRUE(c.deadlock);
  EXPECT_EQ(c.reason, "deadlock: c -> a -> b -> c");
  EXPECT_EQ(table.wait_count(), 2u);  // c does not wait
  // A fail-fast claim never waits, so it never deadlocks: it is refused as held.
  EXPECT_FALSE(acquire("c", {fail_fast("ka")}).deadlock);
}

TEST_F(LockTableTest, ReleasePassedFreesOnlyKeysWhoseStepIsBehindTheSaga) {
  acquire("a", {wait_for("early", 1), wait_for("end")});
  acquire("b", {wait_for("early")});
  std::vector<LockAnswer> answers;
  table.release_passed("a", 1, Millis{20}, answers);  // at step 1: not past it yet
  EXPECT_TRUE(answers.empty());
  table.release_passed("a", 2, Millis{20}, answers);
  ASSERT_EQ(answers.size(), 1u);
  EXPECT_EQ(answers[0].saga_id, "b");
  EXPECT_EQ(table.holder("end")->saga_id, "a");
}

TEST_F(LockTableTest, ChangesListWhatToWriteAndRollbackUndoesThem) {
  acquire("a", {wait_for("k")});
  acquire("b", {wait_for("k", 3), wait_for("m")});
  LockChanges first = table.changes();
  ASSERT_EQ(first.locks_put.size(), 1u);
  EXPECT_EQ(first.locks_put[0], (HeldLock{"k", "a", Millis{10}, Millis{1'000}, -1}));
  ASSERT_EQ(first.waits_put.size(), 1u);
  EXPECT_EQ(first.waits_put[0].saga_id, "b");
  EXPECT_EQ(first.waits_put[0].claims.size(), 2u);
  table.commit_changes();
  EXPECT_TRUE(table.changes().empty());

  std::vector<LockAnswer> answers;
  table.release_saga("a", Millis{20}, answers);  // b gets k and m
  LockChanges second = table.changes();
  EXPECT_EQ(second.locks_put.size(), 2u);
  EXPECT_EQ(second.waits_deleted, (std::vector<std::string>{"b"}));
  table.rollback();  // the commit failed: back to a holding k, b waiting
  EXPECT_TRUE(table.changes().empty());
  EXPECT_EQ(table.holder("k")->saga_id, "a");
  EXPECT_EQ(table.holder("m"), nullptr);
  EXPECT_EQ(table.queue("k"), (std::vector<std::string>{"b"}));

  // A key taken and released within one batch writes nothing.
  acquire("c", {wait_for("tmp")});
  release("c");
  EXPECT_TRUE(table.changes().empty());
}

TEST_F(LockTableTest, LoadRestoresLocksQueuesAndTheQueueCounter) {
  table.load({HeldLock{"k", "a", Millis{1}, Millis{5}, -1}},
             {LockWait{"b", 41, Millis{2}, 0, {wait_for("k")}}});
  EXPECT_EQ(table.holder("k")->saga_id, "a");
  EXPECT_EQ(acquire("c", {wait_for("k")}).outcome, LockOutcome::kWaiting);
  EXPECT_EQ(table.queue("k"), (std::vector<std::string>{"b", "c"}));
  EXPECT_EQ(table.waits().back().seq, 42u);
}

// Several instances on one database: the committed row of a key overrides this table's view.
TEST_F(LockTableTest, ObserveTakesTheStoredHolderAndHandsAKeyFoundFreeToTheQueue) {
  HeldLock foreign{"k", "elsewhere", Millis{1}, Millis{1'000}, -1};
  table.load({foreign}, {});
  EXPECT_EQ(acquire("w", {wait_for("k")}).outcome, LockOutcome::kWaiting);
  table.commit_changes();
  std::vector<LockAnswer> answers;
  // Another instance's saga holds it now: taken over without anything to write.
  HeldLock other{"k", "other", Millis{5}, Millis{1'000}, -1};
  table.observe("k", other, Millis{30}, answers);
  EXPECT_TRUE(answers.empty());
  EXPECT_EQ(table.holder("k")->saga_id, "other");
  EXPECT_TRUE(table.changes().empty());
  EXPECT_EQ(table.waited_keys(), (std::vector<std::string>{"k"}));
  // Found free: the first saga queued here gets it, and that grant is what to write.
  table.observe("k", std::nullopt, Millis{40}, answers);
  ASSERT_EQ(answers.size(), 1u);
  EXPECT_EQ(answers[0].saga_id, "w");
  EXPECT_EQ(answers[0].outcome, LockOutcome::kGranted);
  LockChanges changes = table.changes();
  ASSERT_EQ(changes.locks_put.size(), 1u);
  EXPECT_EQ(changes.locks_put[0].saga_id, "w");
  EXPECT_EQ(changes.waits_deleted, (std::vector<std::string>{"w"}));
  // A key changed since the last commit is left to the commit's check.
  answers.clear();
  table.observe("k", other, Millis{50}, answers);
  EXPECT_EQ(table.holder("k")->saga_id, "w");
  EXPECT_TRUE(table.waited_keys().empty());
}

}  // namespace
}  // namespace saga
