// Goal: child sagas in the engine: the child is created in the parent's commit (with its
// parent's id, visible through get() and the history), each side's end reaches the other in the
// commit that ends it, a parent that compensates after its child's steps were done has the
// child run its own compensations, a crash (engine dropped, reopened on the file) in the middle
// loses nothing, and nesting deeper than kMaxChildDepth is refused and compensated.
// Method: a manual engine on a real SQLite file, the in-memory transport with participants that
// answer at once (some with failures, some paused), the virtual clock, and the sagas of
// tests/unit/delivery_sagas.h.
#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "saga/engine.h"
#include "saga/testing/in_memory_transport.h"
#include "saga/testing/temp_dir.h"
#include "unit/delivery_sagas.h"

namespace saga {
namespace {

class EngineChildTest : public ::testing::Test {
 protected:
  EngineChildTest() {
    for (const char* p : {"stock", "courier", "order"}) {
      transport->add_participant(p, [this](const Envelope& command) {
        Envelope reply = make_reply_to(command);
        reply.message_id = command.message_id + "/reply";
        reply.name = command.name + "Done";
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
    for (const SagaDefinition& d : {delivery_sagas::order_with_delivery(),
                                    delivery_sagas::delivery(), delivery_sagas::nesting()}) {
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
  std::shared_ptr<testing::InMemoryTransport> transport =
      std::make_shared<testing::InMemoryTransport>();
  std::shared_ptr<VirtualClock> clock = std::make_shared<VirtualClock>();
  std::unique_ptr<Engine> engine;
};

TEST_F(EngineChildTest, TheChildRunsInsideItsParentsStepAndBothComplete) {
  start("order_with_delivery", "o-1");
  const SagaInstance parent = saga("o-1");
  const SagaInstance child = saga("o-1/deliver");
  EXPECT_EQ(parent.phase, Phase::kCompleted);
  EXPECT_EQ(parent.data, "order-1delivered(order-1|child)");
  EXPECT_EQ(child.phase, Phase::kCompleted);
  EXPECT_EQ(child.parent_id, "o-1");
  EXPECT_EQ(child.type, "delivery");
  EXPECT_EQ(child.version, 1u);
  EXPECT_EQ(child.trace_id, parent.trace_id);
  EXPECT_EQ(history("o-1/deliver"),
            (std::vector<std::string>{"started", "step_succeeded", "step_succeeded", "child_done",
                                      "completed"}));
  EXPECT_EQ(engine->history("o-1/deliver")->front().reason, "child of saga o-1");
  EXPECT_EQ(sent(), (std::vector<std::string>{"Reserve", "Book", "Dispatch", "Approve"}));
}

TEST_F(EngineChildTest, AParentThatCompensatesHasItsDoneChildRunItsOwnCompensations) {
  failing = {"Approve"};
  start("order_with_delivery", "o-2");
  EXPECT_EQ(saga("o-2").phase, Phase::kCompensated);
  EXPECT_EQ(saga("o-2/deliver").phase, Phase::kCompensated);
  EXPECT_EQ(saga("o-2/deliver").failure_cause, FailureCause::kParentCompensated);
  // The child's compensation (its pivot has none) before the parent's earlier step's.
  EXPECT_EQ(sent(), (std::vector<std::string>{"Reserve", "Book", "Dispatch", "Approve",
                                              "CancelBooking", "Release"}));
  const std::vector<std::string> h = history("o-2");
  EXPECT_NE(std::find(h.begin(), h.end(), "child_compensation_requested"), h.end());
}

TEST_F(EngineChildTest, AChildThatCompensatedFailsItsParentsStep) {
  failing = {"Dispatch"};
  start("order_with_delivery", "o-3");
  EXPECT_EQ(saga("o-3/deliver").phase, Phase::kCompensated);
  const SagaInstance parent = saga("o-3");
  EXPECT_EQ(parent.phase, Phase::kCompensated);
  EXPECT_EQ(parent.last_reason,
            "step 'deliver': child saga o-3/deliver compensated: step 'dispatch': refused");
  EXPECT_EQ(sent(),
            (std::vector<std::string>{"Reserve", "Book", "Dispatch", "CancelBooking", "Release"}));
}

TEST_F(EngineChildTest, ACrashWhileTheChildWaitsLosesNothing) {
  transport->set_paused("courier", true);  // the child's Book is "lost"
  start("order_with_delivery", "o-4");
  EXPECT_EQ(saga("o-4").wait, Wait::kChild);
  EXPECT_EQ(saga("o-4/deliver").step, 0);
  open();  // the orchestrator restarts from the file
  transport->set_paused("courier", false);
  for (int i = 0; i < 10 && saga("o-4").phase != Phase::kCompleted; ++i) {
    clock->advance(Millis{5'000});  // Book is resent after its reply deadline
    pump();
  }
  EXPECT_EQ(saga("o-4").phase, Phase::kCompleted);
  EXPECT_EQ(saga("o-4/deliver").phase, Phase::kCompleted);
}

TEST_F(EngineChildTest, ACancelWhileTheChildRunsCompensatesTheChildOnceItsStepsAreDone) {
  transport->set_paused("courier", true);
  start("order_with_delivery", "o-5");
  ASSERT_EQ(saga("o-5").wait, Wait::kChild);
  ASSERT_TRUE(engine->cancel("o-5", "customer changed their mind", "test"));
  pump();
  EXPECT_EQ(saga("o-5").phase, Phase::kCompensating);  // waits for its child
  transport->set_paused("courier", false);
  for (int i = 0; i < 10 && saga("o-5").phase != Phase::kCompensated; ++i) {
    clock->advance(Millis{5'000});
    pump();
  }
  EXPECT_EQ(saga("o-5").phase, Phase::kCompensated);
  EXPECT_EQ(saga("o-5/deliver").phase, Phase::kCompensated);
  const std::vector<std::string> names = sent();
  EXPECT_EQ(std::count(names.begin(), names.end(), "CancelBooking"), 1);
  EXPECT_EQ(names.back(), "Release");
}

TEST_F(EngineChildTest, NestingDeeperThanTheBoundIsRefusedAndEveryLevelCompensates) {
  start("nesting", "n");
  std::string id = "n";
  for (int depth = 0; depth <= kMaxChildDepth; ++depth) {
    SCOPED_TRACE(id);
    const SagaInstance s = saga(id);
    EXPECT_EQ(s.phase, Phase::kCompensated);
    if (depth == kMaxChildDepth) {
      EXPECT_EQ(s.last_reason, "step 'nest': child saga " + id +
                                   "/nest compensated: not started: children "
                                   "nest at most " +
                                   std::to_string(kMaxChildDepth) + " deep");
    }
    id += "/nest";
  }
  EXPECT_EQ(engine->get(id).status().code(), StatusCode::kNotFound);
  const std::vector<std::string> names = sent();
  EXPECT_EQ(std::count(names.begin(), names.end(), "Release"), kMaxChildDepth + 1);
}

}  // namespace
}  // namespace saga
