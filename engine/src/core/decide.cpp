// The saga state machine: `decide` and its helpers. Pure: see decide.h for the rules.
#include "saga/decide.h"

#include <utility>

#include "core/decide_child.h"
#include "core/decide_events.h"
#include "core/decide_group.h"
#include "core/step_requests.h"
#include "core/user_callbacks.h"
#include "decide_cancel.h"
#include "saga/check.h"

namespace saga {

Millis reply_deadline(const StepDefinition* step, Millis sent_at) {
  return sent_at + (step ? step->reply_timeout : StepDefinition{}.reply_timeout);
}

std::string message_id_for(const std::string& saga_id, std::uint64_t seq) {
  std::string id = saga_id;
  id += '/';
  id += std::to_string(seq);
  return id;
}

namespace {

// Which command of a step: its action or its compensation.
enum class Direction { kAction, kCompensation };

// Builds one Decision. Every change of phase goes through record(), which checks the
// transition table; the rest edits `s_` (the next instance state) directly.
class Decider final : public detail::DecideHooks {  // and events::DecideOps through it
 public:
  Decider(const SagaDefinition& def, const SagaInstance& instance, const Input& input)
      : def_(def), in_(input), group_(def, input, d_, *this) {
    d_.next = instance;
  }

  Result<Decision> run() {
    switch (in_.kind) {
      case InputKind::kStart:
        return start();
      case InputKind::kReply:
        return reply();
      case InputKind::kDeadline:
        return deadline();
      case InputKind::kRetryDue:
        return retry_due();
      case InputKind::kOperatorRetry:
      case InputKind::kOperatorCompensate:
      case InputKind::kOperatorSkip:
        return operator_action();
      case InputKind::kLockGranted:
      case InputKind::kLockWaiting:
      case InputKind::kLockRefused:
        return lock_answer();
      case InputKind::kOperatorReleasedLock:
        return lock_released();
      case InputKind::kScheduledStart:
      case InputKind::kCancel:
      case InputKind::kSagaDeadline:
        return control();
      case InputKind::kEvent:
        return from_hook(events::event_arrived(*this));
      case InputKind::kChildEnded:
        return from_hook(children::child_ended(*this));
      case InputKind::kParentCompensates:
        return from_hook(children::parent_compensates(*this));
      case InputKind::kParentEnded:
        return from_hook(children::parent_ended(*this));
    }
    return invalid_argument("decide: unknown input kind");
  }

 private:
  SagaInstance& s() { return d_.next; }
  // detail::DecideHooks and events::DecideOps: decide_group.cpp and decide_events.cpp.
  SagaInstance& state() override { return d_.next; }
  const SagaDefinition& definition() const override { return def_; }
  const Input& input() const override { return in_; }
  Decision& decision() override { return d_; }
  Result<Decision> from_hook(std::optional<std::string> ignored_reason) {
    if (ignored_reason) return ignored(std::move(*ignored_reason));
    return done();
  }
  const StepDefinition& step(std::int32_t i) const { return def_.steps[static_cast<size_t>(i)]; }

  Decision ignored(std::string why) {
    Decision out;
    out.applied = false;
    out.ignored_reason = std::move(why);
    out.next = std::move(d_.next);
    return out;
  }

  Decision done() {
    s().updated_at = in_.now;
    return std::move(d_);
  }

  void record(Event event, std::int32_t step_index, std::string reason = {},
              std::string reply_name = {}) override {
    std::optional<Phase> target = next_phase(s().phase, event);
    SAGA_CHECK(target.has_value(), "decide: event not allowed in this phase");
    s().phase = *target;
    d_.history.push_back(
        {event, step_index, s().attempt, in_.now, std::move(reason), std::move(reply_name)});
  }

  void stop_waiting() {
    s().wait = Wait::kNone;
    s().deadline = Millis{0};
    s().last_request_id.clear();
  }

  // --- inputs -------------------------------------------------------------------------------

