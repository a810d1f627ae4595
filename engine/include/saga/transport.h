// Transport: how the engine exchanges saga/1 messages with participants.
//
// The engine owns one Transport and calls send() and poll() from its own thread only; wake() may
// be called from any thread. The ZeroMQ transport (zmq_transport.h) is the production one; the
// testing toolkit has an in-memory one. A transport never throws.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "saga/clock.h"
#include "saga/envelope.h"
#include "saga/status.h"

namespace saga {

struct TransportStats {
  std::uint64_t sent = 0;
  std::uint64_t received = 0;
  std::uint64_t malformed_dropped = 0;  // not valid saga/1: dropped, logged, counted
  std::uint64_t oversized_dropped = 0;  // over the maximum message size
  std::uint64_t send_failures = 0;      // unknown participant, queue full
};

class Transport {
 public:
  virtual ~Transport() = default;

  // Queues `command` for the participant registered as `participant`. OK means handed to the
  // transport, not delivered: the engine's deadline covers loss. An error (unknown participant,
  // full queue) leaves the command in the engine's outbox to be sent again later.
  virtual Status send(std::string_view participant, const Envelope& command) = 0;

  // Waits at most `timeout` for replies (and events, kind kEvent, from a transport that takes
  // them) and appends at most `max` of them to `out`. Returns
  // early when a reply arrives or wake() is called. Malformed messages are dropped and counted,
  // never returned.
  virtual void poll(Millis timeout, std::vector<Envelope>& out, std::size_t max) = 0;

  // Answers a message that poll() returned with kind kEvent: sends `reply` (a reply whose
  // `route` is the event's) back on the connection the event came from. A transport that takes
  // no events refuses (kFailedPrecondition); the sender of an unanswered event sends it again.
  virtual Status answer(const Envelope& reply) {
    (void)reply;
    return failed_precondition("transport: this transport takes no events");
  }

  // Makes a poll() that is waiting return soon. Thread-safe.
  virtual void wake() = 0;

  virtual TransportStats stats() const = 0;
};

}  // namespace saga
