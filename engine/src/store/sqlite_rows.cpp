// Rows of the engine database to and from C++ values.
#include "store/sqlite_rows.h"

#include <algorithm>
#include <climits>
#include <utility>

namespace saga::sqlite_rows {

Status make_status(StatusCode code, std::string_view context, std::string_view message) {
  std::string m(context);
  m += ": ";
  m += message;
  return Status(code, std::move(m));
}

// Bind without copying: the values belong to the batch, which outlives the statement's use.
void bind_text(SQLite::Statement& s, int index, const std::string& value) {
  s.bindNoCopy(index, value);
}
void bind_blob(SQLite::Statement& s, int index, const std::string& value) {
  s.bindNoCopy(index, static_cast<const void*>(value.data()), static_cast<int>(value.size()));
}
void bind_u64(SQLite::Statement& s, int index, std::uint64_t value) {
  s.bind(index, static_cast<std::int64_t>(value));  // two's complement; read back the same way
}

std::string column_bytes(const SQLite::Column& column) {
  const void* p = column.getBlob();  // before getBytes, as sqlite3_column_bytes asks
  const int n = column.getBytes();
  if (p == nullptr || n <= 0) return {};
  return std::string(static_cast<const char*>(p), static_cast<std::size_t>(n));
}

void bind_instance(SQLite::Statement& s, const SagaInstance& i) {
  bind_text(s, 1, i.id);
  bind_text(s, 2, i.type);
  s.bind(3, i.version);
  bind_text(s, 4, i.fingerprint);
  s.bind(5, static_cast<std::int32_t>(i.phase));
  s.bind(6, static_cast<std::int32_t>(i.failed_from));
  s.bind(7, i.step);
  s.bind(8, i.attempt);
  s.bind(9, i.delivery);
  bind_u64(s, 10, i.skipped_mask);
  bind_u64(s, 11, i.message_seq);
  bind_blob(s, 12, i.data);
  bind_text(s, 13, i.last_request_id);
  s.bind(14, static_cast<std::int32_t>(i.wait));
  s.bind(15, static_cast<std::int64_t>(i.deadline.count()));
  bind_text(s, 16, i.last_reason);
  bind_text(s, 17, i.trace_id);
  s.bind(18, static_cast<std::int64_t>(i.created_at.count()));
  s.bind(19, static_cast<std::int64_t>(i.updated_at.count()));
  s.bind(21, i.locks_through);
  s.bind(22, static_cast<std::int32_t>(i.failure_cause));
  s.bind(23, static_cast<std::int64_t>(i.saga_deadline.count()));
  s.bind(24, encode_branches(i.branches));
  s.bind(25, i.parent_id);
}

const std::string& unfinished_phases() {
  static const std::string kList = [] {
    std::string out;
    for (Phase p : {Phase::kExecuting, Phase::kCompensating, Phase::kFailed, Phase::kScheduled}) {
      if (!out.empty()) out += ", ";
      out += std::to_string(static_cast<int>(p));
    }
    return out;
  }();
  return kList;
}

bool in_range(const SQLite::Statement& s, int index, std::int64_t low, std::int64_t high,
              std::int64_t* out) {
  *out = s.getColumn(index).getInt64();
  return *out >= low && *out <= high;
}

Result<SagaInstance> read_instance(const SQLite::Statement& s) {
  SagaInstance i;
  i.id = column_bytes(s.getColumn(0));
  std::int64_t version, phase, failed_from, step, attempt, delivery, wait, cause;
  if (!in_range(s, 2, 0, UINT32_MAX, &version) ||
      !in_range(s, 4, 1, static_cast<int>(Phase::kScheduled), &phase) ||
      !in_range(s, 5, 0, 5, &failed_from) || !in_range(s, 6, INT32_MIN, INT32_MAX, &step) ||
      !in_range(s, 7, 0, UINT32_MAX, &attempt) || !in_range(s, 8, 0, UINT32_MAX, &delivery) ||
      !in_range(s, 13, 0, static_cast<int>(Wait::kParent), &wait) ||
      !in_range(s, 21, 0, static_cast<int>(FailureCause::kParentCompensated), &cause)) {
    return Status(StatusCode::kMalformed, "saga_instances row " + i.id + ": value out of range");
  }
  i.type = column_bytes(s.getColumn(1));
  i.version = static_cast<std::uint32_t>(version);
  i.fingerprint = column_bytes(s.getColumn(3));
  i.phase = static_cast<Phase>(phase);
  i.failed_from = static_cast<Phase>(failed_from);
  i.step = static_cast<std::int32_t>(step);
  i.attempt = static_cast<std::uint32_t>(attempt);
  i.delivery = static_cast<std::uint32_t>(delivery);
  i.skipped_mask = static_cast<std::uint64_t>(s.getColumn(9).getInt64());
  i.message_seq = static_cast<std::uint64_t>(s.getColumn(10).getInt64());
  i.data = column_bytes(s.getColumn(11));
  i.last_request_id = column_bytes(s.getColumn(12));
  i.wait = static_cast<Wait>(wait);
  i.deadline = Millis(s.getColumn(14).getInt64());
  i.last_reason = column_bytes(s.getColumn(15));
  i.trace_id = column_bytes(s.getColumn(16));
  i.created_at = Millis(s.getColumn(17).getInt64());
  i.updated_at = Millis(s.getColumn(18).getInt64());
  i.row_version = s.getColumn(19).getInt64();
  i.locks_through = s.getColumn(20).getInt();
  i.failure_cause = static_cast<FailureCause>(cause);
  i.saga_deadline = Millis(s.getColumn(22).getInt64());
  std::optional<std::vector<Branch>> branches = decode_branches(column_bytes(s.getColumn(23)));
  if (!branches) {
    return Status(StatusCode::kMalformed, "saga_instances row " + i.id + ": malformed branches");
  }
  i.branches = std::move(*branches);
  i.parent_id = s.getColumn(24).getString();
  return i;
}

// A wait's claims as one blob: per claim "<key length>:<key><mode>,<lease>,<release_after>;".
std::string encode_claims(const std::vector<LockClaim>& claims) {
  std::string out;
  for (const LockClaim& c : claims) {
    out += std::to_string(c.key.size()) + ':' + c.key;
    out += std::to_string(static_cast<int>(c.mode)) + ',' + std::to_string(c.lease.count()) + ',' +
           std::to_string(c.release_after) + ';';
  }
  return out;
}

std::optional<std::vector<LockClaim>> decode_claims(std::string_view text) {
  std::vector<LockClaim> out;
  auto number = [&](char end) -> std::optional<std::int64_t> {
    const std::size_t at = text.find(end);
    if (at == std::string_view::npos || at == 0 || at > 20) return std::nullopt;
    try {
      const std::int64_t v = std::stoll(std::string(text.substr(0, at)));
      text.remove_prefix(at + 1);
      return v;
    } catch (const std::exception&) {
      return std::nullopt;
    }
  };
  while (!text.empty()) {
    std::optional<std::int64_t> size = number(':');
    if (!size || *size < 0 || static_cast<std::size_t>(*size) > text.size()) return std::nullopt;
    LockClaim c;
    c.key = std::string(text.substr(0, static_cast<std::size_t>(*size)));
    text.remove_prefix(static_cast<std::size_t>(*size));
    std::optional<std::int64_t> mode = number(','), lease = number(','), after = number(';');
    if (!mode || !lease || !after || *mode < 1 || *mode > 2) return std::nullopt;
    c.mode = static_cast<LockMode>(*mode);
    c.lease = Millis(*lease);
    c.release_after = static_cast<std::int32_t>(*after);
    out.push_back(std::move(c));
  }
  if (out.empty()) return std::nullopt;
  return out;
}

Result<OutboxEntry> read_outbox(const SQLite::Statement& s) {
  OutboxEntry e;
  e.saga_id = column_bytes(s.getColumn(0));
  std::int64_t attempt, content_type;
  if (!in_range(s, 7, 0, UINT32_MAX, &attempt) || !in_range(s, 8, 1, 2, &content_type)) {
    return Status(StatusCode::kMalformed, "saga_outbox row " + e.saga_id + ": value out of range");
  }
  Envelope& m = e.envelope;
  m.kind = MessageKind::kCommand;
  m.saga_id = e.saga_id;
  m.message_id = column_bytes(s.getColumn(1));
  e.participant = column_bytes(s.getColumn(2));
  m.saga_type = column_bytes(s.getColumn(3));
  m.step = column_bytes(s.getColumn(4));
  m.name = column_bytes(s.getColumn(5));
  m.compensation = s.getColumn(6).getInt64() != 0;
  m.attempt = static_cast<std::uint32_t>(attempt);
  m.content_type = static_cast<ContentType>(content_type);
  m.trace_id = column_bytes(s.getColumn(9));
  m.body = column_bytes(s.getColumn(10));
  return e;
}

Result<HistoryEntry> read_history(const SQLite::Statement& s) {
  std::int64_t event, step, attempt;
  if (!in_range(s, 0, 1, kEventCount, &event) || !in_range(s, 1, INT32_MIN, INT32_MAX, &step) ||
      !in_range(s, 2, 0, UINT32_MAX, &attempt)) {
    return Status(StatusCode::kMalformed, "saga_history row: value out of range");
  }
  HistoryEntry h;
  h.event = static_cast<Event>(event);
  h.step = static_cast<std::int32_t>(step);
  h.attempt = static_cast<std::uint32_t>(attempt);
  h.time = Millis(s.getColumn(3).getInt64());
  h.reason = column_bytes(s.getColumn(4));
  h.reply_name = column_bytes(s.getColumn(5));
  return h;
}

Result<OperatorRequest> read_request(const SQLite::Statement& s) {
  OperatorRequest r;
  r.id = s.getColumn(0).getInt64();
  r.saga_id = column_bytes(s.getColumn(1));
  std::optional<OperatorAction> action = parse_operator_action(column_bytes(s.getColumn(2)));
  std::optional<RequestState> state = parse_request_state(column_bytes(s.getColumn(6)));
  if (!action || !state) {
    return Status(StatusCode::kMalformed,
                  "operator_requests row " + std::to_string(r.id) + ": unknown action or state");
  }
  r.action = *action;
  r.reason = column_bytes(s.getColumn(3));
  r.requested_by = column_bytes(s.getColumn(4));
  r.requested_at = Millis(s.getColumn(5).getInt64());
  r.state = *state;
  r.result = column_bytes(s.getColumn(7));
  r.finished_at = Millis(s.getColumn(8).getInt64());
  r.lock_key = column_bytes(s.getColumn(9));
  return r;
}

// What SQLite cannot bind (blob sizes are ints) and what the outbox cannot hold, found before
// the transaction starts.
Status validate(const StoreBatch& batch) {
  for (const SagaInstance& i : batch.inserts) {
    if (i.data.size() > INT_MAX) return invalid_argument("saga " + i.id + ": data over 2 GiB");
  }
  for (const SagaInstance& i : batch.updates) {
    if (i.data.size() > INT_MAX) return invalid_argument("saga " + i.id + ": data over 2 GiB");
  }
  if (!batch.updates_stored_phase.empty() &&
      batch.updates_stored_phase.size() != batch.updates.size()) {
    return invalid_argument("updates_stored_phase: one phase per update, or none");
  }
  for (const OutboxEntry& e : batch.outbox_put) {
    if (e.envelope.kind != MessageKind::kCommand || e.envelope.saga_id != e.saga_id) {
      return invalid_argument("outbox entry of saga " + e.saga_id +
                              ": envelope is not a command of that saga");
    }
    if (e.envelope.body.size() > INT_MAX) {
      return invalid_argument("outbox entry of saga " + e.saga_id + ": body over 2 GiB");
    }
  }
  return Status::ok();
}

std::int64_t sql_limit(std::size_t limit) {
  return limit == 0 || limit > INT64_MAX ? std::int64_t{-1} : static_cast<std::int64_t>(limit);
}

std::string sql(std::string_view head, std::string_view columns, std::string_view tail) {
  std::string s(head);
  s += columns;
  s += tail;
  return s;
}

}  // namespace saga::sqlite_rows
