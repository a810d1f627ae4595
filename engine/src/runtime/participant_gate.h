// ParticipantGate: flow control toward one participant (docs/architecture.md, "Flow control").
//
// A cap on commands in flight and a circuit breaker. The breaker opens after
// `breaker_threshold` consecutive timeouts; after `breaker_cooldown` it lets one probe command
// through (half-open); a reply closes it, a probe timeout opens it again. Commands the gate
// holds back wait in its queue (they stay in the outbox on disk), have no running deadline and
// spend no retry attempt. Engine thread only; time comes in as an argument.
#pragma once

#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <string_view>

#include "runtime/held_command.h"
#include "saga/decide.h"
#include "saga/engine.h"

namespace saga {

class ParticipantGate {
 public:
  ParticipantGate(std::string name, ParticipantLimits limits)
      : name_(std::move(name)), limits_(limits) {}

  // Whether a command may be sent now. Moves an open breaker to half-open after the cool-down.
  bool may_send(Millis now);
  // Records a send (must follow may_send() == true); `counted` false: the message was in flight
  // already (sent again before its reply or deadline) and takes no second slot. Which messages
  // are in flight is the Dispatcher's to know; the gate counts them.
  void on_sent(bool counted = true);
  // A reply arrived for a message in flight sent at `sent_at`: frees its slot and closes the
  // breaker; with `now`, the time since its send counts in the reply latency. Returns whether
  // the breaker changed state.
  bool on_reply(Millis sent_at, std::optional<Millis> now = std::nullopt);
  // A message in flight timed out: frees its slot and counts toward opening the breaker.
  // Returns whether the breaker changed state.
  bool on_timeout(Millis now);

  // Why a command is held now: "breaker_open", "breaker_half_open" (its probe is out),
  // "in_flight_cap", or, when `queued` (it waits behind held ones), "queued_behind_held".
  std::string_view hold_reason(bool queued) const;

  void hold(HeldCommand command) { held_.push_back(std::move(command)); }
  std::deque<HeldCommand>& held() { return held_; }
  const std::string& name() const { return name_; }

  ParticipantState state() const;

 private:
  std::string name_;
  ParticipantLimits limits_;
  BreakerState breaker_ = BreakerState::kClosed;
  Millis opened_at_{0};
  bool probe_outstanding_ = false;
  std::uint32_t consecutive_timeouts_ = 0;
  std::uint32_t in_flight_ = 0;
  std::uint64_t replies_ = 0;
  std::uint64_t reply_ms_sum_ = 0;
  std::uint64_t reply_ms_max_ = 0;
  std::deque<HeldCommand> held_;
};

}  // namespace saga
