// The library's private view of a HandlerContext: what its lock calls left behind, and the
// database-error path shared by every library call made from a handler (locks, version file).
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "saga/participant.h"

namespace saga {

// Starts and events a handler wrote in its savepoint (HandlerContext::start_saga, signal_saga).
struct OutboxWrites {
  std::size_t starts = 0;
  std::size_t events = 0;
};

// The library's view of a HandlerContext's lock state.
struct detail::HandlerContextAccess {
  static const std::optional<std::string>& held_on(const HandlerContext& c) { return c.held_on_; }
  static const Status& store_error(const HandlerContext& c) { return c.store_error_; }
  static std::vector<std::string>& released(HandlerContext& c) { return c.released_; }
  static void set_database(HandlerContext& c, SQLite::Database* db) { c.database_ = db; }
  static void set_postgres(HandlerContext& c, pg_conn* conn) { c.postgres_ = conn; }
  static OutboxWrites outbox_writes(const HandlerContext& c) {
    return OutboxWrites{c.outbox_writes_, c.event_writes_};
  }

  // What a start or signal error means: returned to the handler (true), or a database error that
  // ends the batch.
  static bool for_the_handler(StatusCode code) {
    return code == StatusCode::kFailedPrecondition || code == StatusCode::kAlreadyExists ||
           code == StatusCode::kInvalidArgument;
  }

  // After an interruption the context takes no more lock calls.
  static void check_not_interrupted(const HandlerContext& c) {
    if (c.held_on_ || !c.store_error_.is_ok()) throw HandlerInterrupted{};
  }

  // The value of a lock-table statement; a database error is kept for the library and ends
  // the handler.
  template <typename T>
  static T checked(HandlerContext& c, Result<T> result) {
    if (!result) {
      c.store_error_ = result.status();
      throw HandlerInterrupted{};
    }
    return std::move(result).value();
  }
};

}  // namespace saga
