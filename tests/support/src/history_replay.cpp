// History export, the saga-history/1 text format, and replay through decide().
#include "saga/testing/history_replay.h"

#include <algorithm>
#include <fstream>
#include <sstream>
#include <utility>

#include "saga/decide.h"

namespace saga::testing {
namespace {

constexpr std::string_view kHeader = "saga-history/1";
constexpr char kHex[] = "0123456789abcdef";

bool plain(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         std::string_view("_.:/'()+-").find(static_cast<char>(c)) != std::string_view::npos;
}

std::string escape(std::string_view s) {
  if (s.empty()) return "%";
  std::string out;
  for (unsigned char c : s) {
    if (plain(c)) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 0xf];
    }
  }
  return out;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::optional<std::string> unescape(std::string_view s) {
  if (s == "%") return std::string();
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '%') {
      out += s[i];
      continue;
    }
    if (i + 2 >= s.size()) return std::nullopt;
    const int hi = hex_value(s[i + 1]);
    const int lo = hex_value(s[i + 2]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out += static_cast<char>(hi * 16 + lo);
    i += 2;
  }
  return out;
}

std::string to_hex(std::string_view bytes) {
  std::string out;
  for (unsigned char c : bytes) {
    out += kHex[c >> 4];
    out += kHex[c & 0xf];
  }
  return out.empty() ? "%" : out;
}

