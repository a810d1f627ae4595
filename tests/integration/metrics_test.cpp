// Goal: Engine::metrics() counts what happened to sagas, to_prometheus writes the exposition
// format exactly, and every saga log line carries the saga's id, type and trace_id.
// Method: an exact-text check of a small snapshot; EngineFixture runs a few FTGO sagas with a
// capturing LogSink, then we compare counters and scan the captured lines.
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

TEST(ToPrometheusTest, WritesTheExactExpositionText) {
  MetricsSnapshot m;
  m.sagas.push_back({"create_order", 3, 1, 1, 1});
  m.steps_retried = 4;
  m.timeouts = 2;
  m.stale_replies = 1;
  m.commands_sent = 20;
  m.operator_requests_applied = 1;
  ParticipantState kitchen;
  kitchen.name = "kit\"chen";  // label values are escaped
  kitchen.in_flight = 2;
  kitchen.breaker = BreakerState::kOpen;
  m.participants.push_back(kitchen);
  m.commit_batch_size = {2, 5, 4};
  m.commit_latency_us = {2, 300, 200};
  EXPECT_EQ(to_prometheus(m),
            R"(# HELP saga_sagas_total Sagas by type and outcome.
# TYPE saga_sagas_total counter
saga_sagas_total{type="create_order",outcome="started"} 3
saga_sagas_total{type="create_order",outcome="completed"} 1
saga_sagas_total{type="create_order",outcome="compensated"} 1
saga_sagas_total{type="create_order",outcome="failed"} 1
# HELP saga_steps_retried_total Step and compensation commands sent again.
# TYPE saga_steps_retried_total counter
saga_steps_retried_total 4
# HELP saga_timeouts_total Replies not received by their deadline.
# TYPE saga_timeouts_total counter
saga_timeouts_total 2
# HELP saga_stale_replies_total Replies for a command no longer outstanding, dropped.
# TYPE saga_stale_replies_total counter
saga_stale_replies_total 1
# HELP saga_unknown_replies_total Replies for no running saga, dropped.
# TYPE saga_unknown_replies_total counter
saga_unknown_replies_total 0
# HELP saga_commands_sent_total Commands sent to participants.
# TYPE saga_commands_sent_total counter
saga_commands_sent_total 20
# HELP saga_commit_failures_total Store transactions that failed.
# TYPE saga_commit_failures_total counter
saga_commit_failures_total 0
# HELP saga_operator_requests_total Operator requests by outcome.
# TYPE saga_operator_requests_total counter
saga_operator_requests_total{outcome="applied"} 1
saga_operator_requests_total{outcome="rejected"} 0
# HELP saga_commands_in_flight Commands sent and not yet answered.
# TYPE saga_commands_in_flight gauge
saga_commands_in_flight{participant="kit\"chen"} 2
# HELP saga_commands_held Commands waiting for the breaker or the cap.
# TYPE saga_commands_held gauge
saga_commands_held{participant="kit\"chen"} 0
# HELP saga_breaker_state Circuit breaker state per participant (1 = current).
# TYPE saga_breaker_state gauge
saga_breaker_state{participant="kit\"chen",state="closed"} 0
saga_breaker_state{participant="kit\"chen",state="open"} 1
saga_breaker_state{participant="kit\"chen",state="half_open"} 0
# HELP saga_commit_batch_size Inputs per committed transaction.
# TYPE saga_commit_batch_size summary
saga_commit_batch_size_sum 5
saga_commit_batch_size_count 2
# HELP saga_commit_batch_size_max Largest value observed.
# TYPE saga_commit_batch_size_max gauge
saga_commit_batch_size_max 4
# HELP saga_commit_latency_microseconds Wall time of each commit.
# TYPE saga_commit_latency_microseconds summary
saga_commit_latency_microseconds_sum 300
saga_commit_latency_microseconds_count 2
# HELP saga_commit_latency_microseconds_max Largest value observed.
# TYPE saga_commit_latency_microseconds_max gauge
saga_commit_latency_microseconds_max 200
)");
}

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
