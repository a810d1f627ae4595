// Small helpers shared by the example's participant services.
#pragma once

#include <exception>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string_view>
#include <variant>

#include "saga/participant.h"
#include "service_options.h"

namespace ftgo {

// Opens a participant at options.endpoint/database_path and runs `schema` then `seed` (both
// idempotent: CREATE ... IF NOT EXISTS, INSERT OR IGNORE).
// "debug", "info", "warning" or "error"; nothing for anything else (and for "").
std::optional<saga::LogLevel> parse_log_level(std::string_view text);

saga::Result<std::unique_ptr<saga::Participant>> open_participant(const ServiceOptions& options,
                                                                  std::string_view schema,
                                                                  std::string_view seed);

// A database error inside a handler is not a business outcome: throwing makes the library roll
// the handler's writes back and answer "handler_error".
void throw_on_error(const saga::Status& status);
template <typename T>
void throw_on_error(const saga::Result<T>& result) {
  throw_on_error(result.status());
}

// An exception from the service's own SQLite connection (the orders table) as a Status:
// "orders: <what>: <SQLite's message>", its code chosen by the engine's one mapping (a lock
// held past the busy timeout is kBusy, a read-only file kReadOnly, docs/storage.md); anything
// that is not a SQLite error is kInternal.
saga::Status orders_error(const std::exception& e, std::string_view what);

// An integer column (0 for NULL or another type).
std::int64_t as_int(const saga::SqlValue& value);
std::string as_text(const saga::SqlValue& value);

// `handler` behind the service's failure injector, if it has one.
template <saga::Message Cmd>
saga::Handler<Cmd> wrap(const ServiceOptions& options, saga::Handler<Cmd> handler) {
  if (!options.failures) return handler;
  return options.failures->wrap<Cmd>(std::move(handler));
}

}  // namespace ftgo