  Result<Decision> start() {
    if (s().phase != Phase::kNotStarted) {
      return failed_precondition("decide: saga " + s().id + " has already started");
    }
    s().created_at = in_.now;
    if (in_.not_before > in_.now) {  // scheduled: runs at kScheduledStart (decide_cancel.cpp)
      record(Event::kScheduled, -1, "not before " + std::to_string(in_.not_before.count()));
      s().wait = Wait::kStart;
      s().deadline = in_.not_before;
      return done();
    }
    record(Event::kStarted, -1, s().parent_id.empty() ? "" : "child of saga " + s().parent_id);
    if (lock_gate(-1) == Gate::kOpen) advance_from(-1);
    return done();
  }

  // Scheduled start, cancel, saga deadline: decide_cancel.cpp plans, this carries it out.
  Result<Decision> control() {
    Result<control::Plan> plan = control::plan_control(def_, s(), in_);
    if (!plan) return plan.status();
    if (plan->clear_saga_deadline) s().saga_deadline = Millis{0};
    switch (plan->action) {
      case control::Action::kIgnore:
        return ignored(plan->reason);
      case control::Action::kRun:
        record(plan->event, -1, plan->reason);
        if (lock_gate(-1) == Gate::kOpen) advance_from(-1);
        break;
      case control::Action::kEnd:
        stop_waiting();
        set_failure(plan->cause, plan->reason);
        record(plan->event, -1, plan->reason);
        break;
      case control::Action::kCompensate:
        record(plan->event, s().step, plan->reason);
        set_failure(plan->cause, plan->reason);
        // A group in flight: its branches are awaited, then compensated (decide_group.cpp).
        if (!detail::has_open_branch(s())) compensate_from(plan->compensate_from);
        break;
      case control::Action::kNote:
        record(plan->event, s().step, plan->reason);
        break;
    }
    return done();
  }

  Result<Decision> reply() {
    SAGA_CHECK(in_.reply != nullptr, "decide: reply input without a reply");
    const Envelope& r = *in_.reply;
    if (detail::has_open_branch(s())) {
      if (std::optional<std::string> stale = group_.reply(r)) return ignored(std::move(*stale));
      return done();
    }
    if (s().last_request_id.empty() || r.correlation_id != s().last_request_id ||
        r.saga_id != s().id) {
      return ignored("stale reply " + r.correlation_id + " (outstanding: " +
                     (s().last_request_id.empty() ? "none" : s().last_request_id) + ")");
    }
    const ReplyView view{r.name, r.outcome, r.reason, r.content_type, r.body};
    const std::int32_t i = s().step;
    if (s().phase == Phase::kCompensating) {
      if (r.outcome == Outcome::kSuccess) {
        record(Event::kCompensationSucceeded, i, {}, r.name);
        compensate_from(i - 1);
      } else {
        compensation_failed(i, FailureCause::kBusinessFailure, r.reason, r.name);
      }
      return done();
    }
    SAGA_CHECK(s().phase == Phase::kExecuting, "decide: outstanding command outside a run");
    DataUpdate update = user_callbacks::apply_reply(step(i), s().data, view);
    if (r.outcome == Outcome::kSuccess && !update.failed) {
      s().data = std::move(update.data);
      record(Event::kStepSucceeded, i, {}, r.name);
      advance_from(i);
    } else {
      if (!update.failed) s().data = std::move(update.data);  // a typed failure handler ran
      std::string reason = r.outcome == Outcome::kFailure ? r.reason : update.reason;
      // A success reply means the action ran at the participant, so undoing the saga must
      // include this step's own compensation even though the reply handler rejected it.
      const bool action_ran = r.outcome == Outcome::kSuccess;
      step_failed(i, FailureCause::kBusinessFailure, reason, r.name,
                  /*run_own_compensation=*/action_ran, /*retry_allowed=*/true);
    }
    return done();
  }

