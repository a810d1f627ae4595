// sagactl stats, definitions, dot and mermaid: counts over the database, and the recorded
// definitions with their steps.
#include <ostream>
#include <string>
#include <vector>

#include "command_support.h"
#include "saga/diagram.h"

namespace sagactl {

using saga::Event;
using saga::JsonWriter;
using saga::Phase;

namespace {
constexpr std::size_t kMaxBlocked = 10'000;  // unfinished sagas read for the grouping
}  // namespace

int stats(Context& c) {
  auto inspector = open(c, saga::StoreAccess::kReadOnly);
  if (!inspector) return fail(c, inspector.status().message());
  auto stats = (*inspector)->stats();
  if (!stats) return fail(c, stats.status().to_string());
  const saga::InspectionStats& s = stats.value();
  bool truncated = false;
  auto blocked = (*inspector)->blocked(kMaxBlocked, truncated);
  if (!blocked) return fail(c, blocked.status().to_string());
  std::vector<std::string> types;
  for (const saga::SagaCount& n : s.counts) {
    if (types.empty() || types.back() != n.type) types.push_back(n.type);  // sorted by type
  }
  const std::uint64_t retries = s.events_of({Event::kStepRetried, Event::kCompensationRetried});
  const std::uint64_t timeouts = s.events_of({Event::kStepTimedOut, Event::kCompensationTimedOut});
  const std::uint64_t failures =
      s.events_of({Event::kStepExhausted, Event::kCompensationExhausted});
  std::uint64_t operator_actions =
      s.events_of({Event::kOperatorReleasedLock, Event::kOperatorRetriedRunningCompensation,
                   Event::kOperatorSkippedRunningCompensation});
  for (int e = static_cast<int>(Event::kOperatorRetriedStep);
       e <= static_cast<int>(Event::kOperatorSkippedCompensation); ++e) {
    operator_actions += s.events_of({static_cast<Event>(e)});
  }
  if (c.json) {
    JsonWriter j;
    auto phases = [&](std::string_view type) {
      j.begin_object();
      for (int p = 1; p <= 5; ++p) {
        j.field(saga::to_string(static_cast<Phase>(p)), s.count(static_cast<Phase>(p), type));
      }
      j.end_object();
    };
    j.begin_object().key("by_phase");
    phases("");
    j.key("by_type").begin_object();
    for (const std::string& type : types) {
      j.key(type);
      phases(type);
    }
    j.end_object().key("oldest_unfinished");
    if (s.oldest_unfinished) {
      j.begin_object();
      instance_json(j, *s.oldest_unfinished);
      j.end_object();
    } else {
      j.null();
    }
    j.key("history").begin_object().field("retries", retries).field("timeouts", timeouts);
    j.field("failures", failures).field("operator_actions", operator_actions).end_object();
    j.field("operator_requests_pending", s.pending_requests).key("blocked").begin_array();
    for (const saga::BlockedGroup& g : blocked.value()) {
      j.begin_object().field("type", g.type).field("version", g.version);
      j.field("phase", saga::to_string(g.phase)).field("step", g.step);
      j.field("step_name", g.step_name).field("participant", g.participant);
      j.field("count", g.count);
      j.field("oldest_update_ms", static_cast<std::int64_t>(g.oldest_update.count()));
      j.field("example", g.example).end_object();
    }
    j.end_array().field("blocked_truncated", truncated).end_object();
    return print(c, j);
  }
  std::ostream& o = *c.out;
  Table t({"type", "executing", "compensating", "completed", "compensated", "failed", "total"});
  auto add = [&](const std::string& label, std::string_view type) {
    std::vector<std::string> row{label};
    std::uint64_t total = 0;
    for (int p = 1; p <= 5; ++p) {
      const std::uint64_t n = s.count(static_cast<Phase>(p), type);
      row.push_back(std::to_string(n));
      total += n;
    }
    row.push_back(std::to_string(total));
    t.row(std::move(row));
  };
  for (const std::string& type : types) add(type, type);
  add("(all)", "");
  t.print(o, c.style);
  o << '\n';
  if (s.oldest_unfinished) {
    const saga::SagaInstance& i = *s.oldest_unfinished;
    o << "oldest unfinished: " << i.id << " (" << i.type << ", " << c.style.phase(i.phase)
      << ", created " << format_time(i.created_at) << ")\n";
  } else {
    o << "oldest unfinished: none\n";
  }
  o << "from history:      " << retries << " retries, " << timeouts << " timeouts, " << failures
    << " retries exhausted, " << operator_actions << " operator actions\n";
  o << "operator requests: " << s.pending_requests << " pending\n";
  if (!blocked->empty()) {
    o << '\n' << c.style.bold("unfinished sagas by step and participant") << '\n';
    Table b({"type", "phase", "step", "participant", "sagas", "oldest update", "e.g."});
    const saga::Millis now = wall_now();
    for (const saga::BlockedGroup& g : blocked.value()) {
      b.row({g.type + " v" + std::to_string(g.version), c.style.phase(g.phase),
             step_label(g.step, g.step_name), g.participant.empty() ? "-" : g.participant,
             std::to_string(g.count), format_duration(now - g.oldest_update) + " ago", g.example});
    }
    b.print(o, c.style);
    if (truncated) o << c.style.dim("(the first " + std::to_string(kMaxBlocked) + " only)") << '\n';
  }
  o << c.style.dim(
           "stale replies are counted by the running engine: see its metrics "
           "(saga_stale_replies_total)")
    << '\n';
  return kExitOk;
}

namespace {

// "kitchen: CreateTicket", "local", "-".
std::string does(const saga::StepRecord& s) {
  if (!s.participant.empty()) return s.participant + ": " + s.command;
  return s.local ? "local" : "-";
}

void steps_json(JsonWriter& j, const std::vector<saga::StepRecord>& steps) {
  j.begin_array();
  for (const saga::StepRecord& s : steps) {
    j.begin_object().field("name", s.name).field("kind", saga::to_string(s.kind));
    j.field("participant", s.participant).field("command", s.command);
    j.field("compensation_participant", s.compensation_participant);
    j.field("compensation_command", s.compensation_command);
    j.field("local", s.local).field("conditional", s.conditional);
    j.field("maximum_attempts", s.maximum_attempts).end_object();
  }
  j.end_array();
}

}  // namespace

int definitions(Context& c) {
  auto inspector = open(c, saga::StoreAccess::kReadOnly);
  if (!inspector) return fail(c, inspector.status().message());
  auto records = (*inspector)->definitions();
  if (!records) return fail(c, records.status().to_string());
  if (c.json) {
    JsonWriter j;
    j.begin_object().key("definitions").begin_array();
    for (const saga::DefinitionInfo& d : records.value()) {
      j.begin_object().field("name", d.record.name).field("version", d.record.version);
      j.field("fingerprint", d.record.fingerprint);
      j.field("registered_at_ms", static_cast<std::int64_t>(d.record.registered_at.count()));
      j.field("running", d.running).key("steps");
      if (d.record.steps) {
        steps_json(j, *d.record.steps);
      } else {
        j.null();
      }
      j.end_object();
    }
    j.end_array().end_object();
    return print(c, j);
  }
  Table t({"name", "version", "fingerprint", "registered", "running", "steps"});
  for (const saga::DefinitionInfo& d : records.value()) {
    std::string steps = "unknown (recorded before schema v5)";
    if (d.record.steps) {
      steps.clear();
      for (std::size_t k = 0; k < d.record.steps->size(); ++k) {
        steps += (k == 0 ? "" : ", ") +
                 step_label(static_cast<std::int32_t>(k), (*d.record.steps)[k].name);
      }
    }
    t.row({d.record.name, std::to_string(d.record.version), d.record.fingerprint,
           format_time(d.record.registered_at), std::to_string(d.running), steps});
  }
  t.print(*c.out, c.style);
  for (const saga::DefinitionInfo& d : records.value()) {
    if (!d.record.steps) continue;
    *c.out << '\n' << c.style.bold(d.record.name + " v" + std::to_string(d.record.version)) << '\n';
    Table s({"step", "kind", "does", "compensation"});
    for (std::size_t k = 0; k < d.record.steps->size(); ++k) {
      const saga::StepRecord& r = (*d.record.steps)[k];
      std::string kind(saga::to_string(r.kind));
      if (r.conditional) kind += " (conditional)";
      s.row({step_label(static_cast<std::int32_t>(k), r.name), kind, does(r),
             r.compensation_participant.empty()
                 ? "-"
                 : r.compensation_participant + ": " + r.compensation_command});
    }
    s.print(*c.out, c.style);
  }
  return kExitOk;
}

int diagram(Context& c, const std::string& name, std::uint32_t version, bool mermaid,
            bool control) {
  auto inspector = open(c, saga::StoreAccess::kReadOnly);
  if (!inspector) return fail(c, inspector.status().message());
  auto record = (*inspector)->definition(name, version);
  if (!record) return fail(c, record.status().to_string());
  const std::string which = name + (version == 0 ? "" : " v" + std::to_string(version));
  if (!record->has_value()) {
    return fail(c, "no definition " + which + " recorded in " + c.database +
                       " (sagactl definitions lists them)");
  }
  if (!record->value().steps) {
    return fail(c, "the steps of " + which +
                       " are unknown (recorded before schema v5): start the engine once with "
                       "this version so that it records them");
  }
  const saga::SagaDefinition d = saga::structure_of(record->value());
  const saga::DiagramOptions options{control};
  *c.out << (mermaid ? saga::to_mermaid(d, options) : saga::to_dot(d, options));
  return kExitOk;
}

}  // namespace sagactl
