// Goal: a failing store costs time, never a saga. A refused commit changes nothing and sends
// nothing; its replies and due timers are applied again, with capped exponential backoff, until
// the store takes them; a start whose commit failed gets an error and starts once when called
// again; health is reported (store_health, metrics, callback) and logged once per fault, not
// per attempt; a crash loses exactly the unsynced writes.
// Method: a manual-mode engine on a real SQLite file opened through the fault-injecting VFS
// (tests/support fault_vfs.h), the in-memory transport with scripted FTGO participants, and a
// virtual clock for the backoff.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <future>
#include <memory>
#include <string>
#include <vector>

#include "saga/engine.h"
#include "saga/metrics.h"
#include "saga/testing/fault_vfs.h"
#include "saga/testing/ftgo_definition.h"
#include "saga/testing/in_memory_transport.h"
#include "saga/testing/scripted_participants.h"
#include "saga/testing/temp_dir.h"

namespace saga {
namespace {

using testing::FaultVfs;
using testing::VfsError;
using testing::VfsFault;
using testing::VfsOp;

class StoreFaultTest : public ::testing::Test {
 protected:
  StoreFaultTest() : vfs_(FaultVfs::install()) {
    vfs_.reset();
    for (const char* p : {"order", "consumer", "kitchen", "accounting"}) participants_.add(p);
    participants_.compensation_only("RejectOrder");
  }
  ~StoreFaultTest() override {
    engine_.reset();
    vfs_.reset();
  }

  // manual: driven by run_once(); otherwise the engine runs its own thread.
  void open(bool manual = true) {
    EngineOptions options;
    options.database_path = dir_.file("engine.db");
    options.store_vfs = FaultVfs::kName;
    options.transport = transport_;
    options.clock = clock_;
    options.random_seed = 1;
    options.manual = manual;
    options.store_fault_log_interval = Millis{500};
    options.log = [this](LogLevel level, std::string_view line) {
      lines_.emplace_back(std::string(to_string(level)) + " " + std::string(line));
    };
    options.on_store_health = [this](const StoreHealth& h) { health_calls_.push_back(h); };
    Result<std::unique_ptr<Engine>> engine = Engine::open(options);
    ASSERT_TRUE(engine.is_ok()) << engine.status().to_string();
    engine_ = std::move(engine).value();
    ASSERT_TRUE(engine_->register_definition(testing::ftgo_definition()).is_ok());
    ASSERT_TRUE(engine_->start().is_ok());
  }

  Result<std::string> start(const std::string& id) {
    StartOptions options;
    options.id = id;
    return engine_->start_saga("create_order", "order-" + id, options);
  }

  // Runs the loop for `span`, moving the clock `step` at a time.
  void run_for(Millis span, Millis step = Millis{10}) {
    for (Millis t{0}; t < span; t += step) {
      ASSERT_TRUE(engine_->run_once());
      clock_->advance(step);
    }
  }

  int lines_with(std::string_view text) const {
    return static_cast<int>(std::count_if(lines_.begin(), lines_.end(), [&](const std::string& l) {
      return l.find(text) != std::string::npos;
    }));
  }

  void expect_effects_once(const std::string& id) {
    for (const char* command : {"ValidateOrderByConsumer", "CreateTicket", "AuthorizeCard",
                                "ConfirmCreateTicket", "ApproveOrder"}) {
      EXPECT_EQ(participants_.effects(id, command), 1) << id << " " << command;
    }
  }

