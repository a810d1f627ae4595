// The engine tests' fixture for child sagas (engine_child_test.cpp, sagactl_child_test.cpp): a
// manual engine on a real SQLite file with the sagas of tests/unit/delivery_sagas.h registered,
// the in-memory transport with participants that answer at once ("<Name>Done"; a failure for
// the names in `failing`, no answer for those in `holding`), and the virtual clock.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <set>
#include <string>
#include <vector>

#include "saga/engine.h"
#include "saga/testing/in_memory_transport.h"
#include "saga/testing/temp_dir.h"
#include "unit/delivery_sagas.h"

namespace saga::testing {

class ChildEngineFixture : public ::testing::Test {
 protected:
  ChildEngineFixture() {
    for (const char* p : {"stock", "courier", "order"}) {
      transport->add_participant(p, [this](const Envelope& command) {
        Envelope reply = make_reply_to(command);
        reply.message_id = command.message_id + "/reply";
        reply.name = command.name + "Done";
        if (holding.count(command.name)) return std::vector<Envelope>{};  // lost: resent later
        if (failing.count(command.name)) {
          reply.outcome = Outcome::kFailure;
          reply.reason = "refused";
        }
        return std::vector<Envelope>{reply};
      });
    }
    open();
  }

  void open() {
    engine.reset();
    EngineOptions o;
    o.database_path = dir.file("engine.db");
    o.transport = transport;
    o.clock = clock;
    o.manual = true;
    o.random_seed = 5;
    o.log = [](LogLevel, std::string_view) {};
    engine = Engine::open(std::move(o)).value();
    for (const SagaDefinition& d :
         {delivery_sagas::order_with_delivery(), delivery_sagas::delivery()}) {
      ASSERT_TRUE(engine->register_definition(std::make_shared<const SagaDefinition>(d)));
    }
    ASSERT_TRUE(engine->start());
  }

  void pump(int times = 12) {
    for (int i = 0; i < times; ++i) engine->run_once(Millis{0});
  }

  std::string start(const std::string& type, const std::string& id) {
    StartOptions options;
    options.id = id;
    Result<std::string> started = engine->start_saga(type, "order-1", options);
    EXPECT_TRUE(started) << started.status().to_string();
    pump();
    return id;
  }

  // Advances the clock (replies are resent after their deadlines) until `id` is in `phase`.
  void settle(const std::string& id, Phase phase) {
    for (int i = 0; i < 20 && saga(id).phase != phase; ++i) {
      clock->advance(Millis{5'000});
      pump();
    }
  }

  SagaInstance saga(const std::string& id) {
    Result<SagaInstance> s = engine->get(id);
    EXPECT_TRUE(s) << id << ": " << s.status().to_string();
    return s ? s.value() : SagaInstance{};
  }

  std::vector<std::string> history(const std::string& id) {
    std::vector<std::string> out;
    Result<std::vector<HistoryEntry>> h = engine->history(id);
    EXPECT_TRUE(h) << h.status().to_string();
    if (!h) return out;
    for (const HistoryEntry& e : h.value()) out.push_back(std::string(to_string(e.event)));
    return out;
  }

  // The names of the commands sent, in order.
  std::vector<std::string> sent() const {
    std::vector<std::string> out;
    for (const auto& s : transport->sent()) out.push_back(s.command.name);
    return out;
  }

  testing::TempDir dir;
  std::set<std::string> failing;
  std::set<std::string> holding;  // commands that get no reply (until removed; then resent)
  std::shared_ptr<testing::InMemoryTransport> transport =
      std::make_shared<testing::InMemoryTransport>();
  std::shared_ptr<VirtualClock> clock = std::make_shared<VirtualClock>();
  std::unique_ptr<Engine> engine;
};

}  // namespace saga::testing
