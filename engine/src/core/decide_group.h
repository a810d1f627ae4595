// Parallel groups in the state machine (rules: decide.h and docs/dsl.md, "Parallel groups").
// Internal to decide.cpp, which owns the Decision being built and lends the group logic the
// few operations it shares (DecideHooks).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "core/decide_events.h"
#include "saga/decide.h"

namespace saga::detail {

// What the group logic borrows from the decider in decide.cpp, beyond what the wait steps do.
class DecideHooks : public events::DecideOps {
 public:
  virtual void compensate_from(std::int32_t from) = 0;
  virtual void set_failure(FailureCause cause, std::string reason) = 0;
  virtual void fail_saga() = 0;
  virtual Decision& decision() = 0;
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
  // A deadline or retry input while branches are in flight: timeouts and resends. Why it was
  // ignored when no branch is due.
  std::optional<std::string> timer();
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
