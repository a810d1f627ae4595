// Goal: saga control on a running engine: cancel (API and operator request) compensates before
// the pivot and is refused after it, with who and why in the history; a saga deadline
// compensates or only annotates; a scheduled start survives a restart and is visible as
// scheduled; bad start options are clear errors.
// Method: EngineFixture (real SQLite file, in-memory transport, scripted FTGO participants,
// virtual clock); a participant that ignores a command holds the saga at that step.
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <thread>

#include "saga/inspection.h"
#include "saga/testing/engine_fixture.h"

namespace saga {
namespace {

using testing::EngineFixture;

class EngineCancelTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(f.open().is_ok()); }

  std::string start(const std::string& id, StartOptions options = {}) {
    options.id = id;
    Result<std::string> started = f.engine().start_saga("create_order", "data-" + id, options);
    EXPECT_TRUE(started.is_ok()) << started.status().to_string();
    return id;
  }

  // Waits (real time, bounded) until the saga waits for the reply of step `step`.
  SagaInstance at_step(const std::string& id, std::int32_t step) {
    for (int i = 0; i < 2'000; ++i) {
      Result<SagaInstance> s = f.engine().get(id);
      if (s && s->step == step && s->wait == Wait::kReply) return s.value();
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    ADD_FAILURE() << id << " never waited at step " << step;
    return {};
  }

  std::vector<HistoryEntry> history(const std::string& id) {
    Result<std::vector<HistoryEntry>> h = f.engine().history(id);
    EXPECT_TRUE(h.is_ok()) << h.status().to_string();
    return h.is_ok() ? std::move(h).value() : std::vector<HistoryEntry>{};
  }

  std::vector<std::string> events(const std::string& id) {
    std::vector<std::string> out;
    for (const HistoryEntry& h : history(id)) {
      if (!is_informational(h.event)) out.emplace_back(to_string(h.event));
    }
    return out;
  }

  HistoryEntry entry(const std::string& id, Event event) {
    for (const HistoryEntry& h : history(id)) {
      if (h.event == event) return h;
    }
    ADD_FAILURE() << id << " has no " << to_string(event);
    return {};
  }

  std::unique_ptr<Inspector> inspector(StoreAccess access = StoreAccess::kOperator) {
    InspectorOptions options;
    options.path = f.database_path();
    options.access = access;
    return std::move(Inspector::open(options)).value();
  }

  EngineFixture f;
};

TEST_F(EngineCancelTest, CancelBeforeThePivotCompensatesAndRecordsWhoAsked) {
  f.participants().ignore("CreateTicket", 1);  // the saga waits at create_ticket
  const std::string id = start("c1");
  at_step(id, 2);
  ASSERT_TRUE(f.engine().cancel(id, "customer changed their mind", "alice").is_ok());
  SagaInstance end = f.settle(id);
  EXPECT_EQ(end.phase, Phase::kCompensated);
  EXPECT_EQ(end.failure_cause, FailureCause::kCancelled);
  EXPECT_EQ(end.last_reason, "cancelled: alice: customer changed their mind");
  EXPECT_EQ(entry(id, Event::kCancelled).reason, "cancelled: alice: customer changed their mind");
  EXPECT_EQ(entry(id, Event::kCancelled).step, 2);
  // The ticket was never created (its command was lost); its compensation ran as a no-op.
  EXPECT_EQ(f.participants().effects(id, "CreateTicket"), 0);
  EXPECT_EQ(f.participants().effects(id, "AuthorizeCard"), 0);
  EXPECT_EQ(f.participants().effects(id, "RejectOrder"), 1);
  // A second cancel of the finished saga is refused.
  Status again = f.engine().cancel(id, "twice", "alice");
  EXPECT_EQ(again.code(), StatusCode::kFailedPrecondition);
}

TEST_F(EngineCancelTest, CancelAfterThePivotIsRefusedAndTheSagaCompletes) {
  f.participants().ignore("ConfirmCreateTicket", 1);
  const std::string id = start("c2");
  at_step(id, 4);
  Status refused = f.engine().cancel(id, "too late", "alice");
  EXPECT_EQ(refused.code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(refused.message().find("past its pivot (step 'authorize_card')"), std::string::npos)
      << refused.message();
  EXPECT_EQ(f.settle(id).phase, Phase::kCompleted);
  EXPECT_EQ(f.engine().cancel("nope", "x").code(), StatusCode::kNotFound);
  EXPECT_EQ(f.engine().cancel(id, "").code(), StatusCode::kInvalidArgument);
}

TEST_F(EngineCancelTest, SagactlsCancelRequestIsAppliedByTheEngineAndAudited) {
  f.participants().ignore("CreateTicket", 1);
  const std::string id = start("c3");
  at_step(id, 2);
  auto ops = inspector();
  Result<std::int64_t> request = ops->cancel(id, Audit{"bob", "duplicate order", Millis{1}});
  ASSERT_TRUE(request.is_ok()) << request.status().to_string();
  EXPECT_EQ(f.settle(id).phase, Phase::kCompensated);
  std::optional<OperatorRequest> done = ops->request(*request).value();
  ASSERT_TRUE(done.has_value());
  EXPECT_EQ(done->action, OperatorAction::kCancel);
  EXPECT_EQ(done->state, RequestState::kApplied) << done->result;
  EXPECT_EQ(entry(id, Event::kCancelled).reason, "cancelled: bob: duplicate order");
  // Refused at once when the saga has ended.
  EXPECT_EQ(ops->cancel(id, Audit{"bob", "again", Millis{1}}).status().code(),
            StatusCode::kFailedPrecondition);
  EXPECT_EQ(inspector(StoreAccess::kReadOnly)->cancel(id, Audit{"bob", "x"}).status().code(),
            StatusCode::kFailedPrecondition);
}

TEST_F(EngineCancelTest, InspectorRefusesACancelPastThePivotByTheRecordedSteps) {
  f.participants().ignore("ConfirmCreateTicket", 1);
  const std::string id = start("c4");
  at_step(id, 4);
  Result<std::int64_t> r = inspector()->cancel(id, Audit{"bob", "late", Millis{1}});
  ASSERT_FALSE(r.is_ok());
  EXPECT_EQ(r.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(r.status().message().find("past its pivot (step 'authorize_card')"), std::string::npos);
  EXPECT_EQ(f.settle(id).phase, Phase::kCompleted);
}

TEST_F(EngineCancelTest, ScheduledStartSurvivesARestartAndRunsAtItsTime) {
  StartOptions options;
  options.not_before = f.clock().now() + Millis{60'000};
  const std::string id = start("later", options);
  SagaInstance s = f.engine().get(id).value();
  EXPECT_EQ(s.phase, Phase::kScheduled);
  EXPECT_EQ(s.wait, Wait::kStart);
  EXPECT_EQ(s.deadline, options.not_before);
  SagaQuery scheduled;
  scheduled.phase = Phase::kScheduled;
  EXPECT_EQ(inspector(StoreAccess::kReadOnly)->list(scheduled).value().size(), 1u);
  f.close();  // restart: the schedule is in the database
  ASSERT_TRUE(f.open().is_ok());
  f.clock().advance(Millis{59'000});
  f.engine().tick();
  EXPECT_EQ(f.engine().get(id)->phase, Phase::kScheduled);
  EXPECT_EQ(f.participants().effects(id, "ValidateOrderByConsumer"), 0);
  EXPECT_EQ(f.settle(id).phase, Phase::kCompleted);
  EXPECT_EQ(events(id).front(), "scheduled");
  EXPECT_EQ(events(id)[1], "scheduled_start");
  EXPECT_GE(entry(id, Event::kScheduledStart).time, options.not_before);
}

TEST_F(EngineCancelTest, CancellingAScheduledSagaEndsItWithoutACommand) {
  StartOptions options;
  options.not_before = f.clock().now() + Millis{60'000};
  const std::string id = start("never", options);
  ASSERT_TRUE(f.engine().cancel(id, "pickup cancelled", "carol").is_ok());
  SagaInstance end = f.engine().get(id).value();
  EXPECT_EQ(end.phase, Phase::kCompensated);
  EXPECT_EQ(events(id), (std::vector<std::string>{"scheduled", "cancelled_before_start"}));
  EXPECT_EQ(f.transport().stats().sent, 0u);
}

TEST_F(EngineCancelTest, SagaDeadlineBeforeThePivotCompensatesAfterARestart) {
  f.participants().ignore("CreateTicket", 1'000);  // the resend after the restart too
  StartOptions options;
  options.deadline = f.clock().now() + Millis{500};  // before the 1 s reply timeout
  const std::string id = start("due", options);
  at_step(id, 2);
  f.close();
  ASSERT_TRUE(f.open().is_ok());  // recovery arms the saga deadline again
  SagaInstance end = f.settle(id);
  EXPECT_EQ(end.phase, Phase::kCompensated);
  EXPECT_EQ(end.failure_cause, FailureCause::kSagaDeadline);
  const HistoryEntry passed = entry(id, Event::kSagaDeadlinePassed);
  EXPECT_EQ(passed.step, 2);
  EXPECT_EQ(passed.reason, "saga deadline " + std::to_string(options.deadline.count()) +
                               " passed before the pivot");
}

TEST_F(EngineCancelTest, SagaDeadlineAfterThePivotOnlyAnnotates) {
  f.participants().ignore("ConfirmCreateTicket", 1);  // out when the deadline passes
  StartOptions options;
  options.deadline = f.clock().now() + Millis{150};
  const std::string id = start("late", options);
  at_step(id, 4);  // the virtual clock stands still until settle() moves it
  SagaInstance end = f.settle(id);
  EXPECT_EQ(end.phase, Phase::kCompleted);
  EXPECT_EQ(entry(id, Event::kSagaDeadlinePassedAfterPivot).step, 4);
  EXPECT_EQ(f.participants().effects(id, "ApproveOrder"), 1);
}

TEST_F(EngineCancelTest, BadDeadlinesAreClearErrors) {
  StartOptions options;
  options.id = "bad";
  options.deadline = f.clock().now();
  Result<std::string> r = f.engine().start_saga("create_order", "x", options);
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  options.not_before = f.clock().now() + Millis{1'000};
  options.deadline = options.not_before;
  EXPECT_EQ(f.engine().start_saga("create_order", "x", options).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(f.engine().get("bad").status().code(), StatusCode::kNotFound);
}

}  // namespace
}  // namespace saga
