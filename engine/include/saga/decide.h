// decide: the saga state machine as one pure function.
//
// Given a definition, an instance and an input (a reply, a deadline, an operator action), it
// returns the next instance state, the history entries that explain the change, and at most one
// command to send. It does no I/O, reads no clock (the time comes in the input) and draws no
// random numbers (jitter's random word comes in the input), so the same arguments always give
// the same decision. The engine commits the decision and sends the command after the commit;
// the testing toolkit calls it directly.
//
// Rules (docs/architecture.md, "The state machine"):
//  - Success reply: apply the step's reply handler, move to the next step that applies and has
//    something to do; run local steps inline; after the last step, kCompleted.
//  - Failure reply on a compensatable or pivot step: compensate the steps already done, in
//    reverse order. The failing step's own compensation is not run.
//  - Deadline passed: the same command (same message_id) is sent again after the policy's
//    delay. When the policy is exhausted, a compensatable step counts as failed and the saga
//    compensates, including the timed-out step's own compensation (its outcome is unknown;
//    the participant's barrier makes the compensation a no-op if the action never ran). A
//    timed-out pivot is different: it may have taken effect and cannot be undone, so the saga
//    goes to kFailed for an operator instead of compensating around it.
//  - Retriable steps and compensations: failures and timeouts are retried under their policy
//    (a failure retry gets a new message_id); a non-retryable reason or an exhausted policy
//    moves the saga to kFailed.
//  - A reply whose correlation_id is not last_request_id is stale: ignored, nothing changes.
//  - Locks (LockDeclaration in definition.h): before the first step (saga locks) and before a
//    step that declares locks, the decision carries a LockRequest and the instance waits
//    (Wait::kLock) with no command. The engine answers with kLockGranted (the step runs),
//    kLockWaiting (a key is held; the instance keeps waiting, history kLockWaiting) or
//    kLockRefused (fail-fast or deadlock: the step fails as if its participant had refused;
//    refused saga locks compensate nothing, as no step ran). A retried step asks again.
//  - Saga control (decide_cancel.cpp): a start with `not_before` ahead goes to kScheduled
//    (Wait::kStart) and kScheduledStart runs it when the time comes. kCancel stops an executing
//    saga before its pivot (the first pivot or retriable step, once its command was sent) and
//    compensates what ran, including the step whose command is outstanding (its outcome is
//    unknown); after the pivot, or on a saga that is not executing or scheduled, it is refused
//    (kFailedPrecondition). kSagaDeadline (the instance's saga_deadline passed) compensates
//    before the pivot, and after it only records that the saga finishes its remaining steps. A
//    scheduled saga cancelled or past its deadline ends kCompensated without running a step.
//  - Wait steps (EventWait in definition.h): entering one records kEventAwaited and waits
//    (Wait::kEvent) until the step's time limit, with no command. kEvent with the awaited name
//    applies the step's handler and goes on (kEventReceived); an event the saga does not wait
//    for now is ignored (the engine keeps it). The time limit passing records kEventTimedOut,
//    then compensates or goes on as the step's on_timeout says.
//  - Parallel groups (StepDefinition::group): the commands of every branch that applies go out
//    in one decision (branch_commands, history kGroupSent), each with its own message_id,
//    deadline and retries (SagaInstance::branches); the instance's deadline is the earliest of
//    theirs. The group is done when every branch has answered: then the saga moves on. A
//    branch of a compensatable group that fails (failure reply, or timeouts exhausted) moves
//    the saga to kCompensating (kBranchFailed); the branches still in flight are awaited, not
//    resent (kBranchSettled: answered, or timed out), and then the group's branches whose
//    action ran or may have run (success, rejected success, timeout) are compensated one at a
//    time, the group's last step first, then the steps before the group in reverse. A branch of
//    a retriable group is retried under its policy; one that runs out (kBranchExhausted) fails
//    the saga (kStepExhausted) once the others answered; an operator retry resends the
//    exhausted branches, a skip moves past the group.
//  - Child sagas (ChildSaga in definition.h, decide_child.cpp): entering a child step records
//    kChildStarted, sets child_start and waits (Wait::kChild) for kChildEnded: a child whose
//    steps are done is the step's success, a compensated child its failure (no retry). A child
//    reaching its end records kChildDone instead of kCompleted and waits (Wait::kParent):
//    kParentEnded completes it, kParentCompensates (kCompensatingForParent) runs its
//    compensations. Compensating a child step records kChildCompensationRequested, sets
//    child_compensate, and waits for the child to be kCompensated.
//  - Operator actions apply to kFailed instances only. An operator retry after a failure reply
//    sends a new message; after timeouts (outcome unknown) it resends the unanswered message,
//    same message_id, so a participant that did run it answers from its inbox.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "saga/definition.h"
#include "saga/envelope.h"
#include "saga/instance.h"

