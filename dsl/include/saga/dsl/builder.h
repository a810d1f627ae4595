// The type-state builder: saga::define<Data>(name, version) ... .build().
//
//   auto definition = saga::define<CreateOrderData>("create_order", 1)
//       .step("create_ticket").invoke(kitchen::create_ticket, &make_create_ticket)
//           .on_reply<TicketCreated>(&on_ticket_created)
//           .compensate_with(kitchen::cancel_ticket, &make_cancel_ticket)
//       .pivot("authorize_card").invoke(accounting::authorize_card, &make_authorize_card)
//       .retriable("approve_order").invoke(order_service::approve_order, &make_approve_order)
//           .retry(saga::RetryPolicy::exponential(saga::Millis{200}, 2.0, saga::Millis{60'000}, 0))
//       .build();
//
// Every step starts with its kind and name — step() (compensatable), pivot(), retriable() —
// and then says what it does: invoke() a participant's command, or run a local() function in
// the orchestrator, or wait_for<E>() an external event (saga/dsl/wait.h), or (compensatable
// steps only) nothing but compensate_with(). After that come its options: on_reply<R>(),
// when(), timeout(), retry(), compensation_retry(), lock(); a wait's on_event(),
// correlate_by() and on_timeout().
// Semantic locks for the whole saga come before its first step: define<D>(...).lock(...).
//
// The order `compensatable* pivot? retriable*` is enforced by the types, and a misuse is a
// compile error whose static_assert message states the rule it breaks:
//   "a compensatable step cannot follow the pivot" (step() after pivot()), "... cannot follow
//   a retriable step", "a saga has at most one pivot", "the pivot cannot follow a retriable
//   step", "only compensatable steps have a compensation (compensate_with)", "... (compensation_
//   retry)", "a step does one thing: invoke() or local(), once", "on_reply<R>() needs an
//   invoked command", "on_reply<R>(): R is not one of the command's replies<...>()",
//   "the pivot cannot wait for an event", "a wait after the pivot cannot compensate on
//   timeout", "a wait step has nothing to compensate".
// Parallel groups: parallel(name) opens a group of steps sent together (the group is done when
// all replied), end_parallel() closes it; see docs/dsl.md, "Parallel groups".
//   .parallel("prepare")
//       .step("verify_consumer").invoke(consumer::verify_consumer, &make_verify)
//       .step("create_ticket").invoke(kitchen::create_ticket, &make_create_ticket)
//           .compensate_with(kitchen::cancel_ticket, &make_cancel_ticket)
//   .end_parallel()
// The step-kind rule holds for the group as a whole, by the types too: "a pivot never sits in a
// parallel group", "a parallel group is compensatable or retriable as a whole" (step() and
// retriable() mixed), "parallel groups do not nest", "a step in a parallel group sends a
// command: invoke(), not local()", "a step in a parallel group takes no locks of its own",
// "close the parallel group with end_parallel() before build()", "end_parallel() closes a group
// that parallel() opened", and a compensatable group after the pivot or a retriable step is
// refused as a compensatable step would be. build() adds: at least two steps per group.
// What the types cannot see, build() checks and reports with the step's name (kInvalidArgument):
//   - a retriable step without an explicit retry(...): retriable steps are retried until they
//     succeed, and how (and how long) is a decision the author must write down;
//   - two on_reply handlers for the same reply type; compensate_with() twice;
//   - compensation_retry() on a step without a compensation;
//   - everything saga::validate() checks (a name, unique step names, 1..kMaxSteps steps,
//     a retriable retry policy with more than one attempt, ...).
//
// Builders are move-only in spirit: every method is `&&`-qualified and consumes the builder,
// so write the definition as one chain (or std::move a builder held in a variable).
//
// The produced SagaDefinition's callbacks hold copies of the user's functions and are safe to
// call from several threads as long as those functions are (plain functions always are).
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "saga/clock.h"
#include "saga/definition.h"
#include "saga/dsl/callbacks.h"
#include "saga/dsl/child.h"
#include "saga/dsl/endpoint.h"
#include "saga/dsl/wait.h"
#include "saga/retry_policy.h"
#include "saga/status.h"

