// Wait steps in the DSL: what a wait's time limit means, and the adapters that turn the user's
// typed functions into EventWait's byte-level callbacks (saga/definition.h).
//
//   .step("await_acceptance")
//       .wait_for<TicketAccepted>(saga::Millis{300'000}, saga::compensate_on_timeout)
//       .on_event(&on_ticket_accepted)             // void|bool|Status fn(Data&, const E&)
//       .correlate_by(&ticket_key)                 // std::string fn(const Data&), optional
//   .retriable("await_pickup")
//       .wait_for<CourierAssigned>(saga::Millis{60'000}, saga::continue_on_timeout())
//       .on_timeout(&mark_no_courier)              // void|bool|Status fn(Data&), optional
//
// Where a wait may sit: before the pivot (a step()) with either outcome, after it (a
// retriable()) only with continue_on_timeout: after the pivot the saga is bound to finish, so
// there is nothing to compensate. The pivot itself cannot wait. The builder's static_asserts say
// so; build() checks that a skip_to names a later step.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

#include "saga/definition.h"
#include "saga/dsl/callbacks.h"
#include "saga/message.h"

namespace saga {

// The wait step fails when its time limit passes; the saga compensates the steps before it.
struct CompensateOnTimeout {};
inline constexpr CompensateOnTimeout compensate_on_timeout{};

// The saga goes on when the time limit passes: at the next step, or at the later step named
// `skip_to` (the steps in between are skipped and never compensated).
struct ContinueOnTimeout {
  std::string skip_to;
};
inline ContinueOnTimeout continue_on_timeout(std::string skip_to = {}) {
  return ContinueOnTimeout{std::move(skip_to)};
}

template <typename T>
concept TimeoutOutcome = std::same_as<T, CompensateOnTimeout> || std::same_as<T, ContinueOnTimeout>;

// `void|bool|Status fn(Data&, const E&)`: applies the event to the saga data.
template <typename F, typename Data, typename E>
concept EventHandler = std::is_invocable_v<const F&, Data&, const E&> &&
    StepOutcome<std::invoke_result_t<const F&, Data&, const E&>>;

// `std::string fn(const Data&)`: the event's correlation key.
template <typename F, typename Data>
concept CorrelationKey = std::is_invocable_r_v<std::string, const F&, const Data&>;

namespace detail {

// The Action tag of a wait step's builder: the event type and what its timeout means.
template <Message E, typename Outcome>
struct WaitAction {
  using event_type = E;
  static constexpr bool kCompensates = std::is_same_v<Outcome, CompensateOnTimeout>;
};

template <typename T>
inline constexpr bool kIsWait = false;
template <Message E, typename O>
inline constexpr bool kIsWait<WaitAction<E, O>> = true;

template <typename T>
inline constexpr bool kContinuesOnTimeout = false;
template <Message E>
inline constexpr bool kContinuesOnTimeout<WaitAction<E, ContinueOnTimeout>> = true;

template <typename T>
struct WaitEvent {
  using type = void;
};
template <Message E, typename O>
struct WaitEvent<WaitAction<E, O>> {
  using type = E;
};

template <Message E>
EventWait make_wait(Millis timeout, CompensateOnTimeout) {
  EventWait wait;
  wait.event = std::string(E::kMessageName);
  wait.timeout = timeout;
  wait.on_timeout = EventTimeout::kCompensate;
  wait.contract = message_contract<E>();
  return wait;
}

template <Message E>
EventWait make_wait(Millis timeout, ContinueOnTimeout outcome) {
  EventWait wait = make_wait<E>(timeout, CompensateOnTimeout{});
  wait.on_timeout = EventTimeout::kContinue;
  wait.skip_to = std::move(outcome.skip_to);
  return wait;
}

template <typename Data, Message E, typename F>
std::function<DataUpdate(std::string_view, const EventView&)> make_event_handler(F fn) {
  return [fn = std::move(fn)](std::string_view bytes, const EventView& event) -> DataUpdate {
    Result<E> decoded = decode_body<E>(event.body, event.content_type);
    if (!decoded) {
      return failed_update("bad_event: " + std::string(E::kMessageName) + ": " +
                           decoded.status().message());
    }
    return update_data<Data>(
        bytes, [&](Data& data) { return std::invoke(fn, data, std::as_const(decoded.value())); },
        "event_rejected");
  };
}

template <typename Data, typename F>
std::function<std::string(std::string_view)> make_correlation_key(F fn) {
  return [fn = std::move(fn)](std::string_view bytes) -> std::string {
    Result<Data> data = decode_data<Data>(bytes);
    if (!data) return std::string();  // no key: events must name the saga by its id
    return std::string(std::invoke(fn, std::as_const(data.value())));
  };
}

}  // namespace detail
}  // namespace saga