namespace saga {

enum class InputKind : std::uint8_t {
  kStart = 1,                  // instance holds id, type, data, trace_id; phase kNotStarted
  kReply = 2,                  // `reply` is set
  kDeadline = 3,               // the reply deadline passed
  kRetryDue = 4,               // the retry delay passed
  kOperatorRetry = 5,          // retry the failed step or compensation, or resend a running one
  kOperatorCompensate = 6,     // give up going forward; compensate
  kOperatorSkip = 7,           // count the failed step or (running) compensation as done, go on
  kLockGranted = 8,            // every key of the instance's LockRequest is held for it now
  kLockWaiting = 9,            // a key is held by another saga; `reason` says which (still waiting)
  kLockRefused = 10,           // a fail-fast key is held, or waiting would deadlock; `reason` says
  kOperatorReleasedLock = 11,  // an operator released one of its locks; `reason` says who, why
  kScheduledStart = 12,        // a kScheduled saga's not-before time came
  kCancel = 13,                // cancel the saga; `reason` says who and why
  kSagaDeadline = 14,          // the instance's saga_deadline passed
  kEvent = 15,                 // an external event for the saga's wait step; `event` is set
  kChildEnded = 16,            // parent: its child saga `child` is done (kChildDone) or compensated
  kParentCompensates = 17,     // child: its parent compensates the child step
  kParentEnded = 18,           // child: its parent ended (completed or compensated)
};

struct Input {
  InputKind kind = InputKind::kStart;
  Millis now{0};
  std::uint32_t random = 0;         // uniformly random word for jitter
  const Envelope* reply = nullptr;  // kReply
  std::string reason;               // operator actions: who and why
  // kLockRefused: kLockRefused (fail-fast) or kDeadlock (waiting would close a cycle).
  FailureCause cause = FailureCause::kNone;
  // kStart: run no step before this time (engine clock); later than `now`: kScheduled.
  Millis not_before{0};
  const EventView* event = nullptr;     // kEvent
  const SagaInstance* child = nullptr;  // kChildEnded: the child as it is now
};

// A child saga for the engine to create in the same commit (a child step was entered).
struct ChildStart {
  std::string id;  // child_saga_id(parent id, step name)
  std::string type;
  std::uint32_t version = 0;  // 0: the newest registered
  std::string data;
};

// One key the instance asks the engine for.
struct LockClaim {
  std::string key;
  LockMode mode = LockMode::kWait;  // kWait or kFailFast (kNone claims are not made)
  Millis lease{60'000};
  std::int32_t release_after = -1;  // step index after which it is released; -1: at the end
  friend bool operator==(const LockClaim&, const LockClaim&) = default;
};

// The keys the instance needs before `step` runs (-1: the saga's own locks), in declaration
// order, without duplicates.
struct LockRequest {
  std::int32_t step = -1;
  std::vector<LockClaim> claims;
};

// A command for the engine to send once the decision is committed.
struct OutgoingCommand {
  std::string participant;
  Envelope envelope;
};

struct Decision {
  // False when the input changes nothing (a stale reply, a deadline that is no longer current);
  // `ignored_reason` says why, and nothing is to be committed.
  bool applied = true;
  std::string ignored_reason;

  SagaInstance next;
  std::vector<HistoryEntry> history;
  std::optional<OutgoingCommand> command;
  // Set when next.wait is Wait::kLock: what the engine must grant before the saga goes on.
  std::optional<LockRequest> lock_request;
  // A parallel group's commands (sent together, or resent by a group timer); `command` is then
  // empty. Each has its own message_id, listed in next.branches.
  std::vector<OutgoingCommand> branch_commands;
  // A child step started its child saga: the engine creates it (parent_id set) in this commit.
  std::optional<ChildStart> child_start;
  // The parent compensates a child step: the engine gives that child kParentCompensates.
  std::string child_compensate;
};

// The next state. Errors (kFailedPrecondition) only for inputs that the caller should not have
// sent: an operator action on a saga that is not kFailed, a start on a started instance, or a
// definition that does not match the instance (name or version).
Result<Decision> decide(const SagaDefinition& definition, const SagaInstance& instance,
                        const Input& input);

// The index of the saga's point of no return: its first pivot or retriable step (the number of
// steps when it has neither). Once that step's command was sent, cancel() is refused and a
// saga deadline no longer compensates.
std::int32_t point_of_no_return(const SagaDefinition& definition);
// True when `instance` is executing and past that point (cancel and deadline rules above).
bool past_point_of_no_return(const SagaDefinition& definition, const SagaInstance& instance);

// When the reply to a command of `step` sent at `sent_at` is due: the one rule for reply
// deadlines. decide arms it when it builds the command; the engine moves it to the real send
// (a command held back by flow control has no running deadline). A null step (the engine
// cannot find it) gets StepDefinition's default reply timeout.
Millis reply_deadline(const StepDefinition* step, Millis sent_at);

// The id of the child saga that step `step_name` of saga `parent_id` starts:
// "<parent id>/<step name>".
std::string child_saga_id(const std::string& parent_id, const std::string& step_name);

// The message_id of the instance's command number `seq`: "<saga id>/<seq>".
std::string message_id_for(const std::string& saga_id, std::uint64_t seq);

}  // namespace saga
