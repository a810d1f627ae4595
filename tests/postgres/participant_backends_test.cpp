// Goal: the participant library keeps its promises on both backends (ParticipantOptions::
// database_path: a SQLite file or a "postgresql://" URI, same API): a duplicate delivery runs the
// handler once and gets the stored reply, a throwing handler leaves none of its writes while the
// other commands of its batch commit (a savepoint per command), a restart keeps deduplicating, a
// handler starts a saga in its own transaction (its row and the start commit together or not at
// all), semantic locks refuse another saga (kHold: SQLite only; on PostgreSQL a handler error).
// On PostgreSQL a handler also writes through libpq itself (HandlerContext::postgres()).
// Method: a real participant on a loopback ROUTER driven by a DEALER (participant_test_support.h),
// its database a temp SQLite file or a fresh database of the binary's throwaway cluster
// (pg_cluster.h). Each backend is its own ctest entry (gtest filter), the PostgreSQL one
// labelled postgres.
#include <gtest/gtest.h>
#include <libpq-fe.h>

#include <atomic>

#include "integration/participant_test_support.h"
#include "pg_cluster.h"
#include "pg_engines.h"

namespace saga::test {
namespace {

struct Saga {  // the data of the saga a handler starts (never run: no engine here)
  std::int64_t order_id = 0;
  template <class A>
  void serialize(A& a) {
    a(CEREAL_NVP(order_id));
  }
};

class ParticipantBackendTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    if (GetParam() == "sqlite") {
      path_ = dir_.file("kitchen.db");
    } else {
      static std::atomic<int> n{0};
      auto url = PgCluster::shared().create_database("participant_" + std::to_string(++n));
      ASSERT_TRUE(url.is_ok()) << url.status().to_string();
      path_ = *url;
    }
    start();
  }
  bool postgres() const { return GetParam() == "postgresql"; }

  void start() {
    ParticipantOptions options;
    options.engine_tables = true;  // HandlerContext::start_saga
    options.log = [](LogLevel, std::string_view) {};
    participant_ = open_participant("tcp://127.0.0.1:*", path_, std::move(options));
    ASSERT_NE(participant_, nullptr);
    install(*participant_);
    running_ = std::make_unique<Running>(*participant_);
    client_ = std::make_unique<Client>(participant_->endpoint());
  }
  void restart() {
    client_.reset();
    running_.reset();
    participant_.reset();
    start();
  }

  // OpenTicket: a ledger row (items "raw": written with libpq on PostgreSQL), then by items:
  // "explode" throws, "start" starts a saga, "start-explode" starts one and throws, "lock" /
  // "hold" take the key "order" (kRefuse / kHold). CountTickets: rows of `state`'s table
  // ("ledger", or "starts": the saga starts written).
  void install(Participant& p) {
    ASSERT_EQ(p.exec_schema("CREATE TABLE IF NOT EXISTS ledger (order_id BIGINT PRIMARY KEY, "
                            "items TEXT NOT NULL)"),
              Status::ok());
    p.on<OpenTicket>([this](const OpenTicket& c, HandlerContext& ctx) {
      ++runs_;
      if (c.items == "raw" && ctx.postgres() != nullptr) {
        const std::string id = std::to_string(c.order_id);
        const char* values[] = {id.c_str(), "raw"};
        PGresult* r = PQexecParams(ctx.postgres(), "INSERT INTO ledger VALUES ($1, $2)", 2, nullptr,
                                   values, nullptr, nullptr, 0);
        const bool ok = PQresultStatus(r) == PGRES_COMMAND_OK;
        PQclear(r);
        if (!ok) throw std::runtime_error("raw insert failed");
      } else if (auto in = ctx.db().exec("INSERT INTO ledger VALUES (?, ?)", {c.order_id, c.items});
                 !in) {
        throw std::runtime_error(in.status().to_string());
      }
      if (c.items == "explode") throw std::runtime_error("kitchen on fire");
      if (c.items == "start" || c.items == "start-explode" || c.items == "transfer") {
        StartOptions o;
        o.id = "started-" + std::to_string(c.order_id);
        Result<std::string> id =
            c.items == "transfer"
                ? ctx.start_saga_with("transfer", transfer::TransferData{c.order_id, 5}, o)
                : ctx.start_saga_with("delivery", Saga{c.order_id}, o);
        if (!id) throw std::runtime_error(id.status().to_string());
        if (c.items == "start-explode") throw std::runtime_error("after the start");
      }
      if (c.items == "lock" || c.items == "hold") {
        LockResult lock =
            ctx.lock("order", c.items == "lock" ? LockConflict::kRefuse : LockConflict::kHold);
        if (!lock) return lock.refusal();
      }
      return success(TicketOpened{c.order_id, c.order_id});
    });
    p.on<CountTickets>([](const CountTickets& c, HandlerContext& ctx) {
      auto rows = ctx.db().query(c.state == "starts" ? "SELECT count(*) FROM saga_start_requests"
                                                     : "SELECT count(*) FROM ledger");
      if (!rows) throw std::runtime_error(rows.status().to_string());
      return success(TicketCount{std::get<std::int64_t>(rows.value().at(0).at(0))});
    });
  }

