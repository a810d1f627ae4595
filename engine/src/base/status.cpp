#include "saga/status.h"

#include <cstdio>
#include <cstdlib>

namespace saga {

std::string_view to_string(StatusCode code) {
  switch (code) {
    case StatusCode::kOk:
      return "ok";
    case StatusCode::kInvalidArgument:
      return "invalid_argument";
    case StatusCode::kNotFound:
      return "not_found";
    case StatusCode::kAlreadyExists:
      return "already_exists";
    case StatusCode::kMalformed:
      return "malformed";
    case StatusCode::kBusy:
      return "busy";
    case StatusCode::kIoError:
      return "io_error";
    case StatusCode::kFull:
      return "full";
    case StatusCode::kReadOnly:
      return "read_only";
    case StatusCode::kCorrupt:
      return "corrupt";
    case StatusCode::kUnavailable:
      return "unavailable";
    case StatusCode::kFailedPrecondition:
      return "failed_precondition";
    case StatusCode::kConflict:
      return "conflict";
    case StatusCode::kTimeout:
      return "timeout";
    case StatusCode::kInternal:
      return "internal";
  }
  return "unknown";
}

std::string Status::to_string() const {
  if (is_ok()) return "ok";
  std::string out(saga::to_string(code_));
  out += ": ";
  out += message_;
  return out;
}

Status Status::with_context(std::string_view context) const {
  if (is_ok()) return *this;
  std::string m(context);
  m += ": ";
  m += message_;
  return Status(code_, std::move(m));
}

namespace detail {
void check_failed(const char* condition, const char* file, int line, const char* message) {
  std::fprintf(stderr, "SAGA_CHECK failed: %s at %s:%d: %s\n", condition, file, line, message);
  std::fflush(stderr);
  std::abort();
}
}  // namespace detail

}  // namespace saga
