// Goal: every sagactl command works against a real engine database, while the engine runs, and
// a failed saga is repaired through an operator request that the engine applies itself.
// Method: EngineFixture makes the database; sagactl runs as a real process (SAGACTL_PATH); we
// check exit codes and output, and parse --json output with rapidjson.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <rapidjson/document.h>
#include <sys/wait.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <future>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "damaged_file.h"
#include "integration/sagactl_runner.h"
#include "saga/testing/engine_fixture.h"
#include "saga/testing/ftgo_definition.h"

namespace saga {
namespace {

using testing::EngineFixture;
using ::testing::HasSubstr;

using Output = testing::SagactlOutput;

class SagactlTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(f.open().is_ok()); }

  // Runs sagactl with `args` (the database is passed with --db unless `db` is false).
  Output sagactl(std::vector<std::string> args, bool db = true) {
    const int n = runs_++;
    const std::string out = f.dir().file("out" + std::to_string(n));
    const std::string err = f.dir().file("err" + std::to_string(n));
    return testing::run_sagactl(db ? f.database_path() : std::string(), args, out, err);
  }

  // sagactl in the background while this thread keeps the engine's virtual clock moving, as
  // time passes for a real engine (the engine polls operator requests every 200 ms of it).
  Output sagactl_while_engine_runs(std::vector<std::string> args) {
    std::future<Output> run = std::async(std::launch::async, [&] { return sagactl(args); });
    while (run.wait_for(std::chrono::milliseconds(10)) != std::future_status::ready) {
      f.clock().advance(Millis{100});
      f.engine().tick();
    }
    return run.get();
  }

  std::string start(const std::string& id) {
    StartOptions options;
    options.id = id;
    Result<std::string> started = f.engine().start_saga("create_order", "order-" + id, options);
    EXPECT_TRUE(started.is_ok()) << started.status().to_string();
    return id;
  }

