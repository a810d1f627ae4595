// Goal: every SagaStore backend (SQLite, PostgreSQL) keeps every field, writes each batch all or
// nothing, reports a duplicate or a stale row version as the right Status, and keeps locks,
// lock waits, operator requests, queries and retention the same way (saga_store.h).
// Method: each case runs once per backend (StoreConformanceTest's parameter): a SQLite file in a
// fresh temporary folder, a fresh schema in a throwaway PostgreSQL cluster (pg_cluster.h).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "store_conformance_fixture.h"

namespace saga {
namespace {

using namespace store_test;

void expect_nothing_of(SagaStore& store, const std::string& id) {
  auto loaded = store.load(id);
  ASSERT_TRUE(loaded.is_ok());
  EXPECT_FALSE(loaded->has_value());
  EXPECT_TRUE(store.history(id)->empty());
  auto outbox = store.load_outbox();
  auto definitions = store.definitions();
  ASSERT_TRUE(outbox.is_ok() && definitions.is_ok());
  for (const OutboxEntry& e : *outbox) EXPECT_NE(e.saga_id, id);
  for (const DefinitionRecord& d : *definitions) EXPECT_NE(d.name, "Def-" + id);
}

TEST_P(StoreConformanceTest, RoundTripsEveryInstanceFieldIncludingBinaryData) {
  auto store = open_store();
  SagaInstance in = make_instance("s1");
  in.row_version = 0;  // ignored on insert: written as 1
  StoreBatch batch;
  batch.inserts.push_back(in);
  ASSERT_EQ(store->commit(batch), Status::ok());

  auto out = store->load("s1");
  ASSERT_TRUE(out.is_ok()) << out.status().to_string();
  ASSERT_TRUE(out->has_value());
  in.row_version = 1;
  EXPECT_EQ(**out, in);
  EXPECT_EQ((*out)->data.size(), 10u);
}

TEST_P(StoreConformanceTest, RoundTripsAChildSagasParentIdAndItsChildWaits) {
  auto store = open_store();
  SagaInstance child = make_instance("p1/deliver");
  child.parent_id = "p1";  // docs/dsl.md, "Child sagas"
  child.wait = Wait::kParent;
  child.last_request_id.clear();
  child.failure_cause = FailureCause::kParentCompensated;
  SagaInstance parent = make_instance("p1");
  parent.wait = Wait::kChild;
  StoreBatch batch;
  batch.inserts = {parent, child};
  ASSERT_EQ(store->commit(batch), Status::ok());
  child.wait = Wait::kNone;  // an update keeps the parent's id
  child.phase = Phase::kCompleted;
  StoreBatch update;
  update.updates.push_back(child);
  ASSERT_EQ(store->commit(update), Status::ok());
  auto out = store->load("p1/deliver");
  ASSERT_TRUE(out.is_ok() && out->has_value()) << out.status().to_string();
  child.row_version = 2;
  EXPECT_EQ(**out, child);
  EXPECT_EQ((*out)->parent_id, "p1");
  auto p = store->load("p1");
  ASSERT_TRUE(p.is_ok() && p->has_value());
  EXPECT_EQ((*p)->parent_id, "");
  EXPECT_EQ((*p)->wait, Wait::kChild);
}

TEST_P(StoreConformanceTest, RoundTripsFiveMebibyteData) {
  auto store = open_store();
  SagaInstance in = make_instance("big");
  in.data.resize(5 * 1024 * 1024);
  for (std::size_t k = 0; k < in.data.size(); ++k) in.data[k] = static_cast<char>(k * 31 % 251);
  StoreBatch batch;
  batch.inserts.push_back(in);
  ASSERT_EQ(store->commit(batch), Status::ok());

  auto out = store->load("big");
  ASSERT_TRUE(out.is_ok() && out->has_value());
  EXPECT_EQ((*out)->data, in.data);
}

TEST_P(StoreConformanceTest, LoadOfUnknownIdIsEmpty) {
  auto store = open_store();
  auto out = store->load("nope");
  ASSERT_TRUE(out.is_ok());
  EXPECT_FALSE(out->has_value());
}

TEST_P(StoreConformanceTest, UpdateWritesEveryFieldAndBumpsRowVersion) {
  auto store = open_store();
  StoreBatch insert;
  insert.inserts.push_back(make_instance("s1"));
  ASSERT_EQ(store->commit(insert), Status::ok());

  SagaInstance next = make_instance("s1");
  next.phase = Phase::kFailed;
  next.step = 0;
  next.data = "new\0data"s;
  next.wait = Wait::kNone;
  next.last_request_id.clear();
  next.updated_at = Millis(77'000);
  StoreBatch update;
  update.updates.push_back(next);
  ASSERT_EQ(store->commit(update), Status::ok());

  auto out = store->load("s1");
  ASSERT_TRUE(out.is_ok() && out->has_value());
  next.row_version = 2;
  EXPECT_EQ(**out, next);
}

// StoreBatch::updates_stored_phase (the phase each row has before the update): an update that
// keeps its phase and one that changes it are both written whole, and the phase queries see
// each saga in its new phase (SQLite leaves the phase out of the first: its index must agree).
TEST_P(StoreConformanceTest, UpdatesWithTheirStoredPhaseWriteEveryFieldAndTheNewPhase) {
  auto store = open_store();
  StoreBatch insert;
  for (const char* id : {"keep", "change"}) insert.inserts.push_back(make_instance(id));
  ASSERT_EQ(store->commit(insert), Status::ok());

  SagaInstance keep = make_instance("keep");
  keep.step = 3;
  keep.data = "kept\0phase"s;
  keep.updated_at = Millis(50'000);
  SagaInstance change = make_instance("change");
  change.phase = Phase::kCompleted;
  change.wait = Wait::kNone;
  change.last_request_id.clear();
  change.updated_at = Millis(60'000);
  StoreBatch update;
  update.updates = {keep, change};
  update.updates_stored_phase = {Phase::kExecuting, Phase::kExecuting};
  ASSERT_EQ(store->commit(update), Status::ok());

  keep.row_version = 2;
  change.row_version = 2;
  EXPECT_EQ(store->load("keep")->value(), keep);
  EXPECT_EQ(store->load("change")->value(), change);
  auto unfinished = store->load_unfinished();
  ASSERT_TRUE(unfinished.is_ok());
  ASSERT_EQ(unfinished->size(), 1u);
  EXPECT_EQ(unfinished->at(0).id, "keep");
  ASSERT_EQ(store->list(Phase::kCompleted, 10)->size(), 1u);
  EXPECT_EQ(store->list(Phase::kCompleted, 10)->at(0).id, "change");
  ASSERT_EQ(store->list(Phase::kExecuting, 10)->size(), 1u);
}

// Three commits of 4, 16 and 37 rows, two sagas interleaved, times running backwards: each
// saga's history comes back in the order appended, across commits and within one, not by time.
TEST_P(StoreConformanceTest, HistoryComesBackOldestFirstPerSaga) {
  auto store = open_store();
  std::vector<HistoryEntry> a, b;
  int n = 0;
  for (int rows : {4, 16, 37}) {
    StoreBatch batch;
    for (int k = 0; k < rows; ++k, ++n) {
      HistoryEntry h = make_history(static_cast<Event>(1 + n % kEventCount), n, Millis(100 - n));
      auto& list = n % 2 ? a : b;
      list.push_back(h);
      batch.history.emplace_back(n % 2 ? "a" : "b", h);
    }
    ASSERT_EQ(store->commit(batch), Status::ok());
  }
  auto ha = store->history("a");
  auto hb = store->history("b");
  ASSERT_TRUE(ha.is_ok() && hb.is_ok());
  EXPECT_EQ(*ha, a);
  EXPECT_EQ(*hb, b);
  EXPECT_TRUE(store->history("c")->empty());
}

TEST_P(StoreConformanceTest, OutboxPutReplaceDeleteRebuildsTheEnvelope) {
  auto store = open_store();
  StoreBatch put;
  put.outbox_put = {make_outbox("s1", "s1-m1"), make_outbox("s2", "s2-m1")};
  ASSERT_EQ(store->commit(put), Status::ok());
  auto out = store->load_outbox();
  ASSERT_TRUE(out.is_ok());
  ASSERT_EQ(out->size(), 2u);
  EXPECT_EQ((*out)[0].saga_id, "s1");
  EXPECT_EQ((*out)[0].participant, "kitchen");
  EXPECT_EQ((*out)[0].envelope, put.outbox_put[0].envelope);
  EXPECT_EQ((*out)[1].envelope, put.outbox_put[1].envelope);

  OutboxEntry replaced = make_outbox("s1", "s1-m2");
  replaced.participant = "accounting";
  replaced.envelope.compensation = false;
  replaced.envelope.content_type = ContentType::kCerealBinary;
  replaced.envelope.trace_id.clear();
  replaced.envelope.body.clear();
  StoreBatch replace;
  replace.outbox_put = {replaced};
  replace.outbox_delete = {"s2"};
  ASSERT_EQ(store->commit(replace), Status::ok());
  out = store->load_outbox();
  ASSERT_TRUE(out.is_ok());
  ASSERT_EQ(out->size(), 1u);
  EXPECT_EQ((*out)[0].participant, "accounting");
  EXPECT_EQ((*out)[0].envelope, replaced.envelope);

  StoreBatch remove;
  remove.outbox_delete = {"s1", "never-there"};
  ASSERT_EQ(store->commit(remove), Status::ok());
  EXPECT_TRUE(store->load_outbox()->empty());
}

TEST_P(StoreConformanceTest, OutboxEntryThatIsNotACommandOfItsSagaIsRejected) {
  auto store = open_store();
  StoreBatch batch;
  batch.outbox_put = {make_outbox("s1", "m1")};
  batch.outbox_put[0].envelope.saga_id = "other";
  EXPECT_EQ(store->commit(batch).code(), StatusCode::kInvalidArgument);
}

TEST_P(StoreConformanceTest, DuplicateInsertIsAlreadyExistsAndWritesNothing) {
  auto store = open_store();
  ASSERT_EQ(store->commit(full_batch("old")), Status::ok());

  StoreBatch batch = full_batch("new");
  batch.inserts.push_back(make_instance("old"));
  Status s = store->commit(batch);
  EXPECT_EQ(s.code(), StatusCode::kAlreadyExists) << s.to_string();
  EXPECT_NE(s.message().find("old"), std::string::npos) << s.message();
  expect_nothing_of(*store, "new");
  // The store is usable afterwards (statements reset, transaction rolled back).
  ASSERT_EQ(store->commit(full_batch("new")), Status::ok());
  EXPECT_TRUE(store->load("new")->has_value());
}

TEST_P(StoreConformanceTest, StaleRowVersionIsConflictAndWritesNothing) {
  auto store = open_store();
  ASSERT_EQ(store->commit(full_batch("s1")), Status::ok());
  SagaInstance fresh = make_instance("s1");
  StoreBatch first;
  first.updates.push_back(fresh);
  ASSERT_EQ(store->commit(first), Status::ok());  // now at row_version 2

  StoreBatch batch = full_batch("s2");
  SagaInstance stale = fresh;
  stale.phase = Phase::kCompleted;  // still claims row_version 1
  batch.updates.push_back(stale);
  Status s = store->commit(batch);
  EXPECT_EQ(s.code(), StatusCode::kConflict) << s.to_string();
  EXPECT_NE(s.message().find("s1"), std::string::npos) << s.message();
  expect_nothing_of(*store, "s2");
  EXPECT_EQ(store->load("s1")->value().phase, Phase::kExecuting);
  EXPECT_EQ(store->load("s1")->value().row_version, 2);

  StoreBatch missing;
  missing.updates.push_back(make_instance("ghost"));
  EXPECT_EQ(store->commit(missing).code(), StatusCode::kConflict);
}

TEST_P(StoreConformanceTest, DefinitionsAreInsertedOnceAndKeepTheFirstRecord) {
  auto store = open_store();
  StoreBatch batch;
  batch.definitions = {
      {"B", 1, "fb", Millis(1)}, {"A", 2, "fa2", Millis(2)}, {"A", 1, "fa1", Millis(3)}};
  ASSERT_EQ(store->commit(batch), Status::ok());
  StoreBatch again;
  again.definitions = {{"A", 1, "changed", Millis(99)}};
  ASSERT_EQ(store->commit(again), Status::ok());
  auto defs = store->definitions();
  ASSERT_TRUE(defs.is_ok());
  std::vector<DefinitionRecord> want = {
      {"A", 1, "fa1", Millis(3)}, {"A", 2, "fa2", Millis(2)}, {"B", 1, "fb", Millis(1)}};
  EXPECT_EQ(*defs, want);
}

TEST_P(StoreConformanceTest, LoadUnfinishedAndListSelectByPhaseAndOrder) {
  auto store = open_store();
  const Phase phases[] = {Phase::kExecuting,   Phase::kCompensating, Phase::kCompleted,
                          Phase::kCompensated, Phase::kFailed,       Phase::kExecuting};
  StoreBatch batch;
  for (int k = 0; k < 6; ++k) {
    // Two pairs share a created_at, so the id breaks the tie.
    SagaInstance i = make_instance("s" + std::to_string(k), Millis(100 + k / 2));
    i.phase = phases[k];
    batch.inserts.push_back(i);
  }
  ASSERT_EQ(store->commit(batch), Status::ok());

  auto ids = [](const std::vector<SagaInstance>& v) {
    std::vector<std::string> out;
    for (const SagaInstance& i : v) out.push_back(i.id);
    return out;
  };
  auto unfinished = store->load_unfinished();
  ASSERT_TRUE(unfinished.is_ok());
  EXPECT_EQ(ids(*unfinished), (std::vector<std::string>{"s0", "s1", "s4", "s5"}));

  EXPECT_EQ(ids(*store->list(std::nullopt, 0)),
            (std::vector<std::string>{"s5", "s4", "s3", "s2", "s1", "s0"}));
  EXPECT_EQ(ids(*store->list(std::nullopt, 3)), (std::vector<std::string>{"s5", "s4", "s3"}));
  EXPECT_EQ(ids(*store->list(Phase::kExecuting, 10)), (std::vector<std::string>{"s5", "s0"}));
  EXPECT_EQ(ids(*store->list(Phase::kExecuting, 1)), (std::vector<std::string>{"s5"}));
  EXPECT_TRUE(store->list(Phase::kCompleted, 5)->size() == 1);
}

TEST_P(StoreConformanceTest, ManySmallTransitionsInOneBatch) {
  auto store = open_store();
  StoreBatch create;
  for (int k = 0; k < 2'000; ++k) create.inserts.push_back(make_instance("s" + std::to_string(k)));
  ASSERT_EQ(store->commit(create), Status::ok());
  StoreBatch step;
  for (SagaInstance i : create.inserts) {
    i.step += 1;
    step.history.emplace_back(i.id, make_history(Event::kStepSucceeded, i.step, Millis(2)));
    step.outbox_put.push_back(make_outbox(i.id, i.id + "-m2"));
    step.updates.push_back(std::move(i));
  }
  ASSERT_EQ(store->commit(step), Status::ok());
  EXPECT_EQ(store->load("s1999")->value().step, 3);
  EXPECT_EQ(store->load("s1999")->value().row_version, 2);
  // In the order put, each whole.
  auto outbox = store->load_outbox();
  ASSERT_TRUE(outbox.is_ok());
  ASSERT_EQ(outbox->size(), 2'000u);
  for (std::size_t k = 0; k < outbox->size(); ++k) {
    ASSERT_EQ(outbox->at(k).saga_id, step.outbox_put[k].saga_id) << k;
    ASSERT_EQ(outbox->at(k).participant, step.outbox_put[k].participant) << k;
    ASSERT_EQ(outbox->at(k).envelope, step.outbox_put[k].envelope) << k;
  }
}

TEST_P(StoreConformanceTest, LocksAndWaitsAreCommittedWithTheBatchAndLoadedBack) {
  auto store = open_store();
  StoreBatch batch = full_batch("s1");
  batch.locks.locks_put.push_back(HeldLock{"order:1", "s1", Millis(5), Millis(60'000), 3});
  batch.locks.locks_put.push_back(HeldLock{"odd:\n;:key", "s1", Millis(6), Millis(10), -1});
  LockWait wait{"s2",
                7,
                Millis(8),
                1,
                {LockClaim{"order:1", LockMode::kWait, Millis(100), -1},
                 LockClaim{"a;b:1,2", LockMode::kFailFast, Millis(200), 4}}};
  batch.locks.waits_put.push_back(wait);
  ASSERT_EQ(store->commit(batch), Status::ok());
  auto locks = store->load_locks();
  ASSERT_TRUE(locks.is_ok());
  ASSERT_EQ(locks->size(), 2u);
  EXPECT_EQ((*locks)[0], (HeldLock{"odd:\n;:key", "s1", Millis(6), Millis(10), -1}));
  EXPECT_EQ((*locks)[1], (HeldLock{"order:1", "s1", Millis(5), Millis(60'000), 3}));
  auto waits = store->load_lock_waits();
  ASSERT_TRUE(waits.is_ok()) << waits.status().to_string();
  ASSERT_EQ(waits->size(), 1u);
  EXPECT_EQ((*waits)[0], wait);

  StoreBatch release;
  release.locks.locks_deleted.push_back("order:1");
  release.locks.waits_deleted.push_back("s2");
  ASSERT_EQ(store->commit(release), Status::ok());
  EXPECT_EQ(store->load_locks()->size(), 1u);
  EXPECT_TRUE(store->load_lock_waits()->empty());
}

TEST_P(StoreConformanceTest, OperatorRequestIsPendingUntilACommitRecordsItsOutcome) {
  auto store = open_store();
  const Result<std::int64_t> first = store->add_operator_request(
      make_request("s1", OperatorAction::kRetry, "kitchen is back", "alice"));
  const Result<std::int64_t> second = store->add_operator_request(
      make_request("s2", OperatorAction::kCompensate, "give up", "bob"));
  ASSERT_TRUE(first.is_ok() && second.is_ok());
  EXPECT_EQ(store->add_operator_request(make_request("s3", OperatorAction::kSkip, "", "carol"))
                .status()
                .code(),
            StatusCode::kInvalidArgument);
  auto pending = store->take_operator_requests(10);
  ASSERT_EQ(pending->size(), 2u);
  EXPECT_EQ(pending->at(0).id, *first);
  EXPECT_EQ(pending->at(0).requested_by, "alice");
  EXPECT_EQ(pending->at(1).action, OperatorAction::kCompensate);
  EXPECT_EQ(store->take_operator_requests(10)->size(), 2u);  // reading takes nothing away

  StoreBatch batch = full_batch("s1");
  batch.request_outcomes.push_back({*first, RequestState::kApplied, "ok", Millis(9)});
  ASSERT_EQ(store->commit(batch), Status::ok());
  ASSERT_EQ(
      store->finish_operator_request({*second, RequestState::kRejected, "not failed", Millis(10)}),
      Status::ok());
  EXPECT_TRUE(store->take_operator_requests(10)->empty());
  auto done = store->operator_request(*second);
  ASSERT_TRUE(done->has_value());
  EXPECT_EQ(done->value().state, RequestState::kRejected);
  EXPECT_EQ(done->value().result, "not failed");
  EXPECT_EQ(store->operator_requests(RequestState::kApplied, 0)->size(), 1u);
  EXPECT_EQ(store->operator_requests(std::nullopt, 0)->size(), 2u);
}

TEST_P(StoreConformanceTest, QueriesFilterPageAndCount) {
  auto store = open_store();
  StoreBatch batch;
  for (int k = 0; k < 6; ++k) {
    SagaInstance i = make_instance("q" + std::to_string(k), Millis(100 + k));
    i.type = k % 2 ? "A" : "B";
    i.phase = k < 3 ? Phase::kExecuting : Phase::kCompleted;
    batch.inserts.push_back(i);
    batch.history.emplace_back(i.id, make_history(Event::kStarted, -1, Millis(1)));
  }
  batch.history.emplace_back("q5", make_history(Event::kCompleted, -1, Millis(2)));
  ASSERT_EQ(store->commit(batch), Status::ok());
  auto ids = [](const Result<std::vector<SagaInstance>>& v) {
    std::vector<std::string> out;
    for (const SagaInstance& i : *v) out.push_back(i.id);
    return out;
  };
  SagaQuery q;
  q.type = "A";
  EXPECT_EQ(ids(store->query(q)), (std::vector<std::string>{"q5", "q3", "q1"}));
  q.phase = Phase::kExecuting;
  EXPECT_EQ(ids(store->query(q)), (std::vector<std::string>{"q1"}));
  SagaQuery page;
  page.limit = 2;
  page.offset = 1;
  page.created_before = Millis(105);
  page.created_after = Millis(101);
  EXPECT_EQ(ids(store->query(page)), (std::vector<std::string>{"q3", "q2"}));
  auto oldest = store->oldest_unfinished();
  ASSERT_TRUE(oldest.is_ok() && oldest->has_value());
  EXPECT_EQ((*oldest)->id, "q0");
  auto counts = store->counts();
  ASSERT_TRUE(counts.is_ok());
  std::uint64_t total = 0;
  for (const SagaCount& c : *counts) total += c.count;
  EXPECT_EQ(total, 6u);
  EXPECT_EQ(counts->size(), 4u);  // (A|B) x (executing|completed)
  auto events = store->event_counts();
  ASSERT_TRUE(events.is_ok());
  EXPECT_EQ(events->at(Event::kStarted), 6u);
  EXPECT_EQ(events->at(Event::kCompleted), 1u);
  EXPECT_FALSE(store->outbox_entry("q1")->has_value());
}

TEST_P(StoreConformanceTest, PruneArchivesThenDeletesFinishedSagasOnly) {
  auto store = open_store();
  StoreBatch batch;
  for (int k = 0; k < 4; ++k) {
    SagaInstance i = make_instance("p" + std::to_string(k), Millis(10 + k));
    i.phase = k == 0 ? Phase::kExecuting : (k % 2 ? Phase::kCompleted : Phase::kCompensated);
    batch.inserts.push_back(i);
    batch.history.emplace_back(i.id, make_history(Event::kStarted, -1, Millis(1)));
  }
  ASSERT_EQ(store->commit(batch), Status::ok());
  auto refused = store->prune_finished(
      Millis(1'000), 10, [](const auto&) { return Status(StatusCode::kIoError, "archive full"); });
  EXPECT_EQ(refused.status().code(), StatusCode::kIoError);
  EXPECT_TRUE(store->load("p1")->has_value());
  std::vector<std::string> archived;
  auto pruned = store->prune_finished(Millis(1'000), 2, [&](const auto& sagas) {
    for (const auto& [saga, history] : sagas) {
      archived.push_back(saga.id);
      EXPECT_EQ(history.size(), 1u);
    }
    return Status::ok();
  });
  ASSERT_TRUE(pruned.is_ok()) << pruned.status().to_string();
  EXPECT_EQ(*pruned, 2u);
  EXPECT_EQ(archived, (std::vector<std::string>{"p1", "p2"}));
  EXPECT_FALSE(store->load("p1")->has_value());
  EXPECT_TRUE(store->history("p1")->empty());
  EXPECT_EQ(*store->prune_finished(Millis(1'000), 10, nullptr), 1u);
  EXPECT_TRUE(store->load("p0")->has_value());  // unfinished: kept
}

TEST_P(StoreConformanceTest, ToolAccessReadsWhatTheEngineWrote) {
  {
    auto engine = open_store();
    ASSERT_EQ(engine->commit(full_batch("s1")), Status::ok());
  }
  auto reader = open_store(StoreAccess::kReadOnly);
  ASSERT_NE(reader, nullptr);
  EXPECT_TRUE(reader->load("s1")->has_value());
  EXPECT_EQ(reader->load_unfinished()->size(), 1u);
  EXPECT_EQ(reader->load_outbox()->size(), 1u);
  auto op = open_store(StoreAccess::kOperator);
  ASSERT_NE(op, nullptr);
  EXPECT_TRUE(
      op->add_operator_request(make_request("s1", OperatorAction::kRetry, "why", "me")).is_ok());
}

INSTANTIATE_TEST_SUITE_P(Backends, StoreConformanceTest,
                         ::testing::Values(std::string("sqlite")
#ifdef SAGA_POSTGRES
                                               ,
                                           std::string("postgresql")
#endif
                                               ),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           return info.param;
                         });

}  // namespace
}  // namespace saga
