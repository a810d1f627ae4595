#include "runtime/lock_coordinator.h"

#include <algorithm>

namespace saga {

void LockCoordinator::load(std::vector<HeldLock> locks, std::vector<LockWait> waits) {
  table_.load(std::move(locks), std::move(waits));
  past_lease_reported_.clear();
}

void LockCoordinator::stage(const std::string& id, const std::optional<LockRequest>& request,
                            const SagaInstance& next, Millis now,
                            std::vector<LockAnswer>& answers) {
  if (request) table_.acquire(id, request->step, request->claims, now, answers);
  if (is_terminal(next.phase)) {
    table_.release_saga(id, now, answers);
  } else if (next.phase != Phase::kCompensating) {
    table_.release_passed(id, next.step, now, answers);
  }
}

void LockCoordinator::settle(std::vector<LockAnswer>& answers, const FreshInput& fresh,
                             const StageFn& stage) {
  // Index, not iterator: answering one saga may append answers for others.
  for (std::size_t k = 0; k < answers.size(); ++k) {
    LockAnswer answer = std::move(answers[k]);
    Input input = fresh();
    input.reason = answer.reason;
    switch (answer.outcome) {
      case LockOutcome::kGranted:
        input.kind = InputKind::kLockGranted;
        ++metrics_.granted;
        break;
      case LockOutcome::kWaiting:
        input.kind = InputKind::kLockWaiting;
        ++metrics_.waits;
        break;
      case LockOutcome::kRefused:
        input.kind = InputKind::kLockRefused;
        input.cause = answer.deadlock ? FailureCause::kDeadlock : FailureCause::kLockRefused;
        ++metrics_.refused;
        break;
    }
    if (answer.deadlock) {
      ++metrics_.deadlocks;
      log_(LogLevel::kWarning,
           "saga=" + answer.saga_id + " event=deadlock_victim reason=\"" + answer.reason + "\"");
    }
    if (Status s = stage(answer.saga_id, std::move(input), answers); !s) {
      // Cannot happen for a running saga with its definition; the table keeps the truth.
      log_(LogLevel::kError, "saga=" + answer.saga_id + " event=lock_answer_not_applied reason=\"" +
                                 s.message() + "\"");
    }
  }
  answers.clear();
}

Status LockCoordinator::release(const std::string& key, const std::string& expected_holder,
                                std::string reason, Millis now, const FreshInput& fresh,
                                const StageFn& stage, const RunningSagas& running) {
  const HeldLock* held = table_.holder(key);
  if (held == nullptr) return not_found("no saga holds lock " + key);
  const std::string holder = held->saga_id;
  if (!expected_holder.empty() && holder != expected_holder) {
    return failed_precondition("lock " + key + " is held by " + holder + ", not " +
                               expected_holder);
  }
  std::vector<LockAnswer> answers;
  Input input;
  input.kind = InputKind::kOperatorReleasedLock;
  input.now = now;
  input.reason = std::move(reason) + " (lock " + key + ")";
  const std::string input_reason = input.reason;
  auto running_holder = running.find(holder);
  const std::string trace_id =
      running_holder == running.end() ? std::string("-") : running_holder->second.trace_id;
  if (Status s = stage(holder, std::move(input), answers); !s) {
    // The holder is not a running saga with its definition (ended, or unresolved): there is
    // no history to write to, but the key must not stay stuck. The operator asked for it.
    log_(LogLevel::kWarning, "saga=" + holder + " event=lock_released_without_history key=\"" +
                                 key + "\" reason=\"" + s.message() + "\"");
  }
  table_.release_key(key, now, answers);
  ++metrics_.released_by_operator;
  // Who and why: `reason` is "<by>: <reason> (lock <key>)" for a request from sagactl or the
  // admin server, the caller's text for Engine::release_lock.
  std::string quoted;
  for (char c : input_reason) quoted += c == '"' ? '\'' : c;
  log_(LogLevel::kWarning, "saga=" + holder + " trace_id=" + trace_id +
                               " event=lock_released_by_operator key=\"" + key + "\" reason=\"" +
                               quoted + "\"");
  settle(answers, fresh, stage);
  return Status::ok();
}

Millis LockCoordinator::last_progress(const HeldLock& lock, const RunningSagas& running) {
  auto it = running.find(lock.saga_id);
  return it == running.end() ? lock.acquired_at : std::max(lock.acquired_at, it->second.updated_at);
}

std::vector<LockInfo> LockCoordinator::infos(Millis now, const RunningSagas& running) const {
  std::vector<LockInfo> out;
  for (const HeldLock& l : table_.locks()) {
    LockInfo info{l.key, l.saga_id, l.acquired_at, l.lease, last_progress(l, running), false, {}};
    info.past_lease = now - info.last_progress > l.lease;
    info.waiting = table_.queue(l.key);
    out.push_back(std::move(info));
  }
  return out;
}

// Over every held lock: no copies, no sorting (infos() does both, for the API). A lock acquired
// less than a lease ago cannot be past its lease (progress only moves last_progress later), so
// most locks cost one comparison.
void LockCoordinator::check_leases(Millis now, const RunningSagas& running) {
  std::set<std::pair<std::string, std::string>> past;
  table_.for_each_lock([&](const HeldLock& l) {
    if (now - l.acquired_at <= l.lease) return;
    const Millis progress = last_progress(l, running);
    if (now - progress <= l.lease) return;
    std::pair<std::string, std::string> id{l.key, l.saga_id};
    if (!past_lease_reported_.count(id)) {
      log_(LogLevel::kWarning, "saga=" + l.saga_id + " event=lock_past_lease key=\"" + l.key +
                                   "\" idle_ms=" + std::to_string((now - progress).count()) +
                                   " lease_ms=" + std::to_string(l.lease.count()) +
                                   " waiting=" + std::to_string(table_.queue_length(l.key)) +
                                   " hint=\"sagactl release-lock " + l.key + " --reason ...\"");
    }
    past.insert(std::move(id));
  });
  past_lease_reported_ = std::move(past);
  metrics_.past_lease = past_lease_reported_.size();
}

LockMetrics LockCoordinator::metrics() const {
  LockMetrics m = metrics_;
  m.held = table_.lock_count();
  m.waiting = table_.wait_count();
  return m;
}

}  // namespace saga
