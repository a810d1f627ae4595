// Goal: the transactional start on PostgreSQL (saga/pg_transactional_start.h): a service that
// keeps its rows in the engine's PostgreSQL database starts a saga inside its own open
// transaction, so its row and the saga commit together or not at all; a failed start leaves the
// caller's transaction usable; with two engine instances on the database every committed start
// is started once.
// Method: the binary's throwaway cluster (pg_cluster.h), a fresh database; the transfer saga's
// participants (transfer_saga.h) on ipc sockets with their SQLite inboxes; engines in this
// process on the database; the service is a plain libpq connection with its own orders table.
// Outcomes are read back by SQL and from the participants' files.
#include "saga/pg_transactional_start.h"

#include <SQLiteCpp/SQLiteCpp.h>
#include <gtest/gtest.h>
#include <libpq-fe.h>

#include <chrono>
#include <thread>

#include "pg_cluster.h"
#include "pg_engines.h"
#include "saga/testing/temp_dir.h"
#include "store/pg_connection.h"
#include "transfer_saga.h"

namespace saga {
namespace {

using transfer::TransferData;

class PgTransactionalStartTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto url = pg_test::database_for_this_test();
    ASSERT_TRUE(url.is_ok()) << url.status().to_string();
    url_ = *url;
    service_ = PQconnectdb(url_.c_str());
    ASSERT_EQ(PQstatus(service_), CONNECTION_OK) << PQerrorMessage(service_);
  }
  void TearDown() override { PQfinish(service_); }