  Result<Decision> deadline() {
    if (detail::has_open_branch(s())) return group_timer();
    if (s().wait == Wait::kEvent) return from_hook(events::wait_timed_out(*this));
    if (s().wait != Wait::kReply || in_.now < s().deadline) return ignored("no reply deadline due");
    const std::int32_t i = s().step;
    if (s().phase == Phase::kCompensating) {
      if (step(i).compensation_retry.allows_another(s().attempt)) {
        schedule_retry(Event::kCompensationTimedOut, i, step(i).compensation_retry, "timeout",
                       /*keep_message=*/true);
      } else {
        record(Event::kCompensationExhausted, i, "timeout");
        set_failure(FailureCause::kTimeout, "compensation of '" + step(i).name + "': timeout");
        fail_saga();
      }
      return done();
    }
    if (step(i).retry.allows_another(s().attempt)) {
      schedule_retry(Event::kStepTimedOut, i, step(i).retry, "timeout", /*keep_message=*/true);
    } else if (step(i).kind == StepKind::kPivot) {
      // The pivot may have taken effect and has no compensation: rolling back the steps before
      // it could leave, say, a card charged for a rejected order. An operator decides; a retry
      // resends the same message, so the participant's inbox answers what really happened.
      record(Event::kStepExhausted, i, "timeout");
      set_failure(FailureCause::kTimeout, "timeout");
      fail_saga();
    } else {
      step_failed(i, FailureCause::kTimeout, "timeout", {}, /*run_own_compensation=*/true,
                  /*retry_allowed=*/false);
    }
    return done();
  }

  Result<Decision> retry_due() {
    if (detail::has_open_branch(s())) return group_timer();
    if (s().wait != Wait::kRetry || in_.now < s().deadline) return ignored("no retry due");
    const std::int32_t i = s().step;
    const bool compensating = s().phase == Phase::kCompensating;
    const Event event = compensating ? Event::kCompensationRetried : Event::kStepRetried;
    const Direction dir = compensating ? Direction::kCompensation : Direction::kAction;
    if (!s().last_request_id.empty()) {
      // After a timeout: the same message again, so the participant can deduplicate it.
      s().attempt += 1;
      s().delivery += 1;
      record(event, i);
      emit(i, dir, s().last_request_id);
    } else {
      // After a failure reply: a new message, or the participant would replay its failure.
      // After a refused lock, the locks are asked for again first.
      s().attempt += 1;
      record(event, i);
      if (compensating || lock_gate(i) == Gate::kOpen) send_new(i, dir);
    }
    return done();
  }

  // A deadline or retry of a parallel group's branches (either input: the branches say which).
  Result<Decision> group_timer() { return from_hook(group_.timer()); }

  // The engine's answer to the instance's LockRequest.
  Result<Decision> lock_answer() {
    if (s().phase != Phase::kExecuting || s().wait != Wait::kLock) {
      return ignored("not waiting for a lock");
    }
    const std::int32_t i = s().step;
    if (in_.kind == InputKind::kLockWaiting) {
      record(Event::kLockWaiting, i, in_.reason);
      return done();
    }
    if (in_.kind == InputKind::kLockGranted) {
      record(Event::kLockAcquired, i, in_.reason);
      s().locks_through = i;
      stop_waiting();
      // The saga's locks: on to its first step. A step's: the step runs now (same attempt).
      if (i < 0 || enter_step(i)) advance_from(i);
      return done();
    }
    lock_failed(i, in_.cause == FailureCause::kNone ? FailureCause::kLockRefused : in_.cause,
                in_.reason);
    return done();
  }

  Result<Decision> lock_released() {
    if (s().phase == Phase::kNotStarted || is_terminal(s().phase)) {
      return failed_precondition("saga " + s().id + " holds no locks");
    }
    record(Event::kOperatorReleasedLock, s().step, in_.reason);
    return done();
  }

