// Dispatcher: sends commands through the transport, behind one ParticipantGate per participant
// (in-flight cap, circuit breaker, commands held back). It remembers which participant each
// sent message went to, so that its reply or its timeout frees the right slot, and which
// messages a gate holds (those have no running deadline). Engine thread only.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "runtime/engine_log.h"
#include "runtime/participant_gate.h"
#include "saga/decide.h"
#include "saga/engine.h"
#include "saga/transport.h"

namespace saga {

class Dispatcher {
 public:
  // Called with each command's envelope right after it was handed to the transport (the reply
  // deadline runs from then).
  using SentHook = std::function<void(const Envelope& sent)>;
  // Called once when a command starts waiting in its participant's gate (`reason`: why, see
  // ParticipantGate::hold_reason), and once when it leaves the gate and is sent (reason empty).
  enum class GateChange { kHeld, kReleased };
  using GateHook =
      std::function<void(const Envelope& command, GateChange change, std::string_view reason)>;

  Dispatcher(Transport& transport, ParticipantLimits defaults,
             std::map<std::string, ParticipantLimits> limits, const EngineLog& log,
             SentHook on_sent, GateHook on_gate = {});

  // Sends `command` now, or holds it behind its participant's gate. A new command queues
  // behind held ones (their order is kept); a `released` one (release_held) does not. A
  // transport error is logged and counts as sent: the reply deadline covers it.
  void dispatch(OutgoingCommand command, Millis now, bool released = false);
  // Sends the held commands whose gate lets them through now, in order. `wanted` says whether
  // a held command is still current (its saga did not move on); those that are not are dropped.
  void release_held(Millis now, const std::function<bool(const Envelope&)>& wanted);
  // A reply to `correlation_id` arrived: frees its slot and closes the breaker.
  void on_reply(const std::string& correlation_id, std::optional<Millis> now = std::nullopt);
  // The reply deadline of `message_id` passed: frees its slot and counts toward the breaker.
  void on_deadline(const std::string& message_id, Millis now);
  // Whether `message_id` waits in a gate (not sent yet).
  bool held(const std::string& message_id) const {
    auto it = messages_.find(message_id);
    return it != messages_.end() && it->second.held;
  }
  // Gates by participant name, sorted.
  std::vector<ParticipantState> states() const;
  // Forgets every gate and message (recovery starts again from the outbox).
  void clear();
  // Makes room for `messages` messages in flight or held (recovery knows how many it resends).
  void reserve(std::size_t messages) { messages_.reserve(messages); }

 private:
  // What the dispatcher knows of one message: the gate it went through, and whether it is in
  // flight (sent, no reply or deadline yet), held by that gate, or both (sent, then held again).
  struct Tracked {
    ParticipantGate* gate = nullptr;  // a node of gates_: stable until clear()
    Millis sent_at{0};
    bool sent = false;
    bool held = false;
  };
  ParticipantGate& gate(const std::string& participant);
  // The message is no longer held (sent, or dropped because its saga moved on).
  void unhold(const std::string& message_id);

  Transport& transport_;
  ParticipantLimits defaults_;
  std::map<std::string, ParticipantLimits> limits_;
  const EngineLog& log_;
  SentHook on_sent_;
  GateHook on_gate_;
  std::map<std::string, ParticipantGate, std::less<>> gates_;
  std::unordered_map<std::string, Tracked> messages_;  // by message_id
  NamePool names_;  // the names the held commands repeat (held_command.h)
};

}  // namespace saga
