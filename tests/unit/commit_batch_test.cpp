// Goal: the commit batch stages decisions, writes one StoreBatch (inserts, updates with the
// row_version read, outbox puts and deletes, history, lock changes), leaves the batch intact
// after the write, rolls the lock table back when the store refuses, and after a commit moves
// instances into memory (ended ones out, retry waits armed).
// Method: PendingBatch, commit_batch and apply_committed with a lambda for the store.
#include "runtime/commit_batch.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace saga {
namespace {

SagaInstance instance(const std::string& id, Phase phase) {
  SagaInstance s;
  s.id = id;
  s.type = "t";
  s.phase = phase;
  return s;
}

Decision decision(SagaInstance next, bool with_command) {
  Decision d;
  d.next = std::move(next);
  d.history.push_back(HistoryEntry{Event::kStepSucceeded, 0, 1, Millis{1}, {}, "Done"});
  if (with_command) {
    d.command = OutgoingCommand{"p", {}};
    d.command->envelope.message_id = d.next.id + "/1";
    d.next.last_request_id = d.command->envelope.message_id;
  }
  return d;
}

TEST(CommitBatchTest, StagingKeepsTheLatestStateAndCommandPerSaga) {
  PendingBatch batch;
  RunningSagas running{{"r", instance("r", Phase::kExecuting)}};
  EXPECT_EQ(batch.current("r", running)->phase, Phase::kExecuting);
  EXPECT_EQ(batch.current("x", running), nullptr);
  Decision first = decision(instance("r", Phase::kExecuting), true);
  batch.stage("r", first);
  Decision second = decision(instance("r", Phase::kCompensating), true);
  second.command->envelope.message_id = "r/2";
  batch.stage("r", second);
  EXPECT_EQ(batch.current("r", running)->phase, Phase::kCompensating);
  EXPECT_EQ(batch.commands.at("r").envelope.message_id, "r/2");
  EXPECT_EQ(batch.history.size(), 2u);
  EXPECT_EQ(batch.inputs, 2u);
}

TEST(CommitBatchTest, WritesOneStoreBatchAndLeavesTheBatchIntact) {
  RunningSagas running;
  running["old"] = instance("old", Phase::kExecuting);
  running["old"].row_version = 4;
  running["old"].last_request_id = "old/1";
  PendingBatch batch;
  Decision fresh = decision(instance("new", Phase::kExecuting), true);
  batch.stage("new", fresh);
  batch.inserted.insert("new");
  Decision moved_on = decision(instance("old", Phase::kExecuting), false);  // answered
  batch.stage("old", moved_on);
  LockTable locks;
  std::vector<LockAnswer> answers;
  locks.acquire("new", -1, {LockClaim{"k", LockMode::kWait, Millis{10}, -1}}, Millis{0}, answers);

  StoreBatch written;
  CommitResult r = commit_batch(batch, running, locks, [&](const StoreBatch& out) {
    written = out;
    return Status::ok();
  });
  ASSERT_TRUE(r.written);
  ASSERT_EQ(written.inserts.size(), 1u);
  EXPECT_EQ(written.inserts[0].id, "new");
  ASSERT_EQ(written.updates.size(), 1u);
  EXPECT_EQ(written.updates[0].row_version, 4);  // the version read, for the store's check
  ASSERT_EQ(written.outbox_put.size(), 1u);
  EXPECT_EQ(written.outbox_put[0].envelope.message_id, "new/1");
  EXPECT_EQ(written.outbox_delete, std::vector<std::string>{"old"});
  EXPECT_EQ(written.history.size(), 2u);
  EXPECT_EQ(written.locks.locks_put.size(), 1u);
  // Moved back: the batch still has its instances, commands and history.
  EXPECT_EQ(batch.staged.at("new").id, "new");
  EXPECT_EQ(batch.commands.at("new").envelope.message_id, "new/1");
  EXPECT_EQ(batch.history.size(), 2u);
  EXPECT_TRUE(locks.changes().empty());  // journal cleared
}

TEST(CommitBatchTest, NothingToWriteCallsNoStore) {
  PendingBatch batch;
  LockTable locks;
  bool called = false;
  CommitResult r = commit_batch(batch, {}, locks, [&](const StoreBatch&) {
    called = true;
    return Status::ok();
  });
  EXPECT_FALSE(called);
  EXPECT_FALSE(r.written);
  EXPECT_TRUE(r.status);
}

TEST(CommitBatchTest, ARefusedCommitRollsTheLockTableBack) {
  PendingBatch batch;
  Decision d = decision(instance("s", Phase::kExecuting), true);
  batch.stage("s", d);
  batch.inserted.insert("s");
  LockTable locks;
  std::vector<LockAnswer> answers;
  locks.acquire("s", -1, {LockClaim{"k", LockMode::kWait, Millis{10}, -1}}, Millis{0}, answers);
  CommitResult r = commit_batch(batch, {}, locks, [](const StoreBatch&) {
    return Status(StatusCode::kBusy, "database is locked");
  });
  EXPECT_FALSE(r.written);
  EXPECT_EQ(r.status.code(), StatusCode::kBusy);
  EXPECT_EQ(locks.holder("k"), nullptr);
  EXPECT_TRUE(locks.changes().empty());
  EXPECT_EQ(batch.staged.at("s").last_request_id, "s/1");  // intact for the caller
  // The history too: the engine carries its gate entries (command_held/released, the first
  // PendingBatch::gate_entries of it) over to the next batch from here.
  ASSERT_EQ(batch.history.size(), 1u);
  EXPECT_EQ(batch.history[0].first, "s");
  EXPECT_EQ(batch.history[0].second.event, Event::kStepSucceeded);
}

TEST(CommitBatchTest, ApplyingMovesInstancesIntoMemoryAndReportsEnds) {
  RunningSagas running;
  running["done"] = instance("done", Phase::kExecuting);
  running["done"].row_version = 2;
  running["failed"] = instance("failed", Phase::kFailed);
  running["failed"].row_version = 3;
  PendingBatch batch;
  batch.staged["new"] = instance("new", Phase::kExecuting);
  batch.staged["new"].wait = Wait::kRetry;
  batch.staged["new"].deadline = Millis{50};
  batch.inserted.insert("new");
  batch.staged["done"] = instance("done", Phase::kCompleted);
  batch.staged["failed"] = instance("failed", Phase::kFailed);  // still failed: no new end
  TimerQueue timers;
  AppliedBatch applied = apply_committed(batch, running, timers);
  EXPECT_EQ(applied.started_types, std::vector<std::string>{"t"});
  ASSERT_EQ(applied.ended.size(), 1u);
  EXPECT_EQ(applied.ended[0].id, "done");
  EXPECT_EQ(applied.ended[0].row_version, 3);
  EXPECT_EQ(running.count("done"), 0u);
  EXPECT_EQ(running.at("new").row_version, 1);
  EXPECT_EQ(running.at("failed").row_version, 4);
  EXPECT_EQ(timers.size(), 1u);  // the retry wait of "new"
}

}  // namespace
}  // namespace saga
