#include "saga_json.h"

namespace saga::admin {

DefinitionIndex::DefinitionIndex(const std::vector<DefinitionInfo>& definitions) {
  for (const DefinitionInfo& d : definitions) {
    if (d.record.steps) steps_[{d.record.name, d.record.version}] = *d.record.steps;
  }
}

const StepRecord* DefinitionIndex::step(const SagaInstance& saga, std::int32_t index) const {
  auto it = steps_.find({saga.type, saga.version});
  if (it == steps_.end() || index < 0 || static_cast<std::size_t>(index) >= it->second.size()) {
    return nullptr;
  }
  return &it->second[static_cast<std::size_t>(index)];
}

std::string DefinitionIndex::participant(const SagaInstance& saga) const {
  const StepRecord* s = step(saga, saga.step);
  if (s == nullptr) return {};
  const bool compensating =
      saga.phase == Phase::kCompensating ||
      (saga.phase == Phase::kFailed && saga.failed_from == Phase::kCompensating);
  return compensating ? s->compensation_participant : s->participant;
}

std::string_view wait_name(Wait wait) {
  switch (wait) {
    case Wait::kNone:
      return "none";
    case Wait::kReply:
      return "reply";
    case Wait::kRetry:
      return "retry";
    case Wait::kLock:
      return "lock";
    case Wait::kStart:
      return "start";
    case Wait::kEvent:
      return "event";
    case Wait::kChild:
      return "child";
    case Wait::kParent:
      return "parent";
  }
  return "unknown";
}

bool unfinished(Phase phase) {
  return phase == Phase::kExecuting || phase == Phase::kCompensating || phase == Phase::kFailed ||
         phase == Phase::kScheduled;
}

void saga_fields(JsonWriter& j, const SagaInstance& saga, const DefinitionIndex& index, Millis now,
                 Millis since) {
  j.field("id", saga.id).field("type", saga.type).field("version", saga.version);
  j.field("phase", to_string(saga.phase));
  if (saga.phase == Phase::kFailed) j.field("failed_from", to_string(saga.failed_from));
  j.field("step", saga.step);
  const StepRecord* step = index.step(saga, saga.step);
  j.field("step_name", step != nullptr ? step->name : std::string());
  j.field("participant", index.participant(saga));
  j.field("attempt", saga.attempt).field("wait", wait_name(saga.wait));
  j.field("deadline_ms", static_cast<std::int64_t>(saga.deadline.count()));
  j.field("last_reason", saga.last_reason);
  j.field("failure_cause", to_string(saga.failure_cause));
  j.field("trace_id", saga.trace_id);
  if (!saga.parent_id.empty()) j.field("parent_id", saga.parent_id);
  j.field("created_at_ms", static_cast<std::int64_t>(saga.created_at.count()));
  j.field("updated_at_ms", static_cast<std::int64_t>(saga.updated_at.count()));
  j.field("age_ms", static_cast<std::int64_t>((now - saga.created_at).count()));
  if (unfinished(saga.phase)) {
    const Millis from = since.count() > 0 ? since : saga.updated_at;
    j.field("stuck_since_ms", static_cast<std::int64_t>(from.count()));
    j.field("stuck_for_ms", static_cast<std::int64_t>((now - from).count()));
  }
}

}  // namespace saga::admin
