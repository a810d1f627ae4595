// Status and Result<T>: how the engine reports expected errors.
//
// A Status is either OK or an error code plus a message that says what went wrong and where
// ("store: commit: database is locked"). Expected failures (a saga that does not exist, a busy
// database, a malformed frame) travel as values; they never throw across the public API.
// Broken invariants of our own are not Status values: they abort (see SAGA_CHECK in check.h).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace saga {

// Stable numbers: codes may be logged and compared by scripts.
enum class StatusCode : std::uint8_t {
  kOk = 0,
  kInvalidArgument = 1,      // the caller passed something unusable
  kNotFound = 2,             // no such saga, definition, participant
  kAlreadyExists = 3,        // a saga id started twice, a definition registered twice
  kMalformed = 4,            // bytes that do not decode (frames, headers, bodies, rows)
  kBusy = 5,                 // the database is locked by another connection
  kIoError = 6,              // the operating system refused a read or write
  kFull = 7,                 // the disk or database is full
  kReadOnly = 8,             // the database cannot be written
  kCorrupt = 9,              // the database file is damaged or not ours
  kUnavailable = 10,         // a peer or the engine is not reachable / not running
  kFailedPrecondition = 11,  // the action is not allowed in the current state
  kConflict = 12,            // an optimistic row-version check failed
  kTimeout = 13,             // waited and nothing happened
  kInternal = 14,            // an unexpected third-party failure, reported with context
};

std::string_view to_string(StatusCode code);

class [[nodiscard]] Status {
 public:
  // An OK status.
  Status() = default;
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status ok() { return Status(); }

  bool is_ok() const { return code_ == StatusCode::kOk; }
  explicit operator bool() const { return is_ok(); }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }

  // "not_found: saga 42" (or "ok").
  std::string to_string() const;

  // Returns a copy whose message is prefixed with `context: `, keeping the code.
  Status with_context(std::string_view context) const;

  friend bool operator==(const Status& a, const Status& b) {
    return a.code_ == b.code_ && a.message_ == b.message_;
  }

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

inline Status invalid_argument(std::string m) {
  return {StatusCode::kInvalidArgument, std::move(m)};
}
inline Status not_found(std::string m) { return {StatusCode::kNotFound, std::move(m)}; }
inline Status already_exists(std::string m) { return {StatusCode::kAlreadyExists, std::move(m)}; }
inline Status malformed(std::string m) { return {StatusCode::kMalformed, std::move(m)}; }
inline Status failed_precondition(std::string m) {
  return {StatusCode::kFailedPrecondition, std::move(m)};
}
inline Status unavailable(std::string m) { return {StatusCode::kUnavailable, std::move(m)}; }
inline Status internal_error(std::string m) { return {StatusCode::kInternal, std::move(m)}; }

// Either a value or a non-OK Status. Accessing value() of an error aborts (a caller bug).
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : state_(std::move(value)) {}  // NOLINT: implicit by design
  Result(Status status);                         // NOLINT: must not be OK

  bool is_ok() const { return std::holds_alternative<T>(state_); }
  explicit operator bool() const { return is_ok(); }

  // The error; OK when this holds a value.
  Status status() const { return is_ok() ? Status() : std::get<Status>(state_); }

  T& value() &;
  const T& value() const&;
  T&& value() &&;
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

 private:
  std::variant<T, Status> state_;
};

}  // namespace saga

#include "saga/detail/result_impl.h"  // IWYU pragma: keep
