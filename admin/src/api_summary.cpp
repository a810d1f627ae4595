// GET /api/stats, /api/definitions, /api/participants, /metrics and /readyz.
#include <map>
#include <optional>
#include <string>

#include "api.h"
#include "params.h"
#include "saga/diagram.h"
#include "saga/engine.h"
#include "saga/metrics.h"
#include "saga_json.h"

namespace saga::admin {

namespace {

// The stats' grouping of unfinished sagas reads at most this many.
constexpr std::size_t kMaxBlocked = 10'000;

void participant_json(JsonWriter& j, const ParticipantState& p) {
  j.begin_object().field("name", p.name).field("breaker", to_string(p.breaker));
  j.field("in_flight", p.in_flight).field("held", p.held);
  j.field("consecutive_timeouts", p.consecutive_timeouts);
  j.field("next_probe_at_ms", static_cast<std::int64_t>(p.next_probe_at.count()));
  j.key("reply_latency_ms").begin_object().field("count", p.replies);
  j.field("sum", p.reply_latency_ms_sum).field("max", p.reply_latency_ms_max).end_object();
  j.end_object();
}

void engine_json(JsonWriter& j, const Engine& engine) {
  const MetricsSnapshot m = engine.metrics();
  j.begin_object().field("running", engine.running()).key("sagas").begin_array();
  for (const SagaTypeMetrics& s : m.sagas) {
    j.begin_object().field("type", s.type).field("started", s.started);
    j.field("completed", s.completed).field("compensated", s.compensated);
    j.field("failed", s.failed).end_object();
  }
  j.end_array().field("steps_retried", m.steps_retried).field("timeouts", m.timeouts);
  j.field("commands_sent", m.commands_sent).field("commit_failures", m.commit_failures);
  j.key("commit_latency_us").begin_object().field("count", m.commit_latency_us.count);
  j.field("sum", m.commit_latency_us.sum).field("max", m.commit_latency_us.max).end_object();
  j.key("commit_batch_size").begin_object().field("count", m.commit_batch_size.count);
  j.field("sum", m.commit_batch_size.sum).field("max", m.commit_batch_size.max).end_object();
  j.key("participants").begin_array();
  for (const ParticipantState& p : m.participants) participant_json(j, p);
  j.end_array().end_object();
}

std::string prometheus_label(std::string_view value) {
  std::string out;
  for (char ch : value) {
    if (ch == '\\' || ch == '"') out += '\\';
    if (ch == '\n') {
      out += "\\n";
      continue;
    }
    out += ch;
  }
  return out;
}

}  // namespace

HttpResponse stats(const ApiContext& c) {
  Params p(c.request.params, {});
  if (!p.ok()) return error_response(400, p.error());
  auto s = c.reader.stats();
  if (!s) return error_response(http_status(s.status()), s.status().to_string());
  auto defs = c.reader.definitions();
  if (!defs) return error_response(http_status(defs.status()), defs.status().to_string());
  const DefinitionIndex index(defs.value());
  bool truncated = false;
  auto groups = c.reader.blocked(kMaxBlocked, truncated);
  if (!groups) return error_response(http_status(groups.status()), groups.status().to_string());

  JsonWriter j;
  j.begin_object().field("now_ms", static_cast<std::int64_t>(c.now.count()));
  j.key("counts").begin_array();
  for (const SagaCount& n : s->counts) {
    j.begin_object().field("type", n.type).field("version", n.version);
    j.field("phase", to_string(n.phase)).field("count", n.count).end_object();
  }
  j.end_array().key("events").begin_object();
  for (const auto& [event, n] : s->events) j.field(to_string(event), n);
  j.end_object().field("failed_now", s->count(Phase::kFailed));
  j.key("oldest_unfinished");
  if (s->oldest_unfinished) {
    j.begin_object();
    saga_fields(j, *s->oldest_unfinished, index, c.now, Millis{0});
    j.end_object();
  } else {
    j.null();
  }
  j.field("pending_requests", s->pending_requests).key("blocked").begin_array();
  for (const BlockedGroup& g : groups.value()) {
    j.begin_object().field("type", g.type).field("version", g.version);
    j.field("phase", to_string(g.phase)).field("step", g.step);
    j.field("step_name", g.step_name).field("participant", g.participant).field("count", g.count);
    j.field("oldest_update_ms", static_cast<std::int64_t>(g.oldest_update.count()));
    j.field("example", g.example).end_object();
  }
  j.end_array().field("blocked_truncated", truncated).key("engine");
  if (c.engine != nullptr) {
    engine_json(j, *c.engine);
  } else {
    j.null();
  }
  j.end_object();
  return json_response(j);
}

HttpResponse definitions(const ApiContext& c) {
  Params p(c.request.params, {});
  if (!p.ok()) return error_response(400, p.error());
  auto defs = c.reader.definitions();
  if (!defs) return error_response(http_status(defs.status()), defs.status().to_string());
  JsonWriter j;
  j.begin_object().key("definitions").begin_array();
  for (const DefinitionInfo& d : defs.value()) {
    j.begin_object().field("name", d.record.name).field("version", d.record.version);
    j.field("fingerprint", d.record.fingerprint).field("running", d.running);
    j.field("registered_at_ms", static_cast<std::int64_t>(d.record.registered_at.count()));
    j.key("steps");
    if (!d.record.steps) {
      j.null().key("dot").null().key("mermaid").null().end_object();
      continue;
    }
    j.begin_array();
    for (const StepRecord& s : *d.record.steps) {
      j.begin_object().field("name", s.name).field("kind", to_string(s.kind));
      j.field("participant", s.participant).field("command", s.command);
      j.field("compensation_participant", s.compensation_participant);
      j.field("compensation_command", s.compensation_command).field("local", s.local);
      j.field("conditional", s.conditional).field("maximum_attempts", s.maximum_attempts);
      j.end_object();
    }
    const SagaDefinition structure = structure_of(d.record);
    j.end_array().field("dot", to_dot(structure)).field("mermaid", to_mermaid(structure));
    j.end_object();
  }
  j.end_array().end_object();
  return json_response(j);
}

HttpResponse participants(const ApiContext& c) {
  Params p(c.request.params, {});
  if (!p.ok()) return error_response(400, p.error());
  if (c.engine == nullptr) return error_response(404, "no engine in this process");
  JsonWriter j;
  j.begin_object().key("participants").begin_array();
  for (const ParticipantState& s : c.engine->participants()) participant_json(j, s);
  j.end_array().end_object();
  return json_response(j);
}

HttpResponse metrics(const ApiContext& c) {
  Params p(c.request.params, {});
  if (!p.ok()) return error_response(400, p.error());
  auto s = c.reader.stats();
  if (!s) return error_response(http_status(s.status()), s.status().to_string());
  std::string out = c.engine != nullptr ? to_prometheus(c.engine->metrics()) : std::string();
  // Gauges from the store: they survive restarts of the engine.
  out +=
      "# HELP saga_store_sagas Saga instances in the database by type and phase.\n"
      "# TYPE saga_store_sagas gauge\n";
  std::map<std::pair<std::string, std::string>, std::uint64_t> by_phase;
  for (const SagaCount& n : s->counts)
    by_phase[{n.type, std::string(to_string(n.phase))}] += n.count;
  for (const auto& [key, n] : by_phase) {
    out += "saga_store_sagas{type=\"" + prometheus_label(key.first) + "\",phase=\"" + key.second +
           "\"} " + std::to_string(n) + "\n";
  }
  out +=
      "# HELP saga_store_failed_sagas Sagas failed now, waiting for an operator.\n"
      "# TYPE saga_store_failed_sagas gauge\n"
      "saga_store_failed_sagas " +
      std::to_string(s->count(Phase::kFailed)) +
      "\n"
      "# HELP saga_store_oldest_unfinished_age_seconds Age of the oldest executing, compensating "
      "or failed saga (0: none).\n"
      "# TYPE saga_store_oldest_unfinished_age_seconds gauge\n"
      "saga_store_oldest_unfinished_age_seconds ";
  const Millis age = s->oldest_unfinished ? c.now - s->oldest_unfinished->created_at : Millis{0};
  out += std::to_string(static_cast<double>(age.count()) / 1000.0) + "\n";
  out +=
      "# HELP saga_store_pending_operator_requests Operator requests not yet applied.\n"
      "# TYPE saga_store_pending_operator_requests gauge\n"
      "saga_store_pending_operator_requests " +
      std::to_string(s->pending_requests) + "\n";
  return HttpResponse{200, "text/plain; version=0.0.4; charset=utf-8", std::move(out)};
}

HttpResponse ready(const ApiContext& c) {
  Params p(c.request.params, {});
  if (!p.ok()) return error_response(400, p.error());
  const bool engine_ok = c.engine == nullptr || c.engine->running();
  // The engine's own view of its commits: during a store fault (commits refused and retried
  // with backoff, docs/storage.md) the service is not ready until a commit succeeds again.
  const std::optional<StoreHealth> health =
      c.engine == nullptr ? std::nullopt : std::optional<StoreHealth>(c.engine->store_health());
  const bool commits_ok = !health || health->ok;
  SagaQuery probe;
  probe.limit = 1;
  auto rows = c.reader.list(probe);
  const bool ready = engine_ok && commits_ok && rows.is_ok();
  JsonWriter j;
  j.begin_object().field("ready", ready);
  j.key("engine");
  if (c.engine == nullptr) {
    j.value("none in this process");
  } else {
    j.value(engine_ok ? "running" : "not running");
  }
  j.field("store", rows ? std::string("ok") : rows.status().to_string());
  if (health) {
    j.field("store_commits", commits_ok ? std::string("ok") : "failing: " + health->last_error);
  }
  j.end_object();
  return json_response(j, ready ? 200 : 503);
}

}  // namespace saga::admin
