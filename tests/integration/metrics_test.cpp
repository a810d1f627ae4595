// Goal: Engine::metrics() counts what happened to sagas, and every saga log line carries the
// saga's id, type and trace_id (to_prometheus's exact text: unit/metrics_test.cpp).
// Method: EngineFixture runs a few FTGO sagas with a capturing LogSink, then we compare
// counters and scan the captured lines.
#include "saga/metrics.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <mutex>
#include <string>
#include <vector>

#include "saga/testing/engine_fixture.h"

namespace saga {
namespace {

using testing::EngineFixture;
using ::testing::HasSubstr;

class MetricsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    EngineOptions options;
    options.log_level = LogLevel::kDebug;
    options.log = [this](LogLevel level, std::string_view line) {
      std::lock_guard lock(mutex_);
      lines_.emplace_back(level, std::string(line));
    };
    ASSERT_TRUE(f.open(options).is_ok());
  }

  SagaInstance run(const std::string& id) {
    StartOptions options;
    options.id = id;
    options.trace_id = "trace-" + id;
    EXPECT_TRUE(f.engine().start_saga("create_order", "order", options).is_ok());
    return f.settle(id);
  }

  std::vector<std::pair<LogLevel, std::string>> lines() {
    std::lock_guard lock(mutex_);
    return lines_;
  }

  EngineFixture f;
  std::mutex mutex_;
  std::vector<std::pair<LogLevel, std::string>> lines_;
};

TEST_F(MetricsTest, CountsSagasByTypeAndOutcomeAndCommits) {
  EXPECT_EQ(run("a").phase, Phase::kCompleted);
  EXPECT_EQ(run("b").phase, Phase::kCompleted);
  f.participants().fail("AuthorizeCard", "card_declined", 1);
  EXPECT_EQ(run("c").phase, Phase::kCompensated);
  f.participants().fail("AuthorizeCard", "card_declined", 1);
  f.participants().fail("CancelCreateTicket", "kitchen_down", 5);
  EXPECT_EQ(run("d").phase, Phase::kFailed);

  MetricsSnapshot m = f.engine().metrics();
  ASSERT_EQ(m.sagas.size(), 1u);
  EXPECT_EQ(m.sagas[0], (SagaTypeMetrics{"create_order", 4, 2, 1, 1}));
  EXPECT_EQ(m.steps_retried, 4u);  // CancelCreateTicket: 5 sends, 4 of them again
  EXPECT_EQ(m.stale_replies, 0u);
  ASSERT_EQ(m.participants.size(), 4u);
  EXPECT_EQ(m.participants[0].name, "accounting");  // sorted
  for (const ParticipantState& p : m.participants) EXPECT_EQ(p.in_flight, 0u) << p.name;
  const EngineStats stats = f.engine().stats();
  EXPECT_EQ(m.commit_batch_size.count, stats.commits);
  EXPECT_EQ(m.commit_batch_size.sum, stats.inputs_committed);
  EXPECT_GE(m.commit_batch_size.max, 1u);
  EXPECT_EQ(m.commit_latency_us.count, stats.commits);  // values are wall time: not asserted
  EXPECT_THAT(to_prometheus(m),
              HasSubstr("saga_sagas_total{type=\"create_order\",outcome=\"failed\"} 1\n"));
}

TEST_F(MetricsTest, EverySagaEventIsLoggedWithItsTraceId) {
  f.participants().fail("AuthorizeCard", "card_declined", 1);
  f.participants().fail("CancelCreateTicket", "kitchen_down", 5);
  ASSERT_EQ(run("d").phase, Phase::kFailed);
  const std::vector<HistoryEntry> history = f.engine().history("d").value();
  std::size_t events = 0;
  bool failed_warning = false;
  for (const auto& [level, line] : lines()) {
    if (level == LogLevel::kDebug && line.rfind("saga=d ", 0) == 0) {
      ++events;
      EXPECT_THAT(line, HasSubstr(" type=create_order trace_id=trace-d event="));
      EXPECT_THAT(line, HasSubstr(" step="));
      EXPECT_THAT(line, HasSubstr(" attempt="));
    }
    if (level == LogLevel::kWarning && line.find("event=saga_failed") != std::string::npos) {
      failed_warning = true;
      EXPECT_THAT(line, HasSubstr("trace_id=trace-d"));
      EXPECT_THAT(line, HasSubstr("kitchen_down"));
    }
  }
  EXPECT_EQ(events, history.size());
  EXPECT_TRUE(failed_warning);
  EXPECT_THAT(lines().front().second, HasSubstr("recovery"));
}

}  // namespace
}  // namespace saga
