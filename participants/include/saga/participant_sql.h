// Sql: the small SQL interface a participant's handlers use to write their own tables.
//
// A handler runs inside the participant's SQLite (or PostgreSQL: docs/participants.md)
// transaction; the Sql it is given executes statements on that same connection, so the
// handler's business rows and the inbox record that makes the command idempotent commit
// together or not at all. Values are typed: NULL, 64-bit
// integer, double, or text (a std::string is bound as TEXT; a BLOB column reads back as a
// std::string holding its bytes).
//
// Statements use `?` placeholders, bound in order from `params`. Errors come back as Status
// values (kBusy, kFull, kInvalidArgument for a constraint or syntax error, ...); an error
// affects only the failing statement. A handler must not BEGIN, COMMIT or ROLLBACK itself.
//
// An Sql object is owned by the participant and valid only during the call it is passed to.
// It is not thread-safe: use it from the handler's thread only.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "saga/status.h"

namespace saga {

// One SQL value. `std::int64_t{7}` and `7` both select the integer alternative.
using SqlValue = std::variant<std::nullptr_t, std::int64_t, double, std::string>;

// One result row, one value per column, in the statement's column order.
using SqlRow = std::vector<SqlValue>;

class Sql {
 public:
  virtual ~Sql() = default;

  // Runs one statement that returns no rows (INSERT, UPDATE, DELETE, CREATE ...). Returns the
  // number of rows it changed.
  virtual Result<std::int64_t> exec(std::string_view sql,
                                    const std::vector<SqlValue>& params = {}) = 0;

  // Runs one statement and returns its rows. Fails with kFull when it yields more than
  // `max_rows` rows (every read is bounded).
  virtual Result<std::vector<SqlRow>> query(std::string_view sql,
                                            const std::vector<SqlValue>& params = {},
                                            std::size_t max_rows = 10'000) = 0;

  // The first row of the statement's result, or nothing when it yields no row.
  virtual Result<std::optional<SqlRow>> query_one(std::string_view sql,
                                                  const std::vector<SqlValue>& params = {}) = 0;
};

}  // namespace saga