  Result<Decision> operator_action() {
    if (s().phase == Phase::kCompensating && s().step >= 0) return on_running_compensation();
    if (s().phase != Phase::kFailed) {
      return failed_precondition("saga " + s().id + " is " + std::string(to_string(s().phase)) +
                                 "; operator actions apply to failed sagas, and retry and skip "
                                 "to compensating ones");
    }
    const std::int32_t i = s().step;
    const bool was_compensating = s().failed_from == Phase::kCompensating;
    s().attempt = 0;
    if (!was_compensating && !s().branches.empty()) {  // a retriable group ran out
      group_.operator_action();
      return done();
    }
    switch (in_.kind) {
      case InputKind::kOperatorRetry: {
        record(was_compensating ? Event::kOperatorRetriedCompensation : Event::kOperatorRetriedStep,
               i, in_.reason);
        s().attempt = 1;
        const Direction dir = was_compensating ? Direction::kCompensation : Direction::kAction;
        if (s().failure_cause == FailureCause::kTimeout) {
          // The last command's outcome is unknown (it may have run and only its replies were
          // lost): send that same message again so the participant's inbox deduplicates it.
          s().delivery += 1;
          emit(i, dir, message_id_for(s().id, s().message_seq));
        } else if (was_compensating) {
          send_new(i, dir);  // after a failure reply: a new message, or the failure is replayed
        } else {
          advance_from(i - 1);  // runs step i again: a new message, or its local function
        }
        break;
      }
      case InputKind::kOperatorCompensate:
        if (was_compensating) {
          return failed_precondition("saga " + s().id +
                                     " failed while compensating; use retry or skip");
        }
        record(Event::kOperatorCompensated, i, in_.reason);
        set_failure(FailureCause::kOperator, "operator: " + in_.reason);
        compensate_from(i);
        break;
      default:  // kOperatorSkip
        if (was_compensating) {
          record(Event::kOperatorSkippedCompensation, i, in_.reason);
          compensate_from(i - 1);
        } else {
          record(Event::kOperatorSkippedStep, i, in_.reason);
          advance_from(i);
        }
        break;
    }
    return done();
  }

  // A saga stuck compensating: retry resends the compensation now (the same message while its
  // outcome is unknown, so the inbox deduplicates it), skip counts it as done.
  Result<Decision> on_running_compensation() {
    const std::int32_t i = s().step;
    if (in_.kind == InputKind::kOperatorCompensate) {
      return failed_precondition("saga " + s().id + " is compensating already; use retry or skip");
    }
    if (in_.kind == InputKind::kOperatorSkip) {
      record(Event::kOperatorSkippedRunningCompensation, i, in_.reason);
      compensate_from(i - 1);
      return done();
    }
    record(Event::kOperatorRetriedRunningCompensation, i, in_.reason);
    s().attempt = 1;
    if (s().last_request_id.empty()) {
      send_new(i, Direction::kCompensation);  // after a failure reply: a new message
    } else {
      s().delivery += 1;
      emit(i, Direction::kCompensation, message_id_for(s().id, s().message_seq));
    }
    return done();
  }

  // --- locks ---------------------------------------------------------------------------------

  enum class Gate { kOpen, kClosed };  // closed: waiting for locks, or the step failed

  // Before step `i` (-1: the saga) runs: asks for its locks unless they were granted already.
  Gate lock_gate(std::int32_t i) {
    const std::vector<LockDeclaration>& declared = i < 0 ? def_.locks : step(i).locks;
    if (declared.empty() || s().locks_through >= i) return Gate::kOpen;
    Result<LockRequest> request = detail::lock_request(def_, i, declared, s().data);
    if (!request) {
      lock_failed(i, FailureCause::kLockRefused, request.status().message());
      return Gate::kClosed;
    }
    if (request->claims.empty()) {  // kNone for this data: nothing to take
      s().locks_through = i;
      return Gate::kOpen;
    }
    s().step = i;
    s().wait = Wait::kLock;
    s().deadline = Millis{0};
    s().last_request_id.clear();
    d_.lock_request = std::move(request).value();
    return Gate::kClosed;
  }