  std::optional<Envelope> open(std::int64_t order, const std::string& items,
                               const std::string& saga = "saga-1") {
    return client_->call(typed_command(OpenTicket{order, items}, "m-" + std::to_string(order),
                                       ContentType::kCerealBinary, saga));
  }
  std::int64_t count(const std::string& table = "ledger") {
    static std::atomic<int> n{0};
    auto r = client_->call(
        typed_command(CountTickets{table}, "count-" + std::to_string(++n), ContentType::kJson));
    EXPECT_TRUE(r.has_value());
    if (!r) return -1;
    auto decoded = decode_body<TicketCount>(r->body, r->content_type);
    EXPECT_TRUE(decoded.is_ok()) << r->reason;
    return decoded ? decoded->count : -1;
  }

  TempDir dir_;
  std::string path_;
  std::atomic<int> runs_{0};
  std::unique_ptr<Participant> participant_;
  std::unique_ptr<Running> running_;
  std::unique_ptr<Client> client_;
};

TEST_P(ParticipantBackendTest, ADuplicateDeliveryRunsOnceAndGetsTheStoredReply) {
  auto first = open(1, "tea");
  auto second = open(1, "tea");
  ASSERT_TRUE(first && second);
  EXPECT_EQ(first->outcome, Outcome::kSuccess);
  EXPECT_EQ(second->body, first->body);
  EXPECT_EQ(second->message_id, first->message_id);
  EXPECT_EQ(runs_.load(), 1);
  EXPECT_EQ(count(), 1);
  EXPECT_EQ(participant_->stats().duplicates, 1u);
}

TEST_P(ParticipantBackendTest, AThrowingHandlerUndoesOnlyItsOwnWritesInItsBatch) {
  const std::vector<std::string> items = {"a", "explode", "b", "explode", "c"};
  for (std::size_t i = 0; i < items.size(); ++i) {
    client_->send(typed_command(OpenTicket{static_cast<std::int64_t>(i), items[i]},
                                "m-" + std::to_string(i), ContentType::kCerealBinary,
                                "saga-" + std::to_string(i)));
  }
  int errors = 0;
  for (std::size_t i = 0; i < items.size(); ++i) {
    auto reply = client_->receive();
    ASSERT_TRUE(reply.has_value());
    if (reply->reason == kReasonHandlerError) ++errors;
  }
  EXPECT_EQ(errors, 2);
  EXPECT_EQ(count(), 3);
  // The failure is stored: resent, it is answered without running the handler.
  auto again = open(1, "explode", "saga-1");
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(again->reason, kReasonHandlerError);
  EXPECT_EQ(runs_.load(), 5);
}

