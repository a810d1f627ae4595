// SagaDefinition: the engine's run-time form of a saga, what the DSL builds.
//
// A saga is a sequence of steps `compensatable* pivot? retriable*` (docs/dsl.md). Each step
// may send a command to a participant (its action), may name a compensation command that undoes
// the action, or may run a local function in the orchestrator instead of an action.
//   - compensatable, action + compensation: CreateTicket / CancelCreateTicket
//   - compensatable, action only (read-only): ValidateOrderByConsumer
//   - compensatable, compensation only: RejectOrder (the action happened when the saga started)
//   - pivot: action only; once it succeeds the saga only moves forward
//   - retriable: action only; failures and timeouts are retried, never compensated
// A saga with no pivot behaves as if its last compensatable step were the pivot.
//
// Saga data is opaque bytes here (the DSL stores the user's struct with cereal). Every callback
// below must be a deterministic function of its arguments, with no I/O: `decide` calls them, and
// the testing toolkit replays them. Callbacks may be called more than once for the same input.
// A callback that throws is caught by `decide` and treated as a failure of the step.
//
// Definitions are immutable once registered and may be shared between threads.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "saga/clock.h"
#include "saga/envelope.h"
#include "saga/retry_policy.h"
#include "saga/status.h"

namespace saga {

enum class StepKind : std::uint8_t { kCompensatable = 1, kPivot = 2, kRetriable = 3 };

std::string_view to_string(StepKind kind);

// A command ready to go on the wire (the header is filled in by the engine).
struct CommandMessage {
  std::string name;
  ContentType content_type = ContentType::kCerealBinary;
  std::string body;
};

// A reply as handed to a step's reply handler. Views are valid during the call only.
struct ReplyView {
  std::string_view name;
  Outcome outcome = Outcome::kSuccess;
  std::string_view reason;
  ContentType content_type = ContentType::kCerealBinary;
  std::string_view body;
};

// The contract of one message body, for exports (saga/asyncapi.h): its wire name, the JSON
// Schema of its JSON body and an example body, both from saga/body_schema.h. Empty strings when
// the definition was not built by the DSL.
struct MessageContract {
  std::string name;
  std::string schema;
  std::string example;
};

// A command sent to one participant, built from the saga data.
struct CommandAction {
  std::string participant;   // the participant's registry name ("kitchen")
  std::string command_name;  // the wire name, also used by the fingerprint and the diagrams
  // Builds the command from the saga data. An error makes the step fail (reason "bad_command").
  std::function<Result<CommandMessage>(std::string_view data)> make;
  // Documentation only (never used to run the saga, not part of the fingerprint): the body
  // encoding of the participant's channel, the command's contract and those of the reply
  // types the DSL endpoint declares (replies<...>()).
  ContentType content_type = ContentType::kCerealBinary;
  MessageContract command{};
  std::vector<MessageContract> replies{};
};

// Semantic locks (countermeasure for the lack of isolation between sagas; docs/isolation.md).
// A saga, or one of its steps, declares keys computed from the saga data ("order:99"). The
// engine takes them before the first step (saga locks) or before the step runs (step locks),
// stores them in its database in the same transaction as the transition, and releases them when
// the saga ends (completed or compensated), or earlier after the step named in `release_after`.
// While a saga holds a key, another saga that asks for it either
//   kWait      queues for the key, first come first served, and resumes when it is released;
//   kFailFast  fails the step as a business failure, reason "lock_held: <key> held by <saga>"
//              (the instance's last_reason prefixes it with "saga locks: " or "step '<name>': ");
//   kNone      takes no lock at all (lets the mode depend on the data: "by value").
// A saga that would wait on a saga that (transitively) waits on it is a deadlock: the saga whose
// wait would close the cycle is failed instead, reason "deadlock: a -> b -> a", and compensates.
enum class LockMode : std::uint8_t { kNone = 0, kWait = 1, kFailFast = 2 };
std::string_view to_string(LockMode mode);

struct LockDeclaration {
  // The keys to take, from the saga data. Empty keys are ignored; duplicates are taken once.
  std::function<std::vector<std::string>(std::string_view data)> keys;
  // The policy, from the saga data. Absent: kWait.
  std::function<LockMode(std::string_view data)> mode;
  // A holder that has not progressed (no transition) for longer than this is reported (log,
  // metrics, sagactl locks) and may be released by an operator. Reported, never auto-released.
  Millis lease{60'000};
  // Release after this step (a step at or after the pivot) succeeded or was skipped, instead of
  // when the saga ends. Empty: when the saga ends.
  std::string release_after;
};

// Outcome of a local step or a reply handler: new saga data, or a business failure.
struct DataUpdate {
  bool failed = false;
  std::string reason;  // when failed
  std::string data;    // when not failed: the saga data after the update
};

// An external event as handed to a wait step's handler. Views are valid during the call only.
struct EventView {
  std::string_view name;      // the event's name ("TicketAccepted")
  std::string_view event_id;  // unique per event; deliveries with the same id are one event
  ContentType content_type = ContentType::kCerealBinary;
  std::string_view body;
};

// What a wait step's time limit means when it passes before its event came.
enum class EventTimeout : std::uint8_t {
  // The wait step fails (history kEventTimedOut, then kStepFailed with the reason
  // "event_timeout: <event>", failure cause kTimeout) and the saga compensates the steps before
  // it. Only for a wait before the pivot (a compensatable step).
  kCompensate = 1,
  // The saga goes on: the optional `on_timeout` update runs on the data (so that later steps'
  // predicates can branch on it), then the saga continues at `skip_to` (the steps in between
  // are recorded kStepSkipped and are never compensated) or, when skip_to is empty, at the next
  // step. Allowed anywhere (the only choice after the pivot).
  kContinue = 2,
};
std::string_view to_string(EventTimeout outcome);  // "compensate", "continue"

// A wait step (docs/dsl.md, "Waiting for an event"): instead of sending a command it waits for
// the external event named `event`, delivered to this saga by Engine::deliver_event (or over
// the wire, docs/protocol.md), for at most `timeout` from the moment the saga reaches the step.
// An event delivered before the saga reaches the step is kept and taken when it does.
struct EventWait {
  std::string event;  // the event's name; events are matched by it
  // The correlation key, from the saga data as the saga starts: an event delivered with this
  // key (instead of a saga id) goes to this saga. Absent: events name the saga by its id.
  std::function<std::string(std::string_view data)> key;
  // Applies the event to the saga data. A failure fails the step like a rejected reply
  // (before the pivot: compensation; after it: kFailed for an operator). Absent: unchanged.
  std::function<DataUpdate(std::string_view data, const EventView& event)> on_event;
  Millis timeout{60'000};
  EventTimeout on_timeout = EventTimeout::kCompensate;
  std::string skip_to;  // kContinue only: a later step's name, or empty for the next step
  std::function<DataUpdate(std::string_view data)> timeout_update;  // kContinue only; optional
  MessageContract contract{};  // documentation only, like CommandAction's
};

// A child saga step (docs/dsl.md, "Child sagas"): instead of sending a command the step starts a
// saga of its own definition `type` (registered with the same engine), with data made from the
// parent's, in the same commit as the parent's step, and waits for it. The child's steps done
// (history kChildDone in the child) is the step's success, and `on_end` may take the child's
// data into the parent's; a child that compensated fails the step. A child whose steps are done
// waits (not terminal) until its parent ends: it completes then, or, when the parent compensates
// the child step, it runs its own compensations, newest first (its pivot and retriable steps
// have none), and the parent goes on compensating once the child is kCompensated. A child step
// is compensatable or the pivot; it has no action, local function, wait, compensation, reply
// handler, group or locks. Children nest at most kMaxChildDepth deep: a deeper child is not
// started and the step fails as if it had compensated. Each side's end reaches the other in the
// commit that ends it, so nothing is lost on a crash.
struct ChildSaga {
  std::string type;           // the child's definition name
  std::uint32_t version = 0;  // 0: the newest registered version
  // The child's data from the parent's. An error or a throw fails the step ("bad_child_data").
  std::function<Result<std::string>(std::string_view parent_data)> make_data;
  // The parent's data once the child's steps are done. Absent: unchanged. A failure fails the
  // step, and the child (whose steps ran) is compensated with the steps before it.
  std::function<DataUpdate(std::string_view parent_data, std::string_view child_data)> on_end;
};
inline constexpr int kMaxChildDepth = 4;

struct StepDefinition {
  std::string name;
  StepKind kind = StepKind::kCompensatable;

