#include "command_client.h"

#include <algorithm>
#include <chrono>
#include <utility>
#include <vector>

#include "saga/zmq_transport.h"

namespace ftgo {

saga::Result<std::unique_ptr<CommandClient>> CommandClient::open(
    saga::ParticipantRegistry registry) {
  saga::ZmqTransportOptions options;
  options.registry = std::move(registry);
  options.log = [](saga::LogLevel, std::string_view) {};  // drops are the caller's test
  auto transport = saga::make_zmq_transport(std::move(options));
  if (!transport) return transport.status();
  return std::unique_ptr<CommandClient>(new CommandClient(std::move(transport).value()));
}

saga::Result<saga::Envelope> CommandClient::call(std::string_view participant,
                                                 saga::Envelope command, saga::Millis timeout,
                                                 saga::Millis resend_after) {
  using Clock = std::chrono::steady_clock;
  const auto give_up = Clock::now() + timeout;
  while (Clock::now() < give_up) {
    if (saga::Status s = transport_->send(participant, command); !s) return s;
    const auto resend_at = std::min(give_up, Clock::now() + resend_after);
    std::vector<saga::Envelope> replies;
    while (Clock::now() < resend_at) {
      replies.clear();
      transport_->poll(saga::Millis{50}, replies, 16);
      for (saga::Envelope& reply : replies) {
        if (reply.correlation_id == command.message_id) return std::move(reply);
      }
    }
    command.attempt += 1;
  }
  return saga::Status(saga::StatusCode::kTimeout,
                      "no reply from " + std::string(participant) + " to " + command.name);
}

}  // namespace ftgo
