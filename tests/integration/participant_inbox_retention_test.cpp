// Goal: participant inbox retention (ParticipantOptions::inbox_keep): rows older than the window
// are deleted in batches by run_once(), younger ones stay and still deduplicate, rows from a
// file made before retention existed count from the first round, and open() refuses a window
// that does not exceed the stated resend horizon. Also saga::resend_horizon's arithmetic.
// Method: a real participant (loopback tcp, temp SQLite file) on a VirtualClock, driven with
// run_once() on the test's thread by a DEALER client; the file is read with its own connection.
#include <SQLiteCpp/SQLiteCpp.h>
#include <gtest/gtest.h>
#include <saga/resend_horizon.h>

#include <future>

#include "integration/participant_test_support.h"

namespace saga::test {
namespace {

using namespace std::chrono_literals;

std::int64_t inbox_rows(const std::string& db) {
  SQLite::Database d(db, SQLite::OPEN_READONLY);
  return d.execAndGet("SELECT count(*) FROM saga_inbox").getInt64();
}

class InboxRetentionTest : public ::testing::Test {
 protected:
  ParticipantOptions retention(Millis keep, Millis horizon) {
    ParticipantOptions o;
    o.clock = clock_;
    o.inbox_keep = keep;
    o.resend_horizon = horizon;
    o.inbox_prune_interval = 1min;
    o.inbox_prune_batch = 2;
    return o;
  }

  // Sends `e` and runs the participant until its reply is back.
  std::optional<Envelope> call(Participant& p, Client& client, const Envelope& e) {
    client.send(e);
    auto reply =
        std::async(std::launch::async, [&] { return client.receive_reply_to(e.message_id); });
    while (reply.wait_for(0ms) != std::future_status::ready) EXPECT_TRUE(p.run_once(20ms).is_ok());
    return reply.get();
  }