  // At most one of `action` and `local`. Neither: nothing to do forward (compensation only).
  std::optional<CommandAction> action;
  std::function<DataUpdate(std::string_view data)> local;
  std::optional<CommandAction> compensation;
  // A wait step: no action, no local function, no compensation. See EventWait.
  std::optional<EventWait> wait;
  // A child step: no action, local function, wait or compensation. See ChildSaga.
  std::optional<ChildSaga> child;

  // Called with every reply to the action (success or failure) before the engine moves on.
  // Absent: the data is unchanged. A returned failure on a success reply fails the step.
  std::function<DataUpdate(std::string_view data, const ReplyView& reply)> on_reply;

  // The step runs only when this returns true for the current data. Absent: always.
  // A skipped step is not compensated either.
  std::function<bool(std::string_view data)> applies;

  // Taken before the step runs (its local function or its action), once its predicate says it
  // applies; never for its compensation. See LockDeclaration.
  std::vector<LockDeclaration> locks;

  // Parallel group (docs/dsl.md, "Parallel groups"): consecutive steps with the same non-empty
  // group name are sent together, and the group is done when every one has replied. A group
  // is compensatable or retriable as a whole (never the pivot); its steps invoke a command
  // (no local function) and declare no locks. When one fails, the others are awaited, and
  // those whose action ran are compensated one at a time, last step of the group first, before
  // the steps ahead of the group. Empty: a step of its own.
  std::string group;

