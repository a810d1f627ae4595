// Goal: the inspection API (saga/inspection.h) answers from an engine's database file alone:
// filters, one saga's detail with step names from the recorded definition, counts, definitions
// with their steps, locks, and operator requests that the engine applies with their audit.
// Method: EngineFixture writes a real SQLite file in a temp dir (FTGO Create Order over the
// in-memory transport, virtual clock); an Inspector opens the same file as a tool would.
#include "saga/inspection.h"

#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "saga/testing/engine_fixture.h"
#include "saga/testing/ftgo_definition.h"
#include "three_sagas.h"

namespace saga {
namespace {

using testing::EngineFixture;

// docs/operations.md shows this function (the inspection API section).
Status retry_every_failed_saga(const std::string& path) {
  saga::InspectorOptions options;
  options.path = path;
  options.access = saga::StoreAccess::kOperator;
  auto inspector = saga::Inspector::open(options);
  if (!inspector) return inspector.status();
  saga::SagaQuery failed;
  failed.phase = saga::Phase::kFailed;
  auto sagas = (*inspector)->list(failed);
  if (!sagas) return sagas.status();
  for (const saga::SagaInstance& i : *sagas) {
    auto id = (*inspector)->retry(i.id, {"alice", "kitchen is back (INC-4711)"});
    if (!id) return id.status();
  }
  return Status::ok();
}

class InspectionTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(f.open().is_ok()); }

  std::unique_ptr<Inspector> inspect(StoreAccess access = StoreAccess::kReadOnly) {
    InspectorOptions options;
    options.path = f.database_path();
    options.access = access;
    auto inspector = Inspector::open(options);
    EXPECT_TRUE(inspector.is_ok()) << inspector.status().to_string();
    return inspector.is_ok() ? std::move(inspector).value() : nullptr;
  }

  void start(const std::string& id) {
    StartOptions options;
    options.id = id;
    ASSERT_TRUE(f.engine().start_saga("create_order", "order-" + id, options).is_ok());
  }

  // Completed at t=0, compensated at t=1000, failed (while compensating) at t=2000.
  void make_three() { testing::make_three_sagas(f); }

  static std::vector<std::string> ids(const std::vector<SagaInstance>& v) {
    std::vector<std::string> out;
    for (const SagaInstance& i : v) out.push_back(i.id);
    return out;
  }

  EngineFixture f;
};

