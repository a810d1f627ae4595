// The booking saga's participants (tests/unit/booking_saga.h) on the in-memory transport: hotel,
// bank and mail each answer every command at once with Done. For the engine-level event tests.
#pragma once

#include <vector>

#include "saga/testing/in_memory_transport.h"
#include "unit/booking_saga.h"

namespace booking {

inline void add_booking_participants(saga::testing::InMemoryTransport& transport) {
  for (const char* p : {"hotel", "bank", "mail"}) {
    transport.add_participant(p, [](const saga::Envelope& command) {
      saga::Envelope reply = saga::make_reply_to(command);
      reply.message_id = command.message_id + "/reply";
      reply.name = "Done";
      reply.body = saga::encode_body(Done{0}).value();
      return std::vector<saga::Envelope>{reply};
    });
  }
}

}  // namespace booking
