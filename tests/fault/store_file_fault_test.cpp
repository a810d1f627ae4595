// Goal: real file faults cost time, never data. The engine's store and a participant's inbox
// report a full disk and a write lock held by another process beyond busy_timeout with the
// documented code (docs/storage.md, "Store faults"), and once the fault clears the same store
// works again with everything committed before intact. A participant whose inbox commit fails
// answers nothing; the redelivered command is then applied once. A damaged participant
// database is refused at open.
// Method: real SQLite files; a full disk is a file size limit (RLIMIT_FSIZE, SIGXFSZ ignored)
// in a child process that lifts it when the test says the disk has room again; the lock is
// held by a child process (BEGIN IMMEDIATE) until the test releases it. See child_process.h.
#include <SQLiteCpp/SQLiteCpp.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <string>
#include <thread>

#include "fault/child_process.h"
#include "integration/damaged_file.h"
#include "integration/participant_test_support.h"
#include "integration/sqlite_store_test_support.h"

namespace saga {
namespace {

using namespace store_test;
using test::ChildLimits;
using test::ChildProcess;
using test::LineChannel;

// Room for the files as they are plus a quarter MiB of WAL: a 1 MiB write cannot fit. Odd, so
// the write that reaches it is cut short (SQLite: SQLITE_FULL) rather than refused whole.
constexpr rlim_t kFileSizeLimit = 256 * 1024 + 1001;
constexpr std::size_t kLargeBlob = 1024 * 1024;

ChildLimits file_size_limited() {
  ChildLimits limits;
  limits.file_size_limit = kFileSizeLimit;
  return limits;
}

StoreBatch large_batch(const std::string& id) {
  StoreBatch batch = full_batch(id);
  batch.inserts[0].data = std::string(kLargeBlob, 'd');
  return batch;
}

TEST_F(SqliteSagaStoreTest, FullDiskRefusesTheCommitAndTheSameStoreCommitsOnceThereIsRoom) {
  {
    auto store = open_store();
    ASSERT_EQ(store->commit(full_batch("s1")), Status::ok());
  }
  ChildProcess child(file_size_limited(), [&](LineChannel& test) {
    auto store = SqliteSagaStore::open(options());
    if (!store) {
      test.send("open: " + store.status().to_string());
      return 1;
    }
    test.send((*store)->commit(large_batch("s2")).to_string());
    test.receive();  // the disk has room again
    if (!test::lift_file_size_limit()) return 2;
    test.send((*store)->commit(large_batch("s2")).to_string());
    return 0;
  });
  ASSERT_TRUE(child.started());
  const std::string refused = child.channel().receive();
  EXPECT_EQ(refused.rfind("full: store: commit", 0), 0u) << refused;
  EXPECT_NE(refused.find("full"), std::string::npos) << refused;
  child.channel().send("room");
  EXPECT_EQ(child.channel().receive(), "ok");
  EXPECT_EQ(child.wait(), 0);
  auto store = open_store();
  EXPECT_EQ(store->load("s1")->value().data, make_instance("s1").data);
  EXPECT_EQ(store->load("s2")->value().data.size(), kLargeBlob);
  EXPECT_EQ(store->history("s2")->size(), 1u);
}

// Another process holds the write lock; the parent opens nothing on the file before the fork.
TEST_F(SqliteSagaStoreTest, LockHeldByAnotherProcessIsBusyAndTheCommitGoesThroughAfter) {
  {
    auto store = open_store();
    ASSERT_EQ(store->commit(full_batch("s1")), Status::ok());
  }
  ChildProcess holder(ChildLimits{}, [&](LineChannel& test) {
    SQLite::Database db(path_, SQLite::OPEN_READWRITE);
    db.exec("BEGIN IMMEDIATE");
    test.send("locked");
    test.receive();
    db.exec("ROLLBACK");
    test.send("released");
    return 0;
  });
  ASSERT_TRUE(holder.started());
  ASSERT_EQ(holder.channel().receive(), "locked");
  auto store = open_store();  // reading needs no lock (WAL)
  ASSERT_NE(store, nullptr);
  const Status busy = store->commit(full_batch("s2"));
  EXPECT_EQ(busy.code(), StatusCode::kBusy) << busy.to_string();
  EXPECT_NE(busy.message().find("store: commit: begin"), std::string::npos) << busy.message();
  EXPECT_FALSE(store->load("s2")->has_value());
  holder.channel().send("release");
  EXPECT_EQ(holder.channel().receive(), "released");
  EXPECT_EQ(holder.wait(), 0);
  EXPECT_EQ(store->commit(full_batch("s2")), Status::ok());
  EXPECT_EQ(store->load("s1")->value().data, make_instance("s1").data);
  EXPECT_EQ(store->load("s2")->value().data, make_instance("s2").data);
}

// --- The participant's inbox ---

// The Kitchen participant of the participant tests, in a child process under a file size
// limit: it says "ready"; asked "store_errors", it answers the count once its inbox has
// failed a commit and run() has logged the Status it failed with (waiting up to 30 s for
// both), then the errors it logged; on "room" it lifts the limit and answers "room"; on
// "stop" it stops.
int run_kitchen(LineChannel& test, const std::string& endpoint, const std::string& db) {
  test::HandlerRuns runs;
  std::mutex mutex;
  std::string errors;  // the error lines the participant logged, joined by " | "
  ParticipantOptions options;
  options.log = [&](LogLevel level, std::string_view line) {
    std::lock_guard lock(mutex);
    if (level < LogLevel::kError) return;
    if (!errors.empty()) errors += " | ";
    errors += line;
  };
  auto participant = test::open_participant(endpoint, db, options);
  if (!participant) return 1;
  test::install_kitchen(*participant, runs);
  test::Running running(*participant);
  test.send("ready");
  for (std::string line = test.receive(); line != "stop" && line != "<eof>";
       line = test.receive()) {
    if (line == "room") {
      test.send(test::lift_file_size_limit() ? "room" : "limit kept");
    } else if (line == "store_errors") {
      // run_once() counts the error and logs the rolled-back batch; run() then logs the
      // Status: two error lines, the second written after the count is visible.
      const auto both_logged = [&] {
        std::lock_guard lock(mutex);
        return errors.find(" | ") != std::string::npos;
      };
      for (int i = 0; i < 3'000 && (participant->stats().store_errors == 0 || !both_logged());
           ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
      }
      test.send(std::to_string(participant->stats().store_errors));
      std::lock_guard lock(mutex);
      test.send(errors);
    }
  }
  return 0;
}

TEST(ParticipantInboxFaultTest, AFailedInboxCommitAnswersNothingAndTheRedeliveryAppliesOnce) {
  test::TempDir dir;
  const std::string db = dir.file("kitchen.db");
  const std::string endpoint = "ipc://" + dir.file("kitchen.sock");
  ChildProcess kitchen(file_size_limited(),
                       [&](LineChannel& test) { return run_kitchen(test, endpoint, db); });
  ASSERT_TRUE(kitchen.started());
  ASSERT_EQ(kitchen.channel().receive(), "ready");
  test::Client client(endpoint);
  // The handler's row is larger than the room left: the inbox's COMMIT fails (full disk).
  const Envelope large = test::typed_command(test::OpenTicket{7, std::string(kLargeBlob, 'i')},
                                             "m-large", ContentType::kCerealBinary, "saga-7");
  client.send(large);
  kitchen.channel().send("store_errors");  // answered once the inbox has failed a commit
  EXPECT_EQ(kitchen.channel().receive(), "1");
  const std::string logged = kitchen.channel().receive();
  // run() logs the Status the batch failed with: a full disk, with the errno.
  EXPECT_NE(logged.find("participant: full: participant store: commit"), std::string::npos)
      << logged;
  EXPECT_NE(logged.find("File too large"), std::string::npos) << logged;
  // The batch was rolled back before anything was sent: no reply is on its way.
  EXPECT_FALSE(client.receive(std::chrono::milliseconds(200)).has_value())
      << "a failed commit must acknowledge nothing";
  kitchen.channel().send("room");
  ASSERT_EQ(kitchen.channel().receive(), "room");
  // Redelivered (same message id, as the engine resends): applied now, and once.
  std::optional<Envelope> applied = client.call(large);
  ASSERT_TRUE(applied.has_value());
  EXPECT_EQ(applied->outcome, Outcome::kSuccess);
  auto opened = decode_body<test::TicketOpened>(applied->body, applied->content_type);
  ASSERT_TRUE(opened);
  EXPECT_EQ(opened->order_id, 7);
  std::optional<Envelope> again = client.call(large);  // a duplicate gets the stored reply
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(again->body, applied->body);
  std::optional<Envelope> counted = client.call(test::typed_command(
      test::CountTickets{""}, "m-count-2", ContentType::kCerealBinary, "saga-count"));
  ASSERT_TRUE(counted.has_value());
  EXPECT_EQ(decode_body<test::TicketCount>(counted->body, counted->content_type)->count, 1);
  kitchen.channel().send("stop");
  EXPECT_EQ(kitchen.wait(), 0);
}

// Another process holds the inbox's write lock past busy_timeout: the batch fails at BEGIN
// (kBusy), nothing is answered; once released, the resent command is applied once.
TEST(ParticipantInboxFaultTest, ALockHeldByAnotherProcessAnswersNothingUntilReleased) {
  test::TempDir dir;
  const std::string db = dir.file("kitchen.db");
  // Forked before this process opens the file (child_process.h); it locks when told to.
  ChildProcess holder(ChildLimits{}, [&](LineChannel& test) {
    if (test.receive() != "lock") return 1;
    SQLite::Database raw(db, SQLite::OPEN_READWRITE);
    raw.exec("BEGIN IMMEDIATE");
    test.send("locked");
    test.receive();
    raw.exec("ROLLBACK");
    test.send("released");
    return 0;
  });
  ASSERT_TRUE(holder.started());
  std::mutex mutex;
  std::string errors;
  ParticipantOptions options;
  options.busy_timeout = Millis(100);
  options.log = [&](LogLevel level, std::string_view line) {
    std::lock_guard lock(mutex);
    if (level >= LogLevel::kError) errors += std::string(line) + "\n";
  };
  test::HandlerRuns runs;
  auto participant = test::open_participant("tcp://127.0.0.1:*", db, options);
  ASSERT_NE(participant, nullptr);
  test::install_kitchen(*participant, runs);
  test::Running running(*participant);
  holder.channel().send("lock");
  ASSERT_EQ(holder.channel().receive(), "locked");
  test::Client client(participant->endpoint());
  const Envelope open =
      test::typed_command(test::OpenTicket{8, "naan"}, "m-8", ContentType::kCerealBinary, "saga-8");
  client.send(open);
  // The count comes first, then the batch's line and run()'s line with the Status.
  const auto both_logged = [&] {
    std::lock_guard lock(mutex);
    return std::count(errors.begin(), errors.end(), '\n') >= 2;
  };
  for (int i = 0; i < 3'000 && (participant->stats().store_errors == 0 || !both_logged()); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(participant->stats().store_errors, 1u);
  EXPECT_FALSE(client.receive(std::chrono::milliseconds(200)).has_value())
      << "a failed batch must acknowledge nothing";
  {
    std::lock_guard lock(mutex);
    EXPECT_NE(errors.find("participant: busy: participant store: begin"), std::string::npos)
        << errors;
  }
  holder.channel().send("release");
  EXPECT_EQ(holder.channel().receive(), "released");
  EXPECT_EQ(holder.wait(), 0);
  std::optional<Envelope> applied = client.call(open);  // the engine's resend
  ASSERT_TRUE(applied.has_value());
  EXPECT_EQ(applied->outcome, Outcome::kSuccess);
  std::optional<Envelope> counted = client.call(test::typed_command(
      test::CountTickets{""}, "m-count", ContentType::kCerealBinary, "saga-count"));
  ASSERT_TRUE(counted.has_value());
  EXPECT_EQ(decode_body<test::TicketCount>(counted->body, counted->content_type)->count, 1);
}

TEST(ParticipantInboxFaultTest, ADamagedDatabaseIsRefusedAtOpenNamingTheFile) {
  test::TempDir dir;
  const std::string db = dir.file("kitchen.db");
  {
    test::HandlerRuns runs;
    auto participant = test::open_participant("tcp://127.0.0.1:*", db);
    ASSERT_NE(participant, nullptr);
    test::install_kitchen(*participant, runs);
    test::Running running(*participant);
    test::Client client(participant->endpoint());
    for (int i = 0; i < 60; ++i) {
      const std::string id = "m-" + std::to_string(i);
      ASSERT_TRUE(client.call(test::typed_command(test::OpenTicket{i, std::string(300, 'x')}, id,
                                                  ContentType::kCerealBinary, "saga-" + id)));
    }
  }
  const auto size = std::filesystem::file_size(db);
  ASSERT_GT(size, 4 * 4096u);
  test::damage_last_page(db);
  ParticipantOptions options;
  options.endpoint = "tcp://127.0.0.1:*";
  options.database_path = db;
  auto refused = Participant::open(std::move(options));
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.status().code(), StatusCode::kCorrupt) << refused.status().to_string();
  EXPECT_NE(refused.status().message().find(db + " failed quick_check"), std::string::npos)
      << refused.status().message();
}

}  // namespace
}  // namespace saga
