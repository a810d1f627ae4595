#include "saga/definition.h"

#include <cstdint>
#include <set>
#include <string>
#include <utility>

#include "core/decide_child.h"
#include "core/decide_events.h"

namespace saga {
namespace {

Status step_error(const StepDefinition& step, std::string_view what) {
  return invalid_argument("step '" + step.name + "': " + std::string(what));
}

// `role` is "action" or "compensation", used in the error message.
Status check_command(const StepDefinition& step, const CommandAction& command,
                     std::string_view role) {
  const std::string prefix = std::string(role) + " ";
  if (command.participant.empty()) return step_error(step, prefix + "has no participant");
  if (command.command_name.empty()) return step_error(step, prefix + "has no command name");
  if (!command.make) return step_error(step, prefix + "has no make function");
  return Status::ok();
}

// Checks one step on its own, apart from its position in the saga.
Status check_step(const StepDefinition& step) {
  const bool has_action = step.action.has_value();
  const bool has_local = static_cast<bool>(step.local);
  if (has_action && has_local) {
    return step_error(step, "a step cannot have both an action and a local function");
  }
  if (step.compensation.has_value() && step.kind == StepKind::kPivot) {
    return step_error(step, "a pivot step cannot have a compensation");
  }
  if (step.compensation.has_value() && step.kind == StepKind::kRetriable) {
    return step_error(step, "a retriable step cannot have a compensation");
  }
  if (!has_action && !has_local && !step.compensation.has_value()) {
    return step_error(step, "a step needs an action, a local function or a compensation");
  }
  if (step.kind != StepKind::kCompensatable && !has_action && !has_local) {
    return step_error(step, std::string("a ") + std::string(to_string(step.kind)) +
                                " step needs an action or a local function");
  }
  if (step.on_reply && !has_action) return step_error(step, "a reply handler needs an action");
  if (has_action) {
    if (Status s = check_command(step, *step.action, "action"); !s) return s;
  }
  if (step.compensation.has_value()) {
    if (Status s = check_command(step, *step.compensation, "compensation"); !s) return s;
  }
  if (step.reply_timeout <= Millis{0}) return step_error(step, "reply timeout must be positive");
  if (step.kind == StepKind::kRetriable && step.retry.maximum_attempts == 1) {
    return step_error(step,
                      "a retriable step needs a retry policy that allows more than one attempt");
  }
  return Status::ok();
}

// FNV-1a, 64 bits: simple, stable across compilers and machines (std::hash is neither).
class Fnv1a64 {
 public:
  void add(std::string_view bytes) {
    for (const char c : bytes) {
      hash_ ^= static_cast<std::uint8_t>(c);
      hash_ *= 0x100000001b3ULL;
    }
  }
  // A length-prefixed field, so that no two different field lists give the same text.
  void field(std::string_view value) {
    add(std::to_string(value.size()));
    add(":");
    add(value);
    add(";");
  }
  std::string hex() const {
    static constexpr char kDigits[] = "0123456789abcdef";
    std::string out(16, '0');
    std::uint64_t v = hash_;
    for (int i = 15; i >= 0; --i) {
      out[static_cast<std::size_t>(i)] = kDigits[v & 0xF];
      v >>= 4;
    }
    return out;
  }

