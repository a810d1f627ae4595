// Saga control inside `decide` (internal): scheduled start, cancel and the saga deadline.
//
// plan_control() reads the instance and the input and says what the state machine must do;
// decide.cpp carries the plan out with its own helpers (record, compensate, advance), so the
// transition table stays the only way a phase changes. Pure, like decide.
#pragma once

#include <cstdint>
#include <string>

#include "saga/decide.h"

namespace saga::control {

enum class Action : std::uint8_t {
  kIgnore,      // nothing changes (a timer that is no longer current); `reason` says why
  kRun,         // record `event` and run the saga from its start (locks first)
  kEnd,         // record `event` and end the saga without running a step
  kCompensate,  // record `event`, stop waiting, and compensate from `compensate_from`
  kNote,        // record `event` only
};

struct Plan {
  Action action = Action::kIgnore;
  Event event = Event::kScheduled;
  std::string reason;  // history entry's reason (and last_reason when the saga ends or undoes)
  FailureCause cause = FailureCause::kNone;
  std::int32_t compensate_from = -1;
  bool clear_saga_deadline = false;  // the deadline was acted on
};

// kScheduledStart, kCancel or kSagaDeadline. Errors (kFailedPrecondition) for a cancel that
// cannot apply: past the point of no return, already compensating, failed or finished.
Result<Plan> plan_control(const SagaDefinition& definition, const SagaInstance& instance,
                          const Input& input);

}  // namespace saga::control
