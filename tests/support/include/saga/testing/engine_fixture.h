// EngineFixture: an Engine on a real SQLite file in a temp dir, the in-memory transport with
// scripted FTGO participants (order, consumer, kitchen, accounting), and a virtual clock.
#pragma once

#include <memory>
#include <string>

#include "saga/engine.h"
#include "saga/testing/ftgo_definition.h"
#include "saga/testing/in_memory_transport.h"
#include "saga/testing/scripted_participants.h"
#include "saga/testing/temp_dir.h"

namespace saga::testing {

class EngineFixture {
 public:
  EngineFixture();
  ~EngineFixture();

  // Opens and starts an engine on the fixture's database. `options` may preset fields; the
  // fixture fills in path, transport, clock, seed and a quiet log.
  Status open(EngineOptions options = {});
  // Stops and destroys the engine (as a clean shutdown or, after a crash point, a crash).
  void close();

  // Waits for the saga to end, moving the virtual clock `step` at a time so timers fire.
  // Fails the current test if it does not end within `max_steps` moves.
  SagaInstance settle(const std::string& id, Millis step = Millis{100}, int max_steps = 400);

  Engine& engine() { return *engine_; }
  InMemoryTransport& transport() { return *transport_; }
  ScriptedParticipants& participants() { return participants_; }
  VirtualClock& clock() { return *clock_; }
  std::shared_ptr<SagaDefinition> definition() { return definition_; }
  std::string database_path() const { return dir_.file("engine.db"); }
  const TempDir& dir() const { return dir_; }

 private:
  TempDir dir_;
  std::shared_ptr<InMemoryTransport> transport_;
  ScriptedParticipants participants_;
  std::shared_ptr<VirtualClock> clock_;
  std::shared_ptr<SagaDefinition> definition_;
  std::unique_ptr<Engine> engine_;
};

}  // namespace saga::testing