  Millis reply_timeout{10'000};  // per delivery of the action or compensation
  RetryPolicy retry;             // resends and retries of the action
  RetryPolicy compensation_retry = RetryPolicy::exponential(Millis{200}, 2.0, Millis{30'000}, 0);
};

struct SagaDefinition {
  std::string name;
  std::uint32_t version = 1;
  std::vector<StepDefinition> steps;
  // Taken when the saga starts, before its first step. See LockDeclaration.
  std::vector<LockDeclaration> locks;

  // Index of the pivot step, or of the last compensatable step when there is no pivot;
  // nothing when the saga has only retriable steps.
  std::optional<std::size_t> pivot_index() const;
  const StepDefinition* find_step(std::string_view step_name) const;
};

inline constexpr std::size_t kMaxSteps = 64;

// Checks the structure: a name, 1..kMaxSteps steps with unique non-empty names, the order
// compensatable* pivot? retriable*, no compensation on pivot or retriable steps, at most one of
// action and local, every command action has a participant, a command name and a `make`. Also:
// every step does something (a pivot or retriable step needs an action or a local function),
// `on_reply` only with an action, a positive reply timeout, and a retriable step's retry policy
// allows more than one attempt (maximum_attempts != 1). A wait step has an event name, a
// positive timeout, nothing else to do and no compensation, is not the pivot, compensates on
// timeout only before the pivot, and its skip_to names a later step. Parallel groups:
// consecutive, at least two steps, all compensatable or all retriable, each with an action, no
// locks. Every lock declaration has a `keys` function and a positive lease, and its release_after
// names a step at or after the pivot. Returns kInvalidArgument naming the step
// ("step 'confirm_ticket': a retriable step cannot have a compensation").
Status validate(const SagaDefinition& definition);

// A stable hex hash of the definition's structure: name, version, and per step its name, kind,
// action and compensation (participant + command), whether it is local, its wait (event,
// on_timeout, skip_to, keyed or not), its group, and the lock
// declarations (count, lease, release_after) of the saga and each step. Equal structures
// give equal fingerprints across runs and machines; any change to a step changes it.
std::string fingerprint(const SagaDefinition& definition);

}  // namespace saga
