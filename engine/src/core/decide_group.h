// Parallel groups in the state machine (rules: decide.h and docs/dsl.md, "Parallel groups").
// Internal to decide.cpp, which owns the Decision being built and lends the group logic the
// few operations it shares (DecideHooks).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "saga/decide.h"

namespace saga::detail {

// What the group logic borrows from the decider in decide.cpp.
class DecideHooks {
 public:
  virtual SagaInstance& state() = 0;
  virtual void record(Event event, std::int32_t step_index, std::string reason,
                      std::string reply_name) = 0;
  virtual void advance_from(std::int32_t from) = 0;
  virtual void compensate_from(std::int32_t from) = 0;
  virtual void set_failure(FailureCause cause, std::string reason) = 0;
  virtual void fail_saga() = 0;
  virtual bool applies(const StepDefinition& step) = 0;
  virtual DataUpdate apply_reply(const StepDefinition& step, const ReplyView& view) = 0;
  // The action of `step` as message `message_id`, delivery `delivery`; an error when its
  // command cannot be built.
  virtual Result<OutgoingCommand> build_action(std::int32_t step, std::string message_id,
                                               std::uint32_t delivery) = 0;

 protected:
  ~DecideHooks() = default;
};

// The last step of the group holding step `i`, or `i` when it is in none (or out of range).
std::int32_t group_last(const SagaDefinition& def, std::int32_t i);
// Whether one of the branches is still in flight.
bool has_open_branch(const SagaInstance& instance);

class GroupDecider {
 public:
  GroupDecider(const SagaDefinition& def, const Input& in, Decision& d, DecideHooks& hooks)
      : def_(def), in_(in), d_(d), hooks_(hooks) {}

  // Runs the group starting at `first`: sends its branches that apply. True when none applies
  // (the caller goes on after group_last(first)); false when the saga now waits (or failed).
  bool enter(std::int32_t first);
  // A reply while branches are in flight. Its reason when it is stale (nothing changes).
  std::optional<std::string> reply(const Envelope& r);
  // The instance's deadline passed while branches are in flight: timeouts and resends.
  void timer();
  // An operator action on a saga that failed in a retriable group (input kind says which).
  void operator_action();
  // Whether step `j`'s compensation runs: false for a branch of the failed group whose action
  // did not run (failure reply).
  bool compensates(std::int32_t j) const;

 private:
  SagaInstance& s() { return hooks_.state(); }
  const StepDefinition& step(std::int32_t i) const { return def_.steps[static_cast<size_t>(i)]; }
  void failed(Branch& b, BranchState ran, FailureCause cause, const std::string& reason,
              const std::string& reply_name, bool retry_allowed);
  bool send(Branch& b);  // builds b's command (b.message_id, b.delivery); false when it cannot
  void resend_due(Branch& b);
  void settle();
  void rearm();

  const SagaDefinition& def_;
  const Input& in_;
  Decision& d_;
  DecideHooks& hooks_;
};

}  // namespace saga::detail
