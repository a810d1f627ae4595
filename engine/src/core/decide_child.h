// Child sagas (ChildSaga in saga/definition.h): their rules for validate() and fingerprint(),
// and their part of the state machine, for the parent (the child step) and for the child (its
// end, which waits for the parent). Internal to the engine; decide.cpp calls these hooks.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "core/decide_group.h"

namespace saga::children {

// --- definition --------------------------------------------------------------------------------

// Checks the child of step `index` (a step with StepDefinition::child): see ChildSaga.
Status check_child(const SagaDefinition& definition, std::size_t index);
// The child's part of a step's fingerprint text: empty for a step without a child.
std::string fingerprint_text(const StepDefinition& step);

// --- the parent --------------------------------------------------------------------------------

// Step `j` is a child step that applies: the child's start goes into the decision
// (Decision::child_start, history kChildStarted) and the saga waits (Wait::kChild).
void begin(detail::DecideHooks& ops, std::int32_t j);
// The parent compensates child step `j`: asks its child to run its compensations
// (Decision::child_compensate, history kChildCompensationRequested) and waits for it.
void compensate(detail::DecideHooks& ops, std::int32_t j);
// InputKind::kChildEnded. Nothing when applied; otherwise why the input was ignored.
std::optional<std::string> child_ended(detail::DecideHooks& ops);

// --- the child ---------------------------------------------------------------------------------

// The child's steps are done (instead of kCompleted): kChildDone, and it waits for its parent.
void steps_done(detail::DecideHooks& ops);
// InputKind::kParentCompensates and kParentEnded. Same answer as child_ended.
std::optional<std::string> parent_compensates(detail::DecideHooks& ops);
std::optional<std::string> parent_ended(detail::DecideHooks& ops);

}  // namespace saga::children