std::optional<std::string> from_hex(std::string_view hex) {
  if (hex == "%") return std::string();
  if (hex.size() % 2 != 0) return std::nullopt;
  std::string out;
  for (std::size_t i = 0; i < hex.size(); i += 2) {
    const int hi = hex_value(hex[i]);
    const int lo = hex_value(hex[i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out += static_cast<char>(hi * 16 + lo);
  }
  return out;
}

std::optional<Event> event_named(std::string_view name) {
  for (int e = 1; e <= kEventCount; ++e) {
    if (to_string(static_cast<Event>(e)) == name) return static_cast<Event>(e);
  }
  return std::nullopt;
}

std::optional<Phase> phase_named(std::string_view name) {
  for (int p = 0; p <= static_cast<int>(Phase::kFailed); ++p) {
    if (to_string(static_cast<Phase>(p)) == name) return static_cast<Phase>(p);
  }
  return std::nullopt;
}

std::vector<std::string> split(const std::string& line) {
  std::vector<std::string> out;
  std::istringstream in(line);
  for (std::string field; in >> field;) out.push_back(field);
  return out;
}

}  // namespace

std::string describe(const HistoryEntry& e, const SagaDefinition* definition) {
  std::ostringstream out;
  out << to_string(e.event) << " step=" << e.step;
  if (definition && e.step >= 0 && static_cast<std::size_t>(e.step) < definition->steps.size()) {
    out << "(" << definition->steps[static_cast<std::size_t>(e.step)].name << ")";
  }
  out << " attempt=" << e.attempt;
  if (!e.reply_name.empty()) out << " reply='" << e.reply_name << "'";
  if (!e.reason.empty()) out << " reason='" << e.reason << "'";
  return out.str();
}

namespace {

std::vector<std::string> names_of(const SagaDefinition& definition) {
  std::vector<std::string> out;
  for (const StepDefinition& st : definition.steps) out.push_back(st.name);
  return out;
}

}  // namespace

Result<RecordedHistory> export_history(Engine& engine, std::string_view id,
                                       std::optional<std::string> start_data,
                                       const SagaDefinition* definition) {
  Result<SagaInstance> saga = engine.get(id);
  if (!saga) return saga.status();
  Result<std::vector<HistoryEntry>> history = engine.history(id);
  if (!history) return history.status();
  RecordedHistory out;
  out.saga_id = saga->id;
  out.saga_type = saga->type;
  out.version = saga->version;
  out.fingerprint = saga->fingerprint;
  out.phase = saga->phase;
  out.start_data = std::move(start_data);
  if (definition) out.step_names = names_of(*definition);
  out.entries = std::move(history).value();
  // The engine keeps the events a saga took (Engine::events): each event_received entry (reason:
  // the event id) gets its payload, so that the replay feeds decide() the same event.
  bool took_events = false;
  for (const HistoryEntry& e : out.entries)
    took_events = took_events || e.event == Event::kEventReceived;
  if (took_events) {
    Result<std::vector<StoredEvent>> events = engine.events(id);
    if (!events) return events.status();
    for (std::size_t k = 0; k < out.entries.size(); ++k) {
      if (out.entries[k].event != Event::kEventReceived) continue;
      for (const StoredEvent& stored : events.value()) {
        if (stored.event_id == out.entries[k].reason) {
          out.reply_bodies[k] = {stored.content_type, stored.body};
        }
      }
    }
  }
  return out;
}

RecordedHistory record_history(const SagaHarness& h) {
  RecordedHistory out;
  const SagaInstance& s = h.instance();
  out.saga_id = s.id;
  out.saga_type = s.type;
  out.version = s.version;
  out.fingerprint = s.fingerprint;
  out.phase = s.phase;
  out.start_data = h.start_data();
  out.step_names = names_of(h.definition());
  out.entries = h.history();
  for (const SagaHarness::RecordedInput& input : h.inputs()) {
    if (input.reply && !input.reply->body.empty()) {
      out.reply_bodies[input.first_entry] = {input.reply->content_type, input.reply->body};
    }
  }
  return out;
}

std::string to_text(const RecordedHistory& h) {
  std::ostringstream out;
  out << kHeader << "\n";
  out << "saga " << escape(h.saga_id) << " " << escape(h.saga_type) << " " << h.version << " "
      << escape(h.fingerprint) << " " << to_string(h.phase) << "\n";
  if (h.start_data) out << "start " << to_hex(*h.start_data) << "\n";
  if (!h.step_names.empty()) {
    out << "steps";
    for (const std::string& name : h.step_names) out << " " << escape(name);
    out << "\n";
  }
  for (const HistoryEntry& e : h.entries) {
    out << "entry " << e.time.count() << " " << to_string(e.event) << " " << e.step << " "
        << e.attempt << " " << escape(e.reply_name) << " " << escape(e.reason) << "\n";
  }
  for (const auto& [index, body] : h.reply_bodies) {
    out << "body " << index << " " << static_cast<int>(body.content_type) << " "
        << to_hex(body.body) << "\n";
  }
  return out.str();
}

Result<RecordedHistory> parse_history(std::string_view text) {
  RecordedHistory h;
  std::istringstream in{std::string(text)};
  std::string line;
  int number = 0;
  auto bad = [&](const std::string& why) {
    return malformed("history line " + std::to_string(number) + ": " + why);
  };
  bool saw_saga = false;
  while (std::getline(in, line)) {
    ++number;
    if (number == 1) {
      if (line != kHeader) return bad("expected '" + std::string(kHeader) + "'");
      continue;
    }
    const std::vector<std::string> f = split(line);
    if (f.empty()) continue;
    try {
      if (f[0] == "saga" && f.size() == 6) {
        auto id = unescape(f[1]), type = unescape(f[2]), fp = unescape(f[4]);
        auto phase = phase_named(f[5]);
        if (!id || !type || !fp || !phase) return bad("bad saga line");
        h.saga_id = *id;
        h.saga_type = *type;
        h.version = static_cast<std::uint32_t>(std::stoul(f[3]));
        h.fingerprint = *fp;
        h.phase = *phase;
        saw_saga = true;
      } else if (f[0] == "start" && f.size() == 2) {
        h.start_data = from_hex(f[1]);
        if (!h.start_data) return bad("bad start data");
      } else if (f[0] == "steps") {
        for (std::size_t i = 1; i < f.size(); ++i) {
          auto name = unescape(f[i]);
          if (!name) return bad("bad step name");
          h.step_names.push_back(*name);
        }
      } else if (f[0] == "entry" && f.size() == 7) {
        auto event = event_named(f[2]);
        auto reply = unescape(f[5]), reason = unescape(f[6]);
        if (!event || !reply || !reason) return bad("bad entry");
        h.entries.push_back(HistoryEntry{*event, std::stoi(f[3]),
                                         static_cast<std::uint32_t>(std::stoul(f[4])),
                                         Millis{std::stoll(f[1])}, *reason, *reply});
      } else if (f[0] == "body" && f.size() == 4) {
        auto bytes = from_hex(f[3]);
        const int type = std::stoi(f[2]);
        if (!bytes || (type != 1 && type != 2)) return bad("bad body");
        h.reply_bodies[std::stoul(f[1])] = {static_cast<ContentType>(type), *bytes};
      } else {
        return bad("unknown record '" + f[0] + "' or wrong field count");
      }
    } catch (const std::exception&) {  // stoi and friends on a non-number
      return bad("bad number");
    }
  }
  if (number == 0) return malformed("history: empty");
  if (!saw_saga) return malformed("history: no saga line");
  return h;
}

Status write_history_file(const std::string& path, const RecordedHistory& history) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << to_text(history);
  out.flush();
  if (!out) return Status(StatusCode::kIoError, "write history file " + path);
  return Status::ok();
}

