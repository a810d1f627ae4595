// to_prometheus: the Prometheus text exposition format, written by hand (it is small).
#include "saga/metrics.h"

#include <string_view>

namespace saga {
namespace {

// Label values escape backslash, double quote and newline (exposition format 0.0.4).
std::string label(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

class Writer {
 public:
  void family(std::string_view name, std::string_view type, std::string_view help) {
    out_ += "# HELP ";
    out_ += name;
    out_ += ' ';
    out_ += help;
    out_ += "\n# TYPE ";
    out_ += name;
    out_ += ' ';
    out_ += type;
    out_ += '\n';
  }
  // `labels` is already `{k="v",...}` or empty.
  void sample(std::string_view name, const std::string& labels, std::uint64_t value) {
    out_ += name;
    out_ += labels;
    out_ += ' ';
    out_ += std::to_string(value);
    out_ += '\n';
  }
  void counter(std::string_view name, std::string_view help, std::uint64_t value) {
    family(name, "counter", help);
    sample(name, "", value);
  }
  void gauge(std::string_view name, std::string_view help, std::uint64_t value) {
    family(name, "gauge", help);
    sample(name, "", value);
  }
  void summary(const std::string& name, std::string_view help, const CountSumMax& v) {
    family(name, "summary", help);
    sample(name + "_sum", "", v.sum);
    sample(name + "_count", "", v.count);
    family(name + "_max", "gauge", "Largest value observed.");
    sample(name + "_max", "", v.max);
  }
  std::string take() { return std::move(out_); }

 private:
  std::string out_;
};

std::string labels2(std::string_view k1, std::string_view v1, std::string_view k2,
                    std::string_view v2) {
  std::string s = "{";
  s += k1;
  s += "=\"" + label(v1) + "\",";
  s += k2;
  s += "=\"" + label(v2) + "\"}";
  return s;
}

std::string labels1(std::string_view k, std::string_view v) {
  std::string s = "{";
  s += k;
  s += "=\"" + label(v) + "\"}";
  return s;
}

}  // namespace

std::string to_prometheus(const MetricsSnapshot& m) {
  Writer w;
  w.family("saga_sagas_total", "counter", "Sagas by type and outcome.");
  for (const SagaTypeMetrics& t : m.sagas) {
    w.sample("saga_sagas_total", labels2("type", t.type, "outcome", "started"), t.started);
    w.sample("saga_sagas_total", labels2("type", t.type, "outcome", "completed"), t.completed);
    w.sample("saga_sagas_total", labels2("type", t.type, "outcome", "compensated"), t.compensated);
    w.sample("saga_sagas_total", labels2("type", t.type, "outcome", "failed"), t.failed);
  }
  w.counter("saga_steps_retried_total", "Step and compensation commands sent again.",
            m.steps_retried);
  w.counter("saga_timeouts_total", "Replies not received by their deadline.", m.timeouts);
  w.counter("saga_stale_replies_total", "Replies for a command no longer outstanding, dropped.",
            m.stale_replies);
  w.counter("saga_expected_stale_replies_total",
            "Of the stale replies, answers to a command the saga sent earlier (normal recovery).",
            m.expected_stale_replies);
  w.counter("saga_unknown_replies_total", "Replies for no running saga, dropped.",
            m.unknown_replies);
  w.counter("saga_commands_sent_total", "Commands sent to participants.", m.commands_sent);
  w.counter("saga_commit_failures_total", "Store transactions that failed.", m.commit_failures);
  w.family("saga_operator_requests_total", "counter", "Operator requests by outcome.");
  w.sample("saga_operator_requests_total", labels1("outcome", "applied"),
           m.operator_requests_applied);
  w.sample("saga_operator_requests_total", labels1("outcome", "rejected"),
           m.operator_requests_rejected);
  w.family("saga_commands_in_flight", "gauge", "Commands sent and not yet answered.");
  for (const ParticipantState& p : m.participants) {
    w.sample("saga_commands_in_flight", labels1("participant", p.name), p.in_flight);
  }
  w.family("saga_commands_held", "gauge", "Commands waiting for the breaker or the cap.");
  for (const ParticipantState& p : m.participants) {
    w.sample("saga_commands_held", labels1("participant", p.name), p.held);
  }
  w.family("saga_breaker_state", "gauge", "Circuit breaker state per participant (1 = current).");
  for (const ParticipantState& p : m.participants) {
    for (BreakerState s : {BreakerState::kClosed, BreakerState::kOpen, BreakerState::kHalfOpen}) {
      w.sample("saga_breaker_state", labels2("participant", p.name, "state", to_string(s)),
               p.breaker == s ? 1 : 0);
    }
  }
  w.family("saga_breaker_next_probe_seconds", "gauge",
           "While a breaker is open: when it lets the next probe through (engine clock, seconds "
           "since the epoch); 0 otherwise.");
  for (const ParticipantState& p : m.participants) {
    w.sample("saga_breaker_next_probe_seconds", labels1("participant", p.name),
             static_cast<std::uint64_t>(p.next_probe_at.count() / 1000));
  }
  w.family("saga_reply_latency_milliseconds", "summary",
           "Time from a command's send to its reply, per participant (engine clock).");
  for (const ParticipantState& p : m.participants) {
    w.sample("saga_reply_latency_milliseconds_count", labels1("participant", p.name), p.replies);
    w.sample("saga_reply_latency_milliseconds_sum", labels1("participant", p.name),
             p.reply_latency_ms_sum);
  }
  w.family("saga_reply_latency_milliseconds_max", "gauge", "Largest reply latency observed.");
  for (const ParticipantState& p : m.participants) {
    w.sample("saga_reply_latency_milliseconds_max", labels1("participant", p.name),
             p.reply_latency_ms_max);
  }
  w.summary("saga_commit_batch_size", "Inputs per committed transaction.", m.commit_batch_size);
  w.summary("saga_commit_latency_microseconds", "Wall time of each commit.", m.commit_latency_us);
  const LockMetrics& l = m.locks;
  w.gauge("saga_locks_held", "Semantic lock keys held by sagas.", l.held);
  w.gauge("saga_lock_waiting_sagas", "Sagas queued for a held lock key.", l.waiting);
  w.gauge("saga_locks_past_lease", "Lock keys whose holder has not moved within the lease.",
          l.past_lease);
  w.family("saga_lock_requests_total", "counter", "Lock requests by outcome.");
  w.sample("saga_lock_requests_total", labels1("outcome", "granted"), l.granted);
  w.sample("saga_lock_requests_total", labels1("outcome", "waited"), l.waits);
  w.sample("saga_lock_requests_total", labels1("outcome", "refused"), l.refused);
  w.counter("saga_deadlocks_total", "Sagas failed to break a deadlock between lock waits.",
            l.deadlocks);
  w.counter("saga_locks_released_by_operator_total", "Lock keys released by an operator.",
            l.released_by_operator);
  const StoreHealth& h = m.store;
  w.gauge("saga_store_healthy", "1 while the database takes commits, 0 while they fail.",
          h.ok ? 1 : 0);
  w.gauge("saga_store_failing_since_seconds",
          "When the current store fault began (engine clock, seconds since the epoch); 0 if none.",
          static_cast<std::uint64_t>(h.failing_since.count() / 1000));
  w.gauge("saga_store_fault_commit_failures", "Failed commits of the current store fault.",
          h.failed_commits_in_fault);
  return w.take();
}

}  // namespace saga
