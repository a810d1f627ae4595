// Goal: the on-call views and actions sagactl gives while an engine runs: a saga stuck
// compensating (its compensation failing without limit) shows how long it has been on its step,
// is grouped by step and participant in `stats`, pages its long history, and is skipped or
// retried by an operator with the audit trail (compensate is refused and changes nothing); a
// command held by the participant's gate is shown as held, with no reply due.
// Method: EngineFixture (real SQLite file, in-memory transport, virtual clock) with an unlimited
// compensation policy for create_ticket; sagactl as a real process.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <chrono>
#include <future>
#include <string>
#include <vector>

#include "integration/sagactl_runner.h"
#include "saga/inspection.h"
#include "saga/testing/engine_fixture.h"

namespace saga {
namespace {

using ::testing::HasSubstr;
using testing::SagactlOutput;

class OnCallTest : public ::testing::Test {
 protected:
  void SetUp() override { compensation_retry_every(Millis{100}); }

  // create_ticket's compensation retried without limit at this interval (before open()).
  void compensation_retry_every(Millis interval) {
    for (StepDefinition& s : f.definition()->steps) {
      if (s.name == "create_ticket") s.compensation_retry = RetryPolicy::fixed(interval, 0);
    }
  }

  SagactlOutput sagactl(const std::vector<std::string>& args) {
    const int n = runs_++;
    return testing::run_sagactl(f.database_path(), args, f.dir().file("out" + std::to_string(n)),
                                f.dir().file("err" + std::to_string(n)));
  }

  // sagactl in the background while the engine's virtual clock moves (operator requests are
  // polled every 200 ms of it).
  SagactlOutput sagactl_while_engine_runs(const std::vector<std::string>& args) {
    std::future<SagactlOutput> run = std::async(std::launch::async, [&] { return sagactl(args); });
    while (run.wait_for(std::chrono::milliseconds(10)) != std::future_status::ready) {
      f.clock().advance(Millis{100});
      f.engine().tick();
    }
    return run.get();
  }

  // An operator action (args: action, saga id, ...) with --wait while the engine runs; the
  // engine applies it and the saga ends compensated.
  void act_until_compensated(std::vector<std::string> args) {
    args.push_back("--wait");
    const SagactlOutput r = sagactl_while_engine_runs(args);
    ASSERT_EQ(r.code, 0) << r.out << r.err;
    EXPECT_THAT(r.out, HasSubstr("applied: ok"));
    EXPECT_EQ(f.settle(args.at(1)).phase, Phase::kCompensated);
  }

  // A saga whose CancelCreateTicket fails every time: it stays compensating. Waits until its
  // history has more than `entries` entries.
  void start_stuck(const std::string& id, std::size_t entries = 12) {
    f.participants().fail("AuthorizeCard", "card_declined", 1);
    f.participants().fail("CancelCreateTicket", "kitchen_down");
    StartOptions options;
    options.id = id;
    ASSERT_TRUE(f.engine().start_saga("create_order", "order-" + id, options).is_ok());
    // Until its compensation has failed a few times (retried every 100 ms of virtual time).
    ASSERT_TRUE(until(id, [&] {
      auto now = f.engine().get(id);
      auto history = f.engine().history(id);
      return now && history && now.value().phase == Phase::kCompensating &&
             history.value().size() > entries;
    }));
  }

  // Moves the virtual clock and lets the engine thread work until `done` (at most 400 moves).
  template <typename Done>
  bool until(const std::string& id, Done done) {
    for (int i = 0; i < 400; ++i) {
      if (done()) return true;
      f.clock().advance(Millis{100});
      f.engine().tick();
      (void)f.engine().wait(id, Millis{20});  // gives the engine thread its turn
    }
    return done();
  }

  static rapidjson::Document parse(const std::string& json) {
    rapidjson::Document d;
    d.Parse(json.c_str());
    EXPECT_FALSE(d.HasParseError()) << json;
    return d;
  }

  bool until_held(const std::string& id) {
    for (int i = 0; i < 400; ++i) {
      auto history = f.engine().history(id);
      for (const HistoryEntry& h : history ? history.value() : std::vector<HistoryEntry>{}) {
        if (h.event == Event::kCommandHeld) return true;
      }
      f.engine().tick();
      (void)f.engine().wait(id, Millis{20});
    }
    return false;
  }

