#include "runtime/dispatcher.h"

#include <utility>

namespace saga {

Dispatcher::Dispatcher(Transport& transport, ParticipantLimits defaults,
                       std::map<std::string, ParticipantLimits> limits, const EngineLog& log,
                       SentHook on_sent, GateHook on_gate)
    : transport_(transport),
      defaults_(defaults),
      limits_(std::move(limits)),
      log_(log),
      on_sent_(std::move(on_sent)),
      on_gate_(std::move(on_gate)) {}

ParticipantGate& Dispatcher::gate(const std::string& participant) {
  auto it = gates_.find(participant);
  if (it == gates_.end()) {
    auto limits = limits_.find(participant);
    const ParticipantLimits l = limits == limits_.end() ? defaults_ : limits->second;
    it = gates_.emplace(participant, ParticipantGate(participant, l)).first;
  }
  return it->second;
}

void Dispatcher::dispatch(OutgoingCommand command, Millis now, bool released) {
  ParticipantGate& g = gate(command.participant);
  const std::string& id = command.envelope.message_id;
  // A new command queues behind held ones (order); one just released from the queue must not,
  // or release_held() would move it to the back forever.
  const bool queued = !released && !g.held().empty();
  if (queued || !g.may_send(now)) {
    // One report per hold: a command put back in the queue is still the same hold.
    if (held_ids_.insert(id).second && on_gate_) {
      on_gate_(command.envelope, GateChange::kHeld, g.hold_reason(queued));
    }
    g.hold(std::move(command));
    return;
  }
  Status s = transport_.send(command.participant, command.envelope);
  if (!s) {
    log_(LogLevel::kWarning, "send " + id + " to " + command.participant + ": " + s.message());
  }
  g.on_sent(id, now);
  sent_to_[id] = command.participant;
  const bool was_held = held_ids_.erase(id) > 0;
  if (on_sent_) on_sent_(command.envelope);
  if (was_held && on_gate_) on_gate_(command.envelope, GateChange::kReleased, {});
}

void Dispatcher::release_held(Millis now, const std::function<bool(const Envelope&)>& wanted) {
  for (auto& [name, g] : gates_) {
    while (!g.held().empty() && g.may_send(now)) {
      OutgoingCommand command = std::move(g.held().front());
      g.held().pop_front();
      // Drop commands whose saga moved on while they waited.
      if (!wanted(command.envelope)) {
        held_ids_.erase(command.envelope.message_id);
        continue;
      }
      dispatch(std::move(command), now, /*released=*/true);
    }
  }
}

void Dispatcher::on_reply(const std::string& correlation_id, std::optional<Millis> now) {
  auto sent = sent_to_.find(correlation_id);
  if (sent == sent_to_.end()) return;
  if (gate(sent->second).on_reply(correlation_id, now)) {
    log_(LogLevel::kWarning, "participant=" + sent->second + " event=breaker_closed");
  }
  sent_to_.erase(sent);
}

void Dispatcher::on_deadline(const std::string& message_id, Millis now) {
  auto sent = sent_to_.find(message_id);
  if (sent == sent_to_.end()) return;
  ParticipantGate& g = gate(sent->second);
  const bool probing = g.state().breaker == BreakerState::kHalfOpen;
  if (g.on_timeout(sent->first, now)) {
    // One warning per episode (opened ... closed); a failed probe re-opens it quietly.
    if (probing) {
      log_(LogLevel::kDebug, "participant=" + sent->second + " event=breaker_probe_failed");
    } else {
      log_(LogLevel::kWarning, "participant=" + sent->second + " event=breaker_opened");
    }
  }
  sent_to_.erase(sent);
}

std::vector<ParticipantState> Dispatcher::states() const {
  std::vector<ParticipantState> out;
  out.reserve(gates_.size());
  for (const auto& [name, g] : gates_) out.push_back(g.state());
  return out;
}

void Dispatcher::clear() {
  gates_.clear();
  sent_to_.clear();
  held_ids_.clear();
}

}  // namespace saga
