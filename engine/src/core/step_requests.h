// What a step asks of the world, built from the definition and the saga's data: its command
// (action or compensation) and the locks it needs. Pure; used by decide.cpp and
// decide_group.cpp.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "saga/decide.h"

namespace saga::detail {

// The command of step `i` of `instance` (its action, or its compensation when `compensation`)
// as message `message_id`, delivery `delivery`. kInvalidArgument when the step's command
// builder is missing or throws.
Result<OutgoingCommand> build_command(const SagaDefinition& def, const SagaInstance& instance,
                                      std::int32_t i, bool compensation, std::string message_id,
                                      std::uint32_t delivery);

// The claims of `declared` (the locks of step `i`, -1: the saga's) for `data`: no empty or
// repeated keys, none for a declaration whose mode is kNone. kInvalidArgument ("lock keys threw:
// ...") when a key or mode function throws.
Result<LockRequest> lock_request(const SagaDefinition& def, std::int32_t i,
                                 const std::vector<LockDeclaration>& declared,
                                 const std::string& data);

}  // namespace saga::detail
