// Rows of the engine database to and from C++ values, SQLite errors to Status (sqlite_error.h),
// and the helpers the store's statements share. Internal to the store (the sqlite_* files of
// engine/src, the only ones that include SQLiteCpp).
#pragma once

#include <SQLiteCpp/SQLiteCpp.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "saga/decide.h"
#include "saga/instance.h"
#include "saga/status.h"
#include "store/sqlite_error.h"
#include "store/sqlite_saga_store.h"

namespace saga::sqlite_rows {

// Column lists. The instance columns are bound as ?1..?19, ?21..?23 (in this order) by both the
// insert and the update, and read back in this order by every SELECT.
inline constexpr const char* kInstanceColumns =
    "id, type, version, fingerprint, phase, failed_from, step, attempt, delivery, skipped_mask, "
    "message_seq, data, last_request_id, wait, deadline_ms, last_reason, trace_id, "
    "created_at_ms, updated_at_ms, row_version, locks_through, failure_cause, saga_deadline_ms, "
    "branches, parent_id";
inline constexpr const char* kRequestColumns =
    "id, saga_id, action, reason, requested_by, requested_at_ms, state, result, finished_at_ms, "
    "lock_key";
inline constexpr const char* kOutboxColumns =
    "saga_id, message_id, participant, saga_type, step, name, compensation, attempt, "
    "content_type, trace_id, body";

Status make_status(StatusCode code, std::string_view context, std::string_view message);
// The Status for a SQLite error: the mapping shared with the participant library.
using sqlite_error::from_exception;

// Keeps a cached statement ready for its next use whatever happens in the scope: reset (ends
// an open read, clears an error) and no bindings left pointing into the caller's memory.
class Use {
 public:
  explicit Use(SQLite::Statement& statement) : statement_(statement) {}
  Use(const Use&) = delete;
  Use& operator=(const Use&) = delete;
  ~Use() {
    statement_.tryReset();
    try {
      statement_.clearBindings();
    } catch (const SQLite::Exception&) {
      // sqlite3_clear_bindings cannot fail; nothing to do if it ever did.
    }
  }

 private:
  SQLite::Statement& statement_;
};

// Bind without copying: the values belong to the batch, which outlives the statement's use.
void bind_text(SQLite::Statement& s, int index, const std::string& value);
void bind_blob(SQLite::Statement& s, int index, const std::string& value);
void bind_u64(SQLite::Statement& s, int index, std::uint64_t value);
std::string column_bytes(const SQLite::Column& column);
// Reads an integer column that must lie in [low, high]; a value outside is a damaged row.
bool in_range(const SQLite::Statement& s, int index, std::int64_t low, std::int64_t high,
              std::int64_t* out);

// The instance columns ?1..?19 and ?21..?23 (kInstanceColumns order).
void bind_instance(SQLite::Statement& s, const SagaInstance& i);
// "1, 2, 5, 6": the phases of unfinished instances (executing, compensating, failed,
// scheduled), for `phase IN (...)`, from the enum (never literal numbers).
const std::string& unfinished_phases();
// A row of kInstanceColumns; kMalformed when a value is out of range.
Result<SagaInstance> read_instance(const SQLite::Statement& s);
Result<OutboxEntry> read_outbox(const SQLite::Statement& s);
Result<HistoryEntry> read_history(const SQLite::Statement& s);
Result<OperatorRequest> read_request(const SQLite::Statement& s);

// A wait's claims as one blob: per claim "<key length>:<key><mode>,<lease>,<release_after>;".
std::string encode_claims(const std::vector<LockClaim>& claims);
std::optional<std::vector<LockClaim>> decode_claims(std::string_view text);

// What SQLite cannot bind (blob sizes are ints) and what the outbox cannot hold, found before
// the transaction starts.
Status validate(const StoreBatch& batch);

// T of Result<T>.
template <typename R>
struct ResultValue;
template <typename T>
struct ResultValue<Result<T>> {
  using type = T;
};
template <typename Read>
using RowType = typename ResultValue<std::invoke_result_t<Read&, const SQLite::Statement&>>::type;

// Every row of a bound statement through `read` (Result<T> read(const SQLite::Statement&)).
template <typename Read>
Result<std::vector<RowType<Read>>> read_rows(SQLite::Statement& s, Read read) {
  std::vector<RowType<Read>> out;
  while (s.executeStep()) {
    auto row = read(s);
    if (!row) return row.status();
    out.push_back(std::move(row).value());
  }
  return out;
}

// The statement's first row through `read`, or nothing when it has none.
template <typename Read>
Result<std::optional<RowType<Read>>> read_first(SQLite::Statement& s, Read read) {
  using T = RowType<Read>;
  if (!s.executeStep()) return std::optional<T>();
  auto row = read(s);
  if (!row) return row.status();
  return std::optional<T>(std::move(row).value());
}

// Runs `body` (returning a Result), giving its errors `context`; a SQLite::Exception becomes
// the Status from_exception chooses.
template <typename F>
auto guarded(const std::string& context, F body) -> decltype(body()) {
  try {
    auto out = body();
    if (!out) return out.status().with_context(context);
    return out;
  } catch (const SQLite::Exception& e) {
    return from_exception(e, context);
  }
}

// A row count for LIMIT: SQLite's -1 ("no limit") for 0 or more than fits.
std::int64_t sql_limit(std::size_t limit);

// head + columns + tail.
std::string sql(std::string_view head, std::string_view columns, std::string_view tail);

}  // namespace saga::sqlite_rows