TEST_P(ParticipantBackendTest, ARestartKeepsDeduplicating) {
  auto first = open(11, "cake");
  ASSERT_TRUE(first.has_value());
  restart();
  auto again = open(11, "cake");
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(again->body, first->body);
  EXPECT_EQ(participant_->stats().duplicates, 1u);
  EXPECT_EQ(participant_->stats().handled, 0u);
  EXPECT_EQ(count(), 1);
}

TEST_P(ParticipantBackendTest, AHandlerStartsASagaInItsOwnTransaction) {
  auto started = open(21, "start");
  ASSERT_TRUE(started.has_value());
  EXPECT_EQ(started->outcome, Outcome::kSuccess) << started->reason;
  // Thrown after the start: neither its row nor the start is written.
  auto thrown = open(22, "start-explode");
  ASSERT_TRUE(thrown.has_value());
  EXPECT_EQ(thrown->reason, kReasonHandlerError);
  EXPECT_EQ(count(), 1);
  EXPECT_EQ(count("starts"), 1);
}

TEST_P(ParticipantBackendTest, ASemanticLockRefusesAnotherSaga) {
  ASSERT_EQ(open(31, "lock", "saga-a")->outcome, Outcome::kSuccess);
  auto refused = open(32, "lock", "saga-b");
  ASSERT_TRUE(refused.has_value());
  EXPECT_EQ(refused->outcome, Outcome::kFailure);
  EXPECT_EQ(refused->reason, "locked");
  EXPECT_EQ(count(), 1);  // the refused command's row was rolled back
  if (postgres()) {
    // kHold is SQLite's only: on PostgreSQL the handler gets an error, answered as such.
    auto held = open(33, "hold", "saga-c");
    ASSERT_TRUE(held.has_value());
    EXPECT_EQ(held->reason, kReasonHandlerError);
    EXPECT_EQ(participant_->stats().handler_errors, 1u);
  }
}

TEST_P(ParticipantBackendTest, OnPostgresqlAHandlerWritesThroughLibpqInTheCommandsTransaction) {
  if (!postgres()) {
    auto r = open(41, "raw");  // on SQLite, postgres() is null: the row goes through db()
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ(count(), 1);
    return;
  }
  ASSERT_EQ(open(41, "raw")->outcome, Outcome::kSuccess);
  auto duplicate = open(41, "raw");  // the inbox answers: the raw insert does not run again
  ASSERT_TRUE(duplicate.has_value());
  EXPECT_EQ(duplicate->outcome, Outcome::kSuccess);
  EXPECT_EQ(runs_.load(), 1);
  EXPECT_EQ(count(), 1);
}

TEST_P(ParticipantBackendTest, OnPostgresqlAnEngineOnTheSameDatabaseRunsTheSagaAHandlerStarted) {
  if (!postgres()) {  // the start is written in the file (an engine sharing it runs it)
    ASSERT_EQ(open(51, "transfer")->outcome, Outcome::kSuccess);
    EXPECT_EQ(count("starts"), 1);
    return;
  }
  pg_test::TransferParticipants bank_and_shipping(dir_.file(""));
  auto engine =
      pg_test::open_engine(path_, dir_.file(""), "engine", {transfer::definition(Millis{5'000})});
  ASSERT_NE(engine, nullptr);
  ASSERT_EQ(open(51, "transfer")->outcome, Outcome::kSuccess);
  engine->notify_starts();
  Result<SagaInstance> ended = engine->wait("started-51", Millis{30'000});
  ASSERT_TRUE(ended.is_ok()) << ended.status().to_string();
  EXPECT_EQ(ended->phase, Phase::kCompleted);
}

INSTANTIATE_TEST_SUITE_P(Backends, ParticipantBackendTest,
                         ::testing::Values(std::string("sqlite"), std::string("postgresql")),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           return info.param;
                         });

}  // namespace
}  // namespace saga::test
