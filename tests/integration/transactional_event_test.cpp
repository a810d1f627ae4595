// Goal: an event written in a transaction of the caller's own connection
// (saga/transactional_event.h) is delivered only once that transaction commits, as
// Engine::deliver_event would: a waiting saga takes it and goes on; a rolled-back one leaves no
// trace; a start and an event in one transaction arrive in order; the same event_id twice is
// one event; an event the engine refuses stays visible (marked refused, listed by the
// inspection API) and does not hold up the events behind it, nor is it tried again after a
// restart; a crash between the engine's read and its commit neither loses nor doubles it, and
// neither does a crash right after that commit; an event committed by another process is found
// by the poll. Bad calls are refused before anything is written.
// Method: a manual engine on a real SQLite file shared with a service table
// (EngineOptions::shared_database), the booking saga of tests/unit/booking_saga.h, the
// in-memory transport with participants that answer at once, the virtual clock; the service
// writes through its own SQLiteCpp connection. Crashes go through the fault VFS (crash() and
// drop_unsynced(), as a power loss) or CrashPoint; the other process is a fork.
#include "saga/transactional_event.h"

#include <SQLiteCpp/SQLiteCpp.h>
#include <gtest/gtest.h>

#include <memory>

#include "fault/child_process.h"
#include "integration/booking_participants.h"
#include "saga/engine.h"
#include "saga/inspection.h"
#include "saga/testing/fault_vfs.h"
#include "saga/testing/in_memory_transport.h"
#include "saga/testing/temp_dir.h"
#include "saga/transactional_start.h"

