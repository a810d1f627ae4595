#include "runtime/participant_gate.h"

#include <algorithm>

namespace saga {

std::string_view to_string(BreakerState state) {
  switch (state) {
    case BreakerState::kClosed:
      return "closed";
    case BreakerState::kOpen:
      return "open";
    case BreakerState::kHalfOpen:
      return "half_open";
  }
  return "unknown";
}

bool ParticipantGate::may_send(Millis now) {
  if (breaker_ == BreakerState::kOpen) {
    if (now - opened_at_ < limits_.breaker_cooldown) return false;
    breaker_ = BreakerState::kHalfOpen;
    probe_outstanding_ = false;
  }
  if (breaker_ == BreakerState::kHalfOpen && probe_outstanding_) return false;
  return in_flight_ < limits_.max_in_flight;
}

void ParticipantGate::on_sent(bool counted) {
  if (counted) ++in_flight_;
  if (breaker_ == BreakerState::kHalfOpen) probe_outstanding_ = true;
}

bool ParticipantGate::on_reply(Millis sent_at, std::optional<Millis> now) {
  if (now) {
    const auto ms = static_cast<std::uint64_t>(std::max<std::int64_t>(0, (*now - sent_at).count()));
    ++replies_;
    reply_ms_sum_ += ms;
    reply_ms_max_ = std::max(reply_ms_max_, ms);
  }
  if (in_flight_ > 0) --in_flight_;
  consecutive_timeouts_ = 0;
  const bool changed = breaker_ != BreakerState::kClosed;
  breaker_ = BreakerState::kClosed;
  probe_outstanding_ = false;
  return changed;
}

bool ParticipantGate::on_timeout(Millis now) {
  if (in_flight_ > 0) --in_flight_;
  ++consecutive_timeouts_;
  const bool trip =
      breaker_ == BreakerState::kHalfOpen ||
      (limits_.breaker_threshold > 0 && consecutive_timeouts_ >= limits_.breaker_threshold);
  if (!trip || breaker_ == BreakerState::kOpen) return false;
  breaker_ = BreakerState::kOpen;
  opened_at_ = now;
  probe_outstanding_ = false;
  return true;
}

std::string_view ParticipantGate::hold_reason(bool queued) const {
  if (breaker_ == BreakerState::kOpen) return "breaker_open";
  if (breaker_ == BreakerState::kHalfOpen && probe_outstanding_) return "breaker_half_open";
  if (in_flight_ >= limits_.max_in_flight) return "in_flight_cap";
  return queued ? "queued_behind_held" : "unknown";
}

ParticipantState ParticipantGate::state() const {
  ParticipantState s{name_, breaker_, in_flight_, static_cast<std::uint32_t>(held_.size()),
                     consecutive_timeouts_};
  s.replies = replies_;
  s.reply_latency_ms_sum = reply_ms_sum_;
  s.reply_latency_ms_max = reply_ms_max_;
  if (breaker_ == BreakerState::kOpen) s.next_probe_at = opened_at_ + limits_.breaker_cooldown;
  return s;
}

}  // namespace saga