namespace saga {

// What build() returns: an immutable definition, ready to register with the engine.
using DefinitionResult = Result<std::shared_ptr<const SagaDefinition>>;

namespace detail {

// Tags for what a step does so far (the third parameter of StepBuilder).
struct NoAction {};
struct LocalAction {};
struct GroupClosed {};  // end_parallel() was the last call: no step is being described

// Whether the builder is inside a parallel group, and of which kind (StepBuilder's fourth).
enum class InGroup { kNo, kCompensatable, kRetriable };
template <typename>
inline constexpr bool kAlwaysFalse = false;

// Whether the step's Action is a saga::Command that declares reply type R. (A trait rather
// than `Action::has_reply<R>` in a requires-clause: clang 14 looks the member up in NoAction.)
template <typename Action, typename R>
inline constexpr bool kAcceptsReply = false;
template <Message C, Message... Rs, typename R>
inline constexpr bool kAcceptsReply<Command<C, Rs...>, R> =
    Command<C, Rs...>::template has_reply<R>;

// What the builder knows about a step beyond the StepDefinition itself.
struct StepNotes {
  bool retry_set = false;
  bool compensation_retry_set = false;
  std::vector<std::string_view> reply_names;  // of the on_reply handlers, from kMessageName
};

struct Draft {
  SagaDefinition definition;
  std::vector<StepNotes> notes;
  std::string error;  // the first error found while building; empty when none
  std::string group;  // the open parallel group's name; empty outside one

  StepDefinition& step() { return definition.steps.back(); }
  StepNotes& note() { return notes.back(); }

  void fail(std::string_view what) {
    if (error.empty()) error = "step '" + step().name + "': " + std::string(what);
  }

  void add_step(std::string name, StepKind kind) {
    StepDefinition step;
    step.name = std::move(name);
    step.kind = kind;
    step.group = group;
    definition.steps.push_back(std::move(step));
    notes.emplace_back();
  }

  DefinitionResult build() &&;
};

inline DefinitionResult Draft::build() && {
  if (!error.empty()) return invalid_argument(error);
  for (std::size_t i = 0; i < definition.steps.size(); ++i) {
    const StepDefinition& step = definition.steps[i];
    const std::string prefix = "step '" + step.name + "': ";
    if (step.kind == StepKind::kRetriable && !step.wait && !notes[i].retry_set) {
      return invalid_argument(prefix + "a retriable step needs an explicit retry policy (.retry)");
    }
    if (notes[i].compensation_retry_set && !step.compensation.has_value()) {
      return invalid_argument(prefix + "compensation_retry without a compensation");
    }
  }
  if (Status status = validate(definition); !status) return status;
  return std::shared_ptr<const SagaDefinition>(
      std::make_shared<SagaDefinition>(std::move(definition)));
}

}  // namespace detail

template <typename Data, StepKind Kind, typename Action, detail::InGroup G = detail::InGroup::kNo>
class StepBuilder;
template <typename Data, StepKind Last>
class GroupBuilder;

// The builder before the first step. Comes from saga::define<Data>().
template <typename Data>
class [[nodiscard]] SagaBuilder {
 public:
  // Starts a compensatable step.
  StepBuilder<Data, StepKind::kCompensatable, detail::NoAction> step(std::string name) && {
    draft_.add_step(std::move(name), StepKind::kCompensatable);
    return StepBuilder<Data, StepKind::kCompensatable, detail::NoAction>(std::move(draft_));
  }
  // Starts the pivot step: the saga's point of no return.
  StepBuilder<Data, StepKind::kPivot, detail::NoAction> pivot(std::string name) && {
    draft_.add_step(std::move(name), StepKind::kPivot);
    return StepBuilder<Data, StepKind::kPivot, detail::NoAction>(std::move(draft_));
  }
  // Starts a retriable step.
  StepBuilder<Data, StepKind::kRetriable, detail::NoAction> retriable(std::string name) && {
    draft_.add_step(std::move(name), StepKind::kRetriable);
    return StepBuilder<Data, StepKind::kRetriable, detail::NoAction>(std::move(draft_));
  }
  // Declares a semantic lock for the whole saga: `keys(const Data&)` (a string or a vector of
  // strings) are taken before the first step and released when the saga ends (or after
  // options.release_after). `mode` is LockMode::kWait (queue for a held key), kFailFast (fail
  // the saga, reason "lock_held: ..."), kNone, or `LockMode mode(const Data&)`. See
  // LockDeclaration in saga/definition.h.
  template <LockKeys<Data> K, LockModeChoice<Data> M = LockMode>
  SagaBuilder lock(K keys, M mode = LockMode::kWait, LockOptions options = {}) && {
    draft_.definition.locks.push_back(
        detail::make_lock<Data>(std::move(keys), std::move(mode), std::move(options)));
    return std::move(*this);
  }

