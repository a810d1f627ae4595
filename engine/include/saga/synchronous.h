// Synchronous: SQLite's PRAGMA synchronous, for the engine's database (EngineOptions) and a
// participant's (ParticipantOptions).
#pragma once

#include <cstdint>

namespace saga {

// kFull (the default) fsyncs every commit; kNormal in WAL mode may lose the last commits on
// power loss (never on a crash of the process alone). The values are SQLite's own (0..3).
enum class Synchronous : std::uint8_t { kOff = 0, kNormal = 1, kFull = 2, kExtra = 3 };

}  // namespace saga
