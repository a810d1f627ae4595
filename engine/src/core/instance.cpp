// Names of the enums in saga/instance.h.
#include "saga/instance.h"

#include <array>

namespace saga {

std::string_view to_string(FailureCause cause) {
  static constexpr std::array<std::string_view, 10> kNames = {"none",
                                                              "business_failure",
                                                              "timeout",
                                                              "command_build_failed",
                                                              "local_step_failed",
                                                              "lock_refused",
                                                              "deadlock",
                                                              "operator",
                                                              "cancelled",
                                                              "saga_deadline"};
  const auto i = static_cast<std::size_t>(cause);
  return i < kNames.size() ? kNames[i] : "unknown";
}

}  // namespace saga