  // Opens a parallel group (see the file comment); its steps follow, then end_parallel().
  GroupBuilder<Data, StepKind::kCompensatable> parallel(std::string name) && {
    draft_.group = std::move(name);
    return GroupBuilder<Data, StepKind::kCompensatable>(std::move(draft_));
  }

  // A saga needs steps: this always reports an error. Here for symmetry.
  DefinitionResult build() && { return std::move(draft_).build(); }

  // Prefer saga::define<Data>(name, version).
  SagaBuilder(std::string name, std::uint32_t version) {
    draft_.definition.name = std::move(name);
    draft_.definition.version = version;
  }

 private:
  detail::Draft draft_;
};

// A step being described. Kind is the step's kind; Action is detail::NoAction,
// detail::LocalAction or the saga::Command the step invokes.
template <typename Data, StepKind Kind, typename Action, detail::InGroup G>
class [[nodiscard]] StepBuilder {
  static constexpr bool kCompensatable = Kind == StepKind::kCompensatable;
  static constexpr bool kPivot = Kind == StepKind::kPivot;
  static constexpr bool kNoActionYet = std::is_same_v<Action, detail::NoAction>;
  static constexpr bool kWait = detail::kIsWait<Action>;
  static constexpr bool kChild = std::is_same_v<Action, detail::ChildAction>;
  static constexpr bool kClosed = std::is_same_v<Action, detail::GroupClosed>;
  static constexpr bool kInGroup = G != detail::InGroup::kNo;

 public:
  // clang-format 14 mangles requires-clauses.
  // clang-format off
  // --- What the step does -------------------------------------------------------------------

  // Sends `command` to its participant, built from the saga data by `make(const Data&)`.
  template <Message C, Message... Rs, CommandFactory<Data, C> F>
  StepBuilder<Data, Kind, Command<C, Rs...>, G> invoke(const Command<C, Rs...>& command, F make) && {
    static_assert(!kClosed, "end_parallel() closed the group: start a step before invoke()");
    static_assert(kNoActionYet || kClosed, "a step does one thing: invoke() or local(), once");
    draft_.step().action =
        detail::make_action<Data, C, Rs...>(command.channel, std::move(make));
    return StepBuilder<Data, Kind, Command<C, Rs...>, G>(std::move(draft_));
  }

  // Runs `fn(Data&)` in the orchestrator instead of sending a command. `fn` returns void,
  // bool (false fails the step, reason "local_failed") or Status (non-OK fails it).
  template <LocalFunction<Data> F>
  StepBuilder<Data, Kind, detail::LocalAction, G> local(F fn) && {
    static_assert(!kInGroup, "a step in a parallel group sends a command: invoke(), not local()");
    static_assert(!kClosed, "end_parallel() closed the group: start a step before local()");
    static_assert(kNoActionYet || kClosed, "a step does one thing: invoke() or local(), once");
    draft_.step().local = detail::make_local<Data>(std::move(fn));
    return StepBuilder<Data, Kind, detail::LocalAction, G>(std::move(draft_));
  }

  // Waits for the external event E (saga/dsl/wait.h) for at most `timeout` from the moment
  // the saga reaches the step; `outcome` (saga::compensate_on_timeout or
  // saga::continue_on_timeout(skip_to)) says what happens when it passes first.
  template <Message E, TimeoutOutcome O>
  StepBuilder<Data, Kind, detail::WaitAction<E, O>, G> wait_for(Millis timeout, O outcome) && {
    static_assert(!kInGroup, "a step in a parallel group sends a command: invoke(), not "
                             "wait_for()");
    static_assert(!kClosed, "end_parallel() closed the group: start a step before wait_for()");
    static_assert(kNoActionYet, "a step does one thing: invoke(), local() or wait_for(), once");
    static_assert(!kPivot, "the pivot cannot wait for an event: a wait has no effect to commit "
                           "to (wait in a step() before the pivot or a retriable() after it)");
    static_assert(!(Kind == StepKind::kRetriable && std::is_same_v<O, CompensateOnTimeout>),
                  "a wait after the pivot cannot compensate on timeout: the saga is bound to "
                  "finish (use saga::continue_on_timeout)");
    draft_.step().wait = detail::make_wait<E>(timeout, std::move(outcome));
    return StepBuilder<Data, Kind, detail::WaitAction<E, O>, G>(std::move(draft_));
  }