  // Three sagas: completed, compensated (card declined), failed (CancelCreateTicket fails
  // beyond its compensation policy, as in engine_test's operator retry test).
  void make_three() {
    EXPECT_EQ(f.settle(start("ok-1")).phase, Phase::kCompleted);
    f.clock().advance(Millis{1'000});
    f.participants().fail("AuthorizeCard", "card_declined", 1);
    EXPECT_EQ(f.settle(start("declined-2")).phase, Phase::kCompensated);
    f.clock().advance(Millis{1'000});
    f.participants().fail("AuthorizeCard", "card_declined", 1);
    f.participants().fail("CancelCreateTicket", "kitchen_down", 5);
    EXPECT_EQ(f.settle(start("stuck-3")).phase, Phase::kFailed);
  }

  static rapidjson::Document parse(const std::string& json) {
    rapidjson::Document d;
    d.Parse(json.c_str());
    EXPECT_FALSE(d.HasParseError()) << json;
    return d;
  }

  EngineFixture f;
  int runs_ = 0;
};

TEST_F(SagactlTest, ListShowsSagasNewestFirstAndFilters) {
  make_three();
  Output all = sagactl({"list"});
  ASSERT_EQ(all.code, 0) << all.err;
  EXPECT_THAT(all.out, HasSubstr("ID"));
  const auto stuck = all.out.find("stuck-3"), declined = all.out.find("declined-2"),
             ok = all.out.find("ok-1");
  ASSERT_NE(ok, std::string::npos) << all.out;
  EXPECT_LT(stuck, declined);
  EXPECT_LT(declined, ok);
  EXPECT_THAT(all.out, HasSubstr("failed"));
  EXPECT_THAT(all.out, HasSubstr("kitchen_down"));

  Output failed = sagactl({"list", "--phase", "failed"});
  EXPECT_THAT(failed.out, HasSubstr("stuck-3"));
  EXPECT_EQ(failed.out.find("ok-1"), std::string::npos);
  EXPECT_THAT(sagactl({"list", "--type", "other"}).out, HasSubstr("no sagas match"));
  // The virtual clock is in 1970: every saga is older than ten minutes, none younger.
  EXPECT_THAT(sagactl({"list", "--older-than", "10m"}).out, HasSubstr("ok-1"));
  Output page = sagactl({"list", "--limit", "1", "--page", "2"});
  EXPECT_THAT(page.out, HasSubstr("declined-2"));
  EXPECT_EQ(page.out.find("stuck-3"), std::string::npos);
  EXPECT_THAT(page.out, HasSubstr("--page 3"));

  Output json = sagactl({"list", "--json"});
  ASSERT_EQ(json.code, 0);
  rapidjson::Document d = parse(json.out);
  ASSERT_TRUE(d["sagas"].IsArray());
  ASSERT_EQ(d["sagas"].Size(), 3u);
  EXPECT_STREQ(d["sagas"][0]["id"].GetString(), "stuck-3");
  EXPECT_STREQ(d["sagas"][0]["phase"].GetString(), "failed");
  EXPECT_EQ(sagactl({"list", "--phase", "stuck"}).code, 2);
  EXPECT_EQ(sagactl({"list", "--older-than", "soon"}).code, 2);
}

TEST_F(SagactlTest, ShowDisplaysStateOutstandingCommandAndTimeline) {
  make_three();
  Output declined = sagactl({"show", "declined-2"});
  ASSERT_EQ(declined.code, 0) << declined.err;
  EXPECT_THAT(declined.out, HasSubstr("compensated"));
  EXPECT_THAT(declined.out, HasSubstr("step_failed"));
  EXPECT_THAT(declined.out, HasSubstr("card_declined"));
  EXPECT_THAT(declined.out, HasSubstr("command     none outstanding"));

  // A saga waiting for the kitchen: its command is in the outbox.
  f.transport().set_paused("kitchen", true);
  start("waiting-4");
  ASSERT_EQ(f.engine().wait("waiting-4", Millis{50}).status().code(), StatusCode::kTimeout);
  Output waiting = sagactl({"show", "waiting-4"});
  // Steps are numbered from 1, as in the demo's timeline and the diagrams; JSON has the index.
  EXPECT_THAT(waiting.out, HasSubstr("step        3 create_ticket  attempt 1"));
  EXPECT_THAT(waiting.out, HasSubstr("step_succeeded"));
  EXPECT_THAT(waiting.out, HasSubstr("2 verify_consumer"));
  EXPECT_THAT(waiting.out, HasSubstr("kitchen CreateTicket  message_id waiting-4/"));
  EXPECT_THAT(waiting.out, HasSubstr("reply due by"));
  EXPECT_THAT(waiting.out, HasSubstr("15 bytes"));  // "order-waiting-4"

  Output json = sagactl({"show", "waiting-4", "--json"});
  rapidjson::Document d = parse(json.out);
  EXPECT_STREQ(d["phase"].GetString(), "executing");
  EXPECT_STREQ(d["outstanding_command"]["participant"].GetString(), "kitchen");
  EXPECT_STREQ(d["outstanding_command"]["name"].GetString(), "CreateTicket");
  EXPECT_STREQ(d["wait"].GetString(), "reply");
  EXPECT_EQ(d["step"].GetInt(), 2);
  EXPECT_STREQ(d["step_name"].GetString(), "create_ticket");
  EXPECT_TRUE(d["steps_known"].GetBool());
  EXPECT_TRUE(d["data"].IsNull());  // not JSON: the fixture's data is plain bytes
  ASSERT_TRUE(d["history"].IsArray());
  EXPECT_STREQ(d["history"][0]["event"].GetString(), "started");
  f.transport().set_paused("kitchen", false);
}

TEST_F(SagactlTest, StatsAndDefinitionsCountFromTheDatabase) {
  make_three();
  Output stats = sagactl({"stats"});
  ASSERT_EQ(stats.code, 0) << stats.err;
  EXPECT_THAT(stats.out, HasSubstr("create_order"));
  EXPECT_THAT(stats.out, HasSubstr("oldest unfinished: stuck-3"));
  rapidjson::Document d = parse(sagactl({"stats", "--json"}).out);
  EXPECT_EQ(d["by_phase"]["failed"].GetUint64(), 1u);
  EXPECT_EQ(d["by_phase"]["completed"].GetUint64(), 1u);
  EXPECT_EQ(d["by_type"]["create_order"]["compensated"].GetUint64(), 1u);
  EXPECT_GE(d["history"]["retries"].GetUint64(), 4u);  // CancelCreateTicket sent 5 times
  EXPECT_EQ(d["history"]["failures"].GetUint64(), 1u);
  EXPECT_STREQ(d["oldest_unfinished"]["id"].GetString(), "stuck-3");

  Output definitions = sagactl({"definitions"});
  ASSERT_EQ(definitions.code, 0) << definitions.err;
  EXPECT_THAT(definitions.out, HasSubstr("create_order"));
  rapidjson::Document defs = parse(sagactl({"definitions", "--json"}).out);
  ASSERT_EQ(defs["definitions"].Size(), 1u);
  EXPECT_EQ(defs["definitions"][0]["running"].GetUint64(), 1u);  // the failed one
  EXPECT_STREQ(defs["definitions"][0]["fingerprint"].GetString(),
               fingerprint(*f.definition()).c_str());
  const auto& steps = defs["definitions"][0]["steps"];
  ASSERT_EQ(steps.Size(), 6u);
  EXPECT_STREQ(steps[2]["name"].GetString(), "create_ticket");
  EXPECT_STREQ(steps[2]["compensation_command"].GetString(), "CancelCreateTicket");
  EXPECT_STREQ(steps[3]["kind"].GetString(), "pivot");
  EXPECT_THAT(definitions.out, HasSubstr("4 authorize_card"));
}

TEST_F(SagactlTest, FailedSagaIsRepairedWithRetryWhileTheEngineRuns) {
  make_three();
  Output retry = sagactl_while_engine_runs(
      {"retry", "stuck-3", "--reason", "kitchen is back", "--by", "alice", "--wait"});
  ASSERT_EQ(retry.code, 0) << retry.out << retry.err;
  EXPECT_THAT(retry.out, HasSubstr("applied: ok"));
  EXPECT_EQ(f.settle("stuck-3").phase, Phase::kCompensated);
  EXPECT_EQ(f.participants().effects("stuck-3", "CancelCreateTicket"), 1);

  Output show = sagactl({"show", "stuck-3"});
  EXPECT_THAT(show.out, HasSubstr("operator_retried_compensation"));
  EXPECT_THAT(show.out, HasSubstr("alice: kitchen is back"));
  EXPECT_THAT(show.out, HasSubstr("compensated"));
  rapidjson::Document d = parse(sagactl({"show", "stuck-3", "--json"}).out);
  bool found = false;
  for (const auto& h : d["history"].GetArray()) {
    found |= std::string(h["reason"].GetString()) == "alice: kitchen is back";
  }
  EXPECT_TRUE(found);

  Output requests = sagactl({"requests"});
  EXPECT_THAT(requests.out, HasSubstr("applied"));
  EXPECT_THAT(requests.out, HasSubstr("alice"));
  EXPECT_EQ(f.engine().stats().operator_requests_applied, 1u);
}

TEST_F(SagactlTest, LocksShowsHoldersAndQueuesAndReleaseLockHandsTheKeyOn) {
  // FTGO Create Order with a saga lock on "order:1", whatever the data.
  auto locked = testing::ftgo_locked_definition("locked_order", "order:1", Millis{1'000});
  ASSERT_TRUE(f.engine().register_definition(locked).is_ok());
  f.transport().set_paused("consumer", true);  // the holder waits at verify_consumer
  StartOptions options;
  options.id = "holder";
  ASSERT_TRUE(f.engine().start_saga("locked_order", "order-h", options).is_ok());
  options.id = "next";
  ASSERT_TRUE(f.engine().start_saga("locked_order", "order-n", options).is_ok());

  Output listed = sagactl({"locks"});
  ASSERT_EQ(listed.code, 0) << listed.err;
  EXPECT_THAT(listed.out, HasSubstr("order:1"));
  EXPECT_THAT(listed.out, HasSubstr("holder"));
  EXPECT_THAT(listed.out, HasSubstr("1 (next: next)"));
  // The fixture's virtual clock is in 1970, so by this machine's clock the lease is long past.
  EXPECT_THAT(listed.out, HasSubstr("PAST LEASE"));
  EXPECT_THAT(sagactl({"show", "holder"}).out, HasSubstr("holds order:1"));
  EXPECT_THAT(sagactl({"show", "next"}).out,
              HasSubstr("waiting for lock order:1 (held by holder)"));
  rapidjson::Document shown = parse(sagactl({"show", "next", "--json"}).out);
  EXPECT_EQ(std::string(shown["waiting_for_lock"].GetString()), "order:1");
  EXPECT_EQ(std::string(shown["wait"].GetString()), "lock");
  rapidjson::Document d = parse(sagactl({"locks", "--json"}).out);
  ASSERT_EQ(d["locks"].Size(), 1u);
  EXPECT_EQ(std::string(d["locks"][0]["saga"].GetString()), "holder");
  EXPECT_EQ(d["locks"][0]["lease_ms"].GetInt64(), 1'000);
  EXPECT_TRUE(d["locks"][0]["past_lease"].GetBool());
  EXPECT_EQ(std::string(d["locks"][0]["waiting"][0].GetString()), "next");

  Output nobody = sagactl({"release-lock", "order:2", "--reason", "x"});
  EXPECT_EQ(nobody.code, 2);
  EXPECT_THAT(nobody.err, HasSubstr("no saga holds lock 'order:2'"));
  Output wrong = sagactl({"release-lock", "order:1", "--holder", "next", "--reason", "x"});
  EXPECT_EQ(wrong.code, 2);
  EXPECT_THAT(wrong.err, HasSubstr("lock order:1 is held by holder, not next"));

  Output released =
      sagactl_while_engine_runs({"release-lock", "order:1", "--holder", "holder", "--reason",
                                 "consumer service is down", "--by", "bob", "--wait"});
  ASSERT_EQ(released.code, 0) << released.out << released.err;
  EXPECT_THAT(released.out, HasSubstr("release_lock lock order:1 applied: ok"));
  std::vector<LockInfo> now = f.engine().locks().value();
  ASSERT_EQ(now.size(), 1u);
  EXPECT_EQ(now[0].saga_id, "next");
  // The holder's timeouts go on meanwhile; the release is one entry among them.
  std::vector<HistoryEntry> history = f.engine().history("holder").value();
  auto release = std::find_if(history.begin(), history.end(), [](const HistoryEntry& h) {
    return h.event == Event::kOperatorReleasedLock;
  });
  ASSERT_NE(release, history.end());
  EXPECT_EQ(release->reason, "bob: consumer service is down (lock order:1)");
  EXPECT_THAT(sagactl({"requests"}).out, HasSubstr("lock order:1 (held by holder)"));
  EXPECT_THAT(sagactl({"show", "holder"}).out, HasSubstr("operator_released_lock"));
}

TEST_F(SagactlTest, RequestsQueuedWhileTheEngineIsDownAreAppliedOrRejectedAtStart) {
  make_three();
  f.close();
  ::setenv("USER", "bob", 1);
  // sagactl checks only that the saga is failed; the engine decides: a saga that failed while
  // compensating cannot be compensated again (retry or skip the compensation instead).
  Output first = sagactl({"compensate", "stuck-3", "--reason", "roll it back"});
  ASSERT_EQ(first.code, 0) << first.err;
  EXPECT_THAT(first.out, HasSubstr("pending"));
  ASSERT_EQ(sagactl({"skip", "stuck-3", "--reason", "ticket cancelled by hand"}).code, 0);
  rapidjson::Document pending = parse(sagactl({"requests", "--state", "pending", "--json"}).out);
  ASSERT_EQ(pending["requests"].Size(), 2u);
  EXPECT_STREQ(pending["requests"][1]["requested_by"].GetString(), "bob");

  ASSERT_TRUE(f.open().is_ok());
  for (int i = 0; i < 1000; ++i) {  // the engine polls at start, then every 200 ms of its clock
    const EngineStats stats = f.engine().stats();
    if (stats.operator_requests_applied + stats.operator_requests_rejected == 2) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    f.clock().advance(Millis{100});
    f.engine().tick();
  }
  EXPECT_EQ(f.settle("stuck-3").phase, Phase::kCompensated);
  rapidjson::Document all = parse(sagactl({"requests", "--json"}).out);
  ASSERT_EQ(all["requests"].Size(), 2u);
  EXPECT_STREQ(all["requests"][0]["action"].GetString(), "skip");  // newest first
  EXPECT_STREQ(all["requests"][0]["state"].GetString(), "applied");
  EXPECT_STREQ(all["requests"][1]["state"].GetString(), "rejected");
  EXPECT_THAT(std::string(all["requests"][1]["result"].GetString()),
              HasSubstr("use retry or skip"));
  EXPECT_THAT(sagactl({"show", "stuck-3"}).out, HasSubstr("bob: ticket cancelled by hand"));
  EXPECT_EQ(f.engine().stats().operator_requests_rejected, 1u);
}

TEST_F(SagactlTest, ErrorsAreClearWithExitCodeTwo) {
  make_three();
  Output missing = sagactl({"--db", f.dir().file("nope.db"), "list"}, false);
  EXPECT_EQ(missing.code, 2);
  EXPECT_THAT(missing.err, HasSubstr("no such database file"));

  {
    std::ofstream garbage(f.dir().file("garbage.db"));
    garbage << std::string(4096, 'x');
  }
  Output garbage = sagactl({"--db", f.dir().file("garbage.db"), "stats"}, false);
  EXPECT_EQ(garbage.code, 2);
  EXPECT_THAT(garbage.err, HasSubstr("is not a saga engine database"));

  Output unknown = sagactl({"show", "no-such-saga"});
  EXPECT_EQ(unknown.code, 2);
  EXPECT_THAT(unknown.err, HasSubstr("no saga with id 'no-such-saga'"));
  EXPECT_EQ(sagactl({"retry", "no-such-saga", "--reason", "x"}).code, 2);

  Output completed = sagactl({"retry", "ok-1", "--reason", "why not"});
  EXPECT_EQ(completed.code, 2);
  EXPECT_THAT(completed.err, HasSubstr("saga ok-1 is completed"));
  EXPECT_THAT(sagactl({"requests"}).out, HasSubstr("no operator requests"));  // nothing queued

  EXPECT_EQ(sagactl({"retry", "stuck-3"}).code, 2);  // --reason is required
  EXPECT_EQ(sagactl({"frobnicate"}).code, 2);
}

TEST_F(SagactlTest, CheckRunsIntegrityCheckAndReportsDamage) {
  make_three();
  f.close();
  Output ok = sagactl({"check"});
  EXPECT_EQ(ok.code, 0) << ok.err;
  EXPECT_EQ(ok.out, f.database_path() + ": ok\n");
  Output ok_json = sagactl({"check", f.database_path(), "--json"}, false);
  EXPECT_EQ(ok_json.code, 0);
  rapidjson::Document d = parse(ok_json.out);
  EXPECT_TRUE(d["ok"].GetBool());
  EXPECT_EQ(d["problems"].Size(), 0u);

  test::damage_last_page(f.database_path());
  Output damaged = sagactl({"check", f.database_path()}, false);
  EXPECT_EQ(damaged.code, 1) << damaged.err;
  EXPECT_THAT(damaged.out, HasSubstr(f.database_path() + ": 1 problem:\n  "));
  EXPECT_THAT(damaged.out, HasSubstr("malformed"));
  Output damaged_json = sagactl({"--json", "check"});
  EXPECT_EQ(damaged_json.code, 1);
  rapidjson::Document dj = parse(damaged_json.out);
  EXPECT_FALSE(dj["ok"].GetBool());
  EXPECT_EQ(dj["problems"].Size(), 1u);
  // The other commands refuse the file at open (quick_check) and point to check.
  Output stats = sagactl({"stats"});
  EXPECT_EQ(stats.code, 2);
  EXPECT_THAT(stats.err, HasSubstr("is damaged"));
  EXPECT_THAT(stats.err, HasSubstr("failed quick_check"));

  Output missing = sagactl({"check", f.dir().file("nope.db")}, false);
  EXPECT_EQ(missing.code, 2);
  EXPECT_THAT(missing.err, HasSubstr("no such database file"));
  {
    std::ofstream garbage(f.dir().file("garbage.db"));
    garbage << std::string(4096, 'x');
  }
  Output garbage = sagactl({"check", f.dir().file("garbage.db")}, false);
  EXPECT_EQ(garbage.code, 1);
  EXPECT_THAT(garbage.out, HasSubstr("not a database"));
}

TEST_F(SagactlTest, DiagramsOfRecordedDefinitions) {
  EXPECT_EQ(f.settle(start("ok-1")).phase, Phase::kCompleted);  // the definition is recorded
  Output dot = sagactl({"dot", "create_order"});
  ASSERT_EQ(dot.code, 0) << dot.err;
  EXPECT_EQ(dot.out.rfind("digraph", 0), 0u) << dot.out;
  EXPECT_THAT(dot.out, HasSubstr("4. authorize_card"));
  EXPECT_THAT(dot.out, HasSubstr("kitchen: CancelCreateTicket"));
  Output mermaid = sagactl({"mermaid", "create_order", "--version", "1"});
  ASSERT_EQ(mermaid.code, 0) << mermaid.err;
  EXPECT_EQ(mermaid.out.rfind("flowchart TD", 0), 0u);
  Output unknown = sagactl({"dot", "place_order"});
  EXPECT_EQ(unknown.code, 2);
  EXPECT_THAT(unknown.err, HasSubstr("no definition place_order recorded"));
  EXPECT_EQ(sagactl({"dot", "create_order", "--version", "2"}).code, 2);
}

// sagactl knows no definition: every name comes from what the engine recorded, so a version it
// was never built with (here a "revise_order" v2 with steps of its own) reads the same way.
TEST_F(SagactlTest, NamesStepsOfADefinitionItWasNotBuiltWith) {
  auto revise = std::make_shared<SagaDefinition>(*f.definition());
  revise->name = "revise_order";
  revise->version = 2;
  const char* names[] = {"undo_revision", "check_consumer",   "revise_ticket",
                         "reauthorize",   "confirm_revision", "finish_revision"};
  for (std::size_t k = 0; k < revise->steps.size(); ++k) revise->steps[k].name = names[k];
  ASSERT_TRUE(f.engine().register_definition(revise).is_ok());
  f.transport().set_paused("kitchen", true);
  StartOptions options;
  options.id = "rev-1";
  ASSERT_TRUE(f.engine().start_saga("revise_order", "order-r", options).is_ok());
  ASSERT_EQ(f.engine().wait("rev-1", Millis{50}).status().code(), StatusCode::kTimeout);

  Output show = sagactl({"show", "rev-1"});
  ASSERT_EQ(show.code, 0) << show.err;
  EXPECT_THAT(show.out, HasSubstr("revise_order v2"));
  EXPECT_THAT(show.out, HasSubstr("step        3 revise_ticket  attempt 1"));
  EXPECT_THAT(show.out, HasSubstr("2 check_consumer"));
  EXPECT_THAT(sagactl({"list"}).out, HasSubstr("3 revise_ticket"));
  rapidjson::Document d = parse(sagactl({"show", "rev-1", "--json"}).out);
  EXPECT_STREQ(d["step_name"].GetString(), "revise_ticket");
  EXPECT_STREQ(d["history"][1]["step_name"].GetString(), "check_consumer");
  Output definitions = sagactl({"definitions"});
  EXPECT_THAT(definitions.out, HasSubstr("1 undo_revision, 2 check_consumer"));
  Output dot = sagactl({"dot", "revise_order"});
  ASSERT_EQ(dot.code, 0) << dot.err;
  EXPECT_THAT(dot.out, HasSubstr("5. confirm_revision"));
  f.transport().set_paused("kitchen", false);
}

}  // namespace
}  // namespace saga
