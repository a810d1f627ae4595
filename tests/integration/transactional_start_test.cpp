// Goal: the engine's tables share a file with a service's own tables (schema version in
// saga_meta, PRAGMA user_version left to the service; a v5 file migrates), and a saga start
// written in a transaction of the caller's own connection (saga/transactional_start.h) is
// started by the running engine after the commit only: a rolled-back start leaves no row and
// sends nothing; a committed one is found by the polling publisher without a restart (at once
// after notify_starts(), within start_poll_interval of engine clock otherwise) and runs to its
// end; one left by a stopped engine is started at the next start; a scheduled one waits for
// its time.
// Method: EngineFixture (threaded engine, virtual clock, in-memory transport with scripted FTGO
// participants) on a real SQLite file that also holds an `orders` table, written through a
// second SQLiteCpp connection as a service would.
#include "saga/transactional_start.h"

#include <SQLiteCpp/SQLiteCpp.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

#include "saga/testing/engine_fixture.h"
#include "store/sqlite_saga_store.h"
#include "store/sqlite_schema.h"

namespace saga {
namespace {

using testing::EngineFixture;

constexpr const char* kVersionSql = "SELECT value FROM saga_meta WHERE key = 'schema_version'";

// The service's connection and its own table, with a user_version of its own.
std::unique_ptr<SQLite::Database> service_db(const std::string& path) {
  auto db =
      std::make_unique<SQLite::Database>(path, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE, 5'000);
  db->exec("PRAGMA journal_mode = WAL");
  db->exec("CREATE TABLE IF NOT EXISTS orders (id TEXT PRIMARY KEY, state TEXT NOT NULL)");
  db->exec("PRAGMA user_version = 42");
  return db;
}

int count(SQLite::Database& db, const std::string& sql) { return db.execAndGet(sql).getInt(); }

// How long a wait for a saga that does not exist may take to be answered (kNotFound comes as
// soon as the engine's loop takes the request; a loaded machine can delay that well past 20 ms).
constexpr Millis kAnswer{10'000};

EngineOptions shared() {
  EngineOptions o;
  o.shared_database = true;
  o.start_poll_interval = Millis{100};
  if (std::getenv("TXSTART_LOG")) {
    o.log = make_stderr_log_sink();
    o.log_level = LogLevel::kDebug;
  }
  return o;
}

// Lets the engine's first batches (its definitions) commit before a test holds the write lock:
// each wait is a task of a later loop iteration, so the second runs after the first's commit.
void let_engine_settle(EngineFixture& f) {
  for (int i = 0; i < 2; ++i) (void)f.engine().wait("no-such-saga", kAnswer);
}

// Order row and saga start in one transaction of the service's connection.
Result<std::string> place(SQLite::Database& db, const std::string& id, bool commit) {
  SQLite::Transaction tx(db, SQLite::TransactionBehavior::IMMEDIATE);
  db.exec("INSERT INTO orders (id, state) VALUES ('" + id + "', 'APPROVAL_PENDING')");
  StartOptions start;
  start.id = id;
  Result<std::string> started = start_saga_in_transaction(db, "create_order", "order-" + id, start);
  if (started && commit) tx.commit();
  return started;
}

TEST(TransactionalStartTest, SharedFileKeepsTheServiceTablesAndUserVersion) {
  EngineFixture f;
  auto db = service_db(f.database_path());
  EngineOptions separate;
  Status refused = f.open(separate);  // the default refuses a file with foreign tables
  EXPECT_EQ(refused.code(), StatusCode::kCorrupt) << refused.to_string();
  ASSERT_EQ(f.open(shared()), Status::ok());
  EXPECT_EQ(count(*db, "PRAGMA user_version"), 42);
  EXPECT_EQ(count(*db, kVersionSql), kSchemaVersion);
  EXPECT_EQ(count(*db, "SELECT count(*) FROM orders"), 0);
}

TEST(TransactionalStartTest, VersionFiveFileMigratesToSagaMeta) {
  EngineFixture f;
  ASSERT_EQ(f.open(), Status::ok());
  StartOptions options;
  options.id = "old";
  ASSERT_TRUE(f.engine().start_saga("create_order", "order-old", options).is_ok());
  EXPECT_EQ(f.settle("old").phase, Phase::kCompleted);
  f.close();
  {  // What a v5 engine left: no saga_meta, no start requests, the version in user_version.
    SQLite::Database raw(f.database_path(), SQLite::OPEN_READWRITE);
    raw.exec(
        "DROP TABLE saga_meta; DROP TABLE saga_start_requests; DROP TABLE saga_events; "
        "DROP TABLE saga_event_keys; ALTER TABLE saga_instances DROP COLUMN saga_deadline_ms; "
        "DROP TABLE saga_branch_outbox; ALTER TABLE saga_instances DROP COLUMN branches; "
        "ALTER TABLE saga_instances DROP COLUMN parent_id; DROP TABLE saga_event_requests; "
        "PRAGMA user_version = 5");
    EXPECT_EQ(read_schema_version(raw), 5);
  }
  ASSERT_EQ(f.open(), Status::ok());
  EXPECT_EQ(f.engine().get("old")->phase, Phase::kCompleted);
  SQLite::Database raw(f.database_path(), SQLite::OPEN_READONLY);
  EXPECT_EQ(count(raw, kVersionSql), kSchemaVersion);
  EXPECT_EQ(count(raw, "SELECT count(*) FROM saga_start_requests"), 0);
}

TEST(TransactionalStartTest, OutsideATransactionIsRefused) {
  EngineFixture f;
  auto db = service_db(f.database_path());
  ASSERT_EQ(prepare_engine_tables(*db), Status::ok());
  Result<std::string> r = start_saga_in_transaction(*db, "create_order", "x");
  EXPECT_EQ(r.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(count(*db, "SELECT count(*) FROM saga_start_requests"), 0);
}

TEST(TransactionalStartTest, NoEngineTablesIsAFailedPrecondition) {
  EngineFixture f;
  auto db = service_db(f.database_path());
  SQLite::Transaction tx(*db, SQLite::TransactionBehavior::IMMEDIATE);
  Result<std::string> r = start_saga_in_transaction(*db, "create_order", "x");
  EXPECT_EQ(r.status().code(), StatusCode::kFailedPrecondition) << r.status().to_string();
}

TEST(TransactionalStartTest, RolledBackStartLeavesNoTraceAndSendsNothing) {
  EngineFixture f;
  auto db = service_db(f.database_path());
  ASSERT_EQ(f.open(shared()), Status::ok());
  ASSERT_TRUE(place(*db, "rolled", /*commit=*/false).is_ok());  // ~Transaction rolls back
  f.engine().notify_starts();
  for (int i = 0; i < 5; ++i) {
    f.clock().advance(Millis{100});
    f.engine().tick();
    EXPECT_EQ(f.engine().wait("rolled", kAnswer).status().code(), StatusCode::kNotFound);
  }
  EXPECT_EQ(count(*db, "SELECT count(*) FROM orders"), 0);
  EXPECT_EQ(count(*db, "SELECT count(*) FROM saga_start_requests"), 0);
  EXPECT_EQ(count(*db, "SELECT count(*) FROM saga_instances"), 0);
  EXPECT_TRUE(f.transport().sent().empty());
  EXPECT_EQ(f.engine().stats().sagas_started, 0u);
}

TEST(TransactionalStartTest, CommittedStartIsNotSentBeforeCommitThenRunsToItsEnd) {
  EngineFixture f;
  auto db = service_db(f.database_path());
  ASSERT_EQ(f.open(shared()), Status::ok());
  let_engine_settle(f);
  {
    SQLite::Transaction tx(*db, SQLite::TransactionBehavior::IMMEDIATE);
    db->exec("INSERT INTO orders (id, state) VALUES ('o1', 'APPROVAL_PENDING')");
    StartOptions start;
    start.id = "o1";
    ASSERT_TRUE(start_saga_in_transaction(*db, "create_order", "order-o1", start).is_ok());
    f.engine().notify_starts();  // too early: nothing is committed yet
    f.clock().advance(Millis{500});
    f.engine().tick();
    EXPECT_EQ(f.engine().wait("o1", kAnswer).status().code(), StatusCode::kNotFound);
    EXPECT_TRUE(f.transport().sent().empty());
    // A second start of the same id in the same transaction is refused.
    EXPECT_EQ(start_saga_in_transaction(*db, "create_order", "x", start).status().code(),
              StatusCode::kAlreadyExists);
    tx.commit();
  }
  f.engine().notify_starts();
  EXPECT_EQ(f.settle("o1").phase, Phase::kCompleted);
  EXPECT_EQ(f.engine().get("o1")->data.rfind("order-o1", 0), 0u);  // the data it started with
  EXPECT_EQ(count(*db, "SELECT count(*) FROM saga_start_requests"), 0);
  EXPECT_FALSE(f.transport().sent().empty());
}

TEST(TransactionalStartTest, PollFindsAStartWithoutNotifyWithinThePollInterval) {
  EngineFixture f;
  auto db = service_db(f.database_path());
  ASSERT_EQ(f.open(shared()), Status::ok());
  // Let the first poll (which reads everything) pass.
  f.clock().advance(Millis{100});
  f.engine().tick();
  ASSERT_EQ(f.engine().wait("nothing", kAnswer).status().code(), StatusCode::kNotFound);
  ASSERT_TRUE(place(*db, "polled", /*commit=*/true).is_ok());
  // The engine clock has not moved: no poll is due yet, the saga is only a pending start.
  f.engine().tick();
  EXPECT_EQ(f.engine().wait("polled", Millis{20}).status().code(), StatusCode::kTimeout);
  EXPECT_EQ(f.engine().get("polled").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(f.settle("polled").phase, Phase::kCompleted);
  EXPECT_EQ(count(*db, "SELECT count(*) FROM saga_start_requests"), 0);
}

TEST(TransactionalStartTest, StartsCommittedWhileTheEngineIsStoppedRunAtItsNextStart) {
  EngineFixture f;
  auto db = service_db(f.database_path());
  ASSERT_EQ(f.open(shared()), Status::ok());
  f.close();
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(place(*db, "s" + std::to_string(i), true).is_ok());
  EXPECT_EQ(count(*db, "SELECT count(*) FROM saga_start_requests"), 3);
  ASSERT_EQ(f.open(shared()), Status::ok());
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(f.settle("s" + std::to_string(i)).phase, Phase::kCompleted);
  }
  // One SQL query: no pending order without its saga instance.
  EXPECT_EQ(count(*db,
                  "SELECT count(*) FROM orders o WHERE NOT EXISTS "
                  "(SELECT 1 FROM saga_instances i WHERE i.id = o.id)"),
            0);
}

TEST(TransactionalStartTest, UnknownTypeStaysPendingAndAnExistingIdIsRefused) {
  EngineFixture f;
  auto db = service_db(f.database_path());
  ASSERT_EQ(f.open(shared()), Status::ok());
  StartOptions options;
  options.id = "dup";
  ASSERT_TRUE(f.engine().start_saga("create_order", "order-dup", options).is_ok());
  {
    SQLite::Transaction tx(*db, SQLite::TransactionBehavior::IMMEDIATE);
    StartOptions unknown;
    unknown.id = "unknown";
    ASSERT_TRUE(start_saga_in_transaction(*db, "no_such_saga", "x", unknown).is_ok());
    EXPECT_EQ(start_saga_in_transaction(*db, "create_order", "x", options).status().code(),
              StatusCode::kAlreadyExists);
    tx.commit();
  }
  f.engine().notify_starts();
  EXPECT_EQ(f.settle("dup").phase, Phase::kCompleted);
  EXPECT_EQ(f.engine().get("dup")->data.rfind("order-dup", 0), 0u);  // not the refused "x"
  EXPECT_EQ(f.engine().wait("unknown", Millis{20}).status().code(), StatusCode::kTimeout);
  // The unknown type's start is kept for an engine that knows it.
  EXPECT_EQ(count(*db, "SELECT count(*) FROM saga_start_requests WHERE saga_id = 'unknown'"), 1);
}

// A start row whose saga exists already (written past start_saga_in_transaction's check, as a
// row committed while the engine inserted that saga could be): the engine drops the row and
// leaves the saga as it was; a new start read in the same page runs.
TEST(TransactionalStartTest, ARowForAnExistingSagaIsDroppedAndTheSagaLeftAlone) {
  EngineFixture f;
  auto db = service_db(f.database_path());
  ASSERT_EQ(f.open(shared()), Status::ok());
  StartOptions options;
  options.id = "dup";
  ASSERT_TRUE(f.engine().start_saga("create_order", "order-dup", options).is_ok());
  const SagaInstance before = f.settle("dup");
  ASSERT_EQ(before.phase, Phase::kCompleted);
  {
    SQLite::Transaction tx(*db, SQLite::TransactionBehavior::IMMEDIATE);
    db->exec(
        "INSERT INTO saga_start_requests (saga_id, type, version, trace_id, data, "
        "requested_at_ms) VALUES ('dup', 'create_order', 0, '', 'x', 0)");
    StartOptions fresh;
    fresh.id = "fresh";
    ASSERT_TRUE(start_saga_in_transaction(*db, "create_order", "order-fresh", fresh).is_ok());
    tx.commit();
  }
  f.engine().notify_starts();
  EXPECT_EQ(f.settle("fresh").phase, Phase::kCompleted);
  EXPECT_EQ(count(*db, "SELECT count(*) FROM saga_start_requests"), 0);
  EXPECT_EQ(f.engine().get("dup").value(), before);
}

// A transactional start may be scheduled (StartOptions::not_before) and carry a deadline: the
// engine takes it as start_saga's (phase kScheduled until its time, then runs); a deadline not
// later than not_before is refused before anything is written.
TEST(TransactionalStartTest, AScheduledStartWaitsForItsTimeAndADeadlineIsKept) {
  EngineFixture f;
  auto db = service_db(f.database_path());
  ASSERT_EQ(f.open(shared()), Status::ok());
  let_engine_settle(f);
  const Millis at = f.clock().now() + Millis{60'000};
  {
    SQLite::Transaction tx(*db, SQLite::TransactionBehavior::IMMEDIATE);
    StartOptions start;
    start.id = "later";
    start.not_before = at;
    start.deadline = at;
    EXPECT_EQ(start_saga_in_transaction(*db, "create_order", "order-later", start).status().code(),
              StatusCode::kInvalidArgument);
    start.deadline = at + Millis{3'600'000};
    ASSERT_TRUE(start_saga_in_transaction(*db, "create_order", "order-later", start).is_ok());
    tx.commit();
  }
  f.engine().notify_starts();
  Result<SagaInstance> seen = Status(StatusCode::kNotFound, "not yet");
  for (int i = 0; i < 200 && !seen; ++i) {
    (void)f.engine().wait("later", Millis{10});
    seen = f.engine().get("later");
  }
  ASSERT_TRUE(seen) << seen.status().to_string();
  EXPECT_EQ(seen->phase, Phase::kScheduled);
  EXPECT_EQ(seen->saga_deadline, at + Millis{3'600'000});
  EXPECT_TRUE(f.transport().sent().empty()) << "nothing runs before its time";
  EXPECT_EQ(f.settle("later", Millis{1'000}, 200).phase, Phase::kCompleted);
  EXPECT_GE(f.clock().now(), at);
}

}  // namespace
}  // namespace saga