  // Applies the awaited event to the saga data: `fn(Data&, const E&)` returns void, bool
  // (false fails the step, reason "event rejected: event_rejected") or Status.
  template <typename F>
  StepBuilder on_event(F fn) && {
    static_assert(kWait, "on_event() needs a wait step: call wait_for<E>() first");
    using E = typename detail::WaitEvent<Action>::type;
    static_assert(EventHandler<F, Data, E>,
                  "on_event(): the handler is void|bool|Status fn(Data&, const E&)");
    draft_.step().wait->on_event = detail::make_event_handler<Data, E>(std::move(fn));
    return std::move(*this);
  }

  // Correlates the event by a key from the saga data as the saga starts (`std::string
  // fn(const Data&)`, e.g. "order:42"): an event delivered with that key goes to this saga.
  template <CorrelationKey<Data> F>
  StepBuilder correlate_by(F fn) && {
    static_assert(kWait, "correlate_by() needs a wait step: call wait_for<E>() first");
    draft_.step().wait->key = detail::make_correlation_key<Data>(std::move(fn));
    return std::move(*this);
  }

  // Runs `fn(Data&)` (void, bool or Status) on the data when the time limit passes, before
  // the saga goes on: lets later steps' when() predicates branch on it.
  template <LocalFunction<Data> F>
  StepBuilder on_timeout(F fn) && {
    static_assert(detail::kContinuesOnTimeout<Action>,
                  "on_timeout() goes with a wait_for<E>(..., saga::continue_on_timeout())");
    draft_.step().wait->timeout_update = detail::make_local<Data>(std::move(fn));
    return std::move(*this);
  }

  // Starts the child saga `type` (its own definition, registered with the same engine; version
  // 0: the newest) with data `make(const Data&)` -> ChildData, and waits for its steps to be
  // done (docs/dsl.md, "Child sagas"). The step's compensation is the child's compensations.
  template <typename ChildData, ChildDataFactory<Data, ChildData> F>
  StepBuilder<Data, Kind, detail::ChildAction, G> start_child(std::string type, F make,
                                                               std::uint32_t version = 0) && {
    static_assert(!kInGroup, "a child step does not sit in a parallel group");
    static_assert(!kClosed, "end_parallel() closed the group: start a step before start_child()");
    static_assert(Kind != StepKind::kRetriable,
                  "a child step is compensatable or the pivot: a child may compensate, and a "
                  "retriable step must succeed");
    static_assert(kNoActionYet,
                  "a step does one thing: invoke(), local(), wait_for() or start_child(), once");
    draft_.step().child =
        detail::make_child<Data, ChildData>(std::move(type), version, std::move(make));
    return StepBuilder<Data, Kind, detail::ChildAction, G>(std::move(draft_));
  }

  // Takes the done child's data into the parent's: `fn(Data&, const ChildData&)` returns void,
  // bool (false fails the step, reason "child_end_rejected") or Status.
  template <typename ChildData, ChildEndHandler<Data, ChildData> F>
  StepBuilder on_child_end(F fn) && {
    static_assert(kChild, "on_child_end() needs a child step: call start_child<D>() first");
    draft_.step().child->on_end = detail::make_child_end<Data, ChildData>(std::move(fn));
    return std::move(*this);
  }

  // Undoes the step: when a later step up to the pivot fails, `command` is sent, built by
  // `make(const Data&)`. Compensatable steps only.
  template <Message C, Message... Rs, CommandFactory<Data, C> F>
  StepBuilder compensate_with(const Command<C, Rs...>& command, F make) && {
    static_assert(!kClosed, "end_parallel() closed the group: options follow a step, start one");
    static_assert(kCompensatable,
                  "only compensatable steps have a compensation (compensate_with): the pivot and "
                  "retriable steps are never undone");
    static_assert(!kWait, "a wait step has nothing to compensate: it only waits");
    static_assert(!kChild, "a child step's compensation is its child's own compensations");
    if (draft_.step().compensation.has_value()) draft_.fail("compensate_with given twice");
    draft_.step().compensation =
        detail::make_action<Data, C, Rs...>(command.channel, std::move(make));
    return std::move(*this);
  }

  // --- Options ------------------------------------------------------------------------------

