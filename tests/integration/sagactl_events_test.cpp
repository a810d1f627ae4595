// Goal: `sagactl show` says what event a waiting saga waits for, and until when.
// Method: a manual engine on a real file runs the booking saga (tests/unit/booking_saga.h) to
// its first wait step; sagactl runs as a process on that file while the engine is open.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "saga/engine.h"
#include "saga/testing/in_memory_transport.h"
#include "saga/testing/temp_dir.h"
#include "unit/booking_saga.h"

namespace saga {
namespace {

TEST(SagactlEventsTest, ShowNamesTheAwaitedEvent) {
  testing::TempDir dir;
  auto transport = std::make_shared<testing::InMemoryTransport>();
  transport->add_participant("hotel", [](const Envelope& command) {
    Envelope reply = make_reply_to(command);
    reply.message_id = command.message_id + "/reply";
    reply.name = "Done";
    return std::vector<Envelope>{reply};
  });
  EngineOptions o;
  o.database_path = dir.file("engine.db");
  o.transport = transport;
  o.clock = std::make_shared<VirtualClock>();
  o.manual = true;
  o.log = [](LogLevel, std::string_view) {};
  std::unique_ptr<Engine> engine = Engine::open(std::move(o)).value();
  ASSERT_TRUE(engine->register_definition(booking::booking_definition().value()));
  ASSERT_TRUE(engine->start());
  StartOptions start;
  start.id = "b-1";
  ASSERT_TRUE(engine->start_saga_with("booking", booking::BookingData{1, {}, 0, false}, start));
  for (int i = 0; i < 4; ++i) engine->run_once(Millis{0});
  ASSERT_EQ(engine->get("b-1")->wait, Wait::kEvent);

  const std::string out = dir.file("out");
  const std::string command = std::string(SAGACTL_PATH) + " --db '" + dir.file("engine.db") +
                              "' show b-1 > '" + out + "' 2>&1";
  ASSERT_EQ(std::system(command.c_str()), 0);
  std::ifstream f(out);
  std::stringstream text;
  text << f.rdbuf();
  EXPECT_NE(text.str().find("waiting for event HotelConfirmed until"), std::string::npos)
      << text.str();
  EXPECT_NE(text.str().find("event_awaited"), std::string::npos) << text.str();
}

}  // namespace
}  // namespace saga
