// SAGA_CHECK: an always-on assertion for our own invariants.
//
// A broken invariant means our code computed something impossible (an illegal transition, a
// value out of range). Continuing would let bad state reach disk, so the process aborts with
// the condition, the place and a message. It stays on in release builds.
#pragma once

namespace saga::detail {
[[noreturn]] void check_failed(const char* condition, const char* file, int line,
                               const char* message);
}  // namespace saga::detail

#define SAGA_CHECK(condition, message)                                                         \
  do {                                                                                         \
    if (!(condition)) ::saga::detail::check_failed(#condition, __FILE__, __LINE__, (message)); \
  } while (false)
