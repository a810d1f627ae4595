// docs/operations.md: seeing the engine's debug lines.
#include <spdlog/spdlog.h>

#include "saga/engine.h"

namespace snippets {

saga::EngineOptions debug_logging() {
  spdlog::set_level(spdlog::level::debug);  // or register a "saga" logger with its own sinks
  saga::EngineOptions options;
  options.log_level = saga::LogLevel::kDebug;
  // options.log = my_sink;  // or route the lines to the application's own logging
  return options;
}

}  // namespace snippets
