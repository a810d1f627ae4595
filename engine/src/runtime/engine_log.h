// EngineLog: the engine thread's log, a LogSink and the lowest level it passes on. The parts of
// the runtime (dispatch, locks, the loop) write through it; tests hand in a sink that records.
#pragma once

#include <string>
#include <utility>

#include "saga/log.h"

namespace saga {

class EngineLog {
 public:
  EngineLog(LogSink sink, LogLevel level) : sink_(std::move(sink)), level_(level) {}

  bool enabled(LogLevel level) const { return level >= level_ && sink_ != nullptr; }
  void operator()(LogLevel level, const std::string& line) const {
    if (enabled(level)) sink_(level, line);
  }

 private:
  LogSink sink_;
  LogLevel level_;
};

}  // namespace saga
