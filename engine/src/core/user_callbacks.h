// The definition's user callbacks as the decision function calls them: an exception a callback
// throws becomes a step failure (or, for a predicate, "run the step"), never an escape from
// decide().
#pragma once

#include <string>

#include "saga/definition.h"
#include "saga/status.h"

namespace saga::user_callbacks {

// The step's on_reply on `data`; no handler: the data unchanged.
DataUpdate apply_reply(const StepDefinition& step, const std::string& data, const ReplyView& view);
// The step's local function on `data`.
DataUpdate call_local(const StepDefinition& step, const std::string& data);
// The step's predicate on `data`; true when it throws (the step's own handling reports it).
bool call_predicate(const StepDefinition& step, const std::string& data);
// The action's command builder on `data`; kInvalidArgument without one or when it throws.
Result<CommandMessage> call_make(const CommandAction& action, const std::string& data);

}  // namespace saga::user_callbacks
