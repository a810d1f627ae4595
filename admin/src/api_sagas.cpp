// GET /api/sagas, GET /api/sagas/{id}, GET /api/requests/{id}, POST /api/sagas/{id}/{action}.
#include <algorithm>
#include <charconv>

#include "api.h"
#include "params.h"
#include "saga/engine.h"
#include "saga_json.h"

namespace saga::admin {

namespace {

constexpr std::uint64_t kMaxPage = 500;
// The stuck filter reads each candidate's history; beyond this many candidates it refuses.
constexpr std::size_t kMaxStuckCandidates = 5'000;

Result<Millis> since_of(Inspector& reader, const SagaInstance& saga) {
  if (!unfinished(saga.phase)) return saga.updated_at;
  auto detail = reader.saga(saga.id);
  if (!detail) return detail.status();
  if (!detail->has_value()) return saga.updated_at;  // gone meanwhile (pruned)
  return detail->value().on_step_since();
}

void request_fields(JsonWriter& j, const OperatorRequest& r) {
  j.field("request", r.id).field("saga", r.saga_id).field("action", to_string(r.action));
  j.field("requested_by", r.requested_by).field("reason", r.reason);
  j.field("requested_at_ms", static_cast<std::int64_t>(r.requested_at.count()));
  j.field("state", to_string(r.state)).field("result", r.result);
  j.field("finished_at_ms", static_cast<std::int64_t>(r.finished_at.count()));
}

void held_fields(JsonWriter& j, const SagaDetail& d, const std::string& participant,
                 const Engine* engine) {
  const HistoryEntry* held = d.held_command();
  j.key("held");
  if (held == nullptr) {
    j.null();
    return;
  }
  j.begin_object().field("since_ms", static_cast<std::int64_t>(held->time.count()));
  j.field("reason", held->reason).field("participant", participant);
  if (engine != nullptr) {
    for (const ParticipantState& p : engine->participants()) {
      if (p.name != participant) continue;
      j.field("breaker", to_string(p.breaker));
      j.field("next_probe_at_ms", static_cast<std::int64_t>(p.next_probe_at.count()));
    }
  }
  j.end_object();
}

}  // namespace

HttpResponse list_sagas(const ApiContext& c) {
  Params p(c.request.params, {"type", "state", "older_than", "stuck", "id", "limit", "offset"});
  SagaQuery q;
  q.type = p.line("type", 200, false);
  q.phase = p.phase("state");
  const std::optional<Millis> older = p.duration("older_than");
  const std::optional<Millis> stuck = p.duration("stuck");
  const std::string id = p.line("id", 200, false);
  const std::uint64_t limit = p.number("limit", 50, 1, kMaxPage);
  const std::uint64_t offset = p.number("offset", 0, 0, 1'000'000'000);
  if (!id.empty() && !valid_id(id)) p.fail("parameter 'id': not a saga id");
  if (stuck && q.phase && !unfinished(*q.phase)) {
    p.fail("parameter 'stuck' applies to executing, compensating or failed sagas only");
  }
  if (!p.ok()) return error_response(400, p.error());

  auto defs = c.reader.definitions();
  if (!defs) return error_response(http_status(defs.status()), defs.status().to_string());
  const DefinitionIndex index(defs.value());
  std::vector<SagaInstance> rows;
  bool more = false;
  if (!id.empty()) {
    auto one = c.reader.saga(id);
    if (!one) return error_response(http_status(one.status()), one.status().to_string());
    if (one->has_value()) rows.push_back(one->value().instance);
  } else {
    if (older) q.created_before = c.now - *older;
    if (stuck) {
      // A saga on its step since T was created at or before T.
      const Millis cutoff = c.now - *stuck;
      if (!q.created_before || *q.created_before > cutoff + Millis{1}) {
        q.created_before = cutoff + Millis{1};
      }
      q.limit = kMaxStuckCandidates + 1;
      q.offset = 0;
    } else {
      q.limit = limit + 1;
      q.offset = offset;
    }
    auto found = c.reader.list(q);
    if (!found) return error_response(http_status(found.status()), found.status().to_string());
    rows = std::move(found).value();
    if (stuck) {
      if (rows.size() > kMaxStuckCandidates) {
        return error_response(422, "more than " + std::to_string(kMaxStuckCandidates) +
                                       " candidates for 'stuck': narrow it with type or state");
      }
      std::vector<SagaInstance> kept;
      for (SagaInstance& s : rows) {
        if (!unfinished(s.phase)) continue;
        auto since = since_of(c.reader, s);
        if (!since) return error_response(http_status(since.status()), since.status().to_string());
        if (*since <= c.now - *stuck) kept.push_back(std::move(s));
      }
      rows.clear();
      for (std::size_t k = offset; k < kept.size() && rows.size() <= limit; ++k) {
        rows.push_back(std::move(kept[k]));
      }
    }
    more = rows.size() > limit;
    if (more) rows.resize(limit);
  }
  JsonWriter j;
  j.begin_object().key("sagas").begin_array();
  for (const SagaInstance& s : rows) {
    auto since = since_of(c.reader, s);
    if (!since) return error_response(http_status(since.status()), since.status().to_string());
    j.begin_object();
    saga_fields(j, s, index, c.now, *since);
    j.end_object();
  }
  j.end_array().field("offset", offset).field("limit", limit).field("more", more).end_object();
  return json_response(j);
}

HttpResponse show_saga(const ApiContext& c, const std::string& id) {
  Params p(c.request.params, {"history_offset", "history_limit"});
  const std::uint64_t h_offset = p.number("history_offset", 0, 0, 1'000'000'000);
  const std::uint64_t h_limit = p.number("history_limit", 200, 1, 1'000);
  if (!p.ok()) return error_response(400, p.error());
  auto found = c.reader.saga(id);
  if (!found) return error_response(http_status(found.status()), found.status().to_string());
  if (!found->has_value()) return error_response(404, "no saga '" + id + "'");
  const SagaDetail& d = found->value();
  std::vector<DefinitionInfo> defs;
  if (d.definition) defs.push_back(DefinitionInfo{*d.definition, 0});
  const DefinitionIndex index(defs);

  JsonWriter j;
  j.begin_object();
  saga_fields(j, d.instance, index, c.now, d.on_step_since());
  held_fields(j, d, index.participant(d.instance), c.engine);
  j.key("outstanding_command");
  if (d.outstanding_command) {
    const Envelope& e = d.outstanding_command->envelope;
    j.begin_object().field("participant", d.outstanding_command->participant);
    j.field("command", e.name).field("message_id", e.message_id);
    j.field("compensation", e.compensation).field("attempt", e.attempt).end_object();
  } else {
    j.null();
  }
  j.key("locks_held").begin_array();
  for (const std::string& k : d.locks_held) j.value(k);
  j.end_array().field("waiting_for_lock", d.waiting_for_lock);
  j.field("waiting_behind", d.waiting_behind);
  j.key("definition").begin_object();
  j.field("name", d.instance.type).field("version", d.instance.version);
  j.field("steps_known", d.definition && d.definition->steps.has_value());
  j.end_object();
  j.field("history_total", static_cast<std::uint64_t>(d.history.size()));
  j.field("history_offset", h_offset).key("history").begin_array();
  for (std::size_t k = h_offset; k < d.history.size() && k < h_offset + h_limit; ++k) {
    const HistoryEntry& h = d.history[k];
    j.begin_object().field("event", to_string(h.event)).field("step", h.step);
    j.field("step_name", d.step_name(h.step)).field("attempt", h.attempt);
    j.field("time_ms", static_cast<std::int64_t>(h.time.count()));
    j.field("reason", h.reason).field("reply", h.reply_name).end_object();
  }
  j.end_array().end_object();
  return json_response(j);
}

HttpResponse get_request(const ApiContext& c, const std::string& id) {
  Params p(c.request.params, {});
  if (!p.ok()) return error_response(400, p.error());
  std::int64_t n = 0;
  auto [end, ec] = std::from_chars(id.data(), id.data() + id.size(), n);
  if (ec != std::errc() || end != id.data() + id.size() || n <= 0) {
    return error_response(400, "a request id is a positive number");
  }
  auto r = c.reader.request(n);
  if (!r) return error_response(http_status(r.status()), r.status().to_string());
  if (!r->has_value()) return error_response(404, "no request " + id);
  JsonWriter j;
  j.begin_object();
  request_fields(j, r->value());
  j.end_object();
  return json_response(j);
}

HttpResponse act(const ApiContext& c, Inspector& writer, const std::string& id,
                 std::string_view action, const LogSink& log) {
  Params p(c.request.params, {"by", "reason"});
  Audit audit;
  audit.by = p.line("by", 100, true);
  audit.reason = p.line("reason", 500, true);
  audit.at = c.now;
  std::optional<OperatorAction> kind = parse_operator_action(action);
  if (!kind || *kind == OperatorAction::kReleaseLock) {
    return error_response(
        404, "no action '" + std::string(action) + "' (retry, compensate, skip or cancel)");
  }
  if (!p.ok()) return error_response(400, p.error());
  Result<std::int64_t> queued = *kind == OperatorAction::kRetry ? writer.retry(id, audit)
                                : *kind == OperatorAction::kCompensate
                                    ? writer.compensate(id, audit)
                                : *kind == OperatorAction::kCancel ? writer.cancel(id, audit)
                                                                   : writer.skip(id, audit);
  if (!queued) return error_response(http_status(queued.status()), queued.status().message());
  auto saga = c.reader.saga(id);
  const std::string trace =
      saga && saga->has_value() ? saga->value().instance.trace_id : std::string();
  if (log) {
    log(LogLevel::kInfo, "admin: operator request " + std::to_string(*queued) + ": " +
                             std::string(action) + " saga " + id + " trace " + trace + " by " +
                             audit.by + ": " + audit.reason);
  }
  auto r = writer.request(*queued);
  if (!r || !r->has_value()) {
    return error_response(500, "request " + std::to_string(*queued) + " queued but not read back");
  }
  JsonWriter j;
  j.begin_object();
  request_fields(j, r->value());
  j.end_object();
  return json_response(j, 202);
}

}  // namespace saga::admin
