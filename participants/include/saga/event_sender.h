// send_event: sends an external event to an orchestrator's events endpoint (docs/protocol.md,
// "Events") and waits for its answer, sending the same event again (same message_id) until one
// comes or `timeout` passes. For any process that needs to tell a saga something happened —
// a participant's own code, a web handler, a batch job.
//
//   saga::EventSenderOptions o{"tcp://orchestrator:5601"};
//   saga::Result<saga::EventAnswer> a = saga::send_event(
//       o, saga::make_event_by_key("order:42", "accept-42", TicketAccepted{42}).value());
//
// Blocking; one socket per call (events are rare). Thread-safe: calls share nothing.
#pragma once

#include <string>
#include <utility>

#include "saga/body_codec.h"
#include "saga/clock.h"
#include "saga/envelope.h"
#include "saga/message.h"
#include "saga/status.h"

namespace saga {

struct EventSenderOptions {
  std::string endpoint;         // the orchestrator's events_endpoint
  Millis timeout{5'000};        // give up (kTimeout) when no answer came by then
  Millis resend_interval{500};  // send the same event again after this long
};

// The orchestrator's answer.
struct EventAnswer {
  bool accepted = false;  // EventAccepted; false: EventRefused
  std::string body;       // accepted: {"disposition":"consumed|pending|duplicate","saga_id":...}
  std::string reason;     // refused: "<code>: <message>", as Engine::deliver_event's error
};

// An event envelope for `saga_id` or for the saga whose correlation key is `key`.
template <Message E>
Result<Envelope> make_event(std::string saga_id, std::string event_key, std::string event_id,
                            const E& payload, ContentType type = ContentType::kCerealBinary) {
  Result<std::string> body = encode_body(payload, type);
  if (!body) return body.status();
  Envelope e;
  e.kind = MessageKind::kEvent;
  e.message_id = std::move(event_id);
  e.name = std::string(E::kMessageName);
  e.saga_id = std::move(saga_id);
  e.event_key = std::move(event_key);
  e.content_type = type;
  e.body = std::move(body).value();
  return e;
}
template <Message E>
Result<Envelope> make_event_by_key(std::string key, std::string event_id, const E& payload,
                                   ContentType type = ContentType::kCerealBinary) {
  return make_event({}, std::move(key), std::move(event_id), payload, type);
}

// Sends `event` (kind kEvent) and returns the answer. Errors: kInvalidArgument (not an event,
// a header that does not encode, a bad endpoint), kTimeout (no answer in time: the event may
// or may not have been taken; send it again, same id), kInternal (other ZeroMQ failures).
Result<EventAnswer> send_event(const EventSenderOptions& options, const Envelope& event);

}  // namespace saga
