// ScriptedParticipants: in-memory participants that behave like well-built real ones.
//
// Each registered participant keeps an idempotent inbox (message_id -> reply) and a barrier per
// (saga_id, step), exactly as the participant library does on disk: a duplicate delivery gets
// the stored reply and changes nothing; a compensation whose action never ran succeeds without
// effect; an action arriving after its compensation is refused with reason "compensated". A
// failure script makes commands fail, lose their replies, or stay unanswered. effects() counts
// business effects, so tests can check "applied once in effect".
//
// Thread-safe: handlers run on the engine thread, tests read counts from theirs.
#pragma once

#include <map>
#include <mutex>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "saga/testing/in_memory_transport.h"

namespace saga::testing {

class ScriptedParticipants {
 public:
  explicit ScriptedParticipants(InMemoryTransport& transport) : transport_(transport) {}

  // Registers `participant` on the transport.
  void add(const std::string& participant);

  // The next `times` deliveries of `command` (a command name) fail with `reason`; times < 0:
  // every delivery fails. Failures are stored in the inbox like any reply.
  void fail(const std::string& command, const std::string& reason, int times = -1);
  // The next `times` deliveries of `command` run but their replies are lost.
  void lose_replies(const std::string& command, int times);
  // The next `times` deliveries of `command` are not handled at all (as if the request was lost).
  void ignore(const std::string& command, int times);
  // Every reply is delivered twice.
  void duplicate_replies(bool on);
  // `command` undoes something done before the saga started (FTGO's RejectOrder): the barrier
  // never treats it as a null compensation.
  void compensation_only(const std::string& command);

  // Times the business effect of `command` ran for `saga_id` (duplicates and null
  // compensations excluded).
  int effects(const std::string& saga_id, const std::string& command) const;
  // Deliveries of `command` to any participant, duplicates included.
  int deliveries(const std::string& command) const;
  // Deliveries answered from the inbox.
  int duplicates() const;

 private:
  std::vector<Envelope> handle(const Envelope& command);
  bool take(std::map<std::string, int>& script, const std::string& command);

  InMemoryTransport& transport_;
  mutable std::mutex mutex_;
  std::map<std::string, std::pair<std::string, int>> failures_;  // command -> (reason, times)
  std::map<std::string, int> lost_replies_;
  std::map<std::string, int> ignored_;
  bool duplicate_replies_ = false;
  std::set<std::string> compensation_only_;
  std::map<std::string, Envelope> inbox_;                         // message_id -> reply
  std::set<std::tuple<std::string, std::string, bool>> barrier_;  // (saga, step, compensation)
  std::map<std::pair<std::string, std::string>, int> effects_;
  std::map<std::string, int> deliveries_;
  int duplicates_ = 0;
  int next_reply_ = 0;
};

}  // namespace saga::testing
