// sagactl's commands, over the inspection API (saga/inspection.h). Each returns the process
// exit code: 0 done, 1 the engine rejected an operator request (or it was not applied in time),
// 2 an error (bad arguments, missing file, not an engine database, unknown id, action not
// allowed in the saga's phase).
//   saga_commands.cpp       list, show
//   summary_commands.cpp    stats, definitions, dot, mermaid
//   operator_commands.cpp   retry, compensate, skip, release-lock, locks, requests
//   check_command.cpp       check
//   event_commands.cpp      refused-events
#pragma once

#include <cstddef>
#include <cstdint>
#include <iosfwd>
#include <optional>
#include <string>

#include "output.h"
#include "saga/store_records.h"

namespace sagactl {

inline constexpr int kExitOk = 0;
inline constexpr int kExitRejected = 1;
inline constexpr int kExitError = 2;

struct Context {
  std::string database;  // --db
  bool json = false;     // --json
  Style style;
  std::ostream* out = nullptr;
  std::ostream* err = nullptr;
};

struct ListArgs {
  std::string phase;       // empty: every phase
  std::string type;        // empty: every type
  std::string older_than;  // "10m": created at least that long ago (by this machine's clock)
  std::string newer_than;  // "1h": created at most that long ago
  std::size_t limit = 20;
  std::size_t page = 1;  // from 1
};

struct ShowArgs {
  std::string id;
  // History paging: entries from `history_offset` (oldest first), at most `history_limit`.
  // Without an offset the text shows the last history_limit entries (default 40) and JSON
  // all of them; 0: all.
  std::optional<std::size_t> history_offset;
  std::optional<std::size_t> history_limit;
};

struct ActionArgs {
  saga::OperatorAction action = saga::OperatorAction::kRetry;
  std::string id;      // the saga; for kReleaseLock, the lock key
  std::string holder;  // kReleaseLock: only if this saga still holds it (empty: whoever does)
  std::string reason;
  std::string requested_by;  // empty: $USER
  bool wait = false;
  std::string timeout = "30s";  // with wait
};

struct RequestsArgs {
  std::string state = "all";  // pending, applied, rejected or all
  std::size_t limit = 20;
};

struct PruneArgs {
  std::string older_than;  // required: "30d", "12h"
  std::size_t batch = 100;
  std::string archive;  // JSON-lines file; empty: none
  bool all = false;     // batch after batch until nothing is due
};

int list(Context& c, const ListArgs& args);
int show(Context& c, const ShowArgs& args);
int stats(Context& c);
int definitions(Context& c);
int act(Context& c, const ActionArgs& args);
// Semantic locks held (holder, age, lease, sagas waiting), past-lease ones marked.
int locks(Context& c);
int requests(Context& c, const RequestsArgs& args);
// Transactional events the engine refused (newest first, at most `limit`, 0: all).
int refused_events(Context& c, std::size_t limit);
// PRAGMA integrity_check of any SQLite file: 0 ok, 1 problems found (listed, at most
// max_problems; a file that is not a database or too damaged to check is one problem), 2 the
// file cannot be read (missing, locked, I/O error).
int check(Context& c, const std::string& file, std::size_t max_problems);
// Removes finished sagas older than args.older_than (one batch, or all with args.all).
int prune(Context& c, const PruneArgs& args);
// dot or mermaid text of a definition the engine recorded with its steps (version 0: newest).
// control: also the saga control paths (saga::DiagramOptions::control).
int diagram(Context& c, const std::string& name, std::uint32_t version, bool mermaid,
            bool control = false);

}  // namespace sagactl
