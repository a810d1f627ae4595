// make_spdlog_sink: the engine's default LogSink. The one file that includes spdlog.
#include <spdlog/spdlog.h>

#include "saga/log.h"

namespace saga {
namespace {

spdlog::level::level_enum to_spdlog(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug:
      return spdlog::level::debug;
    case LogLevel::kInfo:
      return spdlog::level::info;
    case LogLevel::kWarning:
      return spdlog::level::warn;
    case LogLevel::kError:
      return spdlog::level::err;
  }
  return spdlog::level::err;
}

}  // namespace

std::string_view to_string(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug:
      return "debug";
    case LogLevel::kInfo:
      return "info";
    case LogLevel::kWarning:
      return "warning";
    case LogLevel::kError:
      return "error";
  }
  return "unknown";
}

LogSink make_spdlog_sink(std::string logger_name) {
  return [name = std::move(logger_name)](LogLevel level, std::string_view line) {
    // Looked up at each line, so that a logger the application registers later is used. The
    // engine filters by its own level first, so this runs only for lines that are wanted.
    std::shared_ptr<spdlog::logger> logger = name.empty() ? nullptr : spdlog::get(name);
    if (!logger) logger = spdlog::default_logger();
    if (!logger) return;  // the application dropped every logger: it wants silence
    try {
      logger->log(to_spdlog(level), spdlog::string_view_t(line.data(), line.size()));
    } catch (const std::exception&) {
      // A failing sink must not take the engine thread down; the line is lost.
    }
  };
}

}  // namespace saga
