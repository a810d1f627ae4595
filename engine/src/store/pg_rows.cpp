// Rows of the PostgreSQL engine database to and from C++ values (pg_saga_store.h). The same
// columns and ranges as the SQLite backend's sqlite_rows.cpp.
#include <cstdint>
#include <limits>
#include <optional>
#include <utility>
#include <vector>

#include "store/pg_saga_store.h"

namespace saga::pg_rows {
namespace {

// An integer column that must lie in [low, high]; a value outside is a damaged row.
bool in_range(const pg::Rows& rows, int row, int column, std::int64_t low, std::int64_t high,
              std::int64_t* out) {
  *out = rows.get_int(row, column);
  return *out >= low && *out <= high;
}

constexpr std::int64_t kU32 = std::numeric_limits<std::uint32_t>::max();
constexpr std::int64_t kI32Min = std::numeric_limits<std::int32_t>::min();
constexpr std::int64_t kI32Max = std::numeric_limits<std::int32_t>::max();

}  // namespace

std::vector<pg::Param> instance_params(const SagaInstance& i, std::int64_t row_version) {
  using pg::number;
  using pg::text;
  return {text(i.id),
          text(i.type),
          number(i.version),
          text(i.fingerprint),
          number(static_cast<std::int64_t>(i.phase)),
          number(static_cast<std::int64_t>(i.failed_from)),
          number(i.step),
          number(i.attempt),
          number(i.delivery),
          number(static_cast<std::int64_t>(i.skipped_mask)),  // two's complement, read back so
          number(static_cast<std::int64_t>(i.message_seq)),
          pg::bytes(i.data),
          text(i.last_request_id),
          number(static_cast<std::int64_t>(i.wait)),
          number(i.deadline.count()),
          text(i.last_reason),
          text(i.trace_id),
          number(i.created_at.count()),
          number(i.updated_at.count()),
          number(row_version),
          number(i.locks_through),
          number(static_cast<std::int64_t>(i.failure_cause)),
          number(i.saga_deadline.count()),
          text(encode_branches(i.branches)),
          text(i.parent_id)};
}

Result<SagaInstance> read_instance(const pg::Rows& rows, int r) {
  SagaInstance i;
  i.id = rows.get(r, 0);
  std::int64_t version, phase, failed_from, step, attempt, delivery, wait, cause;
  if (!in_range(rows, r, 2, 0, kU32, &version) ||
      !in_range(rows, r, 4, 1, static_cast<int>(Phase::kScheduled), &phase) ||
      !in_range(rows, r, 5, 0, 5, &failed_from) || !in_range(rows, r, 6, kI32Min, kI32Max, &step) ||
      !in_range(rows, r, 7, 0, kU32, &attempt) || !in_range(rows, r, 8, 0, kU32, &delivery) ||
      !in_range(rows, r, 13, 0, static_cast<int>(Wait::kParent), &wait) ||
      !in_range(rows, r, 21, 0, static_cast<int>(FailureCause::kParentCompensated), &cause)) {
    return Status(StatusCode::kMalformed, "saga_instances row " + i.id + ": value out of range");
  }
  i.type = rows.get(r, 1);
  i.version = static_cast<std::uint32_t>(version);
  i.fingerprint = rows.get(r, 3);
  i.phase = static_cast<Phase>(phase);
  i.failed_from = static_cast<Phase>(failed_from);
  i.step = static_cast<std::int32_t>(step);
  i.attempt = static_cast<std::uint32_t>(attempt);
  i.delivery = static_cast<std::uint32_t>(delivery);
  i.skipped_mask = static_cast<std::uint64_t>(rows.get_int(r, 9));
  i.message_seq = static_cast<std::uint64_t>(rows.get_int(r, 10));
  i.data = rows.get_bytes(r, 11);
  i.last_request_id = rows.get(r, 12);
  i.wait = static_cast<Wait>(wait);
  i.deadline = Millis(rows.get_int(r, 14));
  i.last_reason = rows.get(r, 15);
  i.trace_id = rows.get(r, 16);
  i.created_at = Millis(rows.get_int(r, 17));
  i.updated_at = Millis(rows.get_int(r, 18));
  i.row_version = rows.get_int(r, 19);
  i.locks_through = static_cast<std::int32_t>(rows.get_int(r, 20));
  i.failure_cause = static_cast<FailureCause>(cause);
  i.saga_deadline = Millis(rows.get_int(r, 22));
  std::optional<std::vector<Branch>> branches = decode_branches(rows.get(r, 23));
  if (!branches) {
    return Status(StatusCode::kMalformed, "saga_instances row " + i.id + ": malformed branches");
  }
  i.branches = std::move(*branches);
  i.parent_id = rows.get(r, 24);
  return i;
}

Result<OutboxEntry> read_outbox(const pg::Rows& rows, int r) {
  OutboxEntry e;
  e.saga_id = rows.get(r, 0);
  std::int64_t attempt, content_type;
  if (!in_range(rows, r, 7, 0, kU32, &attempt) || !in_range(rows, r, 8, 1, 2, &content_type)) {
    return Status(StatusCode::kMalformed, "saga_outbox row " + e.saga_id + ": value out of range");
  }
  Envelope& m = e.envelope;
  m.kind = MessageKind::kCommand;
  m.saga_id = e.saga_id;
  m.message_id = rows.get(r, 1);
  e.participant = rows.get(r, 2);
  m.saga_type = rows.get(r, 3);
  m.step = rows.get(r, 4);
  m.name = rows.get(r, 5);
  m.compensation = rows.get_int(r, 6) != 0;
  m.attempt = static_cast<std::uint32_t>(attempt);
  m.content_type = static_cast<ContentType>(content_type);
  m.trace_id = rows.get(r, 9);
  m.body = rows.get_bytes(r, 10);
  return e;
}

Result<HistoryEntry> read_history(const pg::Rows& rows, int r) {
  std::int64_t event, step, attempt;
  if (!in_range(rows, r, 0, 1, kEventCount, &event) ||
      !in_range(rows, r, 1, kI32Min, kI32Max, &step) || !in_range(rows, r, 2, 0, kU32, &attempt)) {
    return Status(StatusCode::kMalformed, "saga_history row: value out of range");
  }
  HistoryEntry h;
  h.event = static_cast<Event>(event);
  h.step = static_cast<std::int32_t>(step);
  h.attempt = static_cast<std::uint32_t>(attempt);
  h.time = Millis(rows.get_int(r, 3));
  h.reason = rows.get(r, 4);
  h.reply_name = rows.get(r, 5);
  return h;
}

Result<OperatorRequest> read_request(const pg::Rows& rows, int r) {
  OperatorRequest q;
  q.id = rows.get_int(r, 0);
  q.saga_id = rows.get(r, 1);
  std::optional<OperatorAction> action = parse_operator_action(rows.get(r, 2));
  std::optional<RequestState> state = parse_request_state(rows.get(r, 6));
  if (!action || !state) {
    return Status(StatusCode::kMalformed,
                  "operator_requests row " + std::to_string(q.id) + ": unknown action or state");
  }
  q.action = *action;
  q.reason = rows.get(r, 3);
  q.requested_by = rows.get(r, 4);
  q.requested_at = Millis(rows.get_int(r, 5));
  q.state = *state;
  q.result = rows.get(r, 7);
  q.finished_at = Millis(rows.get_int(r, 8));
  q.lock_key = rows.get(r, 9);
  return q;
}

std::string prefixed(std::string_view columns, std::string_view alias) {
  std::string out;
  for (std::string_view rest = columns; !rest.empty();) {
    const std::size_t comma = rest.find(", ");
    if (!out.empty()) out += ", ";
    out += std::string(alias) + "." + std::string(rest.substr(0, comma));
    rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 2);
  }
  return out;
}

std::string limit_clause(std::size_t limit) {
  return limit == 0 || limit > static_cast<std::size_t>(std::numeric_limits<std::int64_t>::max())
             ? " LIMIT ALL"
             : " LIMIT " + std::to_string(limit);
}

}  // namespace saga::pg_rows