 private:
  std::uint64_t hash_ = 0xcbf29ce484222325ULL;
};

void add_command(Fnv1a64& hash, const std::optional<CommandAction>& command) {
  if (!command.has_value()) {
    hash.field("-");
    return;
  }
  hash.field("+");
  hash.field(command->participant);
  hash.field(command->command_name);
}

Status check_locks(const SagaDefinition& definition, const std::vector<LockDeclaration>& locks,
                   const std::string& owner) {
  const std::optional<std::size_t> pivot = definition.pivot_index();
  for (const LockDeclaration& lock : locks) {
    if (!lock.keys) return invalid_argument(owner + "a lock declaration has no keys function");
    if (lock.lease <= Millis{0}) return invalid_argument(owner + "a lock lease must be positive");
    if (lock.release_after.empty()) continue;
    std::optional<std::size_t> index;
    for (std::size_t i = 0; i < definition.steps.size(); ++i) {
      if (definition.steps[i].name == lock.release_after) index = i;
    }
    if (!index) {
      return invalid_argument(owner + "lock release_after names no step: '" + lock.release_after +
                              "'");
    }
    // Before the pivot, a later failure compensates the step: it would run without the lock.
    if (pivot && *index < *pivot) {
      return invalid_argument(owner + "lock release_after '" + lock.release_after +
                              "' is before the pivot");
    }
  }
  return Status::ok();
}

void add_locks(Fnv1a64& hash, const std::vector<LockDeclaration>& locks) {
  if (locks.empty()) return;  // fingerprints of definitions without locks stay as they were
  hash.field("locks");
  hash.field(std::to_string(locks.size()));
  for (const LockDeclaration& lock : locks) {
    hash.field(std::to_string(lock.lease.count()));
    hash.field(lock.release_after);
  }
}

Status group_error(const std::string& group, std::string_view what) {
  return invalid_argument("group '" + group + "': " + std::string(what));
}

// Parallel groups: consecutive steps sharing a name, two or more, one kind (not the pivot),
// each invoking a command and taking no locks of its own.
Status check_groups(const SagaDefinition& definition) {
  const std::vector<StepDefinition>& steps = definition.steps;
  std::set<std::string_view> closed;
  for (std::size_t i = 0; i < steps.size();) {
    const std::string& group = steps[i].group;
    if (group.empty()) {
      ++i;
      continue;
    }
    if (closed.count(group)) return group_error(group, "its steps must be consecutive");
    std::size_t end = i;
    while (end < steps.size() && steps[end].group == group) ++end;
    if (end - i < 2) return group_error(group, "a parallel group needs at least two steps");
    for (std::size_t j = i; j < end; ++j) {
      const StepDefinition& step = steps[j];
      if (step.kind == StepKind::kPivot) {
        return group_error(group, "a pivot never sits in a parallel group ('" + step.name + "')");
      }
      if (step.kind != steps[i].kind) {
        return group_error(group, "a parallel group is compensatable or retriable as a whole");
      }
      if (!step.action) return step_error(step, "a step in a parallel group needs an action");
      if (!step.locks.empty()) {
        return step_error(step, "a step in a parallel group declares no locks");
      }
    }
    closed.insert(group);
    i = end;
  }
  return Status::ok();
}

}  // namespace

std::string_view to_string(LockMode mode) {
  switch (mode) {
    case LockMode::kNone:
      return "none";
    case LockMode::kWait:
      return "wait";
    case LockMode::kFailFast:
      return "fail_fast";
  }
  return "unknown";
}

std::string_view to_string(StepKind kind) {
  switch (kind) {
    case StepKind::kCompensatable:
      return "compensatable";
    case StepKind::kPivot:
      return "pivot";
    case StepKind::kRetriable:
      return "retriable";
  }
  return "unknown";
}

std::optional<std::size_t> SagaDefinition::pivot_index() const {
  std::optional<std::size_t> last_compensatable;
  for (std::size_t i = 0; i < steps.size(); ++i) {
    if (steps[i].kind == StepKind::kPivot) return i;
    if (steps[i].kind == StepKind::kCompensatable) last_compensatable = i;
  }
  return last_compensatable;
}

const StepDefinition* SagaDefinition::find_step(std::string_view step_name) const {
  for (const StepDefinition& step : steps) {
    if (step.name == step_name) return &step;
  }
  return nullptr;
}

Status validate(const SagaDefinition& definition) {
  if (definition.name.empty()) return invalid_argument("saga definition has no name");
  const std::string saga = "saga '" + definition.name + "': ";
  if (definition.steps.empty()) return invalid_argument(saga + "has no steps");
  if (definition.steps.size() > kMaxSteps) {
    return invalid_argument(saga + "has " + std::to_string(definition.steps.size()) +
                            " steps, more than " + std::to_string(kMaxSteps));
  }
  std::set<std::string_view> names;
  bool seen_pivot = false;
  bool seen_retriable = false;
  for (std::size_t i = 0; i < definition.steps.size(); ++i) {
    const StepDefinition& step = definition.steps[i];
    if (step.name.empty()) {
      return invalid_argument(saga + "step " + std::to_string(i + 1) + " has no name");
    }
    if (!names.insert(step.name).second) return step_error(step, "duplicate step name");
    switch (step.kind) {
      case StepKind::kCompensatable:
        if (seen_pivot) return step_error(step, "a compensatable step cannot follow the pivot");
        if (seen_retriable) {
          return step_error(step, "a compensatable step cannot follow a retriable step");
        }
        break;
      case StepKind::kPivot:
        if (seen_pivot) return step_error(step, "a saga has at most one pivot step");
        if (seen_retriable) return step_error(step, "the pivot cannot follow a retriable step");
        seen_pivot = true;
        break;
      case StepKind::kRetriable:
        seen_retriable = true;
        break;
      default:
        return step_error(step, "unknown step kind");
    }
    if (Status s = step.wait    ? events::check_wait(definition, i)
                   : step.child ? children::check_child(definition, i)
                                : check_step(step);
        !s) {
      return s;
    }
    if (Status s = check_locks(definition, step.locks, "step '" + step.name + "': "); !s) {
      return s;
    }
  }
  if (Status s = check_groups(definition); !s) return s;
  return check_locks(definition, definition.locks, saga);
}

std::string fingerprint(const SagaDefinition& definition) {
  Fnv1a64 hash;
  hash.field("saga-definition/1");
  hash.field(definition.name);
  hash.field(std::to_string(definition.version));
  hash.field(std::to_string(definition.steps.size()));
  add_locks(hash, definition.locks);
  for (const StepDefinition& step : definition.steps) {
    hash.field("step");
    hash.field(step.name);
    hash.field(to_string(step.kind));
    add_command(hash, step.action);
    add_command(hash, step.compensation);
    hash.field(step.local ? "local" : "-");
    add_locks(hash, step.locks);
    if (step.wait) hash.field(events::fingerprint_text(step));
    if (step.child) hash.field(children::fingerprint_text(step));
    if (!step.group.empty()) {  // fingerprints of sequential definitions stay as they were
      hash.field("group");
      hash.field(step.group);
    }
  }
  return hash.hex();
}

}  // namespace saga
