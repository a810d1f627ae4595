// Phases of a saga instance and the events that move it: the one explicit transition table.
//
// Every change to an instance is one of the Events below, and the table says which phase it
// leads to from which phase. `decide` (decide.h) picks the events; the table forbids the rest:
// an event with no row for the current phase is a bug in our code and aborts (SAGA_CHECK).
// Phase and Event numbers are stored in the database; never renumber them.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

namespace saga {

enum class Phase : std::uint8_t {
  kNotStarted = 0,  // only the source of the kStarted row; never stored
  kExecuting = 1,
  kCompensating = 2,
  kCompleted = 3,    // every step done (terminal)
  kCompensated = 4,  // rolled back (terminal)
  kFailed = 5,       // needs an operator: retry, compensate or skip
  // Started with a "not before" time still ahead (StartOptions::not_before): stored, waits
  // (Wait::kStart, deadline = the time) and then runs as if started then. May be cancelled.
  kScheduled = 6,
};

enum class Event : std::uint8_t {
  kStarted = 1,
  kStepSucceeded = 2,       // success reply (or local step) for the current step
  kStepSkipped = 3,         // the step's predicate said no
  kStepFailed = 4,          // failure at or before the pivot: roll back
  kStepTimedOut = 5,        // no reply by the deadline; the same command will be resent
  kStepRetryScheduled = 6,  // a retriable step failed; it will be retried
  kStepRetried = 7,         // the step's command sent again
  kStepExhausted = 8,       // a retriable step's policy ran out
  kCompleted = 9,
  kCompensationSucceeded = 10,
  kCompensationTimedOut = 11,
  kCompensationRetryScheduled = 12,
  kCompensationRetried = 13,
  kCompensationExhausted = 14,
  kCompensated = 15,
  kOperatorRetriedStep = 16,
  kOperatorRetriedCompensation = 17,
  kOperatorCompensated = 18,
  kOperatorSkippedStep = 19,
  kOperatorSkippedCompensation = 20,
  kLockWaiting = 21,           // a lock the step (or saga) needs is held: queued for it
  kLockAcquired = 22,          // every lock the step (or saga) needs is granted
  kOperatorReleasedLock = 23,  // an operator took a lock away from this saga
  // Informational, recorded by the engine rather than decided: the current command waits in
  // its participant's gate (breaker open or half-open, in-flight cap, or queued behind held
  // ones; `reason` says which) and has not been sent, then leaves the gate and is sent. Neither
  // changes the saga's state; replay skips them.
  kCommandHeld = 24,
  kCommandReleased = 25,
  // An operator acted on a saga still compensating (a compensation failing or timing out
  // without limit): resent its compensation now, attempts counted afresh; or counted it as done
  // and went on with the previous one. Neither leaves kCompensating.
  kOperatorRetriedRunningCompensation = 26,
  kOperatorSkippedRunningCompensation = 27,
  // Saga control (decide_cancel.cpp). `reason` says who and why, or which deadline.
  kScheduled = 28,                     // started with a not-before time ahead: waits for it
  kScheduledStart = 29,                // the not-before time came: the saga runs
  kCancelled = 30,                     // cancel(): stops the run before the pivot and compensates
  kCancelledBeforeStart = 31,          // a scheduled saga cancelled, or its deadline passed: ends
  kSagaDeadlinePassed = 32,            // the saga's deadline passed before the pivot: compensates
  kSagaDeadlinePassedAfterPivot = 33,  // ... after the pivot: it only finishes its steps
  // External events (a wait step, StepDefinition::wait in definition.h). The saga reached a
  // wait step and waits for the named event (reply_name: the event's name); the event came and
  // was applied (the wait step's success; reason: the event id); the wait's time limit passed
  // before it came (then, as the step's on_timeout says: kStepFailed and compensation, or the
  // saga goes on, with kStepSkipped for the steps a skip_to passes over).
  kEventAwaited = 34,
  kEventReceived = 35,
  kEventTimedOut = 36,
  // Parallel groups (docs/dsl.md, "Parallel groups"); `step` is the group's first step for
  // kGroupSent, else the branch's own step.
  kGroupSent = 37,        // the commands of every branch that applies went out together
  kBranchFailed = 38,     // a branch of a compensatable group failed: the saga will compensate
                          // once the branches still in flight have answered
  kBranchSettled = 39,    // a branch in flight answered (or timed out) after its group failed
  kBranchExhausted = 40,  // a branch of a retriable group ran out of attempts; the saga fails
                          // once the branches still in flight have answered
  // Child sagas (docs/dsl.md, "Child sagas"). In the parent: its child step started the child
  // saga (reason: the child's id and type); it asks its child, whose steps were done, to run the
  // child's compensations. In the child: its steps are done and it waits for its parent's end
  // (then kCompleted, or kCompensatingForParent and its compensations, newest first).
  kChildStarted = 41,
  kChildDone = 42,
  kChildCompensationRequested = 43,
  kCompensatingForParent = 44,
};

inline constexpr int kEventCount = 44;

// True for the events that only annotate a history (kCommandHeld, kCommandReleased).
constexpr bool is_informational(Event e) {
  return e == Event::kCommandHeld || e == Event::kCommandReleased;
}

std::string_view to_string(Phase phase);
std::string_view to_string(Event event);

// True for kCompleted and kCompensated: nothing more will happen without an operator.
constexpr bool is_terminal(Phase p) { return p == Phase::kCompleted || p == Phase::kCompensated; }

struct Transition {
  Phase source;
  Event event;
  Phase target;
};

// src + event = dst, one row per line.
// clang-format off
inline constexpr std::array<Transition, 48> kTransitions{{
    {Phase::kNotStarted,   Event::kStarted,                     Phase::kExecuting},
    {Phase::kExecuting,    Event::kStepSucceeded,               Phase::kExecuting},
    {Phase::kExecuting,    Event::kStepSkipped,                 Phase::kExecuting},
    {Phase::kExecuting,    Event::kStepFailed,                  Phase::kCompensating},
    {Phase::kExecuting,    Event::kStepTimedOut,                Phase::kExecuting},
    {Phase::kExecuting,    Event::kStepRetryScheduled,          Phase::kExecuting},
    {Phase::kExecuting,    Event::kStepRetried,                 Phase::kExecuting},
    {Phase::kExecuting,    Event::kStepExhausted,               Phase::kFailed},
    {Phase::kExecuting,    Event::kCompleted,                   Phase::kCompleted},
    {Phase::kCompensating, Event::kCompensationSucceeded,       Phase::kCompensating},
    {Phase::kCompensating, Event::kCompensationTimedOut,        Phase::kCompensating},
    {Phase::kCompensating, Event::kCompensationRetryScheduled,  Phase::kCompensating},
    {Phase::kCompensating, Event::kCompensationRetried,         Phase::kCompensating},
    {Phase::kCompensating, Event::kCompensationExhausted,       Phase::kFailed},
    {Phase::kCompensating, Event::kCompensated,                 Phase::kCompensated},
    {Phase::kFailed,       Event::kOperatorRetriedStep,         Phase::kExecuting},
    {Phase::kFailed,       Event::kOperatorRetriedCompensation, Phase::kCompensating},
    {Phase::kFailed,       Event::kOperatorCompensated,         Phase::kCompensating},
    {Phase::kFailed,       Event::kOperatorSkippedStep,         Phase::kExecuting},
    {Phase::kFailed,       Event::kOperatorSkippedCompensation, Phase::kCompensating},
    {Phase::kExecuting,    Event::kLockWaiting,                 Phase::kExecuting},
    {Phase::kExecuting,    Event::kLockAcquired,                Phase::kExecuting},
    {Phase::kExecuting,    Event::kOperatorReleasedLock,        Phase::kExecuting},
    {Phase::kCompensating, Event::kOperatorReleasedLock,        Phase::kCompensating},
    {Phase::kFailed,       Event::kOperatorReleasedLock,        Phase::kFailed},
    {Phase::kExecuting,    Event::kCommandHeld,                 Phase::kExecuting},
    {Phase::kCompensating, Event::kCommandHeld,                 Phase::kCompensating},
    {Phase::kExecuting,    Event::kCommandReleased,             Phase::kExecuting},
    {Phase::kCompensating, Event::kCommandReleased,             Phase::kCompensating},
    {Phase::kCompensating, Event::kOperatorRetriedRunningCompensation, Phase::kCompensating},
    {Phase::kCompensating, Event::kOperatorSkippedRunningCompensation, Phase::kCompensating},
    {Phase::kNotStarted,   Event::kScheduled,                   Phase::kScheduled},
    {Phase::kScheduled,    Event::kScheduledStart,              Phase::kExecuting},
    {Phase::kExecuting,    Event::kCancelled,                   Phase::kCompensating},
    {Phase::kScheduled,    Event::kCancelledBeforeStart,        Phase::kCompensated},
    {Phase::kExecuting,    Event::kSagaDeadlinePassed,          Phase::kCompensating},
    {Phase::kExecuting,    Event::kSagaDeadlinePassedAfterPivot, Phase::kExecuting},
    {Phase::kExecuting,    Event::kEventAwaited,                Phase::kExecuting},
    {Phase::kExecuting,    Event::kEventReceived,               Phase::kExecuting},
    {Phase::kExecuting,    Event::kEventTimedOut,               Phase::kExecuting},
    {Phase::kExecuting,    Event::kGroupSent,                   Phase::kExecuting},
    {Phase::kExecuting,    Event::kBranchFailed,                Phase::kCompensating},
    {Phase::kCompensating, Event::kBranchSettled,               Phase::kCompensating},
    {Phase::kExecuting,    Event::kBranchExhausted,             Phase::kExecuting},
    {Phase::kExecuting,    Event::kChildStarted,                Phase::kExecuting},
    {Phase::kExecuting,    Event::kChildDone,                   Phase::kExecuting},
    {Phase::kCompensating, Event::kChildCompensationRequested,  Phase::kCompensating},
    {Phase::kExecuting,    Event::kCompensatingForParent,       Phase::kCompensating},
}};
// clang-format on

// The target phase of `event` from `source`, or nothing when the table has no such row.
constexpr std::optional<Phase> next_phase(Phase source, Event event) {
  for (const Transition& t : kTransitions) {
    if (t.source == source && t.event == event) return t.target;
  }
  return std::nullopt;
}

namespace detail {
// Every event has a row, no (source, event) pair has two (so the table is deterministic), no
// row leaves a terminal phase, and an event with several rows (kOperatorReleasedLock,
// kCommandHeld and kCommandReleased, which annotate a running saga) leaves the phase as it is.
constexpr bool transitions_well_formed() {
  for (int e = 1; e <= kEventCount; ++e) {
    int rows = 0;
    bool keeps_phase = true;
    for (const Transition& t : kTransitions) {
      if (is_terminal(t.source)) return false;
      if (static_cast<int>(t.event) != e) continue;
      ++rows;
      keeps_phase = keeps_phase && t.source == t.target;
      for (const Transition& u : kTransitions) {
        if (&u != &t && u.source == t.source && u.event == t.event) return false;
      }
    }
    if (rows == 0 || (rows > 1 && !keeps_phase)) return false;
  }
  return true;
}
static_assert(transitions_well_formed(),
              "kTransitions: every event has a row, one per source, none from terminal");
}  // namespace detail

}  // namespace saga
