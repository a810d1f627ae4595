#include "saga/testing/scripted_participants.h"

namespace saga::testing {

void ScriptedParticipants::add(const std::string& participant) {
  transport_.add_participant(participant, [this](const Envelope& c) { return handle(c); });
}

void ScriptedParticipants::fail(const std::string& command, const std::string& reason, int times) {
  std::lock_guard lock(mutex_);
  failures_[command] = {reason, times};
}

void ScriptedParticipants::lose_replies(const std::string& command, int times) {
  std::lock_guard lock(mutex_);
  lost_replies_[command] = times;
}

void ScriptedParticipants::ignore(const std::string& command, int times) {
  std::lock_guard lock(mutex_);
  ignored_[command] = times;
}

void ScriptedParticipants::duplicate_replies(bool on) {
  std::lock_guard lock(mutex_);
  duplicate_replies_ = on;
}

void ScriptedParticipants::compensation_only(const std::string& command) {
  std::lock_guard lock(mutex_);
  compensation_only_.insert(command);
}

int ScriptedParticipants::effects(const std::string& saga_id, const std::string& command) const {
  std::lock_guard lock(mutex_);
  auto it = effects_.find({saga_id, command});
  return it == effects_.end() ? 0 : it->second;
}

int ScriptedParticipants::deliveries(const std::string& command) const {
  std::lock_guard lock(mutex_);
  auto it = deliveries_.find(command);
  return it == deliveries_.end() ? 0 : it->second;
}

int ScriptedParticipants::duplicates() const {
  std::lock_guard lock(mutex_);
  return duplicates_;
}

bool ScriptedParticipants::take(std::map<std::string, int>& script, const std::string& command) {
  auto it = script.find(command);
  if (it == script.end() || it->second == 0) return false;
  --it->second;
  return true;
}

std::vector<Envelope> ScriptedParticipants::handle(const Envelope& command) {
  std::lock_guard lock(mutex_);
  ++deliveries_[command.name];
  if (take(ignored_, command.name)) return {};
  if (auto stored = inbox_.find(command.message_id); stored != inbox_.end()) {
    ++duplicates_;
    return {stored->second};
  }
  Envelope reply = make_reply_to(command);
  reply.message_id = "reply-" + std::to_string(++next_reply_);
  reply.name = command.name + "Reply";
  const auto action_key = std::make_tuple(command.saga_id, command.step, false);
  const auto compensation_key = std::make_tuple(command.saga_id, command.step, true);
  if (!command.compensation && barrier_.count(compensation_key)) {
    reply.outcome = Outcome::kFailure;
    reply.reason = "compensated";
  } else if (command.compensation && !barrier_.count(action_key) &&
             !compensation_only_.count(command.name)) {
    barrier_.insert(compensation_key);  // null compensation: nothing to undo
  } else if (auto f = failures_.find(command.name); f != failures_.end() && f->second.second != 0) {
    if (f->second.second > 0) --f->second.second;
    reply.outcome = Outcome::kFailure;
    reply.reason = f->second.first;
  } else {
    barrier_.insert(command.compensation ? compensation_key : action_key);
    ++effects_[{command.saga_id, command.name}];
  }
  inbox_[command.message_id] = reply;
  if (take(lost_replies_, command.name)) return {};
  if (duplicate_replies_) return {reply, reply};
  return {reply};
}

}  // namespace saga::testing
