// Message types: commands, replies and their wire names.
//
// A command or reply is a plain struct with a cereal `serialize` member and a wire name
// declared once, in the type:
//
//   struct ReserveCredit {
//     static constexpr std::string_view kMessageName = "ReserveCredit";
//     std::int64_t customer_id = 0;
//     template <class A> void serialize(A& a) { a(CEREAL_NVP(customer_id)); }
//   };
//
// The name travels in the header's `name` field; participants dispatch on it and the engine
// matches replies by it. Nothing else in the API takes a message name as a string.
#pragma once

#include <concepts>
#include <string_view>

namespace saga {

template <typename T>
concept Message = requires {
  { T::kMessageName } -> std::convertible_to<std::string_view>;
};

template <Message T>
constexpr std::string_view message_name() {
  return T::kMessageName;
}

}  // namespace saga
