// Goal: retention removes finished sagas and their history after an age, in batches, never a
// failed or running one; the archive holds every removed saga before it is gone, and an archive
// that cannot be written removes nothing; RetentionWorker does it on its own thread while the
// engine runs; `sagactl prune` does it from the command line.
// Method: EngineFixture writes a real SQLite file (virtual clock); Inspector with operator
// access prunes it; sagactl runs as a real process (SAGACTL_PATH).
#include "saga/retention.h"

#include <gtest/gtest.h>
#include <rapidjson/document.h>
#include <sys/wait.h>

#include <chrono>
#include <fstream>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "saga/inspection.h"
#include "saga/testing/engine_fixture.h"
#include "three_sagas.h"

namespace saga {
namespace {

using testing::EngineFixture;

class RetentionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(f.open().is_ok());
    // Completed at t0, compensated at t0+1s, failed (compensating) at t0+2s, then one running.
    testing::make_three_sagas(f);
    f.transport().set_paused("kitchen", true);
    testing::start_order_saga(f, "running-4");
    // Until it waits for the kitchen's reply at create_ticket: its history stays as it is then.
    for (int i = 0; i < 400; ++i) {
      SagaInstance r = f.engine().get("running-4").value();
      if (r.step == 2 && r.wait == Wait::kReply) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    t_end_ = f.clock().now();
  }

  std::unique_ptr<Inspector> inspect(StoreAccess access = StoreAccess::kOperator) {
    InspectorOptions o;
    o.path = f.database_path();
    o.access = access;
    return Inspector::open(o).value();
  }

  std::vector<std::string> ids() {
    std::vector<std::string> out;
    Result<std::vector<SagaInstance>> all = inspect()->list(SagaQuery{});
    EXPECT_TRUE(all.is_ok());
    if (!all) return out;
    for (const SagaInstance& s : *all) out.push_back(s.id);
    return out;
  }

  std::uint64_t history_rows() {
    std::uint64_t n = 0;
    Result<InspectionStats> stats = inspect()->stats();
    EXPECT_TRUE(stats.is_ok());
    if (!stats) return n;
    for (const auto& [event, count] : stats->events) n += count;
    return n;
  }

