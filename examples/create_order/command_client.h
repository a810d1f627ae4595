// CommandClient: sends one saga/1 command to a participant and waits for its reply, over the
// engine's ZeroMQ transport (saga/zmq_transport.h) -- what an orchestrator does for one step,
// without an engine. For the places that play a sender by hand: the workshop's version-file
// check (exercise 9) and the choreography example's services (examples/choreography).
//
// call() resends the same message (same message_id, attempt + 1) every `resend_after` until
// the reply comes or `timeout` has passed (kTimeout), as the engine does after a reply
// deadline: the participant's inbox answers a resend that already ran from its stored reply.
// Replies to other commands (late answers to an earlier call) are dropped. Not thread-safe: one
// thread per client.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "saga/body_codec.h"
#include "saga/clock.h"
#include "saga/envelope.h"
#include "saga/message.h"
#include "saga/participant_registry.h"
#include "saga/status.h"
#include "saga/transport.h"

namespace ftgo {

class CommandClient {
 public:
  // kInvalidArgument for an unusable registry (as make_zmq_transport).
  static saga::Result<std::unique_ptr<CommandClient>> open(saga::ParticipantRegistry registry);

  // `payload` as the command of saga `saga_id`, step `step`, with `message_id`.
  template <saga::Message Cmd>
  static saga::Result<saga::Envelope> command(const Cmd& payload, std::string saga_id,
                                              std::string step, std::string message_id,
                                              saga::ContentType type = saga::ContentType::kJson) {
    auto body = saga::encode_body(payload, type);
    if (!body) return body.status();
    saga::Envelope e;
    e.kind = saga::MessageKind::kCommand;
    e.name = std::string(Cmd::kMessageName);
    e.saga_id = std::move(saga_id);
    e.saga_type = "by_hand";
    e.step = std::move(step);
    e.message_id = std::move(message_id);
    e.content_type = type;
    e.body = std::move(body).value();
    return e;
  }

  // Sends `command` to `participant` and returns its reply.
  saga::Result<saga::Envelope> call(std::string_view participant, saga::Envelope command,
                                    saga::Millis timeout = saga::Millis{10'000},
                                    saga::Millis resend_after = saga::Millis{1'000});

 private:
  explicit CommandClient(std::unique_ptr<saga::Transport> transport)
      : transport_(std::move(transport)) {}
  std::unique_ptr<saga::Transport> transport_;
};

}  // namespace ftgo
