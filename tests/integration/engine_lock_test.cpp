// Goal: semantic locks in the engine: a held key makes a second saga wait (in order) or fail
// fast; locks survive a restart; a holder past its lease is reported and an operator can take
// its key away; a deadlock between two sagas is detected and broken by failing one of them.
// Method: the real engine in manual mode on a real SQLite file, a virtual clock, and an
// in-memory participant that never answers by itself: the test answers each command, so every
// interleaving is chosen, not hoped for. Assertions on phases, histories, the commands sent,
// Engine::locks() and the rows of the database.
#include <SQLiteCpp/SQLiteCpp.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "saga/engine.h"
#include "saga/metrics.h"
#include "saga/testing/in_memory_transport.h"
#include "saga/testing/temp_dir.h"
#include "store/sqlite_saga_store.h"

namespace saga {
namespace {

using testing::InMemoryTransport;

// A command action of participant "p" whose body is the saga data.
CommandAction command(const std::string& name) {
  CommandAction a;
  a.participant = "p";
  a.command_name = name;
  a.make = [name](std::string_view data) -> Result<CommandMessage> {
    return CommandMessage{name, ContentType::kJson, std::string(data)};
  };
  return a;
}

// Saga data is "<key suffix>" (or "<a>,<b>" for two keys); the keys are "k:<suffix>".
LockDeclaration lock_on(std::function<std::vector<std::string>(std::string_view)> keys,
                        LockMode mode = LockMode::kWait, Millis lease = Millis{60'000},
                        std::string release_after = {}) {
  LockDeclaration l;
  l.keys = std::move(keys);
  l.mode = [mode](std::string_view) { return mode; };
  l.lease = lease;
  l.release_after = std::move(release_after);
  return l;
}

std::vector<std::string> key_of(std::string_view data) { return {"k:" + std::string(data)}; }

StepDefinition step(const std::string& name, StepKind kind, bool compensation = false) {
  StepDefinition s;
  s.name = name;
  s.kind = kind;
  s.action = command(name);
  if (compensation) s.compensation = command("undo_" + name);
  if (kind == StepKind::kRetriable) s.retry = RetryPolicy::fixed(Millis{100}, 0);
  return s;
}

// "hold": work (compensatable, undo_work) -> finish (pivot) -> tidy (retriable).
std::shared_ptr<SagaDefinition> hold_saga(std::string name, LockDeclaration lock) {
  auto d = std::make_shared<SagaDefinition>();
  d->name = std::move(name);
  d->steps = {step("work", StepKind::kCompensatable, true), step("finish", StepKind::kPivot),
              step("tidy", StepKind::kRetriable)};
  d->locks.push_back(std::move(lock));
  return d;
}

std::vector<Event> events_of(const std::vector<HistoryEntry>& history) {
  std::vector<Event> out;
  for (const HistoryEntry& h : history) out.push_back(h.event);
  return out;
}

class EngineLockTest : public ::testing::Test {
 protected:
  void SetUp() override {
    transport_ = std::make_shared<InMemoryTransport>();
    transport_->add_participant("p", [](const Envelope&) { return std::vector<Envelope>{}; });
    clock_ = std::make_shared<VirtualClock>(Millis{1'000});
  }
  void TearDown() override { close(); }

  void open(std::vector<std::shared_ptr<SagaDefinition>> definitions) {
    definitions_ = std::move(definitions);
    EngineOptions o;
    o.database_path = dir_.file("engine.db");
    o.transport = transport_;
    o.clock = clock_;
    o.random_seed = 7;
    o.manual = true;
    o.operator_poll_interval = Millis{0};
    o.log = [this](LogLevel, std::string_view line) {
      std::lock_guard lock(log_mutex_);
      log_.emplace_back(line);
    };
    o.log_level = LogLevel::kInfo;
    Result<std::unique_ptr<Engine>> e = Engine::open(std::move(o));
    ASSERT_TRUE(e.is_ok()) << e.status().to_string();
    engine_ = std::move(e).value();
    for (const auto& d : definitions_) ASSERT_TRUE(engine_->register_definition(d).is_ok());
    ASSERT_TRUE(engine_->start().is_ok());
  }
  void close() {
    if (engine_) engine_->stop();
    engine_.reset();
  }

  std::string start(const std::string& type, const std::string& id, const std::string& data) {
    StartOptions o;
    o.id = id;
    Result<std::string> started = engine_->start_saga(type, data, o);
    EXPECT_TRUE(started.is_ok()) << started.status().to_string();
    return id;
  }

  // The last command sent to saga `id`, as "name" ("undo_work" for compensations).
  std::string last_command(const std::string& id) {
    std::string name;
    for (const auto& s : transport_->sent()) {
      if (s.command.saga_id == id) name = s.command.name;
    }
    return name;
  }
  int commands_sent_to(const std::string& id) {
    int n = 0;
    for (const auto& s : transport_->sent()) n += s.command.saga_id == id ? 1 : 0;
    return n;
  }

  // Answers the saga's outstanding command and lets the engine apply it.
  void answer(const std::string& id, Outcome outcome = Outcome::kSuccess,
              const std::string& reason = {}) {
    SagaInstance s = get(id);
    ASSERT_FALSE(s.last_request_id.empty()) << id << " has no outstanding command";
    Envelope r;
    r.kind = MessageKind::kReply;
    r.message_id = "reply-" + std::to_string(++replies_);
    r.correlation_id = s.last_request_id;
    r.saga_id = id;
    r.saga_type = s.type;
    r.name = outcome == Outcome::kSuccess ? "Done" : "Failed";
    r.outcome = outcome;
    r.reason = reason;
    r.content_type = ContentType::kJson;
    transport_->inject(r);
    engine_->run_once();
  }
  // Answers every command of the saga with success until it ends.
  SagaInstance finish(const std::string& id) {
    for (int i = 0; i < 10 && !is_terminal(get(id).phase); ++i) answer(id);
    return get(id);
  }

  SagaInstance get(const std::string& id) {
    Result<SagaInstance> s = engine_->get(id);
    EXPECT_TRUE(s.is_ok()) << s.status().to_string();
    return s.is_ok() ? s.value() : SagaInstance{};
  }
  std::vector<HistoryEntry> history(const std::string& id) { return engine_->history(id).value(); }
  std::vector<LockInfo> locks() { return engine_->locks().value(); }
  int rows(const std::string& table) {
    SQLite::Database raw(dir_.file("engine.db"), SQLite::OPEN_READONLY);
    return raw.execAndGet("SELECT count(*) FROM " + table).getInt();
  }
  bool logged(const std::string& text) {
    std::lock_guard lock(log_mutex_);
    return std::any_of(log_.begin(), log_.end(),
                       [&](const std::string& l) { return l.find(text) != std::string::npos; });
  }

  testing::TempDir dir_;
  std::shared_ptr<InMemoryTransport> transport_;
  std::shared_ptr<VirtualClock> clock_;
  std::vector<std::shared_ptr<SagaDefinition>> definitions_;
  std::unique_ptr<Engine> engine_;
  std::mutex log_mutex_;
  std::vector<std::string> log_;
  int replies_ = 0;
};

TEST_F(EngineLockTest, ASecondSagaWaitsForTheKeyAndRunsWhenTheFirstEnds) {
  open({hold_saga("hold", lock_on(key_of))});
  start("hold", "a", "1");
  EXPECT_EQ(last_command("a"), "work");
  start("hold", "b", "1");
  start("hold", "c", "1");      // queued behind b
  start("hold", "other", "2");  // another key: not held up

  SagaInstance b = get("b");
  EXPECT_EQ(b.phase, Phase::kExecuting);
  EXPECT_EQ(b.wait, Wait::kLock);
  EXPECT_EQ(commands_sent_to("b"), 0);
  EXPECT_EQ(events_of(history("b")), (std::vector<Event>{Event::kStarted, Event::kLockWaiting}));
  EXPECT_EQ(history("b")[1].reason, "k:1 held by a");
  EXPECT_EQ(last_command("other"), "work");

  std::vector<LockInfo> held = locks();
  ASSERT_EQ(held.size(), 2u);
  EXPECT_EQ(held[0].key, "k:1");
  EXPECT_EQ(held[0].saga_id, "a");
  EXPECT_EQ(held[0].waiting, (std::vector<std::string>{"b", "c"}));
  EXPECT_EQ(rows("saga_locks"), 2);
  EXPECT_EQ(rows("saga_lock_waits"), 2);

  EXPECT_EQ(finish("a").phase, Phase::kCompleted);
  // In the batch that ended a: b got the key and sent its first command; c still waits.
  EXPECT_EQ(last_command("b"), "work");
  EXPECT_EQ(events_of(history("b")),
            (std::vector<Event>{Event::kStarted, Event::kLockWaiting, Event::kLockAcquired}));
  EXPECT_EQ(history("b")[2].reason, "k:1");
  EXPECT_EQ(get("c").wait, Wait::kLock);
  EXPECT_EQ(locks()[0].saga_id, "b");
  EXPECT_EQ(locks()[0].waiting, (std::vector<std::string>{"c"}));

  EXPECT_EQ(finish("b").phase, Phase::kCompleted);
  EXPECT_EQ(finish("c").phase, Phase::kCompleted);
  EXPECT_EQ(finish("other").phase, Phase::kCompleted);
  EXPECT_TRUE(locks().empty());
  EXPECT_EQ(rows("saga_locks"), 0);
  EXPECT_EQ(rows("saga_lock_waits"), 0);
  MetricsSnapshot m = engine_->metrics();
  EXPECT_EQ(m.locks.granted, 4u);
  EXPECT_EQ(m.locks.waits, 2u);
  EXPECT_EQ(m.locks.refused, 0u);
}

TEST_F(EngineLockTest, FailFastRefusesTheSecondSagaAsABusinessFailure) {
  open({hold_saga("hold", lock_on(key_of)),
        hold_saga("quick", lock_on(key_of, LockMode::kFailFast))});
  start("hold", "a", "1");
  start("quick", "q", "1");
  SagaInstance q = get("q");
  EXPECT_EQ(q.phase, Phase::kCompensated);
  EXPECT_EQ(q.last_reason, "saga locks: lock_held: k:1 held by a");
  EXPECT_EQ(commands_sent_to("q"), 0);  // no step ran, nothing to undo
  EXPECT_EQ(events_of(history("q")),
            (std::vector<Event>{Event::kStarted, Event::kStepFailed, Event::kCompensated}));
  EXPECT_EQ(locks().size(), 1u);
  EXPECT_EQ(engine_->metrics().locks.refused, 1u);
  // Once the key is free, the same saga type gets it.
  EXPECT_EQ(finish("a").phase, Phase::kCompleted);
  start("quick", "q2", "1");
  EXPECT_EQ(finish("q2").phase, Phase::kCompleted);
}

TEST_F(EngineLockTest, AStepLockRefusedCompensatesTheStepsBeforeIt) {
  auto stepped = hold_saga("stepped", lock_on(key_of));
  stepped->locks.clear();
  stepped->steps[1].locks.push_back(lock_on(key_of, LockMode::kFailFast));  // before "finish"
  open({hold_saga("hold", lock_on(key_of)), stepped});
  start("stepped", "s", "1");
  EXPECT_EQ(last_command("s"), "work");  // no lock needed for step 0
  start("hold", "a", "1");               // takes k:1 meanwhile
  answer("s");                           // work done; finish needs k:1, held: refused
  SagaInstance s = get("s");
  EXPECT_EQ(s.phase, Phase::kCompensating);
  EXPECT_EQ(s.last_reason, "step 'finish': lock_held: k:1 held by a");
  EXPECT_EQ(last_command("s"), "undo_work");
  answer("s");
  EXPECT_EQ(get("s").phase, Phase::kCompensated);
}

TEST_F(EngineLockTest, LocksAndQueuesSurviveARestart) {
  open({hold_saga("hold", lock_on(key_of))});
  start("hold", "a", "1");
  start("hold", "b", "1");
  close();
  open(definitions_);
  std::vector<LockInfo> held = locks();
  ASSERT_EQ(held.size(), 1u);
  EXPECT_EQ(held[0].saga_id, "a");
  EXPECT_EQ(held[0].waiting, (std::vector<std::string>{"b"}));
  EXPECT_EQ(get("b").wait, Wait::kLock);
  EXPECT_EQ(finish("a").phase, Phase::kCompleted);
  EXPECT_EQ(finish("b").phase, Phase::kCompleted);
  EXPECT_EQ(rows("saga_locks"), 0);
}

TEST_F(EngineLockTest, AHolderPastItsLeaseIsReportedAndAnOperatorCanReleaseTheKey) {
  open({hold_saga("hold", lock_on(key_of, LockMode::kWait, Millis{5'000}))});
  start("hold", "a", "1");
  start("hold", "b", "1");
  clock_->advance(Millis{4'000});
  engine_->run_once();
  EXPECT_FALSE(locks()[0].past_lease);
  EXPECT_EQ(engine_->metrics().locks.past_lease, 0u);

  clock_->advance(Millis{2'000});  // a idle for 6 s, lease 5 s
  engine_->run_once();
  ASSERT_TRUE(locks()[0].past_lease);
  EXPECT_EQ(engine_->metrics().locks.past_lease, 1u);
  EXPECT_TRUE(logged("saga=a event=lock_past_lease key=\"k:1\""));
  EXPECT_EQ(get("a").phase, Phase::kExecuting);  // reported, never released by itself

  EXPECT_EQ(engine_->release_lock("k:1", "").code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(engine_->release_lock("k:nobody", "why").code(), StatusCode::kNotFound);
  ASSERT_TRUE(engine_->release_lock("k:1", "ops: a is stuck at the kitchen").is_ok());
  std::vector<HistoryEntry> ha = history("a");
  EXPECT_EQ(ha.back().event, Event::kOperatorReleasedLock);
  EXPECT_EQ(ha.back().reason, "ops: a is stuck at the kitchen (lock k:1)");
  EXPECT_EQ(get("a").phase, Phase::kExecuting);
  EXPECT_EQ(locks()[0].saga_id, "b");
  EXPECT_EQ(last_command("b"), "work");
  EXPECT_EQ(engine_->metrics().locks.released_by_operator, 1u);
  EXPECT_EQ(engine_->metrics().locks.past_lease, 1u);  // until the next check
  engine_->run_once();
  EXPECT_EQ(engine_->metrics().locks.past_lease, 0u);
  EXPECT_EQ(finish("a").phase, Phase::kCompleted);  // goes on without the key
  EXPECT_EQ(locks()[0].saga_id, "b");               // a's end did not release b's key
}

TEST_F(EngineLockTest, AnOperatorRequestInTheDatabaseReleasesTheKey) {
  open({hold_saga("hold", lock_on(key_of))});
  start("hold", "a", "1");
  start("hold", "b", "1");
  StoreOptions so;
  so.path = dir_.file("engine.db");
  so.access = StoreAccess::kOperator;
  auto store = SqliteSagaStore::open(so).value();
  OperatorRequest wrong_holder;
  wrong_holder.saga_id = "b";
  wrong_holder.action = OperatorAction::kReleaseLock;
  wrong_holder.lock_key = "k:1";
  wrong_holder.reason = "wrong holder";
  wrong_holder.requested_by = "ops";
  const std::int64_t refused = store->add_operator_request(wrong_holder).value();
  OperatorRequest request = wrong_holder;
  request.saga_id.clear();  // whoever holds it
  request.reason = "stuck";
  const std::int64_t applied = store->add_operator_request(request).value();
  engine_->run_once();
  EXPECT_EQ(store->operator_request(refused)->value().state, RequestState::kRejected);
  EXPECT_EQ(store->operator_request(refused)->value().result, "lock k:1 is held by a, not b");
  EXPECT_EQ(store->operator_request(applied)->value().state, RequestState::kApplied);
  EXPECT_EQ(history("a").back().reason, "ops: stuck (lock k:1)");
  EXPECT_EQ(locks()[0].saga_id, "b");
}

TEST_F(EngineLockTest, AKeyHeldByASagaWhoseDefinitionIsGoneCanStillBeReleased) {
  open({hold_saga("old", lock_on(key_of)), hold_saga("new", lock_on(key_of))});
  start("old", "a", "1");
  start("new", "b", "1");
  close();
  open({definitions_[1]});  // "old" is no longer registered: a is unresolved, keeps k:1
  ASSERT_EQ(engine_->unresolved().size(), 1u);
  EXPECT_EQ(locks()[0].saga_id, "a");
  ASSERT_TRUE(engine_->release_lock("k:1", "ops: old version retired").is_ok());
  EXPECT_TRUE(logged("saga=a event=lock_released_without_history"));
  EXPECT_EQ(locks()[0].saga_id, "b");
  EXPECT_EQ(last_command("b"), "work");
}

TEST_F(EngineLockTest, ADeadlockIsDetectedAndTheSagaClosingTheCycleIsFailed) {
  // x: takes k:a for the saga, then k:b before "finish"; y: the other way round.
  auto x =
      hold_saga("x", lock_on([](std::string_view) { return std::vector<std::string>{"k:a"}; }));
  x->steps[1].locks.push_back(
      lock_on([](std::string_view) { return std::vector<std::string>{"k:b"}; }));
  auto y =
      hold_saga("y", lock_on([](std::string_view) { return std::vector<std::string>{"k:b"}; }));
  y->steps[1].locks.push_back(
      lock_on([](std::string_view) { return std::vector<std::string>{"k:a"}; }));
  open({x, y});
  start("x", "x1", "");
  start("y", "y1", "");
  answer("x1");  // x1 now waits for k:b (held by y1)
  EXPECT_EQ(get("x1").wait, Wait::kLock);
  EXPECT_EQ(history("x1").back().reason, "k:b held by y1");
  answer("y1");  // y1 would wait for k:a (held by x1, which waits for y1): deadlock
  SagaInstance y1 = get("y1");
  EXPECT_EQ(y1.phase, Phase::kCompensating);
  EXPECT_EQ(y1.last_reason, "step 'finish': deadlock: y1 -> x1 -> y1");
  EXPECT_EQ(last_command("y1"), "undo_work");
  EXPECT_EQ(engine_->metrics().locks.deadlocks, 1u);
  EXPECT_TRUE(logged("saga=y1 event=deadlock_victim"));
  EXPECT_EQ(get("x1").wait, Wait::kLock);  // y1 keeps k:b until it has compensated
  answer("y1");
  EXPECT_EQ(get("y1").phase, Phase::kCompensated);
  // y1's end released k:b: x1 got it in the same batch and sent "finish".
  EXPECT_EQ(last_command("x1"), "finish");
  EXPECT_EQ(finish("x1").phase, Phase::kCompleted);
  EXPECT_TRUE(locks().empty());
}

TEST_F(EngineLockTest, ReleaseAfterAStepFreesTheKeyBeforeTheSagaEnds) {
  open({hold_saga("hold", lock_on(key_of, LockMode::kWait, Millis{60'000}, "finish"))});
  start("hold", "a", "1");
  start("hold", "b", "1");
  answer("a");  // work
  EXPECT_EQ(get("b").wait, Wait::kLock);
  answer("a");  // finish (the pivot) done: a moves to "tidy" and lets go of k:1
  EXPECT_EQ(get("a").phase, Phase::kExecuting);
  EXPECT_EQ(last_command("a"), "tidy");
  EXPECT_EQ(last_command("b"), "work");
  EXPECT_EQ(locks()[0].saga_id, "b");
}

TEST_F(EngineLockTest, TheModeMayDependOnTheDataAndKNoneTakesNothing) {
  auto by_value = hold_saga("by_value", lock_on(key_of));
  by_value->locks[0].mode = [](std::string_view data) {
    return data == "1" ? LockMode::kWait : LockMode::kNone;
  };
  by_value->locks[0].keys = [](std::string_view) { return std::vector<std::string>{"k:same"}; };
  open({by_value});
  start("by_value", "big", "1");
  start("by_value", "small", "2");  // kNone: runs alongside, takes no key
  EXPECT_EQ(last_command("small"), "work");
  EXPECT_EQ(events_of(history("small")), (std::vector<Event>{Event::kStarted}));
  ASSERT_EQ(locks().size(), 1u);
  EXPECT_EQ(locks()[0].saga_id, "big");
}

TEST_F(EngineLockTest, ADefinitionWithABadLockDeclarationIsRefused) {
  auto early = hold_saga("early", lock_on(key_of, LockMode::kWait, Millis{1}, "work"));
  open({});
  Status s = engine_->register_definition(early);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(), "saga 'early': lock release_after 'work' is before the pivot");
  auto keyless = hold_saga("keyless", lock_on(key_of));
  keyless->steps[2].locks.push_back(LockDeclaration{});
  s = engine_->register_definition(keyless);
  EXPECT_EQ(s.message(), "step 'tidy': a lock declaration has no keys function");
}

}  // namespace
}  // namespace saga
