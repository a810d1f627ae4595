// Logging: where the engine's log lines go.
//
// The engine writes one line per event, as space-separated key=value pairs (logfmt), so that
// log pipelines can index them: every line about a saga carries saga, type and trace_id.
//   debug    one line per saga event (started, step_succeeded, compensation_retried, ...), with
//            step, step_name, attempt and reason; operator requests applied
//   info     recovery summary
//   warning  stale or unknown replies dropped, breaker opened or closed, a saga failed (retries
//            exhausted), operator requests rejected, a store fault ended
//   error    a store fault began and its summaries (engine.h), failed reads, unresolved definitions
//
// The embedding application chooses the destination with EngineOptions::log, a LogSink. When
// none is given the engine uses make_stderr_log_sink(): spdlog's logger "saga" if the application
// registered one (spdlog::register_logger), else stderr, never stdout (make_spdlog_sink() would
// use spdlog's default logger). spdlog never appears in this header: an application without
// spdlog passes its own sink. The ZeroMQ transport (ZmqTransportOptions::log) and the
// participant library (ParticipantOptions::log) log through a LogSink too, with that default.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

namespace saga {

enum class LogLevel : std::uint8_t { kDebug = 0, kInfo = 1, kWarning = 2, kError = 3 };

std::string_view to_string(LogLevel level);  // "debug", "info", "warning", "error"

// Receives the engine's log lines, on the engine thread. Must not block or call the engine.
// The engine filters by EngineOptions::log_level before calling it.
using LogSink = std::function<void(LogLevel level, std::string_view line)>;

// A sink that writes through spdlog: to the logger registered as `logger_name` when there is
// one at the time of each line, otherwise to spdlog's default logger (stdout, colour, level
// info unless the application changed it). The spdlog logger's own level filters too: to see
// debug lines set both EngineOptions::log_level and the logger's level to debug.
LogSink make_spdlog_sink(std::string logger_name = "saga");

// The default sink of the ZeroMQ transport and of the participant library (their options'
// `log`): the spdlog logger registered as `logger_name` when there is one at the time of each
// line, otherwise an spdlog logger of the library's own that writes to stderr. Library code
// never writes to stdout, which belongs to the application.
LogSink make_stderr_log_sink(std::string logger_name = "saga");

}  // namespace saga