  // Handles replies of type R (success or failure) to the invoked command: `fn(Data&,
  // const R&)` may change the data; returning false or a non-OK Status fails the step.
  // Replies of other types leave the data unchanged. R must be listed in the command's
  // replies<...>().
  template <Message R, ReplyHandler<Data, R> F>
  StepBuilder on_reply(F fn) && {
    static_assert(CommandEndpoint<Action>,
                  "on_reply<R>() needs an invoked command: call invoke() first");
    static_assert(!CommandEndpoint<Action> || detail::kAcceptsReply<Action, R>,
                  "on_reply<R>(): R is not one of the command's replies<...>()");
    std::vector<std::string_view>& names = draft_.note().reply_names;
    for (std::string_view name : names) {
      if (name == R::kMessageName) {
        draft_.fail("two reply handlers for " + std::string(R::kMessageName));
      }
    }
    names.push_back(R::kMessageName);
    draft_.step().on_reply =
        detail::make_reply_handler<Data, R>(std::move(fn), std::move(draft_.step().on_reply));
    return std::move(*this);
  }

  // The step runs only when `pred(const Data&)` is true; a skipped step is not compensated.
  template <StepPredicate<Data> P>
  StepBuilder when(P pred) && {
    static_assert(!kClosed, "end_parallel() closed the group: options follow a step, start one");
    draft_.step().applies = detail::make_predicate<Data>(std::move(pred));
    return std::move(*this);
  }

  // Declares a semantic lock taken before this step runs (as SagaBuilder::lock; a fail-fast
  // refusal fails this step like a failure reply would).
  template <LockKeys<Data> K, LockModeChoice<Data> M = LockMode>
  StepBuilder lock(K keys, M mode = LockMode::kWait, LockOptions options = {}) && {
    static_assert(!kClosed, "end_parallel() closed the group: options follow a step, start one");
    static_assert(!kInGroup, "a step in a parallel group takes no locks of its own: lock the "
                             "saga, or a step outside the group");
    draft_.step().locks.push_back(
        detail::make_lock<Data>(std::move(keys), std::move(mode), std::move(options)));
    return std::move(*this);
  }

  // How long to wait for each reply before resending (default 10 s).
  StepBuilder timeout(Millis reply_timeout) && {
    static_assert(!kClosed, "end_parallel() closed the group: options follow a step, start one");
    draft_.step().reply_timeout = reply_timeout;
    return std::move(*this);
  }

  // How the action is resent and retried. Required on retriable steps.
  StepBuilder retry(RetryPolicy policy) && {
    static_assert(!kClosed, "end_parallel() closed the group: options follow a step, start one");
    draft_.step().retry = std::move(policy);
    draft_.note().retry_set = true;
    return std::move(*this);
  }

  // How the compensation is retried (default: exponential from 200 ms to 30 s, unlimited).
  StepBuilder compensation_retry(RetryPolicy policy) && {
    static_assert(!kClosed, "end_parallel() closed the group: options follow a step, start one");
    static_assert(kCompensatable,
                  "only compensatable steps have a compensation (compensation_retry): the pivot "
                  "and retriable steps are never undone");
    draft_.step().compensation_retry = std::move(policy);
    draft_.note().compensation_retry_set = true;
    return std::move(*this);
  }

  // --- The next step ------------------------------------------------------------------------

  // Starts another compensatable step. Not after the pivot or a retriable step.
  StepBuilder<Data, StepKind::kCompensatable, detail::NoAction, G> step(std::string name) && {
    static_assert(G != detail::InGroup::kRetriable,
                  "a parallel group is compensatable or retriable as a whole: step() in a group "
                  "of retriable() steps");
    static_assert(!kPivot, "a compensatable step cannot follow the pivot "
                           "(order: compensatable* pivot? retriable*)");
    static_assert(kCompensatable || kPivot, "a compensatable step cannot follow a retriable step "
                                            "(order: compensatable* pivot? retriable*)");
    draft_.add_step(std::move(name), StepKind::kCompensatable);
    return StepBuilder<Data, StepKind::kCompensatable, detail::NoAction, G>(std::move(draft_));
  }

  // Starts the pivot step. Not after the pivot or a retriable step.
  StepBuilder<Data, StepKind::kPivot, detail::NoAction> pivot(std::string name) && {
    static_assert(!kInGroup, "a pivot never sits in a parallel group: close the group with "
                             "end_parallel() first");
    static_assert(!kPivot,
                  "a saga has at most one pivot (order: compensatable* pivot? retriable*)");
    static_assert(kCompensatable || kPivot, "the pivot cannot follow a retriable step "
                                            "(order: compensatable* pivot? retriable*)");
    draft_.add_step(std::move(name), StepKind::kPivot);
    return StepBuilder<Data, StepKind::kPivot, detail::NoAction>(std::move(draft_));
  }

