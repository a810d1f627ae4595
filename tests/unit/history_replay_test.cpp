// Goal: a saga's recorded history, exported to a file, replays through decide() to the same
// transitions; a changed definition (inserted step, tighter policy) shows the first divergence.
// Method: record FTGO runs from a real engine (EngineFixture, SQLite in a temp dir) and from
// the harness (typed, with reply bodies); write, read back, replay; compare entries.
#include "saga/testing/history_replay.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "ftgo_typed.h"
#include "saga/testing/engine_fixture.h"

namespace saga {
namespace {

using namespace ftgo;
using namespace typed_ftgo;
using testing::RecordedHistory;
using testing::ReplayResult;

// Runs one string-FTGO saga on the real engine and exports its history through a file.
RecordedHistory run_and_export(testing::EngineFixture& f, const std::string& id) {
  StartOptions options;
  options.id = id;
  const std::string data = "order-" + id;
  EXPECT_TRUE(f.engine().start_saga("create_order", data, options).is_ok());
  f.settle(id);
  Result<RecordedHistory> exported =
      testing::export_history(f.engine(), id, data, f.definition().get());
  EXPECT_TRUE(exported.is_ok()) << exported.status().to_string();
  const std::string path = f.dir().file(id + ".history");
  EXPECT_TRUE(testing::write_history_file(path, exported.value()).is_ok());
  Result<RecordedHistory> read = testing::read_history_file(path);
  EXPECT_TRUE(read.is_ok()) << read.status().to_string();
  return read.is_ok() ? read.value() : RecordedHistory{};
}

class HistoryReplayTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(f.open().is_ok()); }
  testing::EngineFixture f;
};

// --- snippet: replay an engine history (docs/testing.md) ---
TEST_F(HistoryReplayTest, EngineHistoriesReplayIdentically) {
  f.participants().fail("AuthorizeCard", "card_declined", 1);
  const RecordedHistory declined = run_and_export(f, "declined");
  f.participants().fail("ConfirmCreateTicket", "kitchen_busy", 2);  // retried after the pivot
  f.participants().ignore("CreateTicket", 1);                       // a timeout and a resend
  const RecordedHistory bumpy = run_and_export(f, "bumpy");

  EXPECT_EQ(declined.phase, Phase::kCompensated);
  EXPECT_EQ(bumpy.phase, Phase::kCompleted);
  EXPECT_TRUE(testing::replays_identically(*testing::ftgo_definition(), declined));
  EXPECT_TRUE(testing::replays_identically(*testing::ftgo_definition(), bumpy));
}

TEST_F(HistoryReplayTest, AnInsertedStepIsCaughtAtTheFirstEntryItTouches) {
  const RecordedHistory happy = run_and_export(f, "happy");
  auto changed = testing::ftgo_definition();
  StepDefinition reserve = changed->steps[1];  // like verify_consumer: compensatable, action only
  reserve.name = "reserve_credit";
  reserve.action->command_name = "ReserveCredit";
  changed->steps.insert(changed->steps.begin() + 2, reserve);

  ReplayResult r = testing::replay(*changed, happy);
  ASSERT_FALSE(r.matched);
  EXPECT_FALSE(r.fingerprint_matches);
  EXPECT_EQ(r.divergence, 2u);  // started, verify_consumer succeeded, then...
  EXPECT_EQ(r.expected, "step_succeeded step=2(create_ticket) attempt=1 reply='CreateTicketReply'");
  EXPECT_EQ(r.actual, "step_succeeded step=2(reserve_credit) attempt=1 reply='CreateTicketReply'");
  std::printf("%s\n", r.message().c_str());
}
// --- end snippet ---

