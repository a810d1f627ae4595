// send_event over a DEALER socket: see saga/event_sender.h.
#include "saga/event_sender.h"

#include <chrono>
#include <zmq.hpp>

namespace saga {

Result<EventAnswer> send_event(const EventSenderOptions& options, const Envelope& event) {
  if (event.kind != MessageKind::kEvent) return invalid_argument("send_event: not an event");
  Result<std::string> header = encode_header(event);
  if (!header) return header.status().with_context("send_event");
  try {
    zmq::context_t context;
    zmq::socket_t socket(context, zmq::socket_type::dealer);
    socket.set(zmq::sockopt::linger, 0);
    socket.connect(options.endpoint);
    const auto deadline = std::chrono::steady_clock::now() + options.timeout;
    auto next_send = std::chrono::steady_clock::now();
    while (std::chrono::steady_clock::now() < deadline) {
      if (std::chrono::steady_clock::now() >= next_send) {
        socket.send(zmq::buffer(kProtocolTag), zmq::send_flags::sndmore);
        socket.send(zmq::buffer(header.value()), zmq::send_flags::sndmore);
        socket.send(zmq::buffer(event.body), zmq::send_flags::none);
        next_send += options.resend_interval;
      }
      zmq::pollitem_t item{socket.handle(), 0, ZMQ_POLLIN, 0};
      const auto wait = std::chrono::duration_cast<Millis>(std::min(next_send, deadline) -
                                                           std::chrono::steady_clock::now());
      zmq::poll(&item, 1, std::max(wait, Millis{0}));
      if ((item.revents & ZMQ_POLLIN) == 0) continue;
      zmq::message_t tag, head, body;
      if (!socket.recv(tag) || !tag.more() || !socket.recv(head) || !head.more() ||
          !socket.recv(body)) {
        continue;
      }
      Result<Envelope> reply =
          decode(tag.to_string_view(), head.to_string_view(), body.to_string_view());
      if (!reply || reply->kind != MessageKind::kReply ||
          reply->correlation_id != event.message_id) {
        continue;  // an answer to an earlier send of another event: not ours
      }
      return EventAnswer{reply->outcome == Outcome::kSuccess, reply->body, reply->reason};
    }
  } catch (const zmq::error_t& e) {
    const StatusCode code =
        e.num() == EINVAL ? StatusCode::kInvalidArgument : StatusCode::kInternal;
    return Status(code, std::string("send_event: ") + e.what());
  }
  return Status(StatusCode::kTimeout, "send_event: no answer from " + options.endpoint +
                                          " for event " + event.message_id);
}

}  // namespace saga
