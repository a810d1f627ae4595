// Goal: to_prometheus writes the Prometheus text exposition format exactly, labels escaped.
// Method: a small hand-made snapshot compared with the full expected text.
#include "saga/metrics.h"

#include <gtest/gtest.h>

namespace saga {
namespace {

TEST(ToPrometheusTest, WritesTheExactExpositionText) {
  MetricsSnapshot m;
  m.sagas.push_back({"create_order", 3, 1, 1, 1});
  m.steps_retried = 4;
  m.timeouts = 2;
  m.stale_replies = 3;
  m.expected_stale_replies = 2;
  m.commands_sent = 20;
  m.operator_requests_applied = 1;
  ParticipantState kitchen;
  kitchen.name = "kit\"chen";  // label values are escaped
  kitchen.in_flight = 2;
  kitchen.breaker = BreakerState::kOpen;
  kitchen.next_probe_at = Millis{1'700'000'004'900};
  kitchen.replies = 3;
  kitchen.reply_latency_ms_sum = 45;
  kitchen.reply_latency_ms_max = 30;
  m.participants.push_back(kitchen);
  m.commit_batch_size = {2, 5, 4};
  m.commit_latency_us = {2, 300, 200};
  m.locks = LockMetrics{2, 1, 1, 7, 3, 2, 1, 1};
  m.store.ok = false;  // a store fault since 1'700'000'000.5 s, three failed commits so far
  m.store.failing_since = Millis{1'700'000'000'500};
  m.store.failed_commits = 5;
  m.store.failed_commits_in_fault = 3;
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
saga_stale_replies_total 3
# HELP saga_expected_stale_replies_total Of the stale replies, answers to a command the saga sent earlier (normal recovery).
# TYPE saga_expected_stale_replies_total counter
saga_expected_stale_replies_total 2
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
# HELP saga_breaker_next_probe_seconds While a breaker is open: when it lets the next probe through (engine clock, seconds since the epoch); 0 otherwise.
# TYPE saga_breaker_next_probe_seconds gauge
saga_breaker_next_probe_seconds{participant="kit\"chen"} 1700000004
# HELP saga_reply_latency_milliseconds Time from a command's send to its reply, per participant (engine clock).
# TYPE saga_reply_latency_milliseconds summary
saga_reply_latency_milliseconds_count{participant="kit\"chen"} 3
saga_reply_latency_milliseconds_sum{participant="kit\"chen"} 45
# HELP saga_reply_latency_milliseconds_max Largest reply latency observed.
# TYPE saga_reply_latency_milliseconds_max gauge
saga_reply_latency_milliseconds_max{participant="kit\"chen"} 30
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
# HELP saga_locks_held Semantic lock keys held by sagas.
# TYPE saga_locks_held gauge
saga_locks_held 2
# HELP saga_lock_waiting_sagas Sagas queued for a held lock key.
# TYPE saga_lock_waiting_sagas gauge
saga_lock_waiting_sagas 1
# HELP saga_locks_past_lease Lock keys whose holder has not moved within the lease.
# TYPE saga_locks_past_lease gauge
saga_locks_past_lease 1
# HELP saga_lock_requests_total Lock requests by outcome.
# TYPE saga_lock_requests_total counter
saga_lock_requests_total{outcome="granted"} 7
saga_lock_requests_total{outcome="waited"} 3
saga_lock_requests_total{outcome="refused"} 2
# HELP saga_deadlocks_total Sagas failed to break a deadlock between lock waits.
# TYPE saga_deadlocks_total counter
saga_deadlocks_total 1
# HELP saga_locks_released_by_operator_total Lock keys released by an operator.
# TYPE saga_locks_released_by_operator_total counter
saga_locks_released_by_operator_total 1
# HELP saga_store_healthy 1 while the database takes commits, 0 while they fail.
# TYPE saga_store_healthy gauge
saga_store_healthy 0
# HELP saga_store_failing_since_seconds When the current store fault began (engine clock, seconds since the epoch); 0 if none.
# TYPE saga_store_failing_since_seconds gauge
saga_store_failing_since_seconds 1700000000
# HELP saga_store_fault_commit_failures Failed commits of the current store fault.
# TYPE saga_store_fault_commit_failures gauge
saga_store_fault_commit_failures 3
)");
}

}  // namespace
}  // namespace saga