  EngineFixture f;
  Millis t_end_{0};
};

TEST_F(RetentionTest, PrunesFinishedSagasOlderThanTheAgeInBatchesWithTheirHistory) {
  auto op = inspect();
  const std::uint64_t rows = history_rows();
  const std::size_t ok_rows = op->saga("ok-1").value()->history.size();
  const std::size_t declined_rows = op->saga("declined-2").value()->history.size();
  const Millis ok_end = op->saga("ok-1").value()->instance.updated_at;
  PruneOptions p;
  p.older_than = Millis{10'000};
  p.now = ok_end + Millis{10'001};  // ok-1 is due; declined-2 ended a second later: not yet
  p.batch = 1;
  PruneResult r = op->prune(p).value();
  EXPECT_EQ(r.deleted, 1u);
  EXPECT_TRUE(r.more);
  EXPECT_EQ(ids(), (std::vector<std::string>{"running-4", "stuck-3", "declined-2"}));
  EXPECT_EQ(history_rows(), rows - ok_rows);
  EXPECT_EQ(op->prune(p).value().deleted, 0u);

  p.now = t_end_ + Millis{60'000};
  p.batch = 100;
  r = op->prune(p).value();
  EXPECT_EQ(r.deleted, 1u);
  EXPECT_FALSE(r.more);
  // Failed and running sagas stay, however old.
  EXPECT_EQ(ids(), (std::vector<std::string>{"running-4", "stuck-3"}));
  EXPECT_EQ(history_rows(), rows - ok_rows - declined_rows);
  EXPECT_FALSE(op->saga("ok-1").value().has_value());
  // The engine goes on: the running saga completes after the kitchen comes back.
  f.transport().set_paused("kitchen", false);
  EXPECT_EQ(f.settle("running-4").phase, Phase::kCompleted);
}

TEST_F(RetentionTest, TheArchiveHoldsEachSagaBeforeItIsGoneAndAFailedWriteRemovesNothing) {
  auto op = inspect();
  const SagaDetail ok = op->saga("ok-1").value().value();
  PruneOptions p;
  p.older_than = Millis{1};
  p.now = t_end_ + Millis{60'000};
  p.archive_path = f.dir().file("no-such-dir/archive.jsonl");
  Result<PruneResult> failed = op->prune(p);
  EXPECT_EQ(failed.status().code(), StatusCode::kIoError);
  EXPECT_EQ(ids().size(), 4u);

  p.archive_path = f.dir().file("archive.jsonl");
  EXPECT_EQ(op->prune(p).value().deleted, 2u);
  std::ifstream in(p.archive_path);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  ASSERT_EQ(lines.size(), 2u);
  rapidjson::Document d;
  d.Parse(lines[0].c_str());
  ASSERT_FALSE(d.HasParseError()) << lines[0];
  EXPECT_STREQ(d["saga"]["id"].GetString(), "ok-1");
  EXPECT_STREQ(d["saga"]["phase"].GetString(), "completed");
  EXPECT_EQ(d["saga"]["trace_id"].GetString(), ok.instance.trace_id);
  EXPECT_EQ(d["saga"]["data_hex"].GetStringLength(), ok.instance.data.size() * 2);
  ASSERT_EQ(d["history"].Size(), ok.history.size());
  EXPECT_EQ(d["history"][0]["event"].GetString(), std::string(to_string(ok.history[0].event)));
  d.Parse(lines[1].c_str());
  EXPECT_STREQ(d["saga"]["id"].GetString(), "declined-2");
}

TEST_F(RetentionTest, BadOptionsAndReadOnlyAccessAreRefused) {
  PruneOptions p;
  p.older_than = Millis{0};
  EXPECT_EQ(inspect()->prune(p).status().code(), StatusCode::kInvalidArgument);
  p.older_than = Millis{1};
  p.batch = 0;
  EXPECT_EQ(inspect()->prune(p).status().code(), StatusCode::kInvalidArgument);
  p.batch = 10;
  EXPECT_EQ(inspect(StoreAccess::kReadOnly)->prune(p).status().code(),
            StatusCode::kFailedPrecondition);
  RetentionOptions o;
  o.database_path = f.database_path();
  o.keep_finished = Millis{59'999};
  EXPECT_EQ(RetentionWorker::start(o).status().code(), StatusCode::kInvalidArgument);
  o.keep_finished = Millis{60'000};
  o.batch = 0;
  EXPECT_EQ(RetentionWorker::start(o).status().code(), StatusCode::kInvalidArgument);
  o.batch = 10;
  o.database_path = f.dir().file("missing.db");
  EXPECT_EQ(RetentionWorker::start(o).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(ids().size(), 4u);
}

TEST_F(RetentionTest, TheWorkerPrunesOnItsOwnThreadWhileTheEngineRuns) {
  RetentionOptions o;
  o.database_path = f.database_path();
  o.keep_finished = Millis{60'000};
  o.batch = 1;
  o.pause = Millis{0};
  o.interval = Millis{3'600'000};
  o.clock = std::make_shared<testing::ClockRef>(f.clock());
  std::string log;
  std::mutex log_mutex;
  o.log = [&](LogLevel, std::string_view line) {
    std::lock_guard<std::mutex> lock(log_mutex);
    log += std::string(line) + "\n";
  };
  auto worker = RetentionWorker::start(o).value();
  // Nothing is a minute old yet.
  for (int i = 0; i < 200 && worker->stats().batches == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  EXPECT_EQ(worker->stats().deleted, 0u);
  f.clock().advance(Millis{61'000});
  worker->wake();
  auto logged = [&] {
    std::lock_guard<std::mutex> lock(log_mutex);
    return log.find("retention: removed 2 finished saga(s)") != std::string::npos;
  };
  for (int i = 0; i < 1000 && !logged(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  worker->stop();
  EXPECT_EQ(worker->stats().deleted, 2u);
  EXPECT_EQ(worker->stats().errors, 0u);
  EXPECT_EQ(ids(), (std::vector<std::string>{"running-4", "stuck-3"}));
  std::lock_guard<std::mutex> lock(log_mutex);
  EXPECT_NE(log.find("retention: removed 2 finished saga(s)"), std::string::npos) << log;
}

TEST_F(RetentionTest, SagactlPruneRemovesOldFinishedSagas) {
  // The fixture's virtual clock started in 1970: by the wall clock every saga is old.
  const std::string out = f.dir().file("prune.out");
  const std::string command = std::string(SAGACTL_PATH) + " --db " + f.database_path() +
                              " prune --older-than 1d --batch 1 --all --json --archive " +
                              f.dir().file("a.jsonl") + " >" + out + " 2>&1";
  const int status = std::system(command.c_str());
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
  std::stringstream text;
  text << std::ifstream(out).rdbuf();
  rapidjson::Document d;
  d.Parse(text.str().c_str());
  ASSERT_FALSE(d.HasParseError()) << text.str();
  EXPECT_EQ(d["deleted"].GetUint64(), 2u);
  EXPECT_EQ(ids(), (std::vector<std::string>{"running-4", "stuck-3"}));
  const std::string bad = std::string(SAGACTL_PATH) + " --db " + f.database_path() +
                          " prune --older-than soon >/dev/null 2>&1";
  const int refused = std::system(bad.c_str());
  EXPECT_EQ(WEXITSTATUS(refused), 2);
}

}  // namespace
}  // namespace saga