Result<RecordedHistory> read_history_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return not_found("history file " + path);
  std::ostringstream text;
  text << in.rdbuf();
  return parse_history(text.str());
}

// --- replay -------------------------------------------------------------------------------------

std::string ReplayResult::message() const {
  if (matched) return "replayed " + std::to_string(replayed.size()) + " entries identically";
  return "diverges at entry " + std::to_string(divergence) + ":\n  expected: " + expected +
         "\n  actual:   " + actual +
         (fingerprint_matches ? ""
                              : "\n  (the definition's fingerprint differs from the recording's)");
}

namespace {

bool same(const HistoryEntry& a, const HistoryEntry& b) {
  return a.event == b.event && a.step == b.step && a.attempt == b.attempt && a.reason == b.reason &&
         a.reply_name == b.reply_name;
}

std::string step_name(const std::vector<std::string>& names, std::int32_t step) {
  return step >= 0 && static_cast<std::size_t>(step) < names.size()
             ? names[static_cast<std::size_t>(step)]
             : "";
}

// Saga control entries carry what their input needs in their reason (decide_cancel.cpp):
// "not before <ms>", "saga deadline <ms> passed ...", "cancelled: <who: why>".
constexpr std::string_view kDeadlinePrefix = "saga deadline ";

std::int64_t number_after(std::string_view text, std::string_view prefix) {
  if (!text.starts_with(prefix)) return 0;
  std::int64_t n = 0;
  for (char c : text.substr(prefix.size())) {
    if (c < '0' || c > '9') break;
    n = n * 10 + (c - '0');
  }
  return n;
}

// Fills in what a saga control input needs from its entry (the recorded time is the input's).
void prepare_control(const HistoryEntry& e, SagaInstance& s, Input& input) {
  if (e.event == Event::kScheduled)
    input.not_before = Millis(number_after(e.reason, "not before "));
  if (input.kind == InputKind::kScheduledStart) input.now = std::max(e.time, s.deadline);
  if (input.kind == InputKind::kSagaDeadline) {
    s.saga_deadline = Millis(number_after(e.reason, kDeadlinePrefix));  // not in the history
  }
  if (input.kind == InputKind::kCancel) {
    for (std::string_view prefix : {"cancelled before start: ", "cancelled: "}) {
      if (e.reason.starts_with(prefix)) input.reason = e.reason.substr(prefix.size());
    }
  }
}

// The input that caused `e`, the first entry of a decision taken on `before`; nothing for a
// consequence. A failure with no reply (every reply has a name, docs/protocol.md) to a saga that
// was waiting for one can only be its deadline: the state tells, not the entry's reason text.
std::optional<InputKind> cause_of(const HistoryEntry& e, const SagaInstance& before,
                                  Outcome& outcome) {
  const bool replied = !e.reply_name.empty();
  const bool timed_out = !replied && before.wait == Wait::kReply;
  outcome = Outcome::kFailure;
  // Child sagas: the child's end reaches its parent (reply name child_done or
  // child_compensated); the parent's end or compensation reaches its waiting child.
  if (e.reply_name == "child_done" || e.reply_name == "child_compensated" ||
      e.event == Event::kChildCompensationRequested) {
    return InputKind::kChildEnded;
  }
  if (e.event == Event::kCompensatingForParent) return InputKind::kParentCompensates;
  if (e.event == Event::kCompleted && before.wait == Wait::kParent) return InputKind::kParentEnded;
  switch (e.event) {
    case Event::kStarted:
      return InputKind::kStart;
    case Event::kStepSucceeded:
    case Event::kCompensationSucceeded:
      outcome = Outcome::kSuccess;
      return replied ? std::optional(InputKind::kReply) : std::nullopt;
    case Event::kStepFailed:
    case Event::kStepExhausted:
    case Event::kCompensationExhausted:
      if (timed_out) return InputKind::kDeadline;
      return InputKind::kReply;
    case Event::kStepRetryScheduled:
    case Event::kCompensationRetryScheduled:
      return InputKind::kReply;
    case Event::kLockAcquired:  // the engine's answers to a lock request
      return InputKind::kLockGranted;
    case Event::kLockWaiting:
      return InputKind::kLockWaiting;
    case Event::kBranchSettled:  // a late branch's answer: decide writes "succeeded; ..."
      if (e.reason.rfind("succeeded", 0) == 0) outcome = Outcome::kSuccess;
      return replied ? InputKind::kReply : InputKind::kDeadline;
    case Event::kBranchFailed:  // parallel groups: a branch's reply, or its deadline
    case Event::kBranchExhausted:
      return replied ? InputKind::kReply : InputKind::kDeadline;
    case Event::kStepTimedOut:
    case Event::kCompensationTimedOut:
      return InputKind::kDeadline;
    case Event::kStepRetried:
    case Event::kCompensationRetried:
      return InputKind::kRetryDue;
    case Event::kOperatorRetriedStep:
    case Event::kOperatorRetriedCompensation:
      return InputKind::kOperatorRetry;
    case Event::kOperatorCompensated:
      return InputKind::kOperatorCompensate;
    case Event::kOperatorSkippedStep:
    case Event::kOperatorSkippedCompensation:
      return InputKind::kOperatorSkip;
    case Event::kScheduled:
      return InputKind::kStart;
    case Event::kScheduledStart:
      return InputKind::kScheduledStart;
    case Event::kCancelled:
      return InputKind::kCancel;
    case Event::kCancelledBeforeStart:  // by cancel(), or by the saga deadline
      return e.reason.starts_with(kDeadlinePrefix) ? InputKind::kSagaDeadline : InputKind::kCancel;
    case Event::kSagaDeadlinePassed:
    case Event::kSagaDeadlinePassedAfterPivot:
      return InputKind::kSagaDeadline;
    case Event::kEventReceived:  // reply_name: the event's name; reason: its id
      outcome = Outcome::kSuccess;
      return InputKind::kEvent;
    case Event::kEventTimedOut:
      return InputKind::kDeadline;
    default:  // kStepSkipped, kCompleted, kCompensated: consequences only
      return std::nullopt;
  }
}

class Replayer {
 public:
  Replayer(const SagaDefinition& def, const RecordedHistory& h, const ReplayOptions& options)
      : def_(def), h_(h), options_(options), names_(names_of(def)) {}

