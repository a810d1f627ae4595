// SagaInstance and HistoryEntry: the durable state of one running saga, and its audit trail.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "saga/clock.h"
#include "saga/phase.h"

namespace saga {

// What the instance's deadline means.
enum class Wait : std::uint8_t {
  kNone = 0,    // no timer (terminal, failed, or between steps inside one transition)
  kReply = 1,   // waiting for the reply to last_request_id until `deadline`
  kRetry = 2,   // the next send of the current step's command is due at `deadline`
  kLock = 3,    // waiting for the engine to grant the locks of `step` (-1: the saga's); no timer
  kStart = 4,   // kScheduled: the saga starts at `deadline` (its not-before time)
  kEvent = 5,   // the wait step `step` waits for its external event until `deadline`
  kChild = 6,   // the child step `step` waits for its child saga (child_saga_id); no timer
  kParent = 7,  // a child saga whose steps are done waits for its parent's end; no timer
};

// Why the saga failed or is compensating: what the state machine reads, while last_reason
// stays human text (for history, logs and operators). Set together with last_reason.
enum class FailureCause : std::uint8_t {
  kNone = 0,
  kBusinessFailure = 1,     // the participant answered with a failure, or the reply was rejected
  kTimeout = 2,             // the command was never answered (its outcome is unknown)
  kCommandBuildFailed = 3,  // the step's command could not be built
  kLocalStepFailed = 4,     // a local step failed or threw
  kLockRefused = 5,         // a fail-fast lock was held, or the lock keys could not be computed
  kDeadlock = 6,            // waiting for a lock would have closed a cycle
  kOperator = 7,            // an operator chose to compensate
  kCancelled = 8,           // cancel() before the pivot (last_reason: who and why)
  kSagaDeadline = 9,        // the saga's deadline (StartOptions::deadline) passed before the pivot
  kParentCompensated = 10,  // a child saga runs its compensations because its parent compensates
};
std::string_view to_string(FailureCause cause);  // "none", "business_failure", "timeout", ...

// One branch of the parallel group the instance is in (docs/dsl.md, "Parallel groups").
enum class BranchState : std::uint8_t {
  kInFlight = 1,   // its command is out; a reply is due by `due`
  kRetryDue = 2,   // its command goes out again at `due` (same message_id when one is set)
  kSucceeded = 3,  // success reply: the action ran (compensated if the saga rolls back)
  kRejected = 4,   // success reply refused by the reply handler: ran, group failed, compensated
  kRefused = 5,    // failure reply: the action did not run, nothing to compensate
  kUnknown = 6,    // no reply in time: it may have run, so it is compensated (barrier: no-op)
  kExhausted = 7,  // retriable group: its retry policy ran out; the saga fails for an operator
};
std::string_view to_string(BranchState state);  // "in_flight", "retry_due", ...

struct Branch {
  std::int32_t step = -1;
  BranchState state = BranchState::kInFlight;
  std::uint32_t attempt = 0;   // sends of this branch's command so far
  std::uint32_t delivery = 0;  // sends of message_id so far
  Millis due{0};               // kInFlight: reply deadline; kRetryDue: when it is sent again
  std::string message_id;      // of the outstanding command; empty after a failure reply
  // Whether the branch is still in flight (awaited before the group ends).
  bool open() const { return state == BranchState::kInFlight || state == BranchState::kRetryDue; }
  friend bool operator==(const Branch&, const Branch&) = default;
};

// Branches as stored (one text column): "step,state,attempt,delivery,due,id_length:id;" each.
std::string encode_branches(const std::vector<Branch>& branches);
// Parses what encode_branches wrote; nothing on malformed text.
std::optional<std::vector<Branch>> decode_branches(std::string_view text);

// SagaInstance::locks_through when no lock has been granted yet.
inline constexpr std::int32_t kNoLocksGranted = -2;

// The members are ordered so that the small ones share padding (sizeof 360, not 384): every
// saga in flight has one in the engine's memory.
struct SagaInstance {
  std::string id;
  std::string type;  // definition name
  std::uint32_t version = 0;
  // The locks of the saga (-1) and of every step up to this index have been granted (or the
  // step had none). kNoLocksGranted before the saga's own locks are granted.
  std::int32_t locks_through = kNoLocksGranted;
  std::string fingerprint;

  Phase phase = Phase::kNotStarted;
  Phase failed_from = Phase::kNotStarted;  // executing or compensating, when phase is kFailed
  Wait wait = Wait::kNone;                 // what `deadline` means
  FailureCause failure_cause = FailureCause::kNone;  // the kind of last_reason
  std::int32_t step = -1;          // index of the step being executed or compensated
  std::uint32_t attempt = 0;       // sends of the current step's command so far
  std::uint32_t delivery = 0;      // sends of last_request_id so far
  std::uint64_t skipped_mask = 0;  // bit i: step i was skipped by its predicate
  std::uint64_t message_seq = 0;   // numbers the instance's commands; ids never repeat

  std::string data;             // saga data (cereal portable binary of the user's type)
  std::string last_request_id;  // message_id of the outstanding command; empty when none
  Millis deadline{0};           // meaningful when wait != kNone
  std::string last_reason;      // why the saga failed or is compensating (kind: failure_cause)

  // The saga's own deadline (StartOptions::deadline, engine clock), 0 for none. Reset to 0 once
  // it passed and was acted on (history kSagaDeadlinePassed or kSagaDeadlinePassedAfterPivot).
  Millis saga_deadline{0};
  // While the saga is in a parallel group, or compensates one that failed: one entry per branch
  // that applies, in step order (`step` is then the group's first step). Empty otherwise.
  std::vector<Branch> branches;
  // The saga that started this one as a child step (docs/dsl.md, "Child sagas"); empty for a
  // saga started on its own.
  std::string parent_id;

  std::string trace_id;
  std::int64_t row_version = 0;  // optimistic concurrency; bumped by every commit
  Millis created_at{0};
  Millis updated_at{0};

  friend bool operator==(const SagaInstance&, const SagaInstance&) = default;
};
static_assert(sizeof(std::string) != 32 || sizeof(SagaInstance) <= 360,
              "SagaInstance: keep the small members together (every saga in flight has one)");

// Whether `message_id` is a command the instance still waits for: its single outstanding
// command, or one of its branches in flight.
bool awaits(const SagaInstance& instance, std::string_view message_id);

// One line of an instance's history: append-only, in order.
struct HistoryEntry {
  Event event = Event::kStarted;
  std::int32_t step = -1;  // -1: the saga as a whole
  std::uint32_t attempt = 0;
  Millis time{0};
  std::string reason;      // failure reason, operator's reason ("who: why"), or empty
  std::string reply_name;  // the reply that caused it, when one did

  friend bool operator==(const HistoryEntry&, const HistoryEntry&) = default;
};

}  // namespace saga
