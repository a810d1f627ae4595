// The threads of this test process by name (/proc/self/task/*/comm): the engine names its
// thread "saga-engine", the SQLite store its checkpoint thread "saga-checkpoint".
#pragma once

#include <filesystem>
#include <fstream>
#include <string>

namespace saga::testing {

inline int threads_named(const std::string& name) {
  int count = 0;
  for (const auto& task : std::filesystem::directory_iterator("/proc/self/task")) {
    std::ifstream comm(task.path() / "comm");
    std::string line;
    if (std::getline(comm, line) && line == name) ++count;
  }
  return count;
}

}  // namespace saga::testing