  FaultVfs& vfs_;
  testing::TempDir dir_;
  std::shared_ptr<testing::InMemoryTransport> transport_ =
      std::make_shared<testing::InMemoryTransport>();
  testing::ScriptedParticipants participants_{*transport_};
  std::shared_ptr<VirtualClock> clock_ = std::make_shared<VirtualClock>();
  std::unique_ptr<Engine> engine_;
  std::vector<std::string> lines_;
  std::vector<StoreHealth> health_calls_;
};

TEST_F(StoreFaultTest, RepliesOfARefusedCommitAreAppliedOnceTheStoreRecovers) {
  open();
  ASSERT_TRUE(start("a").is_ok());  // committed; its first command is sent
  const std::uint64_t sent = engine_->stats().commands_sent;
  vfs_.arm({VfsOp::kWrite, VfsError::kIoError});
  // The reply to the first command is in; its commit fails, again and again, for 3 s.
  run_for(Millis{3'000});
  EXPECT_GT(vfs_.failures(), 0u);
  EXPECT_EQ(engine_->stats().commands_sent, sent) << "a command went out for an uncommitted step";
  const StoreHealth failing = engine_->store_health();
  EXPECT_FALSE(failing.ok);
  EXPECT_EQ(failing.failing_since, Millis{1'000'000});
  EXPECT_NE(failing.last_error.find("I/O"), std::string::npos) << failing.last_error;
  // Backoff 10, 20, 40, ... capped at 1 s: about 9 attempts in 3 s, not 300.
  EXPECT_GE(failing.failed_commits, 5u);
  EXPECT_LE(failing.failed_commits, 10u);
  EXPECT_EQ(failing.failed_commits_in_fault, failing.failed_commits);
  EXPECT_EQ(failing.retry_delay, Millis{1'000});
  EXPECT_EQ(lines_with("event=store_fault_began"), 1);
  const int summaries = lines_with("event=store_fault_continues");
  EXPECT_GE(summaries, 1);
  EXPECT_LE(summaries, 6);  // at most one per 500 ms
  // Nothing else is logged about the fault: no line per attempt.
  const auto loud = std::count_if(lines_.begin(), lines_.end(), [](const std::string& l) {
    return l.rfind("error ", 0) == 0 || l.rfind("warning ", 0) == 0;
  });
  EXPECT_EQ(loud, 1 + summaries);
  const std::string metrics = to_prometheus(engine_->metrics());
  EXPECT_NE(metrics.find("saga_store_healthy 0"), std::string::npos);
  EXPECT_NE(metrics.find("saga_store_failing_since_seconds 1000"), std::string::npos);

  vfs_.clear();
  run_for(Millis{5'000}, Millis{100});
  Result<SagaInstance> a = engine_->get("a");
  ASSERT_TRUE(a.is_ok());
  EXPECT_EQ(a->phase, Phase::kCompleted);
  expect_effects_once("a");
  // The reply that came during the fault was kept: no deadline passed, nothing was resent.
  EXPECT_EQ(engine_->stats().timeouts, 0u);
  EXPECT_EQ(participants_.deliveries("ValidateOrderByConsumer"), 1);
  const StoreHealth ok = engine_->store_health();
  EXPECT_TRUE(ok.ok);
  EXPECT_EQ(ok.failed_commits, failing.failed_commits);
  EXPECT_EQ(ok.failed_commits_in_fault, 0u);
  EXPECT_EQ(lines_with("event=store_fault_ended"), 1);
  ASSERT_GE(health_calls_.size(), 2u);
  EXPECT_FALSE(health_calls_.front().ok);
  EXPECT_TRUE(health_calls_.back().ok);
  EXPECT_EQ(engine_->metrics().commit_failures, ok.failed_commits);
  EXPECT_NE(to_prometheus(engine_->metrics()).find("saga_store_healthy 1"), std::string::npos);
}

TEST_F(StoreFaultTest, AStartWhoseCommitFailedIsRefusedAndStartsOnceWhenCalledAgain) {
  open();
  vfs_.arm({VfsOp::kSync, VfsError::kIoError});
  Result<std::string> refused = start("s");
  ASSERT_FALSE(refused.is_ok());
  EXPECT_NE(refused.status().message().find("commit failed"), std::string::npos)
      << refused.status().to_string();
  EXPECT_EQ(engine_->get("s").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(participants_.deliveries("ValidateOrderByConsumer"), 0);

  vfs_.clear();
  run_for(Millis{2'000});
  ASSERT_TRUE(start("s").is_ok());
  EXPECT_EQ(start("s").status().code(), StatusCode::kAlreadyExists);
  run_for(Millis{5'000}, Millis{100});
  Result<SagaInstance> s = engine_->get("s");
  ASSERT_TRUE(s.is_ok());
  EXPECT_EQ(s->phase, Phase::kCompleted);
  expect_effects_once("s");
  EXPECT_TRUE(engine_->store_health().ok);
}

TEST_F(StoreFaultTest, ADeadlineThatFiresDuringAFaultIsNotLost) {
  participants_.ignore("CreateTicket", 1);  // the first CreateTicket is never answered
  open();
  ASSERT_TRUE(start("t").is_ok());
  run_for(Millis{200});  // at CreateTicket, waiting for its reply
  vfs_.arm({VfsOp::kLock, VfsError::kBusy});
  run_for(Millis{60'000}, Millis{500});  // the deadline passes while no commit succeeds
  EXPECT_GT(vfs_.failures(), 0u);
  EXPECT_EQ(participants_.deliveries("CreateTicket"), 1);
  vfs_.clear();
  run_for(Millis{60'000}, Millis{100});
  Result<SagaInstance> t = engine_->get("t");
  ASSERT_TRUE(t.is_ok());
  EXPECT_EQ(t->phase, Phase::kCompleted);
  EXPECT_EQ(participants_.deliveries("CreateTicket"), 2);
  expect_effects_once("t");
  Result<std::vector<HistoryEntry>> history = engine_->history("t");
  ASSERT_TRUE(history.is_ok());
  EXPECT_EQ(std::count_if(history->begin(), history->end(),
                          [](const HistoryEntry& h) { return h.event == Event::kStepTimedOut; }),
            1);
}

TEST_F(StoreFaultTest, ACrashLosesExactlyTheUnsyncedCommit) {
  open();
  ASSERT_TRUE(start("kept").is_ok());
  vfs_.arm({VfsOp::kSync, VfsError::kIoError});
  EXPECT_FALSE(start("lost").is_ok());  // its WAL frames were written, never synced
  vfs_.clear();
  vfs_.crash();
  engine_.reset();
  vfs_.drop_unsynced();
  open();
  EXPECT_TRUE(engine_->get("kept").is_ok());
  EXPECT_EQ(engine_->get("lost").status().code(), StatusCode::kNotFound);
  ASSERT_TRUE(start("lost").is_ok());
  run_for(Millis{5'000}, Millis{100});
  for (const char* id : {"kept", "lost"}) {
    Result<SagaInstance> s = engine_->get(id);
    ASSERT_TRUE(s.is_ok());
    EXPECT_EQ(s->phase, Phase::kCompleted) << id;
    expect_effects_once(id);
  }
}

TEST_F(StoreFaultTest, TheEngineThreadBacksOffAndRecoversToo) {
  // The same with the engine's own thread: its loop waits for the next attempt while taking
  // replies, and calls made meanwhile are answered at the attempt.
  open(/*manual=*/false);
  ASSERT_TRUE(start("a").is_ok());
  vfs_.arm({VfsOp::kWrite, VfsError::kFull});
  // A call made while the loop backs off waits for the next attempt, which is due in engine
  // time: move the virtual clock until the answer comes.
  StartOptions b;
  b.id = "b";
  std::future<Result<std::string>> answer = engine_->start_saga_async("create_order", "order-b", b);
  for (int i = 0;
       i < 1'000 && answer.wait_for(std::chrono::milliseconds(5)) != std::future_status::ready;
       ++i) {
    clock_->advance(Millis{100});
    engine_->tick();
  }
  ASSERT_EQ(answer.wait_for(std::chrono::seconds(0)), std::future_status::ready);
  Result<std::string> refused = answer.get();
  EXPECT_FALSE(refused.is_ok());
  EXPECT_EQ(refused.status().code(), StatusCode::kFull) << refused.status().to_string();
  EXPECT_FALSE(engine_->store_health().ok);
  vfs_.clear();
  clock_->advance(Millis{1'100});  // past any backoff (at most 1 s): the next attempt is due
  engine_->tick();
  ASSERT_TRUE(start("b").is_ok());
  for (const char* id : {"a", "b"}) {
    Result<SagaInstance> done = Result<SagaInstance>(unavailable("not yet"));
    for (int i = 0; i < 200 && !(done.is_ok() && done->phase == Phase::kCompleted); ++i) {
      clock_->advance(Millis{100});
      engine_->tick();
      done = engine_->wait(id, Millis{20});
    }
    ASSERT_TRUE(done.is_ok()) << id << ": " << done.status().to_string();
    EXPECT_EQ(done->phase, Phase::kCompleted) << id;
    expect_effects_once(id);
  }
  EXPECT_TRUE(engine_->store_health().ok);
  EXPECT_GE(engine_->store_health().failed_commits, 1u);
}

TEST_F(StoreFaultTest, BadRetryOptionsAreRefused) {
  EngineOptions options;
  options.database_path = dir_.file("engine.db");
  options.transport = transport_;
  options.commit_retry_initial = Millis{0};
  EXPECT_EQ(Engine::open(options).status().code(), StatusCode::kInvalidArgument);
  options.commit_retry_initial = Millis{100};
  options.commit_retry_max = Millis{50};
  EXPECT_EQ(Engine::open(options).status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace saga