TEST_F(InspectionTest, ListFiltersByPhaseTypeCreationTimeAndPages) {
  make_three();
  auto inspector = inspect();
  ASSERT_NE(inspector, nullptr);
  SagaQuery all;
  EXPECT_EQ(ids(inspector->list(all).value()),
            (std::vector<std::string>{"stuck-3", "declined-2", "ok-1"}));
  SagaQuery failed;
  failed.phase = Phase::kFailed;
  EXPECT_EQ(ids(inspector->list(failed).value()), std::vector<std::string>{"stuck-3"});
  SagaQuery other;
  other.type = "other";
  EXPECT_TRUE(inspector->list(other).value().empty());
  const Millis t0 = inspector->saga("ok-1").value()->instance.created_at;
  SagaQuery window;
  window.created_after = t0 + Millis{500};
  window.created_before = t0 + Millis{1'500};
  EXPECT_EQ(ids(inspector->list(window).value()), std::vector<std::string>{"declined-2"});
  SagaQuery page;
  page.limit = 1;
  page.offset = 2;
  EXPECT_EQ(ids(inspector->list(page).value()), std::vector<std::string>{"ok-1"});
}

TEST_F(InspectionTest, SagaHasHistoryOutstandingCommandAndStepNames) {
  make_three();
  f.transport().set_paused("kitchen", true);
  start("waiting-4");
  ASSERT_EQ(f.engine().wait("waiting-4", Millis{50}).status().code(), StatusCode::kTimeout);
  auto inspector = inspect();
  ASSERT_NE(inspector, nullptr);
  EXPECT_FALSE(inspector->saga("no-such").value().has_value());

  auto detail = inspector->saga("waiting-4");
  ASSERT_TRUE(detail.is_ok() && detail->has_value()) << detail.status().to_string();
  const SagaDetail& d = detail->value();
  EXPECT_EQ(d.instance.phase, Phase::kExecuting);
  EXPECT_EQ(d.instance.step, 2);
  EXPECT_EQ(d.step_name(2), "create_ticket");
  EXPECT_EQ(d.step_name(-1), "");
  ASSERT_TRUE(d.outstanding_command.has_value());
  EXPECT_EQ(d.outstanding_command->participant, "kitchen");
  EXPECT_EQ(d.outstanding_command->envelope.name, "CreateTicket");
  ASSERT_TRUE(d.definition.has_value());
  ASSERT_TRUE(d.definition->steps.has_value());
  EXPECT_EQ(d.definition->steps->size(), f.definition()->steps.size());
  ASSERT_EQ(d.history.size(), 2u);
  EXPECT_EQ(d.history[0].event, Event::kStarted);
  EXPECT_EQ(d.history[1].event, Event::kStepSucceeded);
  EXPECT_EQ(d.step_name(d.history[1].step), "verify_consumer");
  EXPECT_EQ(d.history, f.engine().history("waiting-4").value());

  auto declined = inspector->saga("declined-2").value();
  ASSERT_TRUE(declined.has_value());
  EXPECT_FALSE(declined->outstanding_command.has_value());
  EXPECT_EQ(declined->instance.phase, Phase::kCompensated);
  f.transport().set_paused("kitchen", false);
}

TEST_F(InspectionTest, StatsCountByDefinitionPhaseAndEvent) {
  make_three();
  auto inspector = inspect();
  ASSERT_NE(inspector, nullptr);
  auto stats = inspector->stats();
  ASSERT_TRUE(stats.is_ok()) << stats.status().to_string();
  EXPECT_EQ(stats->count(Phase::kCompleted), 1u);
  EXPECT_EQ(stats->count(Phase::kCompensated, "create_order"), 1u);
  EXPECT_EQ(stats->count(Phase::kFailed), 1u);
  EXPECT_EQ(stats->count(Phase::kFailed, "other"), 0u);
  ASSERT_EQ(stats->counts.size(), 3u);  // one definition, three phases
  EXPECT_EQ(stats->counts[0].fingerprint, fingerprint(*f.definition()));
  EXPECT_EQ(stats->events_of({Event::kStarted}), 3u);
  EXPECT_EQ(stats->events_of({Event::kCompensationExhausted}), 1u);
  EXPECT_GE(stats->events_of({Event::kCompensationRetried}), 4u);
  ASSERT_TRUE(stats->oldest_unfinished.has_value());
  EXPECT_EQ(stats->oldest_unfinished->id, "stuck-3");
  EXPECT_EQ(stats->pending_requests, 0u);
}

TEST_F(InspectionTest, DefinitionsCarryTheirStepsAndRunningCounts) {
  make_three();
  auto inspector = inspect();
  ASSERT_NE(inspector, nullptr);
  auto defs = inspector->definitions();
  ASSERT_TRUE(defs.is_ok()) << defs.status().to_string();
  ASSERT_EQ(defs->size(), 1u);
  const DefinitionInfo& d = defs->front();
  EXPECT_EQ(d.running, 1u);  // the failed one
  DefinitionRecord want = definition_record(*f.definition());
  want.registered_at = d.record.registered_at;
  EXPECT_EQ(d.record, want);
  ASSERT_TRUE(d.record.steps.has_value());
  const std::vector<StepRecord>& steps = *d.record.steps;
  ASSERT_EQ(steps.size(), 6u);
  EXPECT_EQ(steps[0].name, "reject_order");
  EXPECT_EQ(steps[0].compensation_command, "RejectOrder");
  EXPECT_EQ(steps[2].participant, "kitchen");
  EXPECT_EQ(steps[2].command, "CreateTicket");
  EXPECT_EQ(steps[2].compensation_command, "CancelCreateTicket");
  EXPECT_EQ(steps[3].kind, StepKind::kPivot);
  EXPECT_EQ(steps[5].kind, StepKind::kRetriable);
  EXPECT_EQ(inspector->definition("create_order").value(), d.record);
  EXPECT_FALSE(inspector->definition("create_order", 9).value().has_value());
}

TEST_F(InspectionTest, RetryIsQueuedWithItsAuditAndAppliedByTheEngine) {
  make_three();
  auto reader = inspect();
  ASSERT_NE(reader, nullptr);
  EXPECT_EQ(reader->retry("stuck-3", {"alice", "kitchen is back", Millis{0}}).status().code(),
            StatusCode::kFailedPrecondition);  // read-only

  auto op = inspect(StoreAccess::kOperator);
  ASSERT_NE(op, nullptr);
  EXPECT_EQ(op->retry("stuck-3", {"alice", "", Millis{0}}).status().code(),
            StatusCode::kInvalidArgument);  // no reason
  EXPECT_EQ(op->retry("nope", {"alice", "x", Millis{0}}).status().code(), StatusCode::kNotFound);
  Result<std::int64_t> completed = op->skip("ok-1", {"alice", "x", Millis{0}});
  EXPECT_EQ(completed.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(completed.status().message().find("saga ok-1 is completed"), std::string::npos);
  EXPECT_TRUE(op->requests(std::nullopt, 0).value().empty());

  Result<std::int64_t> id = op->retry("stuck-3", {"alice", "kitchen is back", Millis{42}});
  ASSERT_TRUE(id.is_ok()) << id.status().to_string();
  OperatorRequest pending = op->request(*id).value().value();
  EXPECT_EQ(pending.state, RequestState::kPending);
  EXPECT_EQ(pending.requested_by, "alice");
  EXPECT_EQ(pending.requested_at, Millis{42});
  EXPECT_EQ(op->stats().value().pending_requests, 1u);

  // The engine polls requests on its thread, every 200 ms of its clock.
  for (int i = 0; i < 1000 && op->request(*id).value()->state == RequestState::kPending; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    f.clock().advance(Millis{100});
    f.engine().tick();
  }
  Result<OperatorRequest> done = op->wait_for(*id, Millis{0});
  ASSERT_TRUE(done.is_ok());
  EXPECT_EQ(done->state, RequestState::kApplied);
  EXPECT_EQ(done->result, "ok");
  EXPECT_EQ(f.settle("stuck-3").phase, Phase::kCompensated);
  auto history = op->saga("stuck-3").value()->history;
  bool audited = false;
  for (const HistoryEntry& h : history) {
    audited |=
        h.event == Event::kOperatorRetriedCompensation && h.reason == "alice: kitchen is back";
  }
  EXPECT_TRUE(audited);
  auto applied = op->requests(RequestState::kApplied, 10).value();
  ASSERT_EQ(applied.size(), 1u);
  EXPECT_EQ(applied[0].id, *id);
  EXPECT_EQ(applied[0].reason, "kitchen is back");
}

TEST_F(InspectionTest, LocksAndReleaseLock) {
  auto locked = testing::ftgo_locked_definition("locked_order", "order:1", Millis{1'000});
  ASSERT_TRUE(f.engine().register_definition(locked).is_ok());
  f.transport().set_paused("consumer", true);
  StartOptions options;
  options.id = "holder";
  ASSERT_TRUE(f.engine().start_saga("locked_order", "order-h", options).is_ok());
  options.id = "next";
  ASSERT_TRUE(f.engine().start_saga("locked_order", "order-n", options).is_ok());
  f.engine().tick();

  auto op = inspect(StoreAccess::kOperator);
  ASSERT_NE(op, nullptr);
  auto locks = op->locks(Millis{0});
  ASSERT_TRUE(locks.is_ok());
  ASSERT_EQ(locks->size(), 1u);
  EXPECT_EQ(locks->at(0).lock.saga_id, "holder");
  EXPECT_EQ(locks->at(0).waiting, std::vector<std::string>{"next"});
  EXPECT_FALSE(locks->at(0).past_lease);
  EXPECT_TRUE(op->locks(locks->at(0).last_progress + Millis{1'001}).value()[0].past_lease);
  auto next = op->saga("next").value();
  EXPECT_EQ(next->waiting_for_lock, "order:1");
  EXPECT_EQ(next->waiting_behind, "holder");
  EXPECT_EQ(op->saga("holder").value()->locks_held, std::vector<std::string>{"order:1"});

  const Audit audit{"bob", "consumer is down", Millis{0}};
  EXPECT_EQ(op->release_lock("order:2", "", audit).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(op->release_lock("order:1", "next", audit).status().code(),
            StatusCode::kFailedPrecondition);
  Result<std::int64_t> id = op->release_lock("order:1", "holder", audit);
  ASSERT_TRUE(id.is_ok()) << id.status().to_string();
  OperatorRequest r = op->request(*id).value().value();
  EXPECT_EQ(r.action, OperatorAction::kReleaseLock);
  EXPECT_EQ(r.lock_key, "order:1");
  EXPECT_EQ(r.saga_id, "holder");
  EXPECT_GT(r.requested_at, Millis{0});  // the wall clock
  f.transport().set_paused("consumer", false);
}

TEST_F(InspectionTest, TheGuidesExampleQueuesARetryForEachFailedSaga) {
  make_three();
  ASSERT_EQ(retry_every_failed_saga(f.database_path()), Status::ok());
  auto inspector = inspect();
  ASSERT_NE(inspector, nullptr);
  auto pending = inspector->requests(RequestState::kPending, 0).value();
  ASSERT_EQ(pending.size(), 1u);
  EXPECT_EQ(pending[0].saga_id, "stuck-3");
  EXPECT_EQ(pending[0].action, OperatorAction::kRetry);
  EXPECT_EQ(pending[0].requested_by, "alice");
  EXPECT_EQ(pending[0].reason, "kitchen is back (INC-4711)");
}

TEST_F(InspectionTest, OpenRefusesEngineAccessMissingFilesAndForeignFiles) {
  InspectorOptions options;
  options.path = f.database_path();
  options.access = StoreAccess::kEngine;
  EXPECT_EQ(Inspector::open(options).status().code(), StatusCode::kInvalidArgument);
  options.access = StoreAccess::kReadOnly;
  options.path = f.dir().file("nope.db");
  EXPECT_EQ(Inspector::open(options).status().code(), StatusCode::kNotFound);
  options.path = f.dir().file("garbage.db");
  {
    std::ofstream garbage(options.path);
    garbage << std::string(4096, 'x');
  }
  EXPECT_EQ(Inspector::open(options).status().code(), StatusCode::kCorrupt);
}

}  // namespace
}  // namespace saga
