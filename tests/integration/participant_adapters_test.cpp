// Goal: the participant library reads time through ParticipantOptions::clock and logs through
// ParticipantOptions::log (never stderr or stdout of its own).
// Method: a real participant (loopback tcp ROUTER, temp SQLite file) with a VirtualClock and a
// capturing LogSink, driven by a raw DEALER client; the lock and held-command time stamps are
// read back from the file with a separate connection.
#include <SQLiteCpp/SQLiteCpp.h>
#include <gtest/gtest.h>

#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "integration/participant_test_support.h"

namespace saga::test {
namespace {

constexpr const char* kTcp = "tcp://127.0.0.1:*";

// Locks `key` for the command's saga (holding on a conflict when `hold`) and answers with the
// handler's view of the time.
struct TakeLock {
  static constexpr std::string_view kMessageName = "TakeLock";
  std::string key;
  bool hold = false;
  template <class A>
  void serialize(A& a) {
    a(CEREAL_NVP(key), CEREAL_NVP(hold));
  }
};

struct LockTaken {
  static constexpr std::string_view kMessageName = "LockTaken";
  std::int64_t now_ms = 0;
  template <class A>
  void serialize(A& a) {
    a(CEREAL_NVP(now_ms));
  }
};

std::int64_t single_int(const std::string& db_path, const std::string& sql) {
  SQLite::Database db(db_path, SQLite::OPEN_READONLY);
  SQLite::Statement q(db, sql);
  EXPECT_TRUE(q.executeStep()) << sql;
  return q.getColumn(0).getInt64();
}

TEST(ParticipantClockTest, LockAndHoldTimeStampsComeFromTheInjectedClock) {
  TempDir dir;
  auto clock = std::make_shared<VirtualClock>(Millis{42'000});
  ParticipantOptions options;
  options.clock = clock;
  auto participant = open_participant(kTcp, dir.file("p.db"), std::move(options));
  ASSERT_NE(participant, nullptr);
  participant->on<TakeLock>([](const TakeLock& c, HandlerContext& ctx) {
    LockResult lock = ctx.lock(c.key, c.hold ? LockConflict::kHold : LockConflict::kRefuse);
    if (!lock) return lock.refusal();
    return success(LockTaken{ctx.now().count()});
  });
  Running running(*participant);
  Client client(participant->endpoint());

  auto first = client.call(
      typed_command(TakeLock{"order:1", false}, "m-1", ContentType::kJson, "saga-A", "lock"));
  ASSERT_TRUE(first.has_value());
  ASSERT_EQ(first->outcome, Outcome::kSuccess);
  EXPECT_EQ(decode_body<LockTaken>(first->body, first->content_type).value().now_ms, 42'000);
  EXPECT_EQ(single_int(dir.file("p.db"),
                       "SELECT acquired_at FROM saga_participant_locks WHERE lock_key = 'order:1'"),
            42'000);

  clock->advance(Millis{1'500});
  client.send(
      typed_command(TakeLock{"order:1", true}, "m-2", ContentType::kJson, "saga-B", "lock"));
  // The held command is not answered; a later command on the connection is, after it.
  auto sync = client.call(
      typed_command(TakeLock{"order:2", false}, "m-3", ContentType::kJson, "saga-C", "lock"));
  ASSERT_TRUE(sync.has_value());
  EXPECT_EQ(sync->correlation_id, "m-3");
  EXPECT_EQ(single_int(dir.file("p.db"),
                       "SELECT held_at FROM saga_held_commands WHERE message_id = 'm-2'"),
            43'500);
}

TEST(ParticipantLogTest, DroppedMessagesAndUnknownCommandsGoToTheLogSink) {
  TempDir dir;
  std::mutex mutex;
  std::vector<std::pair<LogLevel, std::string>> lines;
  ParticipantOptions options;
  options.log = [&](LogLevel level, std::string_view line) {
    std::lock_guard<std::mutex> lock(mutex);  // called on the participant's thread
    lines.emplace_back(level, std::string(line));
  };
  auto participant = open_participant(kTcp, dir.file("p.db"), std::move(options));
  ASSERT_NE(participant, nullptr);
  Running running(*participant);
  Client client(participant->endpoint());

  client.send_frames({"garbage"});
  auto unknown = client.call(command("NoSuchCommand", "m-1"));
  ASSERT_TRUE(unknown.has_value());
  EXPECT_EQ(unknown->reason, kReasonUnknownCommand);

  std::lock_guard<std::mutex> lock(mutex);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0].first, LogLevel::kWarning);
  EXPECT_EQ(lines[0].second.rfind("participant: dropped", 0), 0u) << lines[0].second;
  EXPECT_NE(lines[0].second.find("(#1)"), std::string::npos) << lines[0].second;
  EXPECT_EQ(lines[1].first, LogLevel::kWarning);
  EXPECT_EQ(lines[1].second, "participant: unknown command 'NoSuchCommand' (#1)");
}

}  // namespace
}  // namespace saga::test
