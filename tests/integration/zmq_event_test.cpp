// Goal: an event sent over real ZeroMQ to the orchestrator's events endpoint with
// saga::send_event is delivered and answered once committed (pending, duplicate), and an event
// for no saga is refused with the engine's error.
// Method: a threaded engine with the ZeroMQ transport on ipc sockets in a temp dir; the booking
// saga (tests/unit/booking_saga.h) waits at its first step (no hotel runs), so its confirmation
// comes early and is kept.
#include <gtest/gtest.h>

#include "saga/engine.h"
#include "saga/event_sender.h"
#include "saga/testing/temp_dir.h"
#include "saga/zmq_transport.h"
#include "unit/booking_saga.h"

namespace saga {
namespace {

TEST(ZmqEventTest, SendEventIsAnsweredByTheEngine) {
  testing::TempDir dir;
  ZmqTransportOptions t;
  for (const char* p : {"hotel", "bank", "mail"}) {
    ASSERT_TRUE(t.registry.add(p, "ipc://" + dir.file(std::string(p) + ".sock")));
  }
  t.events_endpoint = "ipc://" + dir.file("events.sock");
  t.log = [](LogLevel, std::string_view) {};
  EngineOptions o;
  o.database_path = dir.file("engine.db");
  o.transport = std::shared_ptr<Transport>(make_zmq_transport(std::move(t)).value());
  o.log = [](LogLevel, std::string_view) {};
  std::unique_ptr<Engine> engine = Engine::open(std::move(o)).value();
  ASSERT_TRUE(engine->register_definition(booking::booking_definition().value()));
  ASSERT_TRUE(engine->start());
  StartOptions start;
  start.id = "b-1";
  ASSERT_TRUE(engine->start_saga_with("booking", booking::BookingData{1, {}, 0, false}, start));

  EventSenderOptions s{"ipc://" + dir.file("events.sock")};
  Envelope event = make_event_by_key("booking:1", "ev-1", booking::HotelConfirmed{"Z"}).value();
  Result<EventAnswer> first = send_event(s, event);
  ASSERT_TRUE(first) << first.status().to_string();
  EXPECT_TRUE(first->accepted);
  EXPECT_EQ(first->body, "{\"disposition\":\"pending\",\"saga_id\":\"b-1\"}");
  Result<EventAnswer> again = send_event(s, event);
  ASSERT_TRUE(again) << again.status().to_string();
  EXPECT_EQ(again->body, "{\"disposition\":\"duplicate\",\"saga_id\":\"b-1\"}");
  EXPECT_EQ(engine->events("b-1")->size(), 1u);

  Envelope stray = make_event_by_key("booking:2", "ev-2", booking::HotelConfirmed{"Z"}).value();
  Result<EventAnswer> refused = send_event(s, stray);
  ASSERT_TRUE(refused) << refused.status().to_string();
  EXPECT_FALSE(refused->accepted);
  EXPECT_EQ(refused->reason,
            "not_found: event 'HotelConfirmed': no running saga has the key 'booking:2'");
  engine->stop();
}

}  // namespace
}  // namespace saga
