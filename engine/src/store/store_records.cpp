// Store records (saga/store_records.h): operator request names, the same in every backend, and
// a definition's record.
#include "saga/store_records.h"

#include <optional>
#include <string_view>
#include <utility>

namespace saga {

std::string_view to_string(OperatorAction action) {
  switch (action) {
    case OperatorAction::kRetry:
      return "retry";
    case OperatorAction::kCompensate:
      return "compensate";
    case OperatorAction::kSkip:
      return "skip";
    case OperatorAction::kReleaseLock:
      return "release_lock";
    case OperatorAction::kCancel:
      return "cancel";
  }
  return "unknown";
}

std::string_view to_string(RequestState state) {
  switch (state) {
    case RequestState::kPending:
      return "pending";
    case RequestState::kApplied:
      return "applied";
    case RequestState::kRejected:
      return "rejected";
  }
  return "unknown";
}

std::optional<OperatorAction> parse_operator_action(std::string_view text) {
  for (OperatorAction a :
       {OperatorAction::kRetry, OperatorAction::kCompensate, OperatorAction::kSkip,
        OperatorAction::kReleaseLock, OperatorAction::kCancel}) {
    if (text == to_string(a)) return a;
  }
  return std::nullopt;
}

std::optional<RequestState> parse_request_state(std::string_view text) {
  for (RequestState st :
       {RequestState::kPending, RequestState::kApplied, RequestState::kRejected}) {
    if (text == to_string(st)) return st;
  }
  return std::nullopt;
}

DefinitionRecord definition_record(const SagaDefinition& definition) {
  DefinitionRecord record;
  record.name = definition.name;
  record.version = definition.version;
  record.fingerprint = fingerprint(definition);
  std::vector<StepRecord> steps;
  steps.reserve(definition.steps.size());
  for (const StepDefinition& d : definition.steps) {
    StepRecord s;
    s.name = d.name;
    s.kind = d.kind;
    if (d.action) {
      s.participant = d.action->participant;
      s.command = d.action->command_name;
    }
    if (d.compensation) {
      s.compensation_participant = d.compensation->participant;
      s.compensation_command = d.compensation->command_name;
    }
    s.local = static_cast<bool>(d.local);
    s.conditional = static_cast<bool>(d.applies);
    s.maximum_attempts = d.retry.maximum_attempts;
    steps.push_back(std::move(s));
  }
  record.steps = std::move(steps);
  return record;
}

std::optional<StepKind> parse_step_kind(std::string_view text) {
  for (StepKind k : {StepKind::kCompensatable, StepKind::kPivot, StepKind::kRetriable}) {
    if (text == to_string(k)) return k;
  }
  return std::nullopt;
}

}  // namespace saga
