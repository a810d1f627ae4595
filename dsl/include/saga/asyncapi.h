// The saga/1 contracts of registered definitions as an AsyncAPI 2.6 document (JSON).
//
// One channel per participant (registry name), seen from the participant: `publish` lists the
// commands the orchestrator sends to it, `subscribe` the replies it may answer with. Every
// message (components.messages, keyed by wire name) has
//   - `payload`: the JSON Schema of its JSON body (saga/body_schema.h), fields in declaration
//     order, which is also their order in the cereal portable binary body;
//   - `headers`: a $ref to the saga/1 header schema (components.schemas.CommandHeader or
//     ReplyHeader), whose `name` is fixed to the message's wire name;
//   - `contentType`: the channel's body encoding; `examples`: a body encoded by the C++ codec.
// The library's own replies are in every channel: `Failure` (any failure with a `reason`
// header and an empty body, docs/protocol.md) and `NullCompensation` (a compensation whose
// action never ran). Extensions: channel `x-saga-content-type`; message `x-saga-kind`
// ("command"/"reply") and `x-saga-used-by` (saga, step, action or compensation).
//
// The output is deterministic (channels and messages sorted by name): equal definitions give
// equal text, so a committed export can be compared with a fresh one. Replies a command does
// not declare (a DSL endpoint without replies<...>()) are not listed; their saga does not read
// their body. Only definitions built by the DSL carry schemas (CommandAction::command).
#pragma once

#include <string>
#include <vector>

#include "saga/definition.h"

namespace saga {

struct AsyncApiInfo {
  std::string title{};
  std::string version = "1.0.0";
  std::string description{};  // optional
};

// The document, pretty-printed. Fails with kInvalidArgument when two messages of one wire name
// have different schemas, or an action has no schema (a definition not built by the DSL).
Result<std::string> to_asyncapi(const std::vector<const SagaDefinition*>& definitions,
                                const AsyncApiInfo& info);

}  // namespace saga
