// Goal: a participant's handler starts a saga in the same transaction as its business row and
// its inbox row (HandlerContext::start_saga, saga/participant.h "Saga starts"): all three
// commit together; a handler that throws leaves none of them and nothing is ever started; a
// duplicate delivery (inbox hit) starts nothing again, and a deterministic id refuses a second
// start under a new message_id; an engine on the same file runs the started saga to its end,
// from the participant's process or from another process, also when the participant is killed
// (kill -9) between its commit and the engine's pick-up.
// Method: a real participant (loopback tcp ROUTER) on a real SQLite file that also holds the
// engine's tables (ParticipantOptions::engine_tables), driven by a DEALER client; the file is
// read with a connection of its own. The engine is EngineFixture (virtual clock, scripted FTGO
// participants, "create_order") opened on the same file with shared_database; the
// cross-process case runs the participant in a forked child (fault/child_process.h).
#include <SQLiteCpp/SQLiteCpp.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <atomic>

#include "fault/child_process.h"
#include "integration/participant_test_support.h"
#include "saga/testing/engine_fixture.h"

namespace saga::test {
namespace {

constexpr const char* kTcp = "tcp://127.0.0.1:*";

// Kitchen's command in these tests is OpenTicket (participant_test_support.h): open a ticket
// and start the follow-up saga for it. `items` "explode" throws after both writes; "declined"
// replies with a failure (writes kept).
struct TicketAccepted {
  static constexpr std::string_view kMessageName = "TicketAccepted";
  std::string follow_up;  // the started saga's id
  bool already = false;   // the follow-up existed (kAlreadyExists)
  template <class A>
  void serialize(A& a) {
    a(CEREAL_NVP(follow_up), CEREAL_NVP(already));
  }
};

// The follow-up saga's id: one per (saga, step) of the command, so a second start is refused.
std::string follow_up_id(const HandlerContext& ctx) { return ctx.saga_id() + "/prepare"; }

void install(Participant& p, std::atomic<int>& runs) {
  ASSERT_TRUE(p.exec_schema("CREATE TABLE IF NOT EXISTS ticket (order_id INTEGER NOT NULL, "
                            "saga_id TEXT NOT NULL, state TEXT NOT NULL)")
                  .is_ok());
  p.on<OpenTicket>([&runs](const OpenTicket& c, HandlerContext& ctx) -> Reply {
    ++runs;
    auto w =
        ctx.db().exec("INSERT INTO ticket (order_id, saga_id, state) VALUES (?, ?, 'ACCEPTED')",
                      {c.order_id, ctx.saga_id()});
    if (!w) throw std::runtime_error(w.status().to_string());
    StartOptions start;
    start.id = follow_up_id(ctx);
    // The scripted create_order saga of EngineFixture takes any data.
    Result<std::string> started =
        ctx.start_saga("create_order", "order-" + std::to_string(c.order_id), start);
    if (c.items == "explode") throw std::runtime_error("kitchen on fire");
    if (!started && started.status().code() == StatusCode::kAlreadyExists) {
      return success(TicketAccepted{start.id, true});
    }
    if (!started) return failure("no_start:" + std::string(to_string(started.status().code())));
    if (c.items == "declined") return failure("declined", TicketAccepted{started.value(), false});
    return success(TicketAccepted{started.value(), false});
  });
}

Envelope accept(std::int64_t order, std::string message_id, std::string saga_id,
                std::string items = "") {
  return typed_command(OpenTicket{order, std::move(items)}, std::move(message_id),
                       ContentType::kCerealBinary, std::move(saga_id), "accept_ticket");
}

std::int64_t count(const std::string& path, const std::string& sql) {
  SQLite::Database db(path, SQLite::OPEN_READONLY);
  return db.execAndGet(sql).getInt64();
}

std::string reply_text(const std::optional<Envelope>& r) {
  if (!r) return "<no reply>";
  return std::string(r->outcome == Outcome::kSuccess ? "ok" : "fail:" + r->reason);
}

TEST(ParticipantStartTest, BusinessRowInboxRowAndStartCommitTogetherOnce) {
  TempDir dir;
  const std::string file = dir.file("kitchen.db");
  std::atomic<int> runs{0};
  std::atomic<std::size_t> notified{0};
  ParticipantOptions options;
  options.engine_tables = true;
  options.outbox_committed = [&notified](std::size_t n) { notified += n; };
  auto p = open_participant(kTcp, file, options);
  ASSERT_NE(p, nullptr);
  install(*p, runs);
  Running running(*p);
  Client client(p->endpoint());

  std::optional<Envelope> r = client.call(accept(7, "m1", "order-saga-7"));
  ASSERT_EQ(reply_text(r), "ok");
  TicketAccepted body = decode_body<TicketAccepted>(r->body, r->content_type).value();
  EXPECT_EQ(body.follow_up, "order-saga-7/prepare");
  EXPECT_FALSE(body.already);
  EXPECT_EQ(count(file, "SELECT count(*) FROM ticket WHERE order_id = 7"), 1);
  EXPECT_EQ(count(file, "SELECT count(*) FROM saga_inbox WHERE message_id = 'm1'"), 1);
  EXPECT_EQ(count(file,
                  "SELECT count(*) FROM saga_start_requests WHERE saga_id = "
                  "'order-saga-7/prepare' AND type = 'create_order' AND data = "
                  "CAST('order-7' AS BLOB)"),
            1);

  // A duplicate delivery is answered from the inbox: no handler run, no second start.
  std::optional<Envelope> again = client.call(accept(7, "m1", "order-saga-7"));
  ASSERT_EQ(reply_text(again), "ok");
  EXPECT_EQ(again->body, r->body);
  EXPECT_EQ(runs.load(), 1);
  // The same command under a new message_id runs, and the deterministic id refuses the start.
  std::optional<Envelope> fresh = client.call(accept(7, "m2", "order-saga-7"));
  ASSERT_EQ(reply_text(fresh), "ok");
  EXPECT_TRUE(decode_body<TicketAccepted>(fresh->body, fresh->content_type).value().already);
  EXPECT_EQ(runs.load(), 2);
  EXPECT_EQ(count(file, "SELECT count(*) FROM saga_start_requests"), 1);
  EXPECT_EQ(p->stats().sagas_started, 1u);
  EXPECT_EQ(notified.load(), 1u);
}

TEST(ParticipantStartTest, ThrowingHandlerLeavesNoTraceAndAFailureReplyKeepsTheStart) {
  TempDir dir;
  const std::string file = dir.file("kitchen.db");
  std::atomic<int> runs{0};
  ParticipantOptions options;
  options.engine_tables = true;
  auto p = open_participant(kTcp, file, options);
  ASSERT_NE(p, nullptr);
  install(*p, runs);
  Running running(*p);
  Client client(p->endpoint());

  EXPECT_EQ(reply_text(client.call(accept(8, "boom", "order-saga-8", "explode"))),
            "fail:" + std::string(kReasonHandlerError));
  EXPECT_EQ(count(file, "SELECT count(*) FROM ticket"), 0);
  EXPECT_EQ(count(file, "SELECT count(*) FROM saga_start_requests"), 0);
  EXPECT_EQ(p->stats().sagas_started, 0u);

  // The handler's own failure reply commits its writes, the start included (participant.h).
  EXPECT_EQ(reply_text(client.call(accept(9, "no", "order-saga-9", "declined"))), "fail:declined");
  EXPECT_EQ(count(file, "SELECT count(*) FROM ticket WHERE order_id = 9"), 1);
  EXPECT_EQ(count(file, "SELECT count(*) FROM saga_start_requests"), 1);
  EXPECT_EQ(p->stats().sagas_started, 1u);
}

TEST(ParticipantStartTest, WithoutEngineTablesTheHandlerIsToldAndNothingIsWritten) {
  TempDir dir;
  const std::string file = dir.file("kitchen.db");
  std::atomic<int> runs{0};
  auto p = open_participant(kTcp, file);  // engine_tables off, no engine on the file
  ASSERT_NE(p, nullptr);
  install(*p, runs);
  Running running(*p);
  Client client(p->endpoint());
  EXPECT_EQ(reply_text(client.call(accept(1, "m", "s"))), "fail:no_start:failed_precondition");
  SQLite::Database db(file, SQLite::OPEN_READONLY);
  EXPECT_FALSE(db.tableExists("saga_start_requests"));
}

EngineOptions shared_engine() {
  EngineOptions o;
  o.shared_database = true;
  o.start_poll_interval = Millis{100};
  return o;
}

TEST(ParticipantStartTest, EngineInTheSameProcessRunsTheStartedSaga) {
  testing::EngineFixture f;
  std::atomic<int> runs{0};
  ASSERT_EQ(f.open(shared_engine()), Status::ok());
  ParticipantOptions options;
  options.outbox_committed = [&f](std::size_t) { f.engine().notify_starts(); };
  auto p = open_participant(kTcp, f.database_path(), options);  // tables made by the engine
  ASSERT_NE(p, nullptr);
  install(*p, runs);
  Running running(*p);
  Client client(p->endpoint());
  ASSERT_EQ(reply_text(client.call(accept(3, "m3", "order-saga-3"))), "ok");
  EXPECT_EQ(f.settle("order-saga-3/prepare").phase, Phase::kCompleted);
  EXPECT_EQ(f.engine().get("order-saga-3/prepare")->data.rfind("order-3", 0), 0u);
  EXPECT_EQ(count(f.database_path(), "SELECT count(*) FROM saga_start_requests"), 0);
}

// The participant in a child process: it answers "ready <endpoint>", then serves until killed.
int serve_kitchen(LineChannel& channel, const std::string& file) {
  std::atomic<int> runs{0};
  ParticipantOptions options;
  options.engine_tables = true;
  options.endpoint = kTcp;
  options.database_path = file;
  options.log = [](LogLevel, std::string_view) {};
  auto opened = Participant::open(options);
  if (!opened) {
    channel.send("open failed: " + opened.status().to_string());
    return 1;
  }
  Participant& p = *opened.value();
  install(p, runs);
  channel.send("ready " + p.endpoint());
  p.run();
  return 0;
}

TEST(ParticipantStartTest, StartFromAnotherProcessRunsAlsoAfterAKillBeforeThePickUp) {
  testing::EngineFixture f;  // no connection on the file before the fork
  const std::string file = f.database_path();
  ChildProcess child({}, [&file](LineChannel& channel) { return serve_kitchen(channel, file); });
  ASSERT_TRUE(child.started());
  const std::string ready = child.channel().receive();
  ASSERT_EQ(ready.rfind("ready ", 0), 0u) << ready;
  Client client(ready.substr(6));

  // Engine running: the child's commit is found by the poll (no restart, no notify).
  ASSERT_EQ(f.open(shared_engine()), Status::ok());
  ASSERT_EQ(reply_text(client.call(accept(1, "c1", "order-saga-1"))), "ok");
  EXPECT_EQ(f.settle("order-saga-1/prepare").phase, Phase::kCompleted);

  // Engine stopped: the child commits, then dies (kill -9) before any engine picked it up.
  f.close();
  ASSERT_EQ(reply_text(client.call(accept(2, "c2", "order-saga-2"))), "ok");
  ::kill(child.pid(), SIGKILL);
  EXPECT_EQ(child.wait(), -1);
  EXPECT_EQ(count(file, "SELECT count(*) FROM saga_start_requests"), 1);
  EXPECT_EQ(count(file, "SELECT count(*) FROM ticket WHERE order_id = 2"), 1);
  ASSERT_EQ(f.open(shared_engine()), Status::ok());
  EXPECT_EQ(f.settle("order-saga-2/prepare").phase, Phase::kCompleted);
  EXPECT_EQ(count(file, "SELECT count(*) FROM saga_start_requests"), 0);
  // One query: no accepted ticket without its follow-up saga.
  EXPECT_EQ(count(file,
                  "SELECT count(*) FROM ticket t WHERE NOT EXISTS (SELECT 1 FROM saga_instances "
                  "i WHERE i.id = t.saga_id || '/prepare')"),
            0);
}

}  // namespace
}  // namespace saga::test