  ReplayResult run() {
    r_.fingerprint_matches = fingerprint(def_) == h_.fingerprint;
    SagaInstance s;
    s.id = h_.saga_id;
    s.type = h_.saga_type;
    s.version = h_.version;
    s.fingerprint = h_.fingerprint;
    s.trace_id = "replay";
    s.data = options_.start_data ? *options_.start_data : h_.start_data.value_or("");
    const std::string child_of = "child of saga ";  // a child saga's start names its parent
    if (!h_.entries.empty() && h_.entries.front().reason.starts_with(child_of)) {
      s.parent_id = h_.entries.front().reason.substr(child_of.size());
    }
    std::size_t k = 0;
    while (k < h_.entries.size()) {
      const HistoryEntry& e = h_.entries[k];
      // The engine's gate annotations (command held, released) change nothing: skip them.
      if (is_informational(e.event)) {
        ++k;
        continue;
      }
      Outcome outcome = Outcome::kSuccess;
      std::optional<InputKind> kind = cause_of(e, s, outcome);
      if (!kind) return diverge(k, "<no input causes this entry here>");
      Input input;
      input.kind = *kind;
      input.now = e.time;
      input.reason = e.reason;
      if (*kind == InputKind::kDeadline || *kind == InputKind::kRetryDue) {
        input.now = std::max(e.time, s.deadline);  // jitter may have moved the deadline
      }
      prepare_control(e, s, input);
      Envelope reply;
      if (*kind == InputKind::kReply) {
        reply = make_reply(s, e, k, outcome);
        input.reply = &reply;
      }
      EventView event;
      if (*kind == InputKind::kEvent) {  // the event: its name, id and (recorded) body
        reply = make_reply(s, e, k, outcome);
        event = EventView{reply.name, e.reason, reply.content_type, reply.body};
        input.event = &event;
      }
      SagaInstance child;
      if (*kind == InputKind::kChildEnded) {
        child = child_of_entry(s, e, k);
        input.child = &child;
      }
      Result<Decision> d = decide(def_, s, input);
      if (!d) return diverge(k, "<error: " + d.status().to_string() + ">");
      if (!d->applied) return diverge(k, "<ignored: " + d->ignored_reason + ">");
      for (std::size_t j = 0; j < d->history.size(); ++j) {
        const HistoryEntry& got = d->history[j];
        if (k + j >= h_.entries.size()) return diverge(k + j, describe(got, &def_));
        const HistoryEntry& want = h_.entries[k + j];
        const bool renamed = !h_.step_names.empty() &&
                             step_name(h_.step_names, want.step) != step_name(names_, got.step);
        if (!same(got, want) || renamed) return diverge(k + j, describe(got, &def_));
        r_.replayed.push_back(got);
      }
      s = std::move(d->next);
      k += d->history.size();
    }
    r_.end = s;
    r_.matched = true;
    if (s.phase != h_.phase) {
      r_.matched = false;
      r_.divergence = h_.entries.size();
      r_.expected = "<end in " + std::string(to_string(h_.phase)) + ">";
      r_.actual = "<end in " + std::string(to_string(s.phase)) + ">";
    }
    return std::move(r_);
  }

