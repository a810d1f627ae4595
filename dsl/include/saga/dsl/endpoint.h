// Typed endpoints: a participant's channel and the commands it accepts, declared once.
//
//   inline constexpr saga::Channel kitchen{"kitchen"};
//   inline constexpr auto create_ticket =
//       saga::command<CreateTicket>(kitchen).replies<TicketCreated, TicketRejected>();
//
// A Channel names a participant as the engine's registry knows it and the content type its
// commands are encoded in (cereal portable binary unless told otherwise). A Command binds a
// command type to a channel and lists the reply types the participant may answer with; the
// builder accepts `on_reply<R>` only for an R in that list, so a handler for a reply that
// cannot come does not compile. Wire names come from the types' `kMessageName`.
//
// Both are small literal values, usable in `constexpr` declarations. A Channel holds a
// string_view: give it a string literal or another string that lives for the whole program.
#pragma once

#include <string_view>
#include <type_traits>

#include "saga/envelope.h"
#include "saga/message.h"

namespace saga {

struct Channel {
  std::string_view name;  // the participant's registry name ("kitchen")
  ContentType content_type = ContentType::kCerealBinary;
};

template <Message C, Message... Replies>
struct Command {
  using command_type = C;

  Channel channel;

  // The same command, with `More` added to the reply types it may receive.
  template <Message... More>
  constexpr Command<C, Replies..., More...> replies() const {
    return Command<C, Replies..., More...>{channel};
  }

  // Whether R is one of the declared reply types.
  template <typename R>
  static constexpr bool has_reply = (std::is_same_v<R, Replies> || ...);

  static constexpr std::string_view name() { return C::kMessageName; }
};

// A command of type C sent to `channel`, with no reply types declared yet.
template <Message C>
constexpr Command<C> command(Channel channel) {
  return Command<C>{channel};
}

namespace detail {
template <typename T>
struct IsCommand : std::false_type {};
template <Message C, Message... Rs>
struct IsCommand<Command<C, Rs...>> : std::true_type {};
}  // namespace detail

// Satisfied by every saga::Command<...>.
template <typename T>
concept CommandEndpoint = detail::IsCommand<T>::value;

}  // namespace saga
