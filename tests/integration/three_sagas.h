// What the operations tests (inspection, admin server, retention) share: three sagas in known
// phases, and the fixture's virtual clock as a Clock for servers and workers.
#pragma once

#include <gtest/gtest.h>

#include <string>

#include "saga/clock.h"
#include "saga/engine.h"
#include "saga/testing/engine_fixture.h"

namespace saga::testing {

// Starts a Create Order saga with this id.
inline void start_order_saga(EngineFixture& f, const std::string& id) {
  StartOptions options;
  options.id = id;
  EXPECT_TRUE(f.engine().start_saga("create_order", "order-" + id, options).is_ok()) << id;
}

// ok-1 completed at t0, declined-2 compensated at t0+1s, stuck-3 failed while compensating
// (CancelCreateTicket fails beyond its policy) at t0+2s.
inline void make_three_sagas(EngineFixture& f) {
  start_order_saga(f, "ok-1");
  EXPECT_EQ(f.settle("ok-1").phase, Phase::kCompleted);
  f.clock().advance(Millis{1'000});
  f.participants().fail("AuthorizeCard", "card_declined", 1);
  start_order_saga(f, "declined-2");
  EXPECT_EQ(f.settle("declined-2").phase, Phase::kCompensated);
  f.clock().advance(Millis{1'000});
  f.participants().fail("AuthorizeCard", "card_declined", 1);
  f.participants().fail("CancelCreateTicket", "kitchen_down", 5);
  start_order_saga(f, "stuck-3");
  EXPECT_EQ(f.settle("stuck-3").phase, Phase::kFailed);
}

// The fixture's virtual clock, shared with a server or a worker that wants a Clock.
class ClockRef final : public Clock {
 public:
  explicit ClockRef(const VirtualClock& clock) : clock_(clock) {}
  Millis now() const override { return clock_.now(); }

 private:
  const VirtualClock& clock_;
};

}  // namespace saga::testing
