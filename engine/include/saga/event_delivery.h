// External events for wait steps (EventWait in saga/definition.h): what Engine::deliver_event
// takes and answers. docs/dsl.md ("Waiting for an event") describes the step, docs/protocol.md
// the saga/1 "event" message that carries the same fields over the wire.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

#include "saga/body_codec.h"
#include "saga/envelope.h"
#include "saga/message.h"
#include "saga/status.h"

namespace saga {

// One external event. Exactly one of saga_id and key names the saga it is for.
struct EventDelivery {
  std::string event_id;  // required: deliveries with the same id are one event (idempotency)
  std::string name;      // required: the event's name, as the wait step's wait_for<E> says
  std::string saga_id;   // the saga, by id, or
  std::string key;       // the correlation key its wait step's correlate_by() computed
  ContentType content_type = ContentType::kCerealBinary;
  std::string body;  // the payload, encoded as content_type says
};

// What happened to a delivered event, once committed.
enum class EventDisposition : std::uint8_t {
  kConsumed = 1,   // the saga was waiting for it: its wait step took it in the same commit
  kPending = 2,    // the saga has not reached its wait step yet: kept until it does
  kDuplicate = 3,  // an event with this id was delivered before: nothing changed
};
std::string_view to_string(EventDisposition disposition);  // "consumed", "pending", "duplicate"

struct EventReceipt {
  EventDisposition disposition = EventDisposition::kPending;
  std::string saga_id;  // the saga it went to (resolved from the key when it came with one)
};

// An EventDelivery of `payload` (type E, named E::kMessageName) for saga `saga_id`.
template <Message E>
Result<EventDelivery> event_for_saga(std::string saga_id, std::string event_id, const E& payload,
                                     ContentType type = ContentType::kCerealBinary) {
  Result<std::string> body = encode_body(payload, type);
  if (!body) return body.status();
  return EventDelivery{
      std::move(event_id),    std::string(E::kMessageName), std::move(saga_id), {}, type,
      std::move(body).value()};
}

// The same, for the saga whose correlation key for E is `key`.
template <Message E>
Result<EventDelivery> event_for_key(std::string key, std::string event_id, const E& payload,
                                    ContentType type = ContentType::kCerealBinary) {
  Result<std::string> body = encode_body(payload, type);
  if (!body) return body.status();
  return EventDelivery{
      std::move(event_id),    std::string(E::kMessageName), {}, std::move(key), type,
      std::move(body).value()};
}

}  // namespace saga