  std::unique_ptr<Engine> open_engine(const std::string& name) {
    return pg_test::open_engine(url_, dir_.path().string(), name,
                                {transfer::definition(Millis{5'000})});
  }

  // One statement on the service's connection; its status must be `expected`.
  void sql(const std::string& statement, ExecStatusType expected = PGRES_COMMAND_OK) {
    PGresult* r = PQexec(service_, statement.c_str());
    EXPECT_EQ(PQresultStatus(r), expected) << statement << ": " << PQerrorMessage(service_);
    PQclear(r);
  }
  std::int64_t scalar(const std::string& query) {
    PGresult* r = PQexec(service_, query.c_str());
    EXPECT_EQ(PQresultStatus(r), PGRES_TUPLES_OK) << query << ": " << PQerrorMessage(service_);
    const std::int64_t v = PQntuples(r) > 0 ? std::atoll(PQgetvalue(r, 0, 0)) : -1;
    PQclear(r);
    return v;
  }
  // The order's row and its saga's start, in the open transaction.
  Result<std::string> place(std::int64_t order) {
    sql("INSERT INTO orders VALUES (" + std::to_string(order) + ", 'PENDING')");
    StartOptions start;
    start.id = "t-" + std::to_string(order);
    return start_saga_in_transaction_with(service_, "transfer", TransferData{order, 10 * order},
                                          start);
  }

  testing::TempDir dir_;
  std::string url_;
  PGconn* service_ = nullptr;
};

TEST_F(PgTransactionalStartTest, TheRowAndTheSagaCommitTogetherOrNotAtAll) {
  pg_test::TransferParticipants participants(dir_.path().string());
  auto engine = open_engine("a");  // creates the engine's tables
  ASSERT_NE(engine, nullptr);
  sql("CREATE TABLE orders (id BIGINT PRIMARY KEY, state TEXT NOT NULL)");

  // Outside a transaction: refused, nothing written.
  auto outside = start_saga_in_transaction_with(service_, "transfer", TransferData{9, 90});
  EXPECT_EQ(outside.status().code(), StatusCode::kFailedPrecondition)
      << outside.status().to_string();

  sql("BEGIN");
  auto one = place(1);
  ASSERT_TRUE(one.is_ok()) << one.status().to_string();
  EXPECT_EQ(*one, "t-1");
  {  // Not visible to anyone before the commit.
    auto other = pg::Connection::open(url_);
    ASSERT_TRUE(other.is_ok());
    EXPECT_EQ((*other)->exec("check", "SELECT count(*) FROM saga_start_requests")->get_int(0, 0),
              0);
  }
  sql("COMMIT");
  engine->notify_starts();
  auto ended = engine->wait("t-1", Millis{30'000});
  ASSERT_TRUE(ended.is_ok()) << ended.status().to_string();
  EXPECT_EQ(ended->phase, Phase::kCompleted);
  EXPECT_EQ(scalar("SELECT count(*) FROM orders WHERE id = 1"), 1);
  EXPECT_EQ(scalar("SELECT count(*) FROM saga_start_requests"), 0);  // taken, row deleted

  // Rolled back: neither the order nor the saga.
  sql("BEGIN");
  ASSERT_TRUE(place(2).is_ok());
  sql("ROLLBACK");
  EXPECT_EQ(scalar("SELECT count(*) FROM orders WHERE id = 2"), 0);
  EXPECT_EQ(scalar("SELECT count(*) FROM saga_start_requests"), 0);
  EXPECT_EQ(engine->get("t-2").status().code(), StatusCode::kNotFound);

  // A start with a taken id fails; the caller's transaction goes on and commits the rest.
  sql("BEGIN");
  StartOptions again;
  again.id = "t-1";
  auto duplicate = start_saga_in_transaction_with(service_, "transfer", TransferData{1, 10}, again);
  EXPECT_EQ(duplicate.status().code(), StatusCode::kAlreadyExists)
      << duplicate.status().to_string();
  ASSERT_TRUE(place(3).is_ok());
  sql("COMMIT");
  engine->notify_starts();
  auto third = engine->wait("t-3", Millis{30'000});
  ASSERT_TRUE(third.is_ok()) << third.status().to_string();
  EXPECT_EQ(third->phase, Phase::kCompleted);
  EXPECT_EQ(scalar("SELECT count(*) FROM orders"), 2);
  EXPECT_EQ(scalar("SELECT count(*) FROM saga_instances"), 2);
  SQLite::Database bank_db(dir_.path().string() + "/bank.db", SQLite::OPEN_READONLY);
  EXPECT_EQ(bank_db.execAndGet("SELECT count(*) FROM reservations").getInt(), 2);
}

TEST_F(PgTransactionalStartTest, TwoInstancesStartEveryCommittedStartOnce) {
  pg_test::TransferParticipants participants(dir_.path().string());
  auto a = open_engine("a");
  auto b = open_engine("b");
  ASSERT_TRUE(a && b);
  sql("CREATE TABLE orders (id BIGINT PRIMARY KEY, state TEXT NOT NULL)");
  constexpr int kOrders = 40;
  for (int order = 1; order <= kOrders; ++order) {
    sql("BEGIN");
    ASSERT_TRUE(place(order).is_ok());
    sql("COMMIT");
  }
  const std::string ended = "SELECT count(*) FROM saga_instances WHERE phase IN (" +
                            std::to_string(static_cast<int>(Phase::kCompleted)) + ", " +
                            std::to_string(static_cast<int>(Phase::kCompensated)) + ")";
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (scalar(ended) < kOrders && std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_EQ(scalar(ended), kOrders);
  EXPECT_EQ(scalar("SELECT count(*) FROM saga_instances"), kOrders);
  EXPECT_EQ(scalar("SELECT count(*) FROM saga_start_requests"), 0);
  EXPECT_EQ(scalar("SELECT count(*) FROM saga_instances WHERE phase = " +
                   std::to_string(static_cast<int>(Phase::kCompensated))),
            kOrders / 5);  // shipping refuses every 5th
  a->stop();
  b->stop();
  SQLite::Database bank_db(dir_.path().string() + "/bank.db", SQLite::OPEN_READONLY);
  EXPECT_EQ(bank_db.execAndGet("SELECT count(*) FROM reservations WHERE runs = 1").getInt(),
            kOrders);
  EXPECT_EQ(bank_db.execAndGet("SELECT count(*) FROM reservations WHERE runs > 1").getInt(), 0);
}

}  // namespace
}  // namespace saga
