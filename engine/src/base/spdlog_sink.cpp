// make_spdlog_sink and make_stderr_log_sink: the library's default LogSinks. The one file that
// includes spdlog.
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <memory>

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

// Writes each line to the logger registered as `name` when there is one, else to fallback().
template <typename Fallback>
LogSink make_sink(std::string name, Fallback fallback) {
  return [name = std::move(name), fallback](LogLevel level, std::string_view line) {
    // Looked up at each line, so that a logger the application registers later is used. The
    // engine filters by its own level first, so this runs only for lines that are wanted.
    std::shared_ptr<spdlog::logger> logger = name.empty() ? nullptr : spdlog::get(name);
    if (!logger) logger = fallback();
    if (!logger) return;  // the application dropped every logger: it wants silence
    try {
      logger->log(to_spdlog(level), spdlog::string_view_t(line.data(), line.size()));
    } catch (const std::exception&) {
      // A failing sink must not take the calling thread down; the line is lost.
    }
  };
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
  return make_sink(std::move(logger_name), [] { return spdlog::default_logger(); });
}

LogSink make_stderr_log_sink(std::string logger_name) {
  return make_sink(std::move(logger_name), [] {
    // Not registered, so that it never takes a name the application wants.
    static const std::shared_ptr<spdlog::logger> stderr_logger = std::make_shared<spdlog::logger>(
        "saga", std::make_shared<spdlog::sinks::stderr_color_sink_mt>());
    return stderr_logger;
  });
}

}  // namespace saga
