// Goal: TransactionalStarts (saga/transactional_start.h) keeps its prepared statements across
// starts and transactions and keeps start_saga_in_transaction's contract on every start: rows
// as start_saga_in_transaction writes them (type as TEXT, data bytes, version), kAlreadyExists
// for an id that is pending or a saga, nothing written outside a transaction or after a
// rollback, and the schema version checked at each start, also after the first.
// Method: a real SQLite file with the engine's tables (an engine of EngineFixture opened on it,
// shared_database) and a second SQLiteCpp connection as a service would hold.
#include <SQLiteCpp/SQLiteCpp.h>
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "saga/testing/engine_fixture.h"
#include "saga/transactional_start.h"
#include "store/sqlite_schema.h"

namespace saga {
namespace {

using testing::EngineFixture;

int count(SQLite::Database& db, const std::string& sql) { return db.execAndGet(sql).getInt(); }

std::unique_ptr<SQLite::Database> open_shared(EngineFixture& f) {
  auto db = std::make_unique<SQLite::Database>(f.database_path(),
                                               SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE, 5'000);
  EXPECT_EQ(prepare_engine_tables(*db), Status::ok());
  return db;
}

StartOptions with_id(const std::string& id) {
  StartOptions o;
  o.id = id;
  return o;
}

TEST(TransactionalStartsTest, KeptStatementsServeManyTransactionsWithTheSameContract) {
  EngineFixture f;
  auto db = open_shared(f);
  TransactionalStarts starts(*db);
  // Outside a transaction: refused, nothing prepared or written.
  EXPECT_EQ(starts.start("create_order", "x", with_id("a")).status().code(),
            StatusCode::kFailedPrecondition);
  {
    SQLite::Transaction tx(*db, SQLite::TransactionBehavior::IMMEDIATE);
    for (const char* id : {"a", "b", "c"}) {
      Result<std::string> r = starts.start("create_order", std::string("data-") + id, with_id(id));
      ASSERT_TRUE(r.is_ok()) << r.status().to_string();
      EXPECT_EQ(r.value(), id);
    }
    EXPECT_EQ(starts.start("create_order", "again", with_id("b")).status().code(),
              StatusCode::kAlreadyExists);
    tx.commit();
  }
  {
    SQLite::Transaction tx(*db, SQLite::TransactionBehavior::IMMEDIATE);
    ASSERT_TRUE(starts.start("create_order", "rolled", with_id("d")).is_ok());
  }  // rolled back
  {
    SQLite::Transaction tx(*db, SQLite::TransactionBehavior::IMMEDIATE);
    EXPECT_EQ(starts.start("create_order", "again", with_id("a")).status().code(),
              StatusCode::kAlreadyExists);
    Result<std::string> fresh = starts.start("create_order", "no id");
    ASSERT_TRUE(fresh.is_ok()) << fresh.status().to_string();
    EXPECT_EQ(fresh.value().size(), 32u);
    tx.commit();
  }
  EXPECT_EQ(count(*db, "SELECT count(*) FROM saga_start_requests"), 4);
  EXPECT_EQ(count(*db, "SELECT count(*) FROM saga_start_requests WHERE saga_id = 'd'"), 0);
  SQLite::Statement row(*db,
                        "SELECT typeof(type), type, CAST(data AS TEXT), version "
                        "FROM saga_start_requests WHERE saga_id = 'b'");
  ASSERT_TRUE(row.executeStep());
  EXPECT_EQ(row.getColumn(0).getString(), "text");
  EXPECT_EQ(row.getColumn(1).getString(), "create_order");
  EXPECT_EQ(row.getColumn(2).getString(), "data-b");
  EXPECT_EQ(row.getColumn(3).getInt(), 0);
}

TEST(TransactionalStartsTest, ASagaIdIsRefusedAndTheVersionIsCheckedAtEveryStart) {
  EngineFixture f;
  ASSERT_EQ(f.open([] {
    EngineOptions o;
    o.shared_database = true;
    return o;
  }()),
            Status::ok());
  ASSERT_TRUE(f.engine().start_saga("create_order", "order-s", with_id("s")).is_ok());
  auto db = std::make_unique<SQLite::Database>(f.database_path(), SQLite::OPEN_READWRITE, 5'000);
  TransactionalStarts starts(*db);
  {
    SQLite::Transaction tx(*db, SQLite::TransactionBehavior::IMMEDIATE);
    ASSERT_TRUE(starts.start("create_order", "x", with_id("t")).is_ok());  // prepares
    EXPECT_EQ(starts.start("create_order", "x", with_id("s")).status().code(),
              StatusCode::kAlreadyExists);
    // A newer engine migrated the file meanwhile: the kept statement sees it.
    db->exec("UPDATE saga_meta SET value = value + 1 WHERE key = 'schema_version'");
    Result<std::string> newer = starts.start("create_order", "x", with_id("u"));
    EXPECT_EQ(newer.status().code(), StatusCode::kFailedPrecondition) << newer.status().to_string();
  }  // rolled back
  EXPECT_EQ(count(*db, "SELECT count(*) FROM saga_start_requests"), 0);
  EXPECT_EQ(count(*db, "SELECT value FROM saga_meta WHERE key = 'schema_version'"), kSchemaVersion);
}

}  // namespace
}  // namespace saga