  // Starts a retriable step.
  StepBuilder<Data, StepKind::kRetriable, detail::NoAction, G> retriable(std::string name) && {
    static_assert(G != detail::InGroup::kCompensatable,
                  "a parallel group is compensatable or retriable as a whole: retriable() in a "
                  "group of compensatable step() steps");
    draft_.add_step(std::move(name), StepKind::kRetriable);
    return StepBuilder<Data, StepKind::kRetriable, detail::NoAction, G>(std::move(draft_));
  }

  // Opens a parallel group (see the file comment). Not inside another one.
  GroupBuilder<Data, Kind> parallel(std::string name) && {
    static_assert(!kInGroup, "parallel groups do not nest: close this one with end_parallel()");
    draft_.group = std::move(name);
    return GroupBuilder<Data, Kind>(std::move(draft_));
  }

  // Closes the parallel group; the next step follows it.
  StepBuilder<Data, Kind, detail::GroupClosed> end_parallel() && {
    static_assert(kInGroup, "end_parallel() closes a group that parallel() opened");
    draft_.group.clear();
    return StepBuilder<Data, Kind, detail::GroupClosed>(std::move(draft_));
  }

  // Checks the whole saga (see the file comment) and returns the definition or the first error.
  DefinitionResult build() && {
    static_assert(!kInGroup, "close the parallel group with end_parallel() before build()");
    return std::move(draft_).build();
  }
  // clang-format on

 private:
  template <typename D>
  friend class SagaBuilder;
  template <typename D, StepKind K, typename A, detail::InGroup H>
  friend class StepBuilder;
  template <typename D, StepKind L>
  friend class GroupBuilder;

  explicit StepBuilder(detail::Draft draft) : draft_(std::move(draft)) {}

  detail::Draft draft_;
};

// A parallel group just opened, after a step of kind Last (kCompensatable at the saga's start):
// its first step decides whether it is a compensatable or a retriable group.
template <typename Data, StepKind Last>
class [[nodiscard]] GroupBuilder {
 public:
  // clang-format off
  // The group's first step, compensatable: not after the pivot or a retriable step.
  StepBuilder<Data, StepKind::kCompensatable, detail::NoAction, detail::InGroup::kCompensatable>
  step(std::string name) && {
    static_assert(Last != StepKind::kPivot, "a compensatable step cannot follow the pivot "
                                            "(order: compensatable* pivot? retriable*)");
    static_assert(Last != StepKind::kRetriable, "a compensatable step cannot follow a retriable "
                                                "step (order: compensatable* pivot? retriable*)");
    draft_.add_step(std::move(name), StepKind::kCompensatable);
    return StepBuilder<Data, StepKind::kCompensatable, detail::NoAction,
                       detail::InGroup::kCompensatable>(std::move(draft_));
  }
  // The group's first step, retriable.
  StepBuilder<Data, StepKind::kRetriable, detail::NoAction, detail::InGroup::kRetriable>
  retriable(std::string name) && {
    draft_.add_step(std::move(name), StepKind::kRetriable);
    return StepBuilder<Data, StepKind::kRetriable, detail::NoAction, detail::InGroup::kRetriable>(
        std::move(draft_));
  }
  // Refused: the pivot is the point of no return, one step on its own.
  template <typename T = void>
  void pivot(std::string) && {
    static_assert(detail::kAlwaysFalse<T>, "a pivot never sits in a parallel group");
  }
  // clang-format on

 private:
  template <typename D>
  friend class SagaBuilder;
  template <typename D, StepKind K, typename A, detail::InGroup H>
  friend class StepBuilder;

  explicit GroupBuilder(detail::Draft draft) : draft_(std::move(draft)) {}

  detail::Draft draft_;
};

// Starts the definition of saga `name`, version `version`, over the saga data type Data (a
// default-constructible struct with a cereal `serialize` member).
template <typename Data>
SagaBuilder<Data> define(std::string name, std::uint32_t version = 1) {
  static_assert(std::is_default_constructible_v<Data>, "saga data is default-constructible");
  return SagaBuilder<Data>(std::move(name), version);
}

}  // namespace saga
