// Parallel groups in the state machine: sending a group, its replies and timers, settling it.
// Pure, like decide.cpp; see decide.h for the rules.
#include "core/decide_group.h"

#include <utility>

#include "core/step_requests.h"
#include "core/user_callbacks.h"

namespace saga::detail {

std::int32_t group_last(const SagaDefinition& def, std::int32_t i) {
  const auto n = static_cast<std::int32_t>(def.steps.size());
  if (i < 0 || i >= n) return i;
  const std::string& group = def.steps[static_cast<size_t>(i)].group;
  if (group.empty()) return i;
  while (i + 1 < n && def.steps[static_cast<size_t>(i + 1)].group == group) ++i;
  return i;
}

bool has_open_branch(const SagaInstance& instance) {
  for (const Branch& b : instance.branches) {
    if (b.open()) return true;
  }
  return false;
}

bool GroupDecider::enter(std::int32_t first) {
  const std::int32_t last = group_last(def_, first);
  std::string names;
  s().branches.clear();
  for (std::int32_t j = first; j <= last; ++j) {
    s().step = j;
    s().attempt = 0;
    if (step(j).applies && !user_callbacks::call_predicate(step(j), s().data)) {
      s().skipped_mask |= (std::uint64_t{1} << j);
      hooks_.record(Event::kStepSkipped, j, {}, {});
      continue;
    }
    s().message_seq += 1;
    Branch b{j,
             BranchState::kInFlight,
             1,
             1,
             reply_deadline(&step(j), in_.now),
             message_id_for(s().id, s().message_seq)};
    if (!send(b)) {
      // Nothing of the group went out: fail as a step on its own would, before the group.
      const std::string reason = s().last_reason;
      d_.branch_commands.clear();
      s().branches.clear();
      s().step = first;
      s().attempt = 1;
      if (step(j).kind == StepKind::kRetriable) {
        hooks_.record(Event::kStepExhausted, j, reason, {});
        hooks_.fail_saga();
      } else {
        hooks_.record(Event::kStepFailed, j, reason, {});
        hooks_.compensate_from(first - 1);
      }
      return false;
    }
    names += (names.empty() ? "" : ", ") + step(j).name;
    s().branches.push_back(std::move(b));
  }
  if (s().branches.empty()) return true;
  s().step = first;
  s().attempt = 1;
  s().delivery = 1;
  hooks_.record(Event::kGroupSent, first, "steps " + names, {});
  rearm();
  return false;
}

bool GroupDecider::send(Branch& b) {
  Result<OutgoingCommand> command =
      build_command(def_, s(), b.step, false, b.message_id, b.delivery);
  if (!command) {
    hooks_.set_failure(
        FailureCause::kCommandBuildFailed,
        "step '" + step(b.step).name + "': bad_command: " + command.status().message());
    return false;
  }
  d_.branch_commands.push_back(std::move(command).value());
  return true;
}

std::optional<std::string> GroupDecider::reply(const Envelope& r) {
  Branch* b = nullptr;
  for (Branch& x : s().branches) {
    if (x.state == BranchState::kInFlight && x.message_id == r.correlation_id) b = &x;
  }
  if (b == nullptr || r.saga_id != s().id) {
    return "stale reply " + r.correlation_id + " (no branch of the group waits for it)";
  }
  const std::int32_t j = b->step;
  const ReplyView view{r.name, r.outcome, r.reason, r.content_type, r.body};
  DataUpdate update = user_callbacks::apply_reply(step(j), s().data, view);
  const bool ok = r.outcome == Outcome::kSuccess && !update.failed;
  if (!update.failed) s().data = std::move(update.data);
  // A success reply means the action ran, even when its handler refused it.
  const BranchState not_ok =
      r.outcome == Outcome::kSuccess ? BranchState::kRejected : BranchState::kRefused;
  const std::string reason = r.outcome == Outcome::kFailure ? r.reason : update.reason;
  s().attempt = b->attempt;
  if (s().phase == Phase::kCompensating) {
    b->state = ok ? BranchState::kSucceeded : not_ok;
    hooks_.record(Event::kBranchSettled, j, ok ? "succeeded; compensated with its group" : reason,
                  r.name);
  } else if (ok) {
    b->state = BranchState::kSucceeded;
    hooks_.record(Event::kStepSucceeded, j, {}, r.name);
  } else {
    failed(*b, not_ok, FailureCause::kBusinessFailure, reason, r.name, /*retry_allowed=*/true);
  }
  settle();
  return std::nullopt;
}

void GroupDecider::failed(Branch& b, BranchState ran, FailureCause cause, const std::string& reason,
                          const std::string& reply_name, bool retry_allowed) {
  const StepDefinition& st = step(b.step);
  if (st.kind == StepKind::kRetriable) {
    if (retry_allowed && st.retry.retryable(reason) && st.retry.allows_another(b.attempt)) {
      b.state = BranchState::kRetryDue;
      b.message_id.clear();  // a new message, or the participant would replay its failure
      b.due = in_.now + st.retry.delay(b.attempt, in_.random);
      hooks_.record(Event::kStepRetryScheduled, b.step, reason, reply_name);
      return;
    }
    b.state = BranchState::kExhausted;
    if (cause != FailureCause::kTimeout) b.message_id.clear();  // an operator retry sends anew
    hooks_.record(Event::kBranchExhausted, b.step, reason, reply_name);
    hooks_.set_failure(cause, "step '" + st.name + "': " + reason);
    return;
  }
  b.state = ran;
  hooks_.record(Event::kBranchFailed, b.step, reason, reply_name);
  hooks_.set_failure(cause, "step '" + st.name + "': " + reason);
}

std::optional<std::string> GroupDecider::timer() {
  if (s().wait == Wait::kNone || in_.now < s().deadline) return "no group timer due";
  for (Branch& b : s().branches) {
    if (!b.open() || b.due > in_.now) continue;
    const StepDefinition& st = step(b.step);
    s().attempt = b.attempt;
    if (s().phase == Phase::kCompensating) {
      // The group failed: nothing is sent again. A command that went out may have run.
      const bool sent = b.state == BranchState::kInFlight || !b.message_id.empty();
      b.state = sent ? BranchState::kUnknown : BranchState::kRefused;
      hooks_.record(Event::kBranchSettled, b.step,
                    sent ? "timeout: outcome unknown, compensated with its group"
                         : "not sent again: its group failed",
                    {});
    } else if (b.state == BranchState::kRetryDue) {
      resend_due(b);
    } else if (st.retry.allows_another(b.attempt)) {
      b.state = BranchState::kRetryDue;  // the same message again, after the policy's delay
      b.due = in_.now + st.retry.delay(b.attempt, in_.random);
      hooks_.record(Event::kStepTimedOut, b.step, "timeout", {});
    } else {
      failed(b, BranchState::kUnknown, FailureCause::kTimeout, "timeout", {},
             /*retry_allowed=*/false);
    }
  }
  settle();
  return std::nullopt;
}

void GroupDecider::resend_due(Branch& b) {
  b.attempt += 1;
  if (b.message_id.empty()) {
    s().message_seq += 1;
    b.message_id = message_id_for(s().id, s().message_seq);
    b.delivery = 1;
  } else {
    b.delivery += 1;  // after a timeout: the same message, so the participant deduplicates it
  }
  s().attempt = b.attempt;
  hooks_.record(Event::kStepRetried, b.step, {}, {});
  if (!send(b)) {
    failed(b, BranchState::kRefused, FailureCause::kCommandBuildFailed, s().last_reason, {},
           /*retry_allowed=*/false);
    return;
  }
  b.state = BranchState::kInFlight;
  b.due = reply_deadline(&step(b.step), in_.now);
}

void GroupDecider::operator_action() {
  const std::int32_t first = s().step;
  const std::int32_t last = group_last(def_, first);
  switch (in_.kind) {
    case InputKind::kOperatorRetry:
      hooks_.record(Event::kOperatorRetriedStep, first, in_.reason, {});
      for (Branch& b : s().branches) {
        if (b.state != BranchState::kExhausted) continue;
        b.attempt = 0;
        b.state = BranchState::kRetryDue;
        resend_due(b);
      }
      settle();
      return;
    case InputKind::kOperatorCompensate:
      hooks_.record(Event::kOperatorCompensated, first, in_.reason, {});
      hooks_.set_failure(FailureCause::kOperator, "operator: " + in_.reason);
      s().branches.clear();  // a retriable group has nothing to compensate
      hooks_.compensate_from(last);
      return;
    default:  // kOperatorSkip: the group counts as done
      hooks_.record(Event::kOperatorSkippedStep, first, in_.reason, {});
      s().branches.clear();
      hooks_.advance_from(last);
      return;
  }
}

bool GroupDecider::compensates(std::int32_t j) const {
  for (const Branch& b : hooks_.state().branches) {
    if (b.step != j) continue;
    return b.state == BranchState::kSucceeded || b.state == BranchState::kRejected ||
           b.state == BranchState::kUnknown;
  }
  return true;
}

void GroupDecider::rearm() {
  s().wait = Wait::kNone;
  s().deadline = Millis{0};
  s().last_request_id.clear();
  for (const Branch& b : s().branches) {
    if (!b.open() || (s().wait != Wait::kNone && b.due >= s().deadline)) continue;
    s().wait = b.state == BranchState::kRetryDue ? Wait::kRetry : Wait::kReply;
    s().deadline = b.due;
  }
}

void GroupDecider::settle() {
  rearm();
  if (has_open_branch(s())) return;
  const std::int32_t first = s().step;
  const std::int32_t last = group_last(def_, first);
  if (s().phase == Phase::kCompensating) {
    hooks_.compensate_from(last);
    return;
  }
  for (const Branch& b : s().branches) {
    if (b.state != BranchState::kExhausted) continue;
    s().attempt = b.attempt;
    hooks_.record(Event::kStepExhausted, b.step, s().last_reason, {});
    hooks_.fail_saga();
    return;
  }
  s().branches.clear();
  s().attempt = 0;
  hooks_.advance_from(last);
}

}  // namespace saga::detail
