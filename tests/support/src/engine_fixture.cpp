#include "saga/testing/engine_fixture.h"

#include <gtest/gtest.h>

namespace saga::testing {

EngineFixture::EngineFixture()
    : transport_(std::make_shared<InMemoryTransport>()),
      participants_(*transport_),
      clock_(std::make_shared<VirtualClock>()),
      definition_(ftgo_definition()) {
  for (const char* p : {"order", "consumer", "kitchen", "accounting"}) participants_.add(p);
  participants_.compensation_only("RejectOrder");
}

EngineFixture::~EngineFixture() { close(); }

Status EngineFixture::open(EngineOptions options) {
  close();
  options.database_path = database_path();
  options.transport = transport_;
  options.clock = clock_;
  if (options.random_seed == 0) options.random_seed = 7;
  options.max_poll_wait = Millis{5};
  if (!options.log) options.log = [](LogLevel, std::string_view) {};
  Result<std::unique_ptr<Engine>> engine = Engine::open(std::move(options));
  if (!engine) return engine.status();
  engine_ = std::move(engine).value();
  if (Status s = engine_->register_definition(definition_); !s) return s;
  return engine_->start();
}

void EngineFixture::close() {
  if (engine_) engine_->stop();
  engine_.reset();
}

SagaInstance EngineFixture::settle(const std::string& id, Millis step, int max_steps) {
  for (int i = 0; i < max_steps; ++i) {
    Result<SagaInstance> done = engine_->wait(id, Millis{20});
    if (done) return done.value();
    if (done.status().code() != StatusCode::kTimeout) {
      ADD_FAILURE() << "wait(" << id << "): " << done.status().to_string();
      return {};
    }
    clock_->advance(step);
    engine_->tick();
  }
  ADD_FAILURE() << "saga " << id << " did not end after " << max_steps << " clock steps";
  return {};
}

}  // namespace saga::testing
