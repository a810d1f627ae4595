// sagactl list and show: sagas and one saga's state, command and history.
#include <algorithm>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "command_support.h"

namespace sagactl {

using saga::JsonWriter;
using saga::Millis;
using saga::Phase;
using saga::SagaInstance;

int list(Context& c, const ListArgs& args) {
  saga::SagaQuery q;
  if (!args.phase.empty()) {
    q.phase = parse_phase(args.phase);
    if (!q.phase) {
      return fail(c, "unknown phase '" + args.phase +
                         "' (executing, compensating, completed, compensated, failed)");
    }
  }
  q.type = args.type;
  for (const auto& [text, bound] : {std::pair{&args.older_than, &q.created_before},
                                    std::pair{&args.newer_than, &q.created_after}}) {
    if (text->empty()) continue;
    std::optional<Millis> age = parse_duration(*text);
    if (!age) return fail(c, "bad duration '" + *text + "' (examples: 90s, 10m, 2h, 1d)");
    *bound = wall_now() - *age;
  }
  if (args.limit == 0 || args.page == 0) return fail(c, "--limit and --page start at 1");
  q.limit = args.limit;
  q.offset = (args.page - 1) * args.limit;
  auto inspector = open(c, saga::StoreAccess::kReadOnly);
  if (!inspector) return fail(c, inspector.status().message());
  auto rows = (*inspector)->list(q);
  if (!rows) return fail(c, rows.status().to_string());
  if (c.json) {
    JsonWriter j;
    j.begin_object().field("page", static_cast<std::uint64_t>(args.page));
    j.field("limit", static_cast<std::uint64_t>(args.limit)).key("sagas").begin_array();
    for (const SagaInstance& i : rows.value()) {
      j.begin_object();
      instance_json(j, i);
      j.end_object();
    }
    j.end_array().end_object();
    return print(c, j);
  }
  // Step names come from the recorded definitions (steps unknown: the number alone).
  auto definitions = (*inspector)->definitions();
  if (!definitions) return fail(c, definitions.status().to_string());
  auto name_of = [&](const SagaInstance& i) -> std::string {
    for (const saga::DefinitionInfo& d : definitions.value()) {
      const saga::DefinitionRecord& r = d.record;
      if (r.name == i.type && r.version == i.version && r.fingerprint == i.fingerprint && r.steps &&
          i.step >= 0 && static_cast<std::size_t>(i.step) < r.steps->size()) {
        return (*r.steps)[static_cast<std::size_t>(i.step)].name;
      }
    }
    return "";
  };
  // A "parent" column when a listed saga is a child (docs/dsl.md, "Child sagas").
  const bool children = std::any_of(rows->begin(), rows->end(),
                                    [](const SagaInstance& i) { return !i.parent_id.empty(); });
  std::vector<std::string> headers{"id", "type", "phase", "step", "on step for", "created", "age"};
  if (children) headers.push_back("parent");
  headers.push_back("reason");
  Table t(headers);
  const Millis now = wall_now();
  for (const SagaInstance& i : rows.value()) {
    std::string step = saga::is_terminal(i.phase) ? "-" : step_label(i.step, name_of(i));
    std::string stuck = "-";  // since the saga came to its step (its history, one read each)
    if (!saga::is_terminal(i.phase)) {
      auto detail = (*inspector)->saga(i.id);
      if (!detail) return fail(c, detail.status().to_string());
      if (detail->has_value()) {
        stuck = format_duration(now - detail->value().on_step_since());
        if (detail->value().held_command() != nullptr) stuck += " (held)";
      }
    }
    std::vector<std::string> cells{i.id,
                                   i.type + " v" + std::to_string(i.version),
                                   c.style.phase(i.phase),
                                   step,
                                   stuck,
                                   format_time(i.created_at),
                                   format_duration(now - i.created_at)};
    if (children) cells.push_back(i.parent_id.empty() ? "-" : i.parent_id);
    cells.push_back(i.last_reason);
    t.row(std::move(cells));
  }
  if (t.empty()) {
    *c.out << "no sagas match\n";
    return kExitOk;
  }
  t.print(*c.out, c.style);
  if (rows->size() == args.limit) {
    *c.out << c.style.dim("page " + std::to_string(args.page) + "; more with --page " +
                          std::to_string(args.page + 1))
           << '\n';
  }
  return kExitOk;
}

namespace {

// The child sagas `d` started (its history's child_started entries), each with its phase.
using Children = std::vector<std::pair<std::string, std::string>>;
saga::Result<Children> children_of(saga::Inspector& inspector, const saga::SagaDetail& d) {
  Children out;
  for (const saga::HistoryEntry& h : d.history) {
    if (h.event != saga::Event::kChildStarted) continue;
    const std::string id = saga::child_saga_id(d.instance.id, d.step_name(h.step));
    auto child = inspector.saga(id);
    if (!child) return child.status();
    out.emplace_back(id, child->has_value()
                             ? std::string(saga::to_string(child->value().instance.phase))
                             : "not found");
  }
  return out;
}

// Saga data as JSON when it is JSON (a definition that stores its data as JSON); else nothing.
std::optional<std::string> data_json(const std::string& data) {
  if (data.empty() || !saga::is_json(data)) return std::nullopt;
  return data;
}

// The history entries to print: [first, last).
struct Window {
  std::size_t first = 0;
  std::size_t last = 0;
};

Window history_window(const ShowArgs& args, std::size_t total, bool json) {
  const std::size_t limit = args.history_limit.value_or(json || args.history_offset ? 0 : 40);
  const std::size_t n = limit == 0 ? total : limit;
  if (args.history_offset) {
    const std::size_t first = std::min(*args.history_offset, total);
    return {first, first + std::min(n, total - first)};
  }
  return {total - std::min(n, total), total};
}

void held_json(JsonWriter& j, const saga::SagaDetail& d) {
  j.key("on_step_since_ms");
  if (saga::is_terminal(d.instance.phase)) {
    j.null();
  } else {
    j.value(static_cast<std::int64_t>(d.on_step_since().count()));
  }
  j.key("held");
  if (const saga::HistoryEntry* held = d.held_command()) {
    j.begin_object().field("since_ms", static_cast<std::int64_t>(held->time.count()));
    j.field("reason", held->reason).end_object();
  } else {
    j.null();
  }
}

void show_json(Context& c, const saga::SagaDetail& d, Window w, const Children& children) {
  const SagaInstance& i = d.instance;
  JsonWriter j;
  j.begin_object();
  instance_json(j, i);
  j.field("fingerprint", i.fingerprint);
  j.field("definition_known", d.definition.has_value());
  j.field("steps_known", d.definition.has_value() && d.definition->steps.has_value());
  j.field("failed_from", saga::to_string(i.failed_from));
  j.field("step_name", d.step_name(i.step));
  if (!children.empty()) {  // child sagas it started (docs/dsl.md, "Child sagas")
    j.key("children").begin_array();
    for (const auto& [child, phase] : children) {
      j.begin_object().field("id", child).field("phase", phase).end_object();
    }
    j.end_array();
  }
  j.field("data_bytes", static_cast<std::uint64_t>(i.data.size()));
  j.key("data");
  if (std::optional<std::string> data = data_json(i.data)) {
    j.raw(*data);
  } else {
    j.null();
  }
  j.field("wait", wait_name(i.wait));
  if (i.saga_deadline.count() > 0) j.field("saga_deadline_ms", i.saga_deadline.count());
  j.key("locks_held").begin_array();
  for (const std::string& key : d.locks_held) j.value(key);
  j.end_array();
  j.key("waiting_for_lock");
  if (d.waiting_for_lock.empty()) {
    j.null();
  } else {
    j.value(d.waiting_for_lock);
  }
  j.key("deadline_ms");
  if (i.wait == saga::Wait::kNone) {
    j.null();
  } else {
    j.value(static_cast<std::int64_t>(i.deadline.count()));
  }
  j.key("outstanding_command");
  if (d.outstanding_command) {
    const saga::Envelope& e = d.outstanding_command->envelope;
    j.begin_object().field("participant", d.outstanding_command->participant).field("name", e.name);
    j.field("step", e.step).field("compensation", e.compensation);
    j.field("message_id", e.message_id).field("attempt", e.attempt).end_object();
  } else {
    j.null();
  }
  held_json(j, d);
  j.field("history_total", static_cast<std::uint64_t>(d.history.size()));
  j.field("history_offset", static_cast<std::uint64_t>(w.first));
  j.key("history").begin_array();
  for (std::size_t k = w.first; k < w.last; ++k) {
    const saga::HistoryEntry& h = d.history[k];
    j.begin_object().field("time_ms", static_cast<std::int64_t>(h.time.count()));
    j.field("event", saga::to_string(h.event)).field("step", h.step);
    j.field("step_name", d.step_name(h.step)).field("attempt", h.attempt);
    j.field("reason", h.reason).field("reply", h.reply_name).end_object();
  }
  j.end_array().end_object();
  *c.out << j.str();
}

void show_text(Context& c, const saga::SagaDetail& d, Window w, const Children& children) {
  const SagaInstance& i = d.instance;
  std::ostream& o = *c.out;
  auto line = [&](std::string_view key, const std::string& value) {
    std::string k(key);
    k.resize(12, ' ');
    o << c.style.bold(k) << value << '\n';
  };
  line("saga", i.id);
  std::string known = "  (definition not recorded)";
  if (d.definition) known = d.definition->steps ? "" : "  (steps not recorded)";
  line("type",
       i.type + " v" + std::to_string(i.version) + "  fingerprint " + i.fingerprint + known);
  std::string phase = c.style.phase(i.phase);
  if (i.phase == Phase::kFailed) {
    phase += " (while " + std::string(saga::to_string(i.failed_from)) +
             "; an operator can retry, compensate or skip)";
  }
  line("phase", phase);
  if (!saga::is_terminal(i.phase)) {
    line("step",
         step_label(i.step, d.step_name(i.step)) + "  attempt " + std::to_string(i.attempt));
  }
  if (!i.last_reason.empty()) line("reason", i.last_reason);
  line("trace_id", i.trace_id);
  if (!i.parent_id.empty())
    line("parent", i.parent_id + "  (a child saga: docs/dsl.md, \"Child sagas\")");
  if (i.wait == saga::Wait::kChild) {
    line("deadline",
         "none: waiting for child saga " + saga::child_saga_id(i.id, d.step_name(i.step)));
  }
  if (i.wait == saga::Wait::kParent)
    line("deadline", "none: its steps are done; waits for its parent's end");
  for (const auto& [child, child_phase] : children) line("child", child + "  " + child_phase);
  if (!saga::is_terminal(i.phase)) {
    const Millis since = d.on_step_since();
    line("stuck since",
         format_time(since) + "  (on this step for " + format_duration(wall_now() - since) + ")");
  }
  line("created", format_time(i.created_at));
  line("updated", format_time(i.updated_at));
  std::optional<std::string> data = data_json(i.data);
  line("data", std::to_string(i.data.size()) + " bytes" + (data ? "  " + *data : ""));
  if (d.outstanding_command) {
    const saga::Envelope& e = d.outstanding_command->envelope;
    line("command", d.outstanding_command->participant + " " + e.name +
                        (e.compensation ? " (compensation)" : "") + "  message_id " + e.message_id +
                        "  attempt " + std::to_string(e.attempt));
  } else {
    line("command", "none outstanding");
  }
  const saga::HistoryEntry* held = d.held_command();
  if (held != nullptr) {
    line("held", "not sent: held by its participant's gate since " + format_time(held->time) +
                     " (" + held->reason +
                     "); the admin server's /api/participants shows the breaker and next probe");
  }
  if (held != nullptr && i.wait == saga::Wait::kReply) {
    line("deadline", "none while held: the reply deadline runs from the send");
  } else if (i.wait == saga::Wait::kReply) {
    line("deadline", "reply due by " + format_time(i.deadline));
  }
  if (i.wait == saga::Wait::kRetry) line("deadline", "next retry at " + format_time(i.deadline));
  if (i.wait == saga::Wait::kNone) line("deadline", "none");
  if (i.wait == saga::Wait::kStart)
    line("deadline", "scheduled to start at " + format_time(i.deadline));
  if (i.saga_deadline.count() > 0) line("saga due", "by " + format_time(i.saga_deadline));
  if (i.wait == saga::Wait::kEvent) {  // the event's name is on the step's kEventAwaited entry
    std::string event = "?";
    for (const saga::HistoryEntry& h : d.history) {
      if (h.event == saga::Event::kEventAwaited) event = h.reply_name;
    }
    line("deadline", "waiting for event " + event + " until " + format_time(i.deadline));
  }
  if (i.wait == saga::Wait::kLock) {
    line("deadline",
         "none: waiting for lock " + d.waiting_for_lock + " (held by " + d.waiting_behind + ")");
  }
  if (!d.locks_held.empty()) {
    std::string keys;
    for (const std::string& k : d.locks_held) keys += (keys.empty() ? "" : ", ") + k;
    line("locks", "holds " + keys);
  }
  std::string range;
  if (w.first > 0 || w.last < d.history.size()) {
    range = "  entries " + std::to_string(w.first) + ".." +
            std::to_string(w.last == 0 ? 0 : w.last - 1) + " of " +
            std::to_string(d.history.size()) + " (--history-offset, --history-limit 0: all)";
  }
  o << c.style.bold("history") << c.style.dim(range) << '\n';
  Table t({"time", "event", "step", "attempt", "reason"});
  for (std::size_t k = w.first; k < w.last; ++k) {
    const saga::HistoryEntry& h = d.history[k];
    std::string reason = h.reason;
    if (!h.reply_name.empty()) reason += (reason.empty() ? "" : " ") + ("(" + h.reply_name + ")");
    t.row({format_time(h.time), std::string(saga::to_string(h.event)),
           step_label(h.step, d.step_name(h.step)), std::to_string(h.attempt), reason});
  }
  t.print(o, c.style);
}

}  // namespace

int show(Context& c, const ShowArgs& args) {
  const std::string& id = args.id;
  auto inspector = open(c, saga::StoreAccess::kReadOnly);
  if (!inspector) return fail(c, inspector.status().message());
  auto detail = (*inspector)->saga(id);
  if (!detail) return fail(c, detail.status().to_string());
  if (!detail->has_value()) return fail(c, "no saga with id '" + id + "'");
  const Window w = history_window(args, detail->value().history.size(), c.json);
  auto children = children_of(**inspector, detail->value());
  if (!children) return fail(c, children.status().to_string());
  if (c.json) {
    show_json(c, detail->value(), w, children.value());
  } else {
    show_text(c, detail->value(), w, children.value());
  }
  return kExitOk;
}

}  // namespace sagactl