  // The locks of step `i` (-1: the saga) cannot be had: a business failure of that step.
  void lock_failed(std::int32_t i, FailureCause cause, const std::string& reason) {
    stop_waiting();
    if (i < 0) {
      record(Event::kStepFailed, -1, reason);
      set_failure(cause, "saga locks: " + reason);
      compensate_from(-1);  // no step ran: nothing to undo
      return;
    }
    // A local step is not retried (retry_due resends actions only).
    step_failed(i, cause, reason, {}, /*run_own_compensation=*/false,
                /*retry_allowed=*/step(i).action.has_value());
  }

  // --- moving along -------------------------------------------------------------------------

  // Runs forward from the step after `from`: skips, local steps, and then either sends the
  // next action or completes the saga.
  void advance_from(std::int32_t from) override {
    stop_waiting();
    const auto count = static_cast<std::int32_t>(def_.steps.size());
    for (std::int32_t j = detail::group_last(def_, from) + 1; j < count; ++j) {
      const StepDefinition& st = step(j);
      if (!st.group.empty()) {  // a parallel group: sent together (decide_group.cpp)
        if (!group_.enter(j)) return;
        j = detail::group_last(def_, j);
        continue;
      }
      s().step = j;
      s().attempt = 0;
      if (st.applies && !user_callbacks::call_predicate(st, s().data)) {
        s().skipped_mask |= (std::uint64_t{1} << j);
        record(Event::kStepSkipped, j);
        continue;
      }
      s().attempt = 1;
      if (!enter_step(j)) return;
    }
    s().step = count;
    if (!s().parent_id.empty()) return children::steps_done(*this);  // waits for its parent
    record(Event::kCompleted, -1);
  }

  // Runs step `j`, which applies: its locks, then its local function or its action. True when
  // the saga goes straight on to the next step (a local step that succeeded, or a step with
  // only a compensation, whose action happened before the saga started).
  bool enter_step(std::int32_t j) {
    const StepDefinition& st = step(j);
    if (lock_gate(j) == Gate::kClosed) return false;
    if (st.wait || st.child) {
      st.wait ? events::begin_wait(*this, j) : children::begin(*this, j);
      return false;
    }
    if (st.local) {
      DataUpdate update = user_callbacks::call_local(st, s().data);
      if (update.failed) {
        step_failed(j, FailureCause::kLocalStepFailed, update.reason, {},
                    /*run_own_compensation=*/false, /*retry_allowed=*/false);
        return false;
      }
      s().data = std::move(update.data);
      record(Event::kStepSucceeded, j);
      return true;
    }
    if (st.action) {
      send_new(j, Direction::kAction);
      return false;
    }
    return true;
  }

  // Compensates, newest first, the steps at or below `from` that ran and have a compensation.
  void compensate_from(std::int32_t from) override {
    stop_waiting();
    for (std::int32_t j = from; j >= 0; --j) {
      const StepDefinition& st = step(j);
      const bool skipped = (s().skipped_mask >> j) & 1u;
      if (skipped || !(st.compensation || st.child) || !group_.compensates(j)) continue;
      s().step = j;
      s().attempt = 1;
      st.child ? children::compensate(*this, j) : send_new(j, Direction::kCompensation);
      return;
    }
    s().step = -1;
    s().attempt = 0;
    s().branches.clear();
    record(Event::kCompensated, -1, s().last_reason);
  }

