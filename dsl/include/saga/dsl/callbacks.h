// Saga data helpers and the adapters that turn typed user functions into the byte-level
// callbacks of a StepDefinition (see saga/definition.h).
//
// Saga data is the user's struct, stored as cereal portable binary (encode_data/decode_data).
// Every adapter decodes the data, calls the user's function, and encodes the result; a decode
// or encode failure never throws out of the adapter, it becomes the failure the engine expects:
//   make       -> an error Result (the engine fails the step with reason "bad_command")
//   on_reply   -> DataUpdate{failed, "bad_reply: ..."} or {failed, "bad_data: ..."}
//   local      -> DataUpdate{failed, "bad_data: ..."}
//   when       -> true: a step whose data cannot be read runs, and fails visibly in make().
// Exceptions thrown by the user's own functions are left to the engine (`decide` catches them).
#pragma once

#include <concepts>
#include <functional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "saga/body_codec.h"
#include "saga/body_schema.h"
#include "saga/definition.h"
#include "saga/dsl/endpoint.h"
#include "saga/status.h"

namespace saga {

// The bytes to start a saga with: `data` in the encoding the DSL's callbacks read.
template <typename Data>
Result<std::string> encode_data(const Data& data) {
  return encode_body<Data>(data, ContentType::kCerealBinary);
}

// The saga data back from its bytes (for tests, tools and the end-of-saga hook).
template <typename Data>
Result<Data> decode_data(std::string_view bytes) {
  return decode_body<Data>(bytes, ContentType::kCerealBinary);
}

// `Cmd make(const Data&)`: builds a command from the saga data.
template <typename F, typename Data, typename Cmd>
concept CommandFactory = std::is_invocable_r_v<Cmd, const F&, const Data&>;

// A function whose result, if any, reports success: void (always succeeds), bool (false
// fails with reason "local_failed" / "reply_rejected"), or Status (non-OK fails with the
// status message as the reason).
template <typename T>
concept StepOutcome = std::is_void_v<T> || std::same_as<T, bool> || std::same_as<T, Status>;

// `void|bool|Status fn(Data&)`: a local step, run in the orchestrator.
template <typename F, typename Data>
concept LocalFunction =
    std::is_invocable_v<const F&, Data&> && StepOutcome<std::invoke_result_t<const F&, Data&>>;

// `void|bool|Status fn(Data&, const Reply&)`: a reply handler.
template <typename F, typename Data, typename Reply>
concept ReplyHandler = std::is_invocable_v<const F&, Data&, const Reply&> &&
    StepOutcome<std::invoke_result_t<const F&, Data&, const Reply&>>;

// `bool pred(const Data&)`: whether a step applies.
template <typename F, typename Data>
concept StepPredicate = std::is_invocable_r_v<bool, const F&, const Data&>;

// `std::string keys(const Data&)` or `std::vector<std::string> keys(const Data&)`: the semantic
// lock keys a saga or step takes ("order:42").
template <typename F, typename Data>
concept LockKeys = std::is_invocable_r_v<std::string, const F&, const Data&> ||
                   std::is_invocable_r_v < std::vector<std::string>,
const F&, const Data& > ;

// A LockMode, or `LockMode mode(const Data&)` to choose it from the data ("by value").
template <typename M, typename Data>
concept LockModeChoice =
    std::same_as<M, LockMode> || std::is_invocable_r_v<LockMode, const M&, const Data&>;

// The rest of a lock declaration (see LockDeclaration in saga/definition.h).
struct LockOptions {
  Millis lease{60'000};       // a holder idle for longer is reported
  std::string release_after;  // a step at or after the pivot; empty: when the saga ends
};

namespace detail {

template <typename Data, typename K, typename M>
LockDeclaration make_lock(K keys, M mode, LockOptions options) {
  LockDeclaration lock;
  lock.lease = options.lease;
  lock.release_after = std::move(options.release_after);
  lock.keys = [keys = std::move(keys)](std::string_view bytes) -> std::vector<std::string> {
    Result<Data> data = decode_data<Data>(bytes);
    // decide() turns the exception into a failure of the step ("lock keys threw: ...").
    if (!data) throw std::runtime_error("bad_data: " + data.status().message());
    if constexpr (std::is_invocable_r_v<std::vector<std::string>, const K&, const Data&>) {
      return std::invoke(keys, std::as_const(data.value()));
    } else {
      return {std::string(std::invoke(keys, std::as_const(data.value())))};
    }
  };
  if constexpr (std::same_as<M, LockMode>) {
    lock.mode = [mode](std::string_view) { return mode; };
  } else {
    lock.mode = [mode = std::move(mode)](std::string_view bytes) {
      Result<Data> data = decode_data<Data>(bytes);
      if (!data) return LockMode::kWait;  // the keys function reports the bad data
      return static_cast<LockMode>(std::invoke(mode, std::as_const(data.value())));
    };
  }
  return lock;
}

inline DataUpdate failed_update(std::string reason) {
  return DataUpdate{true, std::move(reason), std::string()};
}

// Runs `call` (returning void, bool or Status) and maps its result to an empty reason (success)
// or a failure reason.
template <typename Call>
std::string run_outcome(Call&& call, std::string_view false_reason) {
  using R = std::invoke_result_t<Call>;
  if constexpr (std::is_void_v<R>) {
    std::forward<Call>(call)();
    return std::string();
  } else if constexpr (std::same_as<R, bool>) {
    return std::forward<Call>(call)() ? std::string() : std::string(false_reason);
  } else {
    const Status status = std::forward<Call>(call)();
    if (status.is_ok()) return std::string();
    return status.message().empty() ? std::string(to_string(status.code())) : status.message();
  }
}

// Decodes the data, lets `mutate(Data&)` change it, and encodes it again.
template <typename Data, typename Mutate>
DataUpdate update_data(std::string_view bytes, Mutate&& mutate, std::string_view false_reason) {
  Result<Data> data = decode_data<Data>(bytes);
  if (!data) return failed_update("bad_data: " + data.status().message());
  std::string reason = run_outcome([&] { return mutate(data.value()); }, false_reason);
  if (!reason.empty()) return failed_update(std::move(reason));
  Result<std::string> encoded = encode_data<Data>(data.value());
  if (!encoded) return failed_update("bad_data: " + encoded.status().message());
  return DataUpdate{false, std::string(), std::move(encoded.value())};
}

// The contract of message type M (saga/body_schema.h), made once per type.
template <Message M>
const MessageContract& message_contract() {
  static const MessageContract contract = [] {
    Result<std::string> example = body_example<M>();
    return MessageContract{std::string(M::kMessageName), body_schema<M>(),
                           example ? std::move(example).value() : std::string()};
  }();
  return contract;
}

template <typename Data, Message Cmd, Message... Replies, typename F>
CommandAction make_action(Channel channel, F make) {
  CommandAction action;
  action.participant = std::string(channel.name);
  action.command_name = std::string(Cmd::kMessageName);
  action.content_type = channel.content_type;
  action.command = message_contract<Cmd>();
  action.replies = {message_contract<Replies>()...};
  action.make = [make = std::move(make),
                 type = channel.content_type](std::string_view bytes) -> Result<CommandMessage> {
    Result<Data> data = decode_data<Data>(bytes);
    if (!data) return data.status().with_context("saga data");
    const Cmd command = std::invoke(make, std::as_const(data.value()));
    Result<std::string> body = encode_body<Cmd>(command, type);
    if (!body) return body.status().with_context(Cmd::kMessageName);
    return CommandMessage{std::string(Cmd::kMessageName), type, std::move(body.value())};
  };
  return action;
}

template <typename Data, typename F>
std::function<DataUpdate(std::string_view)> make_local(F fn) {
  return [fn = std::move(fn)](std::string_view bytes) {
    return update_data<Data>(
        bytes, [&](Data& data) { return std::invoke(fn, data); }, "local_failed");
  };
}

using ReplyFunction = std::function<DataUpdate(std::string_view, const ReplyView&)>;

// A handler for replies named Reply::kMessageName; any other reply goes to `next` (or leaves
// the data unchanged when there is no next).
template <typename Data, Message Reply, typename F>
ReplyFunction make_reply_handler(F fn, ReplyFunction next) {
  return [fn = std::move(fn), next = std::move(next)](std::string_view bytes,
                                                      const ReplyView& reply) -> DataUpdate {
    if (reply.name != Reply::kMessageName) {
      if (next) return next(bytes, reply);
      return DataUpdate{false, std::string(), std::string(bytes)};
    }
    Result<Reply> decoded = decode_body<Reply>(reply.body, reply.content_type);
    if (!decoded) {
      return failed_update("bad_reply: " + std::string(Reply::kMessageName) + ": " +
                           decoded.status().message());
    }
    return update_data<Data>(
        bytes, [&](Data& data) { return std::invoke(fn, data, std::as_const(decoded.value())); },
        "reply_rejected");
  };
}

template <typename Data, typename F>
std::function<bool(std::string_view)> make_predicate(F pred) {
  return [pred = std::move(pred)](std::string_view bytes) {
    Result<Data> data = decode_data<Data>(bytes);
    if (!data) return true;  // see the file comment: run, and fail visibly in make()
    return static_cast<bool>(std::invoke(pred, std::as_const(data.value())));
  };
}

}  // namespace detail
}  // namespace saga
