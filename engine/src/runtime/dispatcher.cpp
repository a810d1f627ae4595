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
    Tracked& t = messages_[id];
    t.gate = &g;
    // One report per hold: a command put back in the queue is still the same hold.
    if (!t.held) {
      t.held = true;
      if (on_gate_) on_gate_(command.envelope, GateChange::kHeld, g.hold_reason(queued));
    }
    g.hold(HeldCommand(command.envelope, names_));
    return;
  }
  Status s = transport_.send(command.participant, command.envelope);
  if (!s) {
    log_(LogLevel::kWarning, "send " + id + " to " + command.participant + ": " + s.message());
  }
  Tracked& t = messages_[id];
  g.on_sent(/*counted=*/!t.sent);
  t.gate = &g;
  t.sent = true;
  t.sent_at = now;
  const bool was_held = t.held;
  t.held = false;
  if (on_sent_) on_sent_(command.envelope);
  if (was_held && on_gate_) on_gate_(command.envelope, GateChange::kReleased, {});
}

void Dispatcher::release_held(Millis now, const std::function<bool(const Envelope&)>& wanted) {
  for (auto& [name, g] : gates_) {
    while (!g.held().empty() && g.may_send(now)) {
      Envelope envelope = g.held().front().unpack(names_);
      g.held().pop_front();
      // Drop commands whose saga moved on while they waited.
      if (!wanted(envelope)) {
        unhold(envelope.message_id);
        continue;
      }
      dispatch(OutgoingCommand{name, std::move(envelope)}, now, /*released=*/true);
    }
  }
}

void Dispatcher::unhold(const std::string& message_id) {
  auto it = messages_.find(message_id);
  if (it == messages_.end()) return;
  it->second.held = false;
  if (!it->second.sent) messages_.erase(it);
}

void Dispatcher::on_reply(const std::string& correlation_id, std::optional<Millis> now) {
  auto it = messages_.find(correlation_id);
  if (it == messages_.end() || !it->second.sent) return;
  ParticipantGate& g = *it->second.gate;
  if (g.on_reply(it->second.sent_at, now)) {
    log_(LogLevel::kWarning, "participant=" + g.name() + " event=breaker_closed");
  }
  it->second.sent = false;
  if (!it->second.held) messages_.erase(it);
}

void Dispatcher::on_deadline(const std::string& message_id, Millis now) {
  auto it = messages_.find(message_id);
  if (it == messages_.end() || !it->second.sent) return;  // held: not the participant's fault
  ParticipantGate& g = *it->second.gate;
  const bool probing = g.state().breaker == BreakerState::kHalfOpen;
  if (g.on_timeout(now)) {
    // One warning per episode (opened ... closed); a failed probe re-opens it quietly.
    if (probing) {
      log_(LogLevel::kDebug, "participant=" + g.name() + " event=breaker_probe_failed");
    } else {
      log_(LogLevel::kWarning, "participant=" + g.name() + " event=breaker_opened");
    }
  }
  it->second.sent = false;
  if (!it->second.held) messages_.erase(it);
}

std::vector<ParticipantState> Dispatcher::states() const {
  std::vector<ParticipantState> out;
  out.reserve(gates_.size());
  for (const auto& [name, g] : gates_) out.push_back(g.state());
  return out;
}

void Dispatcher::clear() {
  messages_.clear();
  gates_.clear();
  names_.clear();
}

}  // namespace saga