  TempDir dir_;
  std::shared_ptr<VirtualClock> clock_ = std::make_shared<VirtualClock>();
  HandlerRuns runs_;
};

TEST_F(InboxRetentionTest, OldRowsArePrunedInBatchesAndYoungOnesStillDeduplicate) {
  const std::string db = dir_.file("kitchen.db");
  auto p = open_participant("tcp://127.0.0.1:*", db, retention(1h, 10min));
  ASSERT_NE(p, nullptr);
  install_kitchen(*p, runs_);
  Client client(p->endpoint());
  for (int i = 1; i <= 5; ++i) {
    auto r = call(*p, client,
                  typed_command(OpenTicket{i, "pizza"}, "old-" + std::to_string(i),
                                ContentType::kJson, "saga-" + std::to_string(i)));
    ASSERT_TRUE(r.has_value());
  }
  clock_->advance(50min);
  ASSERT_TRUE(
      call(*p, client, typed_command(OpenTicket{6, "pizza"}, "young", ContentType::kJson, "saga-6"))
          .has_value());
  EXPECT_EQ(inbox_rows(db), 6);

  // 61 minutes after the first five: they are due, "young" (11 minutes old) is not. Batches of
  // two: a full batch makes the next run_once() prune again at once.
  clock_->advance(11min);
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(p->run_once(1ms).is_ok());
  EXPECT_EQ(inbox_rows(db), 1);
  EXPECT_EQ(p->stats().inbox_pruned, 5u);
  EXPECT_EQ(runs_.create.load(), 6);

  // The young row still answers its duplicate without running the handler.
  auto again = call(*p, client,
                    typed_command(OpenTicket{6, "pizza"}, "young", ContentType::kJson, "saga-6"));
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(again->name, "TicketOpened");
  EXPECT_EQ(runs_.create.load(), 6);
  EXPECT_EQ(p->stats().duplicates, 1u);

  // A resend of a pruned message is handled afresh: why the window must exceed the horizon.
  ASSERT_TRUE(
      call(*p, client, typed_command(OpenTicket{1, "pizza"}, "old-1", ContentType::kJson, "saga-1"))
          .has_value());
  EXPECT_EQ(runs_.create.load(), 7);
}

TEST_F(InboxRetentionTest, RowsOfAFileFromBeforeRetentionCountFromTheFirstRound) {
  const std::string db = dir_.file("kitchen.db");
  {
    auto p = open_participant("tcp://127.0.0.1:*", db);  // retention off
    ASSERT_NE(p, nullptr);
    install_kitchen(*p, runs_);
    Client client(p->endpoint());
    ASSERT_TRUE(
        call(*p, client, typed_command(OpenTicket{1, "x"}, "m-1", ContentType::kJson)).has_value());
  }
  {  // As written before the column existed: no time stamp.
    SQLite::Database d(db, SQLite::OPEN_READWRITE);
    d.exec("UPDATE saga_inbox SET stored_at = 0");
  }
  auto p = open_participant("tcp://127.0.0.1:*", db, retention(1h, 10min));
  ASSERT_NE(p, nullptr);
  ASSERT_TRUE(p->run_once(1ms).is_ok());  // first round: stamps the row with now
  EXPECT_EQ(inbox_rows(db), 1);
  clock_->advance(59min);
  ASSERT_TRUE(p->run_once(1ms).is_ok());
  EXPECT_EQ(inbox_rows(db), 1);
  clock_->advance(2min);
  ASSERT_TRUE(p->run_once(1ms).is_ok());
  EXPECT_EQ(inbox_rows(db), 0);
}

TEST_F(InboxRetentionTest, OpenRefusesAWindowNotAboveTheResendHorizon) {
  const std::string db = dir_.file("kitchen.db");
  struct Case {
    Millis keep, horizon;
    std::size_t batch;
    const char* says;
  };
  for (const Case& c : {Case{10min, 10min, 10, "must exceed the longest resend horizon"},
                        Case{5min, 10min, 10, "must exceed the longest resend horizon"},
                        Case{10min, 0ms, 10, "needs resend_horizon"},
                        Case{-1ms, 0ms, 10, "negative"}, Case{1h, 10min, 0, "inbox_prune_batch"}}) {
    ParticipantOptions o = retention(c.keep, c.horizon);
    o.inbox_prune_batch = c.batch;
    o.endpoint = "tcp://127.0.0.1:*";
    o.database_path = db;
    auto opened = Participant::open(std::move(o));
    ASSERT_FALSE(opened.is_ok());
    EXPECT_EQ(opened.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(opened.status().message().find(c.says), std::string::npos)
        << opened.status().message();
  }
  EXPECT_FALSE(std::filesystem::exists(db));  // refused before the file was made
}

TEST(ResendHorizonTest, SumsTimeoutsAndBaseDelaysOfEverySend) {
  // 3 sends of 10 s each, delays 1 s and 2 s (doubling), jitter never lengthens them.
  RetryPolicy p = RetryPolicy::exponential(1s, 2.0, 30s, 3);
  EXPECT_EQ(resend_horizon(p, 10s), Millis{33'000});
  EXPECT_EQ(resend_horizon(RetryPolicy::immediate(1), 5s), Millis{5'000});
  EXPECT_FALSE(resend_horizon(RetryPolicy::exponential(1s, 2.0, 30s, 0), 10s).has_value());

  SagaDefinition d;
  d.name = "d";
  StepDefinition a;
  a.name = "a";
  a.action = CommandAction{};
  a.compensation = CommandAction{};
  a.retry = RetryPolicy::fixed(2s, 4);
  a.compensation_retry = RetryPolicy::fixed(1s, 2);
  a.reply_timeout = 5s;
  d.steps.push_back(a);
  EXPECT_EQ(resend_horizon(d), Millis{4 * 5'000 + 3 * 2'000});
  d.steps[0].compensation_retry.maximum_attempts = 0;  // the default for compensations
  EXPECT_FALSE(resend_horizon(d).has_value());
}

}  // namespace
}  // namespace saga::test
