// sagactl retry, compensate, skip, cancel, release-lock, locks, requests and prune: what an
// operator asks of the engine, and what the engine answered.
#include <cstdlib>
#include <ostream>
#include <string>
#include <vector>

#include "command_support.h"

namespace sagactl {

using saga::JsonWriter;
using saga::Millis;

namespace {

saga::Result<std::int64_t> ask(saga::Inspector& inspector, const ActionArgs& args,
                               const saga::Audit& audit) {
  switch (args.action) {
    case saga::OperatorAction::kRetry:
      return inspector.retry(args.id, audit);
    case saga::OperatorAction::kCompensate:
      return inspector.compensate(args.id, audit);
    case saga::OperatorAction::kSkip:
      return inspector.skip(args.id, audit);
    case saga::OperatorAction::kCancel:
      return inspector.cancel(args.id, audit);
    case saga::OperatorAction::kReleaseLock:
      break;
  }
  return inspector.release_lock(args.id, args.holder, audit);
}

}  // namespace

int act(Context& c, const ActionArgs& args) {
  const std::string action(saga::to_string(args.action));
  const bool lock = args.action == saga::OperatorAction::kReleaseLock;
  const std::string target = (lock ? "lock " : "saga ") + args.id;
  if (args.reason.empty()) return fail(c, action + " needs --reason \"...\" (kept in the history)");
  std::optional<Millis> timeout = parse_duration(args.timeout);
  if (!timeout) return fail(c, "bad --timeout '" + args.timeout + "'");
  auto inspector = open(c, saga::StoreAccess::kOperator);
  if (!inspector) return fail(c, inspector.status().message());
  saga::Audit audit{args.requested_by, args.reason, wall_now()};
  if (audit.by.empty()) {
    const char* user = std::getenv("USER");
    audit.by = user != nullptr && *user != '\0' ? user : "unknown";
  }
  auto id = ask(**inspector, args, audit);
  if (!id) return fail(c, id.status().message());

  std::optional<saga::OperatorRequest> done;
  if (args.wait) {
    auto r = (*inspector)->wait_for(*id, *timeout);
    if (!r) return fail(c, r.status().to_string());
    if (r->state != saga::RequestState::kPending) done = std::move(r).value();
  }
  std::string state = done ? std::string(saga::to_string(done->state)) : "pending";
  std::string now_phase;
  if (done && !lock) {
    auto after = (*inspector)->saga(args.id);
    if (after && after->has_value()) now_phase = saga::to_string(after->value().instance.phase);
  }
  if (c.json) {
    JsonWriter j;
    j.begin_object().field("request", *id).field(lock ? "lock" : "saga", args.id);
    j.field("action", action);
    j.field("requested_by", audit.by).field("reason", audit.reason);
    j.field("state", state).field("result", done ? done->result : "");
    if (!now_phase.empty()) j.field("phase", now_phase);
    j.end_object();
    *c.out << j.str();
  } else if (!done) {
    *c.out << "request " << *id << ": " << action << " " << target << " by " << audit.by
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
  auto inspector = open(c, saga::StoreAccess::kReadOnly);
  if (!inspector) return fail(c, inspector.status().message());
  const Millis now = wall_now();
  auto rows = (*inspector)->locks(now);
  if (!rows) return fail(c, rows.status().to_string());
  if (c.json) {
    JsonWriter j;
    j.begin_object().key("locks").begin_array();
    for (const saga::LockReport& r : rows.value()) {
      j.begin_object().field("key", r.lock.key).field("saga", r.lock.saga_id);
      j.field("acquired_at_ms", static_cast<std::int64_t>(r.lock.acquired_at.count()));
      j.field("lease_ms", static_cast<std::int64_t>(r.lock.lease.count()));
      j.field("last_progress_ms", static_cast<std::int64_t>(r.last_progress.count()));
      j.field("past_lease", r.past_lease).key("waiting").begin_array();
      for (const std::string& w : r.waiting) j.value(w);
      j.end_array().end_object();
    }
    j.end_array().end_object();
    return print(c, j);
  }
  if (rows->empty()) {
    *c.out << "no locks held\n";
    return kExitOk;
  }
  Table t({"key", "holder", "held for", "idle", "lease", "waiting"});
  std::size_t past = 0;
  for (const saga::LockReport& r : rows.value()) {
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
    if (!state) {
      return fail(c, "unknown state '" + args.state + "' (pending, applied, rejected, all)");
    }
  }
  auto inspector = open(c, saga::StoreAccess::kReadOnly);
  if (!inspector) return fail(c, inspector.status().message());
  auto rows = (*inspector)->requests(state, args.limit);
  if (!rows) return fail(c, rows.status().to_string());
  if (c.json) {
    JsonWriter j;
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
    return print(c, j);
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

int prune(Context& c, const PruneArgs& args) {
  std::optional<Millis> age = parse_duration(args.older_than);
  if (!age || *age <= Millis{0}) return fail(c, "bad --older-than '" + args.older_than + "'");
  auto inspector = open(c, saga::StoreAccess::kOperator);
  if (!inspector) return fail(c, inspector.status().message());
  saga::PruneOptions options;
  options.older_than = *age;
  options.batch = args.batch;
  options.archive_path = args.archive;
  options.now = wall_now();
  std::size_t deleted = 0;
  bool more = true;
  while (more) {
    auto r = (*inspector)->prune(options);
    if (!r) return fail(c, r.status().to_string());
    deleted += r->deleted;
    more = args.all && r->more;
  }
  if (c.json) {
    JsonWriter j;
    j.begin_object().field("deleted", static_cast<std::uint64_t>(deleted));
    j.field("older_than", args.older_than).field("archive", args.archive).end_object();
    return print(c, j);
  }
  *c.out << "removed " << deleted << " finished saga(s) older than " << args.older_than
         << (args.archive.empty() ? "" : " (archived to " + args.archive + ")") << '\n';
  return kExitOk;
}

}  // namespace sagactl
