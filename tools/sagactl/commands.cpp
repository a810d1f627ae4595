// sagactl's commands over the engine's store (read-only, except operator requests).
#include "commands.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <ostream>
#include <thread>

#include "examples.h"
#include "ftgo.h"
#include "saga/body_codec.h"
#include "saga/diagram.h"

namespace sagactl {
namespace {

using saga::Millis;
using saga::Phase;
using saga::Result;
using saga::SagaInstance;
using saga::Status;
using saga::StatusCode;

// --- definitions compiled into sagactl (definitions are code; the database has only names) ---

struct Known {
  std::shared_ptr<const saga::SagaDefinition> definition;
  std::string fingerprint;
  // Saga data as JSON, when it decodes.
  std::function<std::optional<std::string>(std::string_view)> decode;
};

const std::vector<Known>& known() {
  static const std::vector<Known> all = [] {
    std::vector<Known> out;
    saga::DefinitionResult create_order = examples::create_order_saga();
    if (create_order) {
      out.push_back({create_order.value(), saga::fingerprint(*create_order.value()),
                     [](std::string_view bytes) -> std::optional<std::string> {
                       auto data = saga::decode_body<ftgo::CreateOrderData>(bytes);
                       if (!data) return std::nullopt;
                       auto json = saga::encode_body(data.value(), saga::ContentType::kJson);
                       if (!json) return std::nullopt;
                       return std::move(json).value();
                     }});
    }
    return out;
  }();
  return all;
}

// The compiled-in definition an instance runs, if sagactl has it (same fingerprint).
const Known* known_for(const SagaInstance& i) {
  for (const Known& k : known()) {
    if (k.definition->name == i.type && k.definition->version == i.version &&
        k.fingerprint == i.fingerprint) {
      return &k;
    }
  }
  return nullptr;
}

std::string step_name(const Known* k, std::int32_t step) {
  if (k == nullptr || step < 0 || static_cast<std::size_t>(step) >= k->definition->steps.size()) {
    return "";
  }
  return k->definition->steps[static_cast<std::size_t>(step)].name;
}

// --- errors and opening ---

int fail(Context& c, const std::string& message) {
  *c.err << "sagactl: error: " << message << '\n';
  return kExitError;
}

Result<std::unique_ptr<saga::SqliteSagaStore>> open(Context& c, saga::StoreAccess access) {
  if (c.database.empty()) return saga::invalid_argument("no database: pass --db PATH (or SAGA_DB)");
  std::error_code ec;
  if (!std::filesystem::is_regular_file(c.database, ec)) {
    return saga::not_found("no such database file: " + c.database);
  }
  saga::StoreOptions options;
  options.path = c.database;
  options.access = access;
  options.busy_timeout = Millis{5'000};
  auto store = saga::SqliteSagaStore::open(options);
  if (!store && store.status().code() == StatusCode::kCorrupt) {
    return Status(StatusCode::kCorrupt,
                  c.database + " is not a saga engine database (" + store.status().message() + ")");
  }
  return store;
}

std::optional<Phase> parse_phase(std::string_view name) {
  for (int p = 1; p <= 5; ++p) {
    if (saga::to_string(static_cast<Phase>(p)) == name) return static_cast<Phase>(p);
  }
  return std::nullopt;
}

std::string_view wait_name(saga::Wait w) {
  switch (w) {
    case saga::Wait::kReply:
      return "reply";
    case saga::Wait::kRetry:
      return "retry";
    case saga::Wait::kLock:
      return "lock";
    case saga::Wait::kNone:
      break;
  }
  return "none";
}

void instance_json(Json& j, const SagaInstance& i) {
  j.field("id", i.id).field("type", i.type).field("version", i.version);
  j.field("phase", saga::to_string(i.phase)).field("step", i.step);
  j.field("attempt", i.attempt).field("last_reason", i.last_reason);
  j.field("trace_id", i.trace_id);
  j.field("created_at_ms", static_cast<std::int64_t>(i.created_at.count()));
  j.field("updated_at_ms", static_cast<std::int64_t>(i.updated_at.count()));
}

}  // namespace

std::string known_definition_names() {
  std::string out;
  for (const Known& k : known()) {
    if (!out.empty()) out += ", ";
    out += k.definition->name + " v" + std::to_string(k.definition->version);
  }
  return out;
}

// --- list ---

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
  if (!args.older_than.empty()) {
    std::optional<Millis> age = parse_duration(args.older_than);
    if (!age) return fail(c, "bad duration '" + args.older_than + "' (examples: 90s, 10m, 2h, 1d)");
    q.created_before = wall_now() - *age;
  }
  if (args.limit == 0 || args.page == 0) return fail(c, "--limit and --page start at 1");
  q.limit = args.limit;
  q.offset = (args.page - 1) * args.limit;
  auto store = open(c, saga::StoreAccess::kReadOnly);
  if (!store) return fail(c, store.status().message());
  auto rows = (*store)->query(q);
  if (!rows) return fail(c, rows.status().to_string());
  if (c.json) {
    Json j;
    j.begin_object().field("page", static_cast<std::uint64_t>(args.page));
    j.field("limit", static_cast<std::uint64_t>(args.limit)).key("sagas").begin_array();
    for (const SagaInstance& i : rows.value()) {
      j.begin_object();
      instance_json(j, i);
      j.end_object();
    }
    j.end_array().end_object();
    *c.out << j.str();
    return kExitOk;
  }
  Table t({"id", "type", "phase", "step", "created", "age", "reason"});
  const Millis now = wall_now();
  for (const SagaInstance& i : rows.value()) {
    std::string step = saga::is_terminal(i.phase) ? "-" : std::to_string(i.step);
    if (std::string name = step_name(known_for(i), i.step); !name.empty()) step += " " + name;
    t.row({i.id, i.type + " v" + std::to_string(i.version), c.style.phase(i.phase), step,
           format_time(i.created_at), format_duration(now - i.created_at), i.last_reason});
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

// --- show ---

namespace {

struct ShowData {
  SagaInstance instance;
  std::optional<saga::OutboxEntry> command;
  std::vector<saga::HistoryEntry> history;
  const Known* definition = nullptr;
  std::optional<std::string> decoded;
  std::vector<std::string> locks_held;  // semantic lock keys
  std::string waiting_for;              // the key it is queued for, if any
  std::string waiting_behind;           // that key's holder
};

// The step's name from the definition, or from the outstanding command for the current step.
std::string name_of_step(const ShowData& d, std::int32_t step) {
  std::string name = step_name(d.definition, step);
  if (name.empty() && d.command && step == d.instance.step) name = d.command->envelope.step;
  return name;
}

void show_json(Context& c, const ShowData& d) {
  const SagaInstance& i = d.instance;
  Json j;
  j.begin_object();
  instance_json(j, i);
  j.field("fingerprint", i.fingerprint).field("definition_known", d.definition != nullptr);
  j.field("failed_from", saga::to_string(i.failed_from));
  j.field("step_name", name_of_step(d, i.step));
  j.field("data_bytes", static_cast<std::uint64_t>(i.data.size()));
  j.key("data");
  if (d.decoded) {
    j.raw(*d.decoded);
  } else {
    j.null();
  }
  j.field("wait", wait_name(i.wait));
  j.key("locks_held").begin_array();
  for (const std::string& key : d.locks_held) j.value(key);
  j.end_array();
  j.key("waiting_for_lock");
  if (d.waiting_for.empty()) {
    j.null();
  } else {
    j.value(d.waiting_for);
  }
  j.key("deadline_ms");
  if (i.wait == saga::Wait::kNone) {
    j.null();
  } else {
    j.value(static_cast<std::int64_t>(i.deadline.count()));
  }
  j.key("outstanding_command");
  if (d.command) {
    const saga::Envelope& e = d.command->envelope;
    j.begin_object().field("participant", d.command->participant).field("name", e.name);
    j.field("step", e.step).field("compensation", e.compensation);
    j.field("message_id", e.message_id).field("attempt", e.attempt).end_object();
  } else {
    j.null();
  }
  j.key("history").begin_array();
  for (const saga::HistoryEntry& h : d.history) {
    j.begin_object().field("time_ms", static_cast<std::int64_t>(h.time.count()));
    j.field("event", saga::to_string(h.event)).field("step", h.step);
    j.field("step_name", name_of_step(d, h.step)).field("attempt", h.attempt);
    j.field("reason", h.reason).field("reply", h.reply_name).end_object();
  }
  j.end_array().end_object();
  *c.out << j.str();
}

void show_text(Context& c, const ShowData& d) {
  const SagaInstance& i = d.instance;
  std::ostream& o = *c.out;
  auto line = [&](std::string_view key, const std::string& value) {
    std::string k(key);
    k.resize(12, ' ');
    o << c.style.bold(k) << value << '\n';
  };
  line("saga", i.id);
  line("type", i.type + " v" + std::to_string(i.version) + "  fingerprint " + i.fingerprint +
                   (d.definition ? "  (built into sagactl)" : "  (definition not built in)"));
  std::string phase = c.style.phase(i.phase);
  if (i.phase == Phase::kFailed) {
    phase += " (while " + std::string(saga::to_string(i.failed_from)) +
             "; an operator can retry, compensate or skip)";
  }
  line("phase", phase);
  if (!saga::is_terminal(i.phase)) {
    std::string step = std::to_string(i.step);
    if (std::string name = name_of_step(d, i.step); !name.empty()) step += " " + name;
    line("step", step + "  attempt " + std::to_string(i.attempt));
  }
  if (!i.last_reason.empty()) line("reason", i.last_reason);
  line("trace_id", i.trace_id);
  line("created", format_time(i.created_at));
  line("updated", format_time(i.updated_at));
  line("data", std::to_string(i.data.size()) + " bytes" + (d.decoded ? "  " + *d.decoded : ""));
  if (d.command) {
    const saga::Envelope& e = d.command->envelope;
    line("command", d.command->participant + " " + e.name +
                        (e.compensation ? " (compensation)" : "") + "  message_id " + e.message_id +
                        "  attempt " + std::to_string(e.attempt));
  } else {
    line("command", "none outstanding");
  }
  if (i.wait == saga::Wait::kReply) line("deadline", "reply due by " + format_time(i.deadline));
  if (i.wait == saga::Wait::kRetry) line("deadline", "next retry at " + format_time(i.deadline));
  if (i.wait == saga::Wait::kNone) line("deadline", "none");
  if (i.wait == saga::Wait::kLock) {
    line("deadline",
         "none: waiting for lock " + d.waiting_for + " (held by " + d.waiting_behind + ")");
  }
  if (!d.locks_held.empty()) {
    std::string keys;
    for (const std::string& k : d.locks_held) keys += (keys.empty() ? "" : ", ") + k;
    line("locks", "holds " + keys);
  }
  o << c.style.bold("history") << '\n';
  Table t({"time", "event", "step", "attempt", "reason"});
  for (const saga::HistoryEntry& h : d.history) {
    std::string s = h.step < 0 ? "-" : std::to_string(h.step);
    if (std::string name = name_of_step(d, h.step); !name.empty()) s += " " + name;
    std::string reason = h.reason;
    if (!h.reply_name.empty()) reason += (reason.empty() ? "" : " ") + ("(" + h.reply_name + ")");
    t.row({format_time(h.time), std::string(saga::to_string(h.event)), s, std::to_string(h.attempt),
           reason});
  }
  t.print(o, c.style);
}

}  // namespace

int show(Context& c, const std::string& id) {
  auto store = open(c, saga::StoreAccess::kReadOnly);
  if (!store) return fail(c, store.status().message());
  auto instance = (*store)->load(id);
  if (!instance) return fail(c, instance.status().to_string());
  if (!instance->has_value()) return fail(c, "no saga with id '" + id + "'");
  ShowData d;
  d.instance = std::move(instance->value());
  auto command = (*store)->outbox_entry(id);
  auto history = (*store)->history(id);
  if (!command) return fail(c, command.status().to_string());
  if (!history) return fail(c, history.status().to_string());
  d.command = std::move(command).value();
  d.history = std::move(history).value();
  d.definition = known_for(d.instance);
  if (d.definition && d.definition->decode) d.decoded = d.definition->decode(d.instance.data);
  auto held = (*store)->load_locks();
  auto waits = (*store)->load_lock_waits();
  if (!held) return fail(c, held.status().to_string());
  if (!waits) return fail(c, waits.status().to_string());
  for (const saga::LockWait& w : waits.value()) {
    if (w.saga_id == id) d.waiting_for = w.claims.front().key;
  }
  for (const saga::HeldLock& l : held.value()) {
    if (l.saga_id == id) d.locks_held.push_back(l.key);
    if (l.key == d.waiting_for) d.waiting_behind = l.saga_id;
  }
  if (c.json) {
    show_json(c, d);
  } else {
    show_text(c, d);
  }
  return kExitOk;
}

// --- stats ---

int stats(Context& c) {
  auto store = open(c, saga::StoreAccess::kReadOnly);
  if (!store) return fail(c, store.status().message());
  auto counts = (*store)->counts();
  auto events = (*store)->event_counts();
  auto oldest = (*store)->oldest_unfinished();
  auto pending = (*store)->operator_requests(saga::RequestState::kPending, 0);
  for (const Status& s : {counts.status(), events.status(), oldest.status(), pending.status()}) {
    if (!s) return fail(c, s.to_string());
  }
  std::map<Phase, std::uint64_t> by_phase;
  std::map<std::string, std::map<Phase, std::uint64_t>> by_type;
  for (const saga::SagaCount& n : counts.value()) {
    by_phase[n.phase] += n.count;
    by_type[n.type][n.phase] += n.count;
  }
  auto event = [&](saga::Event e) {
    auto it = events->find(e);
    return it == events->end() ? std::uint64_t{0} : it->second;
  };
  const std::uint64_t retries =
      event(saga::Event::kStepRetried) + event(saga::Event::kCompensationRetried);
  const std::uint64_t timeouts =
      event(saga::Event::kStepTimedOut) + event(saga::Event::kCompensationTimedOut);
  const std::uint64_t failures =
      event(saga::Event::kStepExhausted) + event(saga::Event::kCompensationExhausted);
  std::uint64_t operator_actions = 0;
  for (int e = static_cast<int>(saga::Event::kOperatorRetriedStep);
       e <= static_cast<int>(saga::Event::kOperatorSkippedCompensation); ++e) {
    operator_actions += event(static_cast<saga::Event>(e));
  }
  operator_actions += event(saga::Event::kOperatorReleasedLock);
  if (c.json) {
    Json j;
    j.begin_object().key("by_phase").begin_object();
    for (int p = 1; p <= 5; ++p) {
      j.field(saga::to_string(static_cast<Phase>(p)), by_phase[static_cast<Phase>(p)]);
    }
    j.end_object().key("by_type").begin_object();
    for (auto& [type, phases] : by_type) {
      j.key(type).begin_object();
      for (int p = 1; p <= 5; ++p) {
        j.field(saga::to_string(static_cast<Phase>(p)), phases[static_cast<Phase>(p)]);
      }
      j.end_object();
    }
    j.end_object().key("oldest_unfinished");
    if (oldest->has_value()) {
      j.begin_object();
      instance_json(j, oldest->value());
      j.end_object();
    } else {
      j.null();
    }
    j.key("history").begin_object().field("retries", retries).field("timeouts", timeouts);
    j.field("failures", failures).field("operator_actions", operator_actions).end_object();
    j.field("operator_requests_pending", static_cast<std::uint64_t>(pending->size()));
    j.end_object();
    *c.out << j.str();
    return kExitOk;
  }
  std::ostream& o = *c.out;
  Table t({"type", "executing", "compensating", "completed", "compensated", "failed", "total"});
  auto add = [&](const std::string& name, std::map<Phase, std::uint64_t>& phases) {
    std::vector<std::string> row{name};
    std::uint64_t total = 0;
    for (int p = 1; p <= 5; ++p) {
      row.push_back(std::to_string(phases[static_cast<Phase>(p)]));
      total += phases[static_cast<Phase>(p)];
    }
    row.push_back(std::to_string(total));
    t.row(std::move(row));
  };
  for (auto& [type, phases] : by_type) add(type, phases);
  add("(all)", by_phase);
  t.print(o, c.style);
  o << '\n';
  if (oldest->has_value()) {
    const SagaInstance& i = oldest->value();
    o << "oldest unfinished: " << i.id << " (" << i.type << ", " << c.style.phase(i.phase)
      << ", created " << format_time(i.created_at) << ")\n";
  } else {
    o << "oldest unfinished: none\n";
  }
  o << "from history:      " << retries << " retries, " << timeouts << " timeouts, " << failures
    << " retries exhausted, " << operator_actions << " operator actions\n";
  o << "operator requests: " << pending->size() << " pending\n";
  o << c.style.dim(
           "stale replies are counted by the running engine: see its metrics "
           "(saga_stale_replies_total)")
    << '\n';
  return kExitOk;
}

// --- definitions ---

int definitions(Context& c) {
  auto store = open(c, saga::StoreAccess::kReadOnly);
  if (!store) return fail(c, store.status().message());
  auto records = (*store)->definitions();
  auto counts = (*store)->counts();
  if (!records) return fail(c, records.status().to_string());
  if (!counts) return fail(c, counts.status().to_string());
  auto running = [&](const saga::DefinitionRecord& d) {
    std::uint64_t n = 0;
    for (const saga::SagaCount& k : counts.value()) {
      if (k.type == d.name && k.version == d.version && k.fingerprint == d.fingerprint &&
          !saga::is_terminal(k.phase)) {
        n += k.count;
      }
    }
    return n;
  };
  auto built_in = [](const saga::DefinitionRecord& d) {
    return std::any_of(known().begin(), known().end(), [&](const Known& k) {
      return k.definition->name == d.name && k.definition->version == d.version &&
             k.fingerprint == d.fingerprint;
    });
  };
  if (c.json) {
    Json j;
    j.begin_object().key("definitions").begin_array();
    for (const saga::DefinitionRecord& d : records.value()) {
      j.begin_object().field("name", d.name).field("version", d.version);
      j.field("fingerprint", d.fingerprint);
      j.field("registered_at_ms", static_cast<std::int64_t>(d.registered_at.count()));
      j.field("running", running(d)).field("built_in", built_in(d)).end_object();
    }
    j.end_array().end_object();
    *c.out << j.str();
    return kExitOk;
  }
  Table t({"name", "version", "fingerprint", "registered", "running", "diagram"});
  for (const saga::DefinitionRecord& d : records.value()) {
    t.row({d.name, std::to_string(d.version), d.fingerprint, format_time(d.registered_at),
           std::to_string(running(d)), built_in(d) ? "built in" : "-"});
  }
  t.print(*c.out, c.style);
  return kExitOk;
}

// --- operator actions ---

// Checks that the request can apply now, for a clearer error than the engine's rejection.
std::optional<std::string> act_refusal(saga::SqliteSagaStore& store, const ActionArgs& args,
                                       const std::string& action) {
  if (args.action == saga::OperatorAction::kReleaseLock) {
    auto held = store.load_locks();
    if (!held) return held.status().to_string();
    for (const saga::HeldLock& l : held.value()) {
      if (l.key != args.id) continue;
      if (!args.holder.empty() && l.saga_id != args.holder) {
        return "lock " + args.id + " is held by " + l.saga_id + ", not " + args.holder;
      }
      return std::nullopt;
    }
    return "no saga holds lock '" + args.id + "' (sagactl locks)";
  }
  auto instance = store.load(args.id);
  if (!instance) return instance.status().to_string();
  if (!instance->has_value()) return "no saga with id '" + args.id + "'";
  const Phase phase = instance->value().phase;
  if (phase != Phase::kFailed) {
    return "saga " + args.id + " is " + std::string(saga::to_string(phase)) + ": " + action +
           " applies only to failed sagas";
  }
  return std::nullopt;
}

int act(Context& c, const ActionArgs& args) {
  const std::string action(saga::to_string(args.action));
  const bool lock = args.action == saga::OperatorAction::kReleaseLock;
  const std::string target = (lock ? "lock " : "saga ") + args.id;
  if (args.reason.empty()) return fail(c, action + " needs --reason \"...\" (kept in the history)");
  std::optional<Millis> timeout = parse_duration(args.timeout);
  if (!timeout) return fail(c, "bad --timeout '" + args.timeout + "'");
  auto store = open(c, saga::StoreAccess::kOperator);
  if (!store) return fail(c, store.status().message());
  if (auto refusal = act_refusal(**store, args, action)) return fail(c, *refusal);
  saga::OperatorRequest request;
  request.saga_id = lock ? args.holder : args.id;
  request.lock_key = lock ? args.id : std::string();
  request.action = args.action;
  request.reason = args.reason;
  request.requested_by = args.requested_by;
  if (request.requested_by.empty()) {
    const char* user = std::getenv("USER");
    request.requested_by = user != nullptr && *user != '\0' ? user : "unknown";
  }
  request.requested_at = wall_now();
  auto id = (*store)->add_operator_request(request);
  if (!id) return fail(c, id.status().to_string());

  std::optional<saga::OperatorRequest> done;
  if (args.wait) {
    const auto give_up = std::chrono::steady_clock::now() + *timeout;
    while (std::chrono::steady_clock::now() < give_up) {
      auto r = (*store)->operator_request(*id);
      if (!r) return fail(c, r.status().to_string());
      if (r->has_value() && r->value().state != saga::RequestState::kPending) {
        done = std::move(r->value());
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }
  std::string state = done ? std::string(saga::to_string(done->state)) : "pending";
  std::string now_phase;
  if (done && !lock) {
    auto after = (*store)->load(args.id);
    if (after && after->has_value()) now_phase = saga::to_string(after->value().phase);
  }
  if (c.json) {
    Json j;
    j.begin_object().field("request", *id).field(lock ? "lock" : "saga", args.id);
    j.field("action", action);
    j.field("requested_by", request.requested_by).field("reason", request.reason);
    j.field("state", state).field("result", done ? done->result : "");
    if (!now_phase.empty()) j.field("phase", now_phase);
    j.end_object();
    *c.out << j.str();
  } else if (!done) {
    *c.out << "request " << *id << ": " << action << " " << target << " by " << request.requested_by
           << " is pending"
           << (args.wait ? " (not applied within " + args.timeout + ": is the engine running?)"
                         : "; the engine applies it at its next poll (sagactl requests)")
           << '\n';
  } else {
    *c.out << "request " << *id << ": " << action << " " << target << " " << state << ": "
           << done->result << (now_phase.empty() ? "" : "; saga is now " + now_phase) << '\n';
  }
  if (!args.wait) return kExitOk;
  return done && done->state == saga::RequestState::kApplied ? kExitOk : kExitRejected;
}

int locks(Context& c) {
  auto store = open(c, saga::StoreAccess::kReadOnly);
  if (!store) return fail(c, store.status().message());
  auto held = (*store)->load_locks();
  if (!held) return fail(c, held.status().to_string());
  auto waits = (*store)->load_lock_waits();
  if (!waits) return fail(c, waits.status().to_string());
  const Millis now = wall_now();
  struct Row {
    saga::HeldLock lock;
    Millis last_progress;
    bool past_lease;
    std::vector<std::string> waiting;
  };
  std::vector<Row> rows;
  for (const saga::HeldLock& l : held.value()) {
    // The engine's rule (Engine::locks): idle since the later of the grant and the holder's
    // last transition.
    Millis progress = l.acquired_at;
    auto holder = (*store)->load(l.saga_id);
    if (holder && holder->has_value()) progress = std::max(progress, holder->value().updated_at);
    Row r{l, progress, now - progress > l.lease, {}};
    for (const saga::LockWait& w : waits.value()) {  // in queue order
      if (w.claims.front().key == l.key) r.waiting.push_back(w.saga_id);
    }
    rows.push_back(std::move(r));
  }
  if (c.json) {
    Json j;
    j.begin_object().key("locks").begin_array();
    for (const Row& r : rows) {
      j.begin_object().field("key", r.lock.key).field("saga", r.lock.saga_id);
      j.field("acquired_at_ms", static_cast<std::int64_t>(r.lock.acquired_at.count()));
      j.field("lease_ms", static_cast<std::int64_t>(r.lock.lease.count()));
      j.field("last_progress_ms", static_cast<std::int64_t>(r.last_progress.count()));
      j.field("past_lease", r.past_lease).key("waiting").begin_array();
      for (const std::string& w : r.waiting) j.value(w);
      j.end_array().end_object();
    }
    j.end_array().end_object();
    *c.out << j.str();
    return kExitOk;
  }
  if (rows.empty()) {
    *c.out << "no locks held\n";
    return kExitOk;
  }
  Table t({"key", "holder", "held for", "idle", "lease", "waiting"});
  std::size_t past = 0;
  for (const Row& r : rows) {
    std::string idle = format_duration(now - r.last_progress);
    if (r.past_lease) {
      idle = c.style.bad(idle + " PAST LEASE");
      ++past;
    }
    std::string waiting = std::to_string(r.waiting.size());
    if (!r.waiting.empty()) waiting += " (next: " + r.waiting.front() + ")";
    t.row({r.lock.key, r.lock.saga_id, format_duration(now - r.lock.acquired_at), idle,
           format_duration(r.lock.lease), waiting});
  }
  t.print(*c.out, c.style);
  if (past > 0) {
    *c.out << past << " past lease: look at the holder (sagactl show ID), then "
           << "sagactl release-lock KEY --reason \"...\" if it is stuck\n";
  }
  return kExitOk;
}

int requests(Context& c, const RequestsArgs& args) {
  std::optional<saga::RequestState> state;
  if (args.state != "all") {
    state = saga::parse_request_state(args.state);
    if (!state)
      return fail(c, "unknown state '" + args.state + "' (pending, applied, rejected, all)");
  }
  auto store = open(c, saga::StoreAccess::kReadOnly);
  if (!store) return fail(c, store.status().message());
  auto rows = (*store)->operator_requests(state, args.limit);
  if (!rows) return fail(c, rows.status().to_string());
  if (c.json) {
    Json j;
    j.begin_object().key("requests").begin_array();
    for (const saga::OperatorRequest& r : rows.value()) {
      j.begin_object().field("id", r.id).field("saga", r.saga_id);
      if (!r.lock_key.empty()) j.field("lock", r.lock_key);
      j.field("action", saga::to_string(r.action)).field("state", saga::to_string(r.state));
      j.field("requested_by", r.requested_by).field("reason", r.reason);
      j.field("requested_at_ms", static_cast<std::int64_t>(r.requested_at.count()));
      j.field("result", r.result).end_object();
    }
    j.end_array().end_object();
    *c.out << j.str();
    return kExitOk;
  }
  if (rows->empty()) {
    *c.out << "no operator requests\n";
    return kExitOk;
  }
  Table t({"id", "saga", "action", "state", "by", "requested", "reason", "result"});
  for (const saga::OperatorRequest& r : rows.value()) {
    std::string target = r.lock_key.empty() ? r.saga_id : "lock " + r.lock_key;
    if (!r.lock_key.empty() && !r.saga_id.empty()) target += " (held by " + r.saga_id + ")";
    t.row({std::to_string(r.id), target, std::string(saga::to_string(r.action)),
           std::string(saga::to_string(r.state)), r.requested_by, format_time(r.requested_at),
           r.reason, r.result});
  }
  t.print(*c.out, c.style);
  return kExitOk;
}

int diagram(Context& c, const std::string& name, bool mermaid) {
  for (const Known& k : known()) {
    if (k.definition->name == name) {
      *c.out << (mermaid ? saga::to_mermaid(*k.definition) : saga::to_dot(*k.definition));
      return kExitOk;
    }
  }
  return fail(c, "no definition '" + name +
                     "' built into sagactl (built in: " + known_definition_names() +
                     "); definitions are code, the database stores only their names");
}

}  // namespace sagactl