  testing::EngineFixture f;
  int runs_ = 0;
};

TEST_F(OnCallTest, AStuckCompensationIsSeenGroupedPagedAndSkipped) {
  ASSERT_TRUE(f.open().is_ok());
  start_stuck("stuck-c");

  SagactlOutput list = sagactl({"list"});
  ASSERT_EQ(list.code, 0) << list.err;
  EXPECT_THAT(list.out, HasSubstr("ON STEP FOR"));
  EXPECT_THAT(list.out, HasSubstr("compensating"));

  rapidjson::Document stats = parse(sagactl({"stats", "--json"}).out);
  ASSERT_EQ(stats["blocked"].Size(), 1u);
  EXPECT_STREQ(stats["blocked"][0]["phase"].GetString(), "compensating");
  EXPECT_STREQ(stats["blocked"][0]["step_name"].GetString(), "create_ticket");
  EXPECT_STREQ(stats["blocked"][0]["participant"].GetString(), "kitchen");
  EXPECT_EQ(stats["blocked"][0]["count"].GetUint64(), 1u);
  EXPECT_STREQ(stats["blocked"][0]["example"].GetString(), "stuck-c");
  EXPECT_THAT(sagactl({"stats"}).out, HasSubstr("unfinished sagas by step and participant"));

  // History paging: the last three entries of many.
  rapidjson::Document all = parse(sagactl({"show", "stuck-c", "--json"}).out);
  const std::uint64_t total = all["history_total"].GetUint64();
  ASSERT_GT(total, 10u);
  ASSERT_EQ(all["history"].Size(), total);
  rapidjson::Document page = parse(
      sagactl({"show", "stuck-c", "--json", "--history-offset", "1", "--history-limit", "2"}).out);
  ASSERT_EQ(page["history"].Size(), 2u);
  EXPECT_EQ(page["history_offset"].GetUint64(), 1u);
  EXPECT_STREQ(page["history"][0]["event"].GetString(), all["history"][1]["event"].GetString());
  // On create_ticket's compensation since its first failure (the first retry scheduled).
  std::int64_t first_retry = -1;
  for (const auto& h : all["history"].GetArray()) {
    if (first_retry < 0 && std::string(h["event"].GetString()) == "compensation_retry_scheduled") {
      first_retry = h["time_ms"].GetInt64();
    }
  }
  EXPECT_EQ(all["on_step_since_ms"].GetInt64(), first_retry);
  SagactlOutput text = sagactl({"show", "stuck-c", "--history-limit", "3"});
  EXPECT_THAT(text.out, HasSubstr("stuck since"));
  EXPECT_THAT(text.out, HasSubstr("of " + std::to_string(total)));

  SagactlOutput refused =
      sagactl({"compensate", "stuck-c", "--reason", "customer cancelled", "--by", "alice"});
  EXPECT_EQ(refused.code, 2);
  EXPECT_THAT(refused.err, HasSubstr("applies only to failed sagas"));

  act_until_compensated({"skip", "stuck-c", "--reason", "ticket voided by hand", "--by", "bob"});
  EXPECT_EQ(f.participants().effects("stuck-c", "CancelCreateTicket"), 0);
  SagactlOutput show = sagactl({"show", "stuck-c", "--history-limit", "0"});
  EXPECT_THAT(show.out, HasSubstr("operator_skipped_running_compensation"));
  EXPECT_THAT(show.out, HasSubstr("bob: ticket voided by hand"));
}

TEST_F(OnCallTest, AStuckCompensationIsRetriedNowOnceItsParticipantIsBack) {
  // The engine's own next attempt is an hour away: only the operator's retry resends it now.
  compensation_retry_every(Millis{3'600'000});
  ASSERT_TRUE(f.open().is_ok());
  start_stuck("stuck-r", 4);
  f.participants().fail("CancelCreateTicket", "kitchen_down", 0);  // the kitchen is back
  act_until_compensated({"retry", "stuck-r", "--reason", "kitchen is back", "--by", "alice"});
  EXPECT_EQ(f.participants().effects("stuck-r", "CancelCreateTicket"), 1);
  rapidjson::Document d = parse(sagactl({"show", "stuck-r", "--json"}).out);
  bool found = false;
  for (const auto& h : d["history"].GetArray()) {
    found |= std::string(h["event"].GetString()) == "operator_retried_running_compensation" &&
             std::string(h["reason"].GetString()) == "alice: kitchen is back";
  }
  EXPECT_TRUE(found);
}

TEST_F(OnCallTest, ACommandHeldByTheGateIsShownAsHeldWithNoReplyDue) {
  EngineOptions options;
  options.participant_limits["kitchen"].max_in_flight = 1;
  ASSERT_TRUE(f.open(options).is_ok());
  f.transport().set_paused("kitchen", true);  // the first CreateTicket stays in flight
  for (const char* id : {"first", "second"}) {
    StartOptions start;
    start.id = id;
    ASSERT_TRUE(f.engine().start_saga("create_order", std::string("order-") + id, start).is_ok());
  }
  // Until the second CreateTicket waits in the kitchen's gate (the clock stays: no timeout).
  ASSERT_TRUE(until_held("second"));
  SagactlOutput show = sagactl({"show", "second"});
  ASSERT_EQ(show.code, 0) << show.err;
  EXPECT_THAT(show.out, HasSubstr("held        not sent: held by its participant's gate"));
  EXPECT_THAT(show.out, HasSubstr("in_flight_cap"));
  EXPECT_THAT(show.out, HasSubstr("none while held"));
  EXPECT_EQ(show.out.find("reply due by"), std::string::npos);
  rapidjson::Document d = parse(sagactl({"show", "second", "--json"}).out);
  ASSERT_TRUE(d["held"].IsObject());
  EXPECT_STREQ(d["held"]["reason"].GetString(), "in_flight_cap");
  EXPECT_THAT(sagactl({"list"}).out, HasSubstr("(held)"));
  EXPECT_THAT(sagactl({"show", "first"}).out, HasSubstr("reply due by"));
  f.transport().set_paused("kitchen", false);
}

}  // namespace
}  // namespace saga
