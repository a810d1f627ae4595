// Goal: the history says what happened during a participant outage: a command held by the
// participant's gate is recorded as held (with why) and as released when it goes out, once per
// hold; replay skips those entries. Stale replies answering the saga's own earlier commands are
// expected (counted, debug), any other is unexpected (warning).
// Method: EngineFixture (real SQLite, in-memory transport, virtual clock) with a paused
// consumer until the breaker opens; a capturing LogSink; replies injected by hand.
#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "saga/metrics.h"
#include "saga/testing/engine_fixture.h"
#include "saga/testing/history_replay.h"

namespace saga {
namespace {

using testing::EngineFixture;

BreakerState breaker_of(Engine& engine, const std::string& name) {
  for (const ParticipantState& p : engine.participants()) {
    if (p.name == name) return p.breaker;
  }
  return BreakerState::kClosed;
}

std::vector<std::string> described(const std::vector<HistoryEntry>& history) {
  std::vector<std::string> out;
  for (const HistoryEntry& h : history) {
    out.push_back(std::string(to_string(h.event)) + (h.reason.empty() ? "" : ":" + h.reason));
  }
  return out;
}

TEST(EngineGateHistoryTest, BreakerHoldIsRecordedAsHeldThenReleased) {
  EngineFixture f;
  EngineOptions options;
  options.participant_defaults.breaker_threshold = 2;
  options.participant_defaults.breaker_cooldown = Millis{5'000};
  ASSERT_TRUE(f.open(options).is_ok());
  f.transport().set_paused("consumer", true);
  StartOptions start;
  start.id = "outage";
  ASSERT_TRUE(f.engine().start_saga("create_order", "order-outage", start).is_ok());
  for (int i = 0; i < 100 && breaker_of(f.engine(), "consumer") != BreakerState::kOpen; ++i) {
    f.clock().advance(Millis{100});
    f.engine().tick();
    (void)f.engine().wait("outage", Millis{5});
  }
  ASSERT_EQ(breaker_of(f.engine(), "consumer"), BreakerState::kOpen);
  // Many loop iterations while the breaker stays open: still one held entry.
  for (int i = 0; i < 30; ++i) {
    f.clock().advance(Millis{100});
    f.engine().tick();
    (void)f.engine().wait("outage", Millis{2});
  }
  f.transport().set_paused("consumer", false);
  SagaInstance end = f.settle("outage");
  EXPECT_EQ(end.phase, Phase::kCompleted);

  Result<std::vector<HistoryEntry>> history = f.engine().history("outage");
  ASSERT_TRUE(history.is_ok());
  // The resend is decided (step_retried) before the gate holds it; nothing is retried while it
  // waits; it is released when the cool-down lets the probe through.
  EXPECT_EQ(
      described(history.value()),
      (std::vector<std::string>{
          "started", "step_timed_out:timeout", "step_retried", "step_timed_out:timeout",
          "step_retried", "command_held:breaker_open", "command_released", "step_succeeded",
          "step_succeeded", "step_succeeded", "step_succeeded", "step_succeeded", "completed"}));
  const auto held = std::find_if(history->begin(), history->end(), [](const HistoryEntry& h) {
    return h.event == Event::kCommandHeld;
  });
  ASSERT_NE(held, history->end());
  // Both name the step whose resend waited; the release came with the breaker's cool-down,
  // counted from the timeout that opened it.
  const HistoryEntry& opened = *(held - 2);
  ASSERT_EQ(opened.event, Event::kStepTimedOut);
  EXPECT_EQ(held->step, (held - 1)->step);
  EXPECT_EQ((held + 1)->step, held->step);
  EXPECT_EQ((held + 1)->attempt, held->attempt);
  EXPECT_GE((held + 1)->time - opened.time, Millis{5'000});

  // Replay treats the gate entries as annotations only.
  Result<testing::RecordedHistory> recorded =
      testing::export_history(f.engine(), "outage", "order-outage", f.definition().get());
  ASSERT_TRUE(recorded.is_ok()) << recorded.status().to_string();
  EXPECT_TRUE(testing::replays_identically(*f.definition(), recorded.value()));
}

struct CapturedLine {
  LogLevel level;
  std::string line;
};

TEST(EngineGateHistoryTest, ExpectedStaleRepliesAreDebugAndCountedOthersWarn) {
  EngineFixture f;
  auto lines = std::make_shared<std::vector<CapturedLine>>();
  auto mutex = std::make_shared<std::mutex>();
  EngineOptions options;
  options.log_level = LogLevel::kDebug;
  options.log = [lines, mutex](LogLevel level, std::string_view line) {
    std::lock_guard lock(*mutex);
    lines->push_back({level, std::string(line)});
  };
  ASSERT_TRUE(f.open(options).is_ok());
  f.transport().set_paused("kitchen", true);
  StartOptions start;
  start.id = "stale";
  ASSERT_TRUE(f.engine().start_saga("create_order", "order-stale", start).is_ok());
  ASSERT_EQ(f.engine().wait("stale", Millis{100}).status().code(), StatusCode::kTimeout);
  Result<SagaInstance> before = f.engine().get("stale");
  ASSERT_TRUE(before.is_ok());
  ASSERT_EQ(before->message_seq, 2u);  // consumer's command answered, kitchen's outstanding

  auto reply_to = [](const std::string& correlation_id) {
    Envelope reply;
    reply.kind = MessageKind::kReply;
    reply.message_id = "reply-to-" + correlation_id;
    reply.saga_id = "stale";
    reply.correlation_id = correlation_id;
    reply.name = "ValidateOrderByConsumerReply";
    return reply;
  };
  f.transport().inject(reply_to("stale/1"));  // the consumer's answered command: expected
  f.transport().inject(reply_to("stale/7"));  // never sent: unexpected
  f.transport().inject(reply_to("other/1"));  // another saga's id: unexpected
  for (int i = 0; i < 100 && f.engine().stats().stale_replies < 3; ++i) {
    (void)f.engine().wait("stale", Millis{5});
  }
  const EngineStats stats = f.engine().stats();
  EXPECT_EQ(stats.stale_replies, 3u);
  EXPECT_EQ(stats.expected_stale_replies, 1u);
  EXPECT_EQ(f.engine().metrics().expected_stale_replies, 1u);
  Result<SagaInstance> after = f.engine().get("stale");
  ASSERT_TRUE(after.is_ok());
  EXPECT_EQ(after.value(), before.value());

  auto level_of = [&](const std::string& correlation_id) {
    std::lock_guard lock(*mutex);
    std::vector<LogLevel> out;
    for (const CapturedLine& l : *lines) {
      if (l.line.find("event=stale_reply_dropped") != std::string::npos &&
          l.line.find("correlation_id=" + correlation_id + " ") != std::string::npos) {
        out.push_back(l.level);
      }
    }
    return out;
  };
  EXPECT_EQ(level_of("stale/1"), std::vector<LogLevel>{LogLevel::kDebug});
  EXPECT_EQ(level_of("stale/7"), std::vector<LogLevel>{LogLevel::kWarning});
  EXPECT_EQ(level_of("other/1"), std::vector<LogLevel>{LogLevel::kWarning});
}

}  // namespace
}  // namespace saga