 private:
  ReplayResult diverge(std::size_t index, std::string actual) {
    r_.matched = false;
    r_.divergence = index;
    r_.expected = index < h_.entries.size() ? describe_recorded(h_.entries[index]) : "<end>";
    r_.actual = std::move(actual);
    return std::move(r_);
  }

  std::string describe_recorded(const HistoryEntry& e) const {
    if (h_.step_names.empty()) return describe(e);
    SagaDefinition recorded;  // names only, for the description
    for (const std::string& name : h_.step_names) {
      recorded.steps.emplace_back();
      recorded.steps.back().name = name;
    }
    return describe(e, &recorded);
  }

  // The child of the parent's current child step as the entry shows it: its steps done (data:
  // the recorded body, if any) or compensated (reason: after "compensated: ").
  SagaInstance child_of_entry(const SagaInstance& s, const HistoryEntry& e, std::size_t k) const {
    SagaInstance child;
    const std::string name = s.step >= 0 && static_cast<std::size_t>(s.step) < def_.steps.size()
                                 ? def_.steps[static_cast<std::size_t>(s.step)].name
                                 : "";
    child.id = child_saga_id(s.id, name);
    child.parent_id = s.id;
    const bool failed_or_undone =
        e.event == Event::kStepFailed || e.event == Event::kCompensationSucceeded;
    const bool done = e.reply_name == "child_done" || !failed_or_undone;
    child.phase = done ? Phase::kExecuting : Phase::kCompensated;
    child.wait = done ? Wait::kParent : Wait::kNone;
    if (auto b = h_.reply_bodies.find(k); b != h_.reply_bodies.end()) child.data = b->second.body;
    const std::string marker = " compensated: ";
    if (const std::size_t at = e.reason.find(marker); at != std::string::npos) {
      child.last_reason = e.reason.substr(at + marker.size());
    }
    return child;
  }

  Envelope make_reply(const SagaInstance& s, const HistoryEntry& e, std::size_t index,
                      Outcome outcome) const {
    Envelope reply;
    reply.kind = MessageKind::kReply;
    reply.message_id = "replay-" + std::to_string(index);
    reply.saga_id = s.id;
    reply.correlation_id = s.last_request_id;
    for (const Branch& b : s.branches) {  // a parallel group: the branch of the entry's step
      if (b.step == e.step && b.state == BranchState::kInFlight)
        reply.correlation_id = b.message_id;
    }
    reply.name = e.reply_name.empty() ? "Failed" : e.reply_name;
    reply.outcome = outcome;
    if (outcome == Outcome::kFailure) reply.reason = e.reason;
    reply.content_type = options_.content_type;
    if (auto b = h_.reply_bodies.find(index); b != h_.reply_bodies.end()) {
      reply.content_type = b->second.content_type;
      reply.body = b->second.body;
    } else if (options_.reply_body) {
      const std::string step = e.step >= 0 && static_cast<std::size_t>(e.step) < def_.steps.size()
                                   ? def_.steps[static_cast<std::size_t>(e.step)].name
                                   : "";
      reply.body = options_.reply_body(step, reply.name, outcome);
    }
    return reply;
  }

  const SagaDefinition& def_;
  const RecordedHistory& h_;
  const ReplayOptions& options_;
  std::vector<std::string> names_;
  ReplayResult r_;
};

}  // namespace

ReplayResult replay(const SagaDefinition& definition, const RecordedHistory& history,
                    const ReplayOptions& options) {
  return Replayer(definition, history, options).run();
}

::testing::AssertionResult replays_identically(const SagaDefinition& definition,
                                               const RecordedHistory& history,
                                               const ReplayOptions& options) {
  ReplayResult r = replay(definition, history, options);
  if (r.matched) return ::testing::AssertionSuccess() << r.message();
  return ::testing::AssertionFailure() << "saga " << history.saga_id << " " << r.message();
}

}  // namespace saga::testing
