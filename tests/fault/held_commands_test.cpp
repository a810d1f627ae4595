// Goal: commands held back by a participant's in-flight cap or breaker are all sent once the
// participant frees up; the engine never spins on its held queue (found by the simulator).
// Method: a manual-mode engine (real SQLite in a temp dir, in-memory transport, scripted
// participants) with max_in_flight = 1 toward "consumer"; three sagas queue behind the first.
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "saga/engine.h"
#include "saga/testing/ftgo_definition.h"
#include "saga/testing/in_memory_transport.h"
#include "saga/testing/scripted_participants.h"
#include "saga/testing/temp_dir.h"

namespace saga {
namespace {

TEST(HeldCommandsTest, SeveralHeldCommandsForOneParticipantAreAllReleased) {
  testing::TempDir dir;
  auto transport = std::make_shared<testing::InMemoryTransport>();
  testing::ScriptedParticipants participants(*transport);
  for (const char* p : {"order", "consumer", "kitchen", "accounting"}) participants.add(p);
  participants.compensation_only("RejectOrder");
  auto clock = std::make_shared<VirtualClock>();

  EngineOptions options;
  options.database_path = dir.file("engine.db");
  options.transport = transport;
  options.clock = clock;
  options.random_seed = 1;
  options.manual = true;
  options.log = [](LogLevel, std::string_view) {};
  options.participant_limits["consumer"].max_in_flight = 1;
  Result<std::unique_ptr<Engine>> engine = Engine::open(options);
  ASSERT_TRUE(engine.is_ok()) << engine.status().to_string();
  Engine& e = *engine.value();
  ASSERT_TRUE(e.register_definition(testing::ftgo_definition()).is_ok());
  ASSERT_TRUE(e.start().is_ok());

  const std::vector<std::string> ids{"a", "b", "c", "d"};
  for (const std::string& id : ids) {
    StartOptions start;
    start.id = id;
    ASSERT_TRUE(e.start_saga("create_order", "order-" + id, start).is_ok());
  }
  // Before the fix, the run_once() that frees the first slot never returned.
  for (int i = 0; i < 200; ++i) {
    ASSERT_TRUE(e.run_once());
    clock->advance(Millis{10});
  }
  for (const std::string& id : ids) {
    Result<SagaInstance> s = e.get(id);
    ASSERT_TRUE(s.is_ok());
    EXPECT_EQ(s->phase, Phase::kCompleted) << id;
    EXPECT_EQ(participants.effects(id, "ValidateOrderByConsumer"), 1) << id;
  }
}

}  // namespace
}  // namespace saga
