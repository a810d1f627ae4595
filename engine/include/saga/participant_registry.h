// ParticipantRegistry: which ZeroMQ endpoint each participant service listens on.
//
// The orchestrator's transport (zmq_transport.h) connects one socket to each endpoint in the
// registry and sends a command for participant "kitchen" to the endpoint registered under that
// name. A registry is built in code with add(), or read from a small text file with
// load_participant_registry():
//
//   # participant = endpoint
//   kitchen    = tcp://kitchen.internal:7001
//   accounting = ipc:///run/saga/accounting.sock
//
// One entry per line; `#` starts a comment that runs to the end of the line; blank lines are
// ignored. Names are letters, digits, `_`, `-` and `.`; endpoints are `tcp://…` or `ipc://…`.
// A registry is a plain value: copy it freely; it is not synchronised.
#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "saga/status.h"

namespace saga {

class ParticipantRegistry {
 public:
  // Registers `name` at `endpoint`. Fails with kInvalidArgument when the name is empty or uses
  // other characters than letters, digits, `_`, `-`, `.`, or when the endpoint is not
  // `tcp://<address>` or `ipc://<path>`; with kAlreadyExists when `name` is already registered.
  // A failed add() leaves the registry unchanged.
  Status add(std::string name, std::string endpoint);

  // The endpoint registered under `name`, or nothing. The view lives as long as the registry
  // is not modified.
  std::optional<std::string_view> find(std::string_view name) const;

  // Every entry, ordered by name.
  const std::map<std::string, std::string, std::less<>>& entries() const { return entries_; }
  std::size_t size() const { return entries_.size(); }
  bool empty() const { return entries_.empty(); }

 private:
  std::map<std::string, std::string, std::less<>> entries_;
};

// Parses registry text in the format above. `source` names the text in error messages, which
// carry the line number: "participants.conf:3: duplicate participant 'kitchen' (first on line
// 1)". Errors: kInvalidArgument for a line that is not `name = endpoint`, a bad name or a bad
// endpoint scheme; kAlreadyExists for a name given twice.
Result<ParticipantRegistry> parse_participant_registry(std::string_view text,
                                                       std::string_view source = "<text>");

// Reads and parses the file at `path`. Errors as parse_participant_registry(), plus kNotFound
// when the file cannot be opened and kIoError when it cannot be read.
Result<ParticipantRegistry> load_participant_registry(const std::string& path);

}  // namespace saga
