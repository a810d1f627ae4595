// History replay: export one saga's recorded history, and re-drive a definition with it.
//
// The engine's history (Engine::history) holds, per state change, the event, step, attempt,
// time, reason and reply name — not the reply bodies. A replay rebuilds the inputs from it: the
// first entry of each decision names its cause (a success or failure reply, a deadline, a retry
// delay, an operator action), the rest are consequences that decide() must produce again. A
// reply is synthesised with the recorded name, outcome and reason; its body comes from the
// recording when it has one (a harness recording does), else from ReplayOptions::reply_body,
// else it is empty. The replay passes if the same entries (event, step, attempt, reason, reply
// name) come out in the same order, and reports the first divergence otherwise: a definition
// changed since the recording (a step inserted, a policy changed) shows up there.
//
// File format "saga-history/1", UTF-8 text, one record per line, fields separated by one space,
// each field percent-encoded (bytes outside [A-Za-z0-9_.:/'()+-] as %XX; the empty string
// as "%"):
//   saga-history/1
//   saga <id> <type> <version> <fingerprint> <final phase>
//   steps <name of step 0> <name of step 1> ...   (optional: the recorded definition's steps)
//   start <hex of the start data>                 (optional: the engine does not keep it)
//   entry <time ms> <event> <step> <attempt> <reply name> <reason>
//   body <entry index> <content type> <hex>       (optional: the reply body behind an entry)
// Event and phase names are those of to_string() in phase.h.
#pragma once

#include <gtest/gtest.h>

#include <cstddef>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "saga/definition.h"
#include "saga/engine.h"
#include "saga/instance.h"
#include "saga/testing/harness.h"

namespace saga::testing {

struct RecordedReplyBody {
  ContentType content_type = ContentType::kCerealBinary;
  std::string body;
};

struct RecordedHistory {
  std::string saga_id;
  std::string saga_type;
  std::uint32_t version = 0;
  std::string fingerprint;
  Phase phase = Phase::kNotStarted;  // the phase when it was recorded
  std::optional<std::string> start_data;
  std::vector<std::string> step_names;  // of the definition that ran; empty when unknown
  std::vector<HistoryEntry> entries;
  std::map<std::size_t, RecordedReplyBody> reply_bodies;  // by entry index
};

// Reads saga `id` and its history from the engine. `start_data` is recorded when given (the
// engine keeps only the current data), and the step names of `definition` (the one the saga
// ran) when given, so that a replay names the steps and catches renamed or inserted steps at
// the first entry they touch. kNotFound for an unknown id.
Result<RecordedHistory> export_history(Engine& engine, std::string_view id,
                                       std::optional<std::string> start_data = std::nullopt,
                                       const SagaDefinition* definition = nullptr);
// The harness's run, with the start data and every reply body.
RecordedHistory record_history(const SagaHarness& harness);

std::string to_text(const RecordedHistory& history);
// kMalformed with the line number for anything that is not saga-history/1.
Result<RecordedHistory> parse_history(std::string_view text);
Status write_history_file(const std::string& path, const RecordedHistory& history);
Result<RecordedHistory> read_history_file(const std::string& path);

struct ReplayOptions {
  // Body of a synthesised reply that the recording has no body for; default: empty.
  std::function<std::string(const std::string& step, const std::string& reply_name,
                            Outcome outcome)>
      reply_body;
  ContentType content_type = ContentType::kCerealBinary;
  // When set, used instead of the recording's start data.
  std::optional<std::string> start_data;
};

struct ReplayResult {
  bool matched = false;
  bool fingerprint_matches = false;  // the definition's fingerprint equals the recorded one
  std::size_t divergence = 0;        // index of the first entry that differs, when not matched
  std::string expected;              // that recorded entry ("<end>" past the last one)
  std::string actual;                // what the replay produced there ("<end>", "<ignored: ..>")
  std::vector<HistoryEntry> replayed;
  SagaInstance end;
  // "replayed N entries identically" or "diverges at entry i: expected ..., actual ...".
  std::string message() const;
};

// Re-drives `definition` with the recorded inputs. An entry matches when event, step index (and
// step name, when recorded), attempt, reason and reply name are equal. Never aborts.
ReplayResult replay(const SagaDefinition& definition, const RecordedHistory& history,
                    const ReplayOptions& options = {});

// For GoogleTest: success, or the first divergence.
::testing::AssertionResult replays_identically(const SagaDefinition& definition,
                                               const RecordedHistory& history,
                                               const ReplayOptions& options = {});

// "step_failed step=3 attempt=1 reply='AuthorizeCardReply' reason='card_declined'".
std::string describe(const HistoryEntry& entry, const SagaDefinition* definition = nullptr);

}  // namespace saga::testing
