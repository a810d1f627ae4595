// Goal: a crash at any point between "transition committed" and "command sent" loses no saga,
// no command, and makes no idempotent participant apply a command twice; a read-only database
// is reported clearly.
// Method: run several FTGO sagas with the engine set to stop dead at a crash point; reopen the
// same database again and again until every saga ended; check phases and participants' effects.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <map>
#include <string>
#include <thread>

#include "saga/testing/engine_fixture.h"

namespace saga {
namespace {

using testing::EngineFixture;

class EngineCrashTest : public ::testing::TestWithParam<CrashPoint> {};

TEST_P(EngineCrashTest, EverySagaEndsAndEveryCommandTakesEffectOnce) {
  EngineFixture f;
  f.participants().fail("AuthorizeCard", "card_declined", 1);       // first saga: declined
  f.participants().fail("ConfirmCreateTicket", "kitchen_busy", 1);  // a retry after the pivot
  std::map<std::string, Phase> expected{
      {"s1", Phase::kCompensated}, {"s2", Phase::kCompleted}, {"s3", Phase::kCompleted}};
  EngineOptions crashing;
  crashing.crash_at = GetParam();
  ASSERT_TRUE(f.open(crashing).is_ok());
  // A caller whose start meets a crashed engine restarts it and starts again with the same id:
  // kAlreadyExists then means the first start did commit.
  for (const auto& [id, phase] : expected) {
    StartOptions options;
    options.id = id;
    for (int tries = 0;; ++tries) {
      ASSERT_LT(tries, 10);
      Result<std::string> started = f.engine().start_saga("create_order", "data-" + id, options);
      if (started || started.status().code() == StatusCode::kAlreadyExists) break;
      ASSERT_EQ(started.status().code(), StatusCode::kUnavailable) << started.status().to_string();
      ASSERT_TRUE(f.open(crashing).is_ok());
    }
  }

  int restarts = 0;
  for (; restarts < 60; ++restarts) {
    bool all_ended = true;
    for (const auto& [id, phase] : expected) {
      Result<SagaInstance> s = f.engine().wait(id, Millis{20});
      if (!s.is_ok() || !is_terminal(s->phase)) all_ended = false;
    }
    if (all_ended) break;
    f.clock().advance(Millis{1'100});  // past any reply deadline
    ASSERT_TRUE(f.open(crashing).is_ok());
  }
  ASSERT_TRUE(f.open().is_ok());
  for (const auto& [id, phase] : expected) {
    SagaInstance end = f.settle(id);
    EXPECT_EQ(end.phase, phase) << id;
  }
  std::printf("crash point %d: %d restarts, %d duplicate deliveries\n",
              static_cast<int>(GetParam()), restarts, f.participants().duplicates());
  EXPECT_GT(restarts, 3);  // the crash point was really hit, several times

  for (const char* id : {"s2", "s3"}) {
    for (const char* c : {"ValidateOrderByConsumer", "CreateTicket", "AuthorizeCard",
                          "ConfirmCreateTicket", "ApproveOrder"}) {
      EXPECT_EQ(f.participants().effects(id, c), 1) << id << " " << c;
    }
    EXPECT_EQ(f.participants().effects(id, "CancelCreateTicket"), 0) << id;
  }
  EXPECT_EQ(f.participants().effects("s1", "CancelCreateTicket"), 1);
  EXPECT_EQ(f.participants().effects("s1", "RejectOrder"), 1);
  EXPECT_EQ(f.participants().effects("s1", "ApproveOrder"), 0);
}

// A cancel committed around a crash is kept: the saga compensates once, whatever point the
// engine stopped at, and the history holds exactly one `cancelled`.
TEST_P(EngineCrashTest, ACancelAroundCrashesIsKeptAndCompensatesOnce) {
  EngineFixture f;
  // Held at create_ticket until cancelled, the resends after each restart included.
  f.participants().ignore("CreateTicket", 1'000);
  EngineOptions crashing;
  crashing.crash_at = GetParam();
  ASSERT_TRUE(f.open().is_ok());
  StartOptions options;
  options.id = "c1";
  ASSERT_TRUE(f.engine().start_saga("create_order", "data-c1", options).is_ok());
  for (int i = 0; i < 2'000 && f.engine().get("c1")->step != 2; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  ASSERT_EQ(f.engine().get("c1")->step, 2);
  ASSERT_TRUE(f.open(crashing).is_ok());
  // A caller whose cancel meets a crashed engine restarts it and asks again: "compensating"
  // then means the first one did commit.
  for (int tries = 0;; ++tries) {
    ASSERT_LT(tries, 10);
    Status s = f.engine().cancel("c1", "customer asked", "alice");
    if (s || s.code() == StatusCode::kFailedPrecondition) break;
    ASSERT_EQ(s.code(), StatusCode::kUnavailable) << s.to_string();
    ASSERT_TRUE(f.open(crashing).is_ok());
  }
  for (int restarts = 0; restarts < 30; ++restarts) {
    Result<SagaInstance> s = f.engine().wait("c1", Millis{20});
    if (s.is_ok() && is_terminal(s->phase)) break;
    f.clock().advance(Millis{1'100});
    ASSERT_TRUE(f.open(crashing).is_ok());
  }
  ASSERT_TRUE(f.open().is_ok());
  EXPECT_EQ(f.settle("c1").phase, Phase::kCompensated);
  int cancelled = 0;
  Result<std::vector<HistoryEntry>> history = f.engine().history("c1");
  ASSERT_TRUE(history.is_ok()) << history.status().to_string();
  for (const HistoryEntry& h : history.value()) {
    if (h.event == Event::kCancelled) ++cancelled;
  }
  EXPECT_EQ(cancelled, 1);
  EXPECT_EQ(f.participants().effects("c1", "CreateTicket"), 0);
  EXPECT_EQ(f.participants().effects("c1", "AuthorizeCard"), 0);
  EXPECT_EQ(f.participants().effects("c1", "RejectOrder"), 1);
}

INSTANTIATE_TEST_SUITE_P(AllCrashPoints, EngineCrashTest,
                         ::testing::Values(CrashPoint::kAfterCommitBeforeSend,
                                           CrashPoint::kAfterFirstSend,
                                           CrashPoint::kAfterSendBeforeNotify));

TEST(EngineStoreFaultTest, ReadOnlyDatabaseGivesAClearError) {
  EngineFixture f;
  ASSERT_TRUE(f.open().is_ok());
  f.close();
  const std::string path = f.database_path();
  ASSERT_EQ(::chmod(path.c_str(), 0444), 0);
  ASSERT_EQ(::chmod(f.dir().path().c_str(), 0555), 0);
  // As root, file modes do not stop writes: the child drops to an unprivileged user first.
  pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    if (::geteuid() == 0 && ::setuid(65534) != 0) ::_exit(20);
    EngineOptions options;
    options.database_path = path;
    options.transport = std::make_shared<testing::InMemoryTransport>();
    Result<std::unique_ptr<Engine>> engine = Engine::open(options);
    Status s = engine.status();
    if (engine) {
      (void)engine.value()->register_definition(testing::ftgo_definition());
      (void)engine.value()->start();
      s = engine.value()->start_saga("create_order", "x").status();
    }
    std::printf("read-only database: %s\n", s.to_string().c_str());
    ::_exit(s.code() == StatusCode::kReadOnly ? 0 : 10);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ::chmod(f.dir().path().c_str(), 0755);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0) << "expected a kReadOnly Status naming the problem";
}

}  // namespace
}  // namespace saga