  // The forward step `i` failed (failure reply, exhausted timeouts, or a failing local step).
  void step_failed(std::int32_t i, FailureCause cause, const std::string& reason,
                   const std::string& reply_name, bool run_own_compensation,
                   bool retry_allowed) override {
    const StepDefinition& st = step(i);
    if (st.kind == StepKind::kRetriable) {
      if (retry_allowed && st.retry.retryable(reason) && st.retry.allows_another(s().attempt)) {
        schedule_retry(Event::kStepRetryScheduled, i, st.retry, reason, /*keep_message=*/false);
      } else {
        record(Event::kStepExhausted, i, reason, reply_name);
        set_failure(cause, reason);
        fail_saga();
      }
      return;
    }
    record(Event::kStepFailed, i, reason, reply_name);
    set_failure(cause, "step '" + st.name + "': " + reason);
    compensate_from(run_own_compensation ? i : i - 1);
  }

  void compensation_failed(std::int32_t i, FailureCause cause, const std::string& reason,
                           const std::string& reply_name) {
    const RetryPolicy& policy = step(i).compensation_retry;
    if (policy.retryable(reason) && policy.allows_another(s().attempt)) {
      schedule_retry(Event::kCompensationRetryScheduled, i, policy, reason,
                     /*keep_message=*/false);
    } else {
      record(Event::kCompensationExhausted, i, reason, reply_name);
      set_failure(cause, "compensation of '" + step(i).name + "': " + reason);
      fail_saga();
    }
  }

  // Why the saga fails or compensates: the text for people, the cause for the logic.
  void set_failure(FailureCause cause, std::string reason) override {
    s().failure_cause = cause;
    s().last_reason = std::move(reason);
  }

  void fail_saga() override {
    SAGA_CHECK(s().phase == Phase::kFailed, "fail_saga after a non-failing event");
    s().failed_from = d_.history.back().event == Event::kCompensationExhausted
                          ? Phase::kCompensating
                          : Phase::kExecuting;
    stop_waiting();
  }

  // Waits before the next send. keep_message: resend the same message_id (after a timeout).
  void schedule_retry(Event event, std::int32_t i, const RetryPolicy& policy, std::string reason,
                      bool keep_message) {
    record(event, i, std::move(reason));
    if (!keep_message) s().last_request_id.clear();
    s().wait = Wait::kRetry;
    s().deadline = in_.now + policy.delay(s().attempt, in_.random);
  }

  // Sends a new message for step `i` (new message_id, first delivery).
  void send_new(std::int32_t i, Direction dir) {
    s().message_seq += 1;
    s().delivery = 1;
    emit(i, dir, message_id_for(s().id, s().message_seq));
  }

  // Builds the command of step `i` and arms the reply deadline. A command that cannot be built
  // fails the step (forward) or the saga (compensation): nothing would ever make it succeed.
  void emit(std::int32_t i, Direction dir, std::string message_id) {
    Result<OutgoingCommand> command = detail::build_command(
        def_, s(), i, dir == Direction::kCompensation, std::move(message_id), s().delivery);
    if (!command) {
      std::string reason = "bad_command: " + command.status().message();
      if (dir == Direction::kAction) {
        step_failed(i, FailureCause::kCommandBuildFailed, reason, {},
                    /*run_own_compensation=*/false, /*retry_allowed=*/false);
      } else {
        record(Event::kCompensationExhausted, i, reason);
        set_failure(FailureCause::kCommandBuildFailed, reason);
        fail_saga();
      }
      return;
    }
    s().last_request_id = command->envelope.message_id;
    s().wait = Wait::kReply;
    s().deadline = reply_deadline(&step(i), in_.now);
    d_.command = std::move(command).value();
  }

  const SagaDefinition& def_;
  const Input& in_;
  Decision d_;
  detail::GroupDecider group_;
};

}  // namespace

Result<Decision> decide(const SagaDefinition& definition, const SagaInstance& instance,
                        const Input& input) {
  if (instance.type != definition.name || instance.version != definition.version) {
    return failed_precondition("decide: saga " + instance.id + " is " + instance.type + " v" +
                               std::to_string(instance.version) + ", not " + definition.name +
                               " v" + std::to_string(definition.version));
  }
  return Decider(definition, instance, input).run();
}

}  // namespace saga