namespace saga {
namespace {

using namespace booking;
using testing::FaultVfs;

constexpr const char* kRequests = "SELECT count(*) FROM saga_event_requests";

class TransactionalEventTest : public ::testing::Test {
 public:
  TransactionalEventTest() : vfs(FaultVfs::install()) {
    vfs.reset();
    add_booking_participants(*transport);
    open();
    // The service's connection, through the same VFS so that a simulated crash sees its writes.
    service = std::make_unique<SQLite::Database>(
        path(), SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE, 5'000, FaultVfs::kName);
    service->exec("CREATE TABLE IF NOT EXISTS orders (id TEXT PRIMARY KEY)");
  }
  ~TransactionalEventTest() override {
    engine.reset();
    service.reset();
    vfs.reset();
  }

  std::string path() { return dir.file("service.db"); }

  void open(CrashPoint crash = CrashPoint::kNone) {
    engine.reset();
    EngineOptions o;
    o.database_path = path();
    o.shared_database = true;
    o.start_poll_interval = Millis{0};  // every loop iteration
    o.store_vfs = FaultVfs::kName;
    o.transport = transport;
    o.clock = clock;
    o.manual = true;
    o.random_seed = 5;
    o.crash_at = crash;
    o.log = [this](LogLevel level, std::string_view line) {
      if (level >= LogLevel::kError) errors.emplace_back(line);
    };
    engine = Engine::open(std::move(o)).value();
    ASSERT_TRUE(engine->register_definition(booking_definition().value()));
    ASSERT_TRUE(engine->start());
  }

  void pump(int times = 6) {
    for (int i = 0; i < times && engine->running(); ++i) engine->run_once(Millis{0});
  }

  std::string start(std::int64_t id) {
    StartOptions options;
    options.id = "b-" + std::to_string(id);
    Result<std::string> started =
        engine->start_saga_with("booking", BookingData{id, {}, 0, false}, options);
    EXPECT_TRUE(started) << started.status().to_string();
    pump();
    EXPECT_EQ(saga(options.id).wait, Wait::kEvent);
    return options.id;
  }

  SagaInstance saga(const std::string& id) { return engine->get(id).value(); }

  std::int64_t count(const std::string& sql) {
    SQLite::Database raw(path(), SQLite::OPEN_READONLY);
    return raw.execAndGet(sql).getInt64();
  }

  // The service's order row and the event, in one IMMEDIATE transaction.
  Status signal(const EventDelivery& event, bool commit = true) {
    SQLite::Transaction tx(*service, SQLite::TransactionBehavior::IMMEDIATE);
    service->exec("INSERT INTO orders (id) VALUES ('" + event.event_id + "')");
    Status s = signal_saga_in_transaction(*service, event, "trace-1");
    if (s && commit) tx.commit();
    return s;
  }

  FaultVfs& vfs;
  testing::TempDir dir;
  std::shared_ptr<testing::InMemoryTransport> transport =
      std::make_shared<testing::InMemoryTransport>();
  std::shared_ptr<VirtualClock> clock = std::make_shared<VirtualClock>();
  std::unique_ptr<Engine> engine;
  std::unique_ptr<SQLite::Database> service;
  std::vector<std::string> errors;
};

EventDelivery confirmed(std::string saga_id, std::string event_id, std::string code) {
  return event_for_saga(std::move(saga_id), std::move(event_id), HotelConfirmed{code}).value();
}

EventDelivery confirmed_by_key(std::string key, std::string event_id, std::string code) {
  return event_for_key(std::move(key), std::move(event_id), HotelConfirmed{code}).value();
}

// The saga took its confirmation (once) and went on past its wait, to the pivot and beyond.
void expect_taken(TransactionalEventTest& t, const std::string& id, const std::string& code) {
  const SagaInstance s = t.saga(id);
  EXPECT_GE(s.step, 2) << id;
  EXPECT_EQ(decode_data<BookingData>(s.data)->confirmation, code);
  std::vector<StoredEvent> events = t.engine->events(id).value();
  ASSERT_EQ(events.size(), 1u) << id;
  EXPECT_EQ(events[0].state, EventState::kConsumed);
  EXPECT_EQ(events[0].consumed_step, 1);
}

TEST_F(TransactionalEventTest, ACommittedEventIsTakenByTheWaitingSagaAfterTheCommitOnly) {
  const std::string id = start(1);
  {
    SQLite::Transaction tx(*service, SQLite::TransactionBehavior::IMMEDIATE);
    service->exec("INSERT INTO orders (id) VALUES ('o1')");
    ASSERT_EQ(signal_saga_in_transaction(*service, confirmed(id, "ev-1", "C-1")), Status::ok());
    engine->notify_starts();
    pump();  // not committed yet: the engine sees nothing
    EXPECT_EQ(saga(id).wait, Wait::kEvent);
    EXPECT_TRUE(engine->events(id)->empty());
    tx.commit();
  }
  engine->notify_starts();
  pump();
  expect_taken(*this, id, "C-1");
  EXPECT_EQ(count(kRequests), 0);
  EXPECT_EQ(count("SELECT count(*) FROM orders"), 1);
  EXPECT_TRUE(errors.empty());
}

TEST_F(TransactionalEventTest, ARolledBackEventLeavesNoTraceAndIsNeverDelivered) {
  const std::string id = start(2);
  ASSERT_EQ(signal(confirmed(id, "ev-2", "C-2"), /*commit=*/false), Status::ok());
  pump();
  clock->advance(Millis{1'000});
  pump();
  EXPECT_EQ(saga(id).wait, Wait::kEvent);
  EXPECT_EQ(saga(id).step, 1);
  EXPECT_TRUE(engine->events(id)->empty());
  EXPECT_EQ(count(kRequests), 0);
  EXPECT_EQ(count("SELECT count(*) FROM orders"), 0);
}

TEST_F(TransactionalEventTest, AStartAndItsEventInOneTransactionArriveInOrder) {
  {
    SQLite::Transaction tx(*service, SQLite::TransactionBehavior::IMMEDIATE);
    StartOptions options;
    options.id = "b-5";
    ASSERT_TRUE(
        start_saga_in_transaction_with(*service, "booking", BookingData{5, {}, 0, false}, options));
    // By key, before the saga waits (or even exists): kept pending, then taken at the wait.
    ASSERT_EQ(signal_saga_in_transaction(*service, confirmed_by_key("booking:5", "ev-5", "C-5")),
              Status::ok());
    tx.commit();
  }
  pump(10);
  expect_taken(*this, "b-5", "C-5");
  EXPECT_EQ(count(kRequests), 0);
  EXPECT_EQ(count("SELECT count(*) FROM saga_start_requests"), 0);
}

TEST_F(TransactionalEventTest, TheSameEventIdTwiceIsOneEvent) {
  const std::string id = start(3);
  ASSERT_EQ(signal(confirmed(id, "ev-3", "C-3")), Status::ok());
  SQLite::Transaction tx(*service, SQLite::TransactionBehavior::IMMEDIATE);
  ASSERT_EQ(signal_saga_in_transaction(*service, confirmed(id, "ev-3", "C-3")), Status::ok());
  tx.commit();
  pump();
  expect_taken(*this, id, "C-3");
  EXPECT_EQ(count(kRequests), 0);  // the duplicate's row is done too
}

TEST_F(TransactionalEventTest, ARefusedEventStaysVisibleAndDoesNotHoldUpTheNext) {
  const std::string id = start(4);
  {
    SQLite::Transaction tx(*service, SQLite::TransactionBehavior::IMMEDIATE);
    ASSERT_EQ(signal_saga_in_transaction(*service, confirmed("no-such-saga", "ev-x", "X")),
              Status::ok());
    ASSERT_EQ(signal_saga_in_transaction(*service, confirmed_by_key("booking:404", "ev-y", "Y")),
              Status::ok());
    ASSERT_EQ(signal_saga_in_transaction(*service, confirmed(id, "ev-4", "C-4")), Status::ok());
    tx.commit();
  }
  pump();
  expect_taken(*this, id, "C-4");
  EXPECT_EQ(count(kRequests), 2);
  EXPECT_EQ(count("SELECT count(*) FROM saga_event_requests WHERE refused_at_ms > 0 AND "
                  "refusal LIKE 'not_found: %'"),
            2);
  EXPECT_EQ(errors.size(), 2u);
  // Listed for operators, newest first (same refusal time: by seq).
  InspectorOptions io;
  io.path = path();
  auto inspector = Inspector::open(io).value();
  std::vector<EventRequest> refused = inspector->refused_events(0).value();
  ASSERT_EQ(refused.size(), 2u);
  EXPECT_EQ(refused[0].event_id, "ev-y");
  EXPECT_EQ(refused[0].key, "booking:404");
  EXPECT_EQ(refused[0].trace_id, "");
  EXPECT_NE(refused[0].refusal.find("booking:404"), std::string::npos) << refused[0].refusal;
  EXPECT_EQ(refused[1].event_id, "ev-x");
  EXPECT_NE(refused[1].refusal.find("no-such-saga"), std::string::npos) << refused[1].refusal;
  const Millis refused_at = refused[1].refused_at;
  EXPECT_GT(refused_at.count(), 0);
  // Not tried again after a restart.
  clock->advance(Millis{1'000});
  open();
  pump();
  EXPECT_EQ(inspector->refused_events(0)->at(1).refused_at, refused_at);
  EXPECT_EQ(errors.size(), 2u);
}

TEST_F(TransactionalEventTest, BadCallsAreRefusedBeforeAnythingIsWritten) {
  const std::string id = start(6);
  EXPECT_EQ(signal_saga_in_transaction(*service, confirmed(id, "ev-6", "C")).code(),
            StatusCode::kFailedPrecondition);  // no transaction open
  {
    SQLite::Transaction tx(*service, SQLite::TransactionBehavior::IMMEDIATE);
    EventDelivery both = confirmed(id, "ev-6", "C");
    both.key = "booking:6";
    EXPECT_EQ(signal_saga_in_transaction(*service, both).code(), StatusCode::kInvalidArgument);
    EventDelivery no_id = confirmed(id, "", "C");
    EXPECT_EQ(signal_saga_in_transaction(*service, no_id).code(), StatusCode::kInvalidArgument);
    Envelope command;
    command.kind = MessageKind::kCommand;
    command.message_id = "m";
    EXPECT_EQ(signal_saga_in_transaction(*service, command).code(), StatusCode::kInvalidArgument);
    // A saga/1 event envelope is taken, its trace_id kept.
    Envelope event;
    event.kind = MessageKind::kEvent;
    event.message_id = "ev-env";
    event.name = "HotelConfirmed";
    event.saga_id = "no-such-saga";
    event.trace_id = "trace-env";
    event.body = encode_body(HotelConfirmed{"E"}).value();
    EXPECT_EQ(signal_saga_in_transaction(*service, event), Status::ok());
    EXPECT_EQ(service->execAndGet("SELECT trace_id FROM saga_event_requests").getString(),
              "trace-env");
  }  // rolled back
  EXPECT_EQ(count(kRequests), 0);
  // A file without the engine's tables.
  SQLite::Database other(dir.file("other.db"), SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
  SQLite::Transaction tx(other, SQLite::TransactionBehavior::IMMEDIATE);
  EXPECT_EQ(signal_saga_in_transaction(other, confirmed(id, "ev-6", "C")).code(),
            StatusCode::kFailedPrecondition);
}

TEST_F(TransactionalEventTest, ACrashBetweenTheReadAndTheCommitNeitherLosesNorDoublesIt) {
  const std::string id = start(7);
  ASSERT_EQ(signal(confirmed(id, "ev-7", "C-7")), Status::ok());
  vfs.arm({testing::VfsOp::kSync, testing::VfsError::kIoError});
  pump(1);  // read, staged, commit written but never synced
  EXPECT_FALSE(errors.empty());
  vfs.clear();
  vfs.crash();
  engine.reset();
  service.reset();
  vfs.drop_unsynced();
  EXPECT_EQ(count(kRequests), 1);  // still there, the event not recorded
  EXPECT_EQ(count("SELECT count(*) FROM saga_events"), 0);
  open();
  pump();
  expect_taken(*this, id, "C-7");
  EXPECT_EQ(count(kRequests), 0);
}

TEST_F(TransactionalEventTest, ACrashRightAfterTheCommitDoesNotDeliverItAgain) {
  const std::string id = start(8);
  open(CrashPoint::kAfterCommitBeforeSend);
  ASSERT_EQ(signal(confirmed(id, "ev-8", "C-8")), Status::ok());
  pump();  // the commit takes the event and deletes its row, then the engine stops dead
  EXPECT_FALSE(engine->running());
  open();
  pump();
  expect_taken(*this, id, "C-8");
  EXPECT_EQ(count(kRequests), 0);
}

TEST_F(TransactionalEventTest, AnEventCommittedByAnotherProcessIsFoundByThePoll) {
  const std::string id = start(9);
  const std::string file = path();
  test::ChildProcess child({}, [&file, &id](test::LineChannel&) {
    SQLite::Database db(file, SQLite::OPEN_READWRITE, 5'000);
    SQLite::Transaction tx(db, SQLite::TransactionBehavior::IMMEDIATE);
    db.exec("INSERT INTO orders (id) VALUES ('from-child')");
    if (!signal_saga_in_transaction(db, confirmed(id, "ev-9", "C-9"))) return 1;
    tx.commit();
    return 0;
  });
  ASSERT_TRUE(child.started());
  ASSERT_EQ(child.wait(), 0);
  pump();  // no notify: PRAGMA data_version changed
  expect_taken(*this, id, "C-9");
  EXPECT_EQ(count(kRequests), 0);
}

}  // namespace
}  // namespace saga