// A step that fails because its reply never came is replayed as its deadline: the replayer
// tells it from the state (waiting for a reply, none recorded), not from the reason text.
TEST_F(HistoryReplayTest, AStepFailedByItsTimeoutReplaysAsTheDeadline) {
  f.participants().ignore("AuthorizeCard", 1'000);
  const RecordedHistory timed_out = run_and_export(f, "timed_out");
  EXPECT_EQ(timed_out.phase,
            Phase::kFailed);  // the pivot's outcome is unknown: an operator decides
  const bool failed_by_timeout =
      std::any_of(timed_out.entries.begin(), timed_out.entries.end(), [](const HistoryEntry& e) {
        return (e.event == Event::kStepFailed || e.event == Event::kStepExhausted) &&
               e.reply_name.empty() && e.reason == "timeout";
      });
  EXPECT_TRUE(failed_by_timeout);
  EXPECT_TRUE(testing::replays_identically(*testing::ftgo_definition(), timed_out));
}

TEST_F(HistoryReplayTest, WithoutStepNamesAnInsertedStepStillDivergesAtTheEnd) {
  RecordedHistory happy = run_and_export(f, "happy");
  happy.step_names.clear();
  auto changed = testing::ftgo_definition();
  StepDefinition reserve = changed->steps[1];
  reserve.name = "reserve_credit";
  changed->steps.insert(changed->steps.begin() + 2, reserve);
  ReplayResult r = testing::replay(*changed, happy);
  ASSERT_FALSE(r.matched);
  EXPECT_EQ(r.expected, "completed step=-1 attempt=1");
}

TEST(HarnessHistoryReplayTest, TypedRunWithReplyBodiesReplaysAndAPolicyChangeIsCaught) {
  testing::SagaHarness h(typed_ftgo_definition());
  h.start_with(sample_order());
  h.reply_success(ConsumerVerified{});
  h.reply_success(TicketCreated{42});
  h.reply_success(CardAuthorized{});
  h.reply_failure("kitchen_busy");  // confirm_ticket: retried twice, then confirmed
  h.advance(Millis{100});
  h.reply_failure("kitchen_busy");
  h.advance(Millis{100});
  h.reply_success();
  h.reply_success();
  ASSERT_TRUE(h.expect_phase(Phase::kCompleted));

  Result<RecordedHistory> read =
      testing::parse_history(testing::to_text(testing::record_history(h)));
  ASSERT_TRUE(read.is_ok()) << read.status().to_string();
  EXPECT_TRUE(testing::replays_identically(*typed_ftgo_definition(), read.value()));

  // The same run where confirm_ticket may be sent only twice: exhausted instead of retried.
  auto tighter = typed_ftgo_definition();
  tighter->steps[4].retry.maximum_attempts = 2;
  ReplayResult r = testing::replay(*tighter, read.value());
  ASSERT_FALSE(r.matched);
  EXPECT_NE(r.expected.find("step_retry_scheduled step=4(confirm_ticket) attempt=2"),
            std::string::npos)
      << r.message();
  EXPECT_NE(r.actual.find("step_exhausted"), std::string::npos) << r.message();

  // Without the TicketCreated body the reply handler cannot read the ticket id.
  RecordedHistory no_bodies = read.value();
  no_bodies.reply_bodies.clear();
  EXPECT_FALSE(testing::replay(*typed_ftgo_definition(), no_bodies).matched);
}

TEST(HistoryFormatTest, RoundTripsOddCharactersAndRejectsGarbageWithALineNumber) {
  RecordedHistory h;
  h.saga_id = "saga 1/%x";
  h.saga_type = "create_order";
  h.version = 3;
  h.fingerprint = "abc";
  h.phase = Phase::kFailed;
  h.start_data = std::string("\0\x01 bytes", 8);
  h.step_names = {"a b", ""};
  h.entries.push_back({Event::kStarted, -1, 0, Millis{5}, "", ""});
  h.entries.push_back({Event::kStepExhausted, 1, 3, Millis{9}, "why:\n multi line %", "R"});
  h.reply_bodies[1] = {ContentType::kJson, "{\"a\": 1}"};
  Result<RecordedHistory> back = testing::parse_history(testing::to_text(h));
  ASSERT_TRUE(back.is_ok()) << back.status().to_string();
  EXPECT_EQ(back->saga_id, h.saga_id);
  EXPECT_EQ(back->start_data, h.start_data);
  EXPECT_EQ(back->step_names, h.step_names);
  EXPECT_EQ(back->entries, h.entries);
  EXPECT_EQ(back->reply_bodies.at(1).body, "{\"a\": 1}");
  EXPECT_EQ(back->phase, Phase::kFailed);

  Result<RecordedHistory> bad =
      testing::parse_history("saga-history/1\nsaga a b 1 f completed\nentry x started 0 0 % %\n");
  ASSERT_FALSE(bad.is_ok());
  EXPECT_EQ(bad.status().code(), StatusCode::kMalformed);
  EXPECT_NE(bad.status().message().find("line 3"), std::string::npos) << bad.status().message();
  EXPECT_FALSE(testing::parse_history("not a history").is_ok());
}

}  // namespace
}  // namespace saga
