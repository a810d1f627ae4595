// Goal: a participant's handler signals a waiting saga (sends it an event) in the same
// transaction as its business row and its inbox row (HandlerContext::signal_saga,
// saga/participant.h "Saga starts (and events)"): all three commit together, with the command's
// trace id; a handler that throws leaves none of them, so no event is ever delivered; a
// duplicate delivery (inbox hit) does not write the event again; a bad event is returned to the
// handler; an engine on the same file delivers the committed event to the saga waiting for it,
// which goes on.
// Method: a real participant (loopback tcp ROUTER) on a real SQLite file that also holds the
// engine's tables, driven by a DEALER client; the file is read with a connection of its own. The
// engine is a manual one on the same file (shared_database) running the booking saga of
// tests/unit/booking_saga.h, whose wait step takes HotelConfirmed by the key "booking:<id>".
#include <SQLiteCpp/SQLiteCpp.h>
#include <gtest/gtest.h>

#include <atomic>

#include "integration/booking_participants.h"
#include "integration/participant_outbox_support.h"

namespace saga::test {
namespace {

// Kitchen confirms a booking: a ticket row, and the booking saga's HotelConfirmed event, by its
// correlation key, with an event id derived from the business key (one event per order).
// `items` "explode" throws after both writes; "no-key" sends an event without saga or key.
void install(Participant& p, std::atomic<int>& runs) {
  ASSERT_TRUE(p.exec_schema("CREATE TABLE IF NOT EXISTS ticket (order_id INTEGER NOT NULL, "
                            "saga_id TEXT NOT NULL)")
                  .is_ok());
  p.on<OpenTicket>([&runs](const OpenTicket& c, HandlerContext& ctx) -> Reply {
    ++runs;
    auto w = ctx.db().exec("INSERT INTO ticket (order_id, saga_id) VALUES (?, ?)",
                           {c.order_id, ctx.saga_id()});
    if (!w) throw std::runtime_error(w.status().to_string());
    const std::string id = std::to_string(c.order_id);
    Status s = c.items == "no-key"
                   ? ctx.signal_saga_by_key("", "confirm-" + id, booking::HotelConfirmed{"K"})
                   : ctx.signal_saga_by_key("booking:" + id, "confirm-" + id,
                                            booking::HotelConfirmed{"K-" + id});
    if (c.items == "explode") throw std::runtime_error("kitchen on fire");
    if (!s) return failure("no_signal:" + std::string(to_string(s.code())));
    return success(OpenTicket{c.order_id, "signalled"});
  });
}

Envelope confirm(std::int64_t order, std::string message_id, std::string items = "") {
  Envelope e = typed_command(OpenTicket{order, std::move(items)}, std::move(message_id),
                             ContentType::kCerealBinary, "kitchen-saga", "confirm");
  e.trace_id = "trace-" + std::to_string(order);
  return e;
}

TEST(ParticipantSignalTest, TheEventCommitsWithTheBusinessRowAndTheInboxRowOnce) {
  TempDir dir;
  const std::string file = dir.file("kitchen.db");
  std::atomic<int> runs{0};
  std::atomic<std::size_t> notified{0};
  ParticipantOptions options;
  options.engine_tables = true;
  options.outbox_committed = [&notified](std::size_t n) { notified += n; };
  ParticipantOnFile kitchen(file, options, [&runs](Participant& p) { install(p, runs); });
  ASSERT_NE(kitchen.participant, nullptr);
  Participant* p = kitchen.participant.get();
  Client& client = *kitchen.client;

  ASSERT_EQ(reply_text(client.call(confirm(7, "m1"))), "ok");
  EXPECT_EQ(count(file, "SELECT count(*) FROM ticket WHERE order_id = 7"), 1);
  EXPECT_EQ(count(file, "SELECT count(*) FROM saga_inbox WHERE message_id = 'm1'"), 1);
  EXPECT_EQ(count(file,
                  "SELECT count(*) FROM saga_event_requests WHERE event_id = 'confirm-7' AND "
                  "name = 'HotelConfirmed' AND event_key = 'booking:7' AND saga_id = '' AND "
                  "trace_id = 'trace-7' AND refused_at_ms = 0"),
            1);
  // A duplicate delivery is answered from the inbox: no handler run, no second event.
  ASSERT_EQ(reply_text(client.call(confirm(7, "m1"))), "ok");
  EXPECT_EQ(runs.load(), 1);
  EXPECT_EQ(count(file, "SELECT count(*) FROM saga_event_requests"), 1);
  EXPECT_EQ(p->stats().events_signalled, 1u);
  EXPECT_EQ(p->stats().sagas_started, 0u);
  EXPECT_EQ(notified.load(), 1u);
}

TEST(ParticipantSignalTest, AThrowingHandlerLeavesNoEventAndABadEventIsTheHandlers) {
  TempDir dir;
  const std::string file = dir.file("kitchen.db");
  std::atomic<int> runs{0};
  ParticipantOptions options;
  options.engine_tables = true;
  ParticipantOnFile kitchen(file, options, [&runs](Participant& p) { install(p, runs); });
  ASSERT_NE(kitchen.participant, nullptr);
  Participant* p = kitchen.participant.get();
  Client& client = *kitchen.client;

  EXPECT_EQ(reply_text(client.call(confirm(8, "boom", "explode"))),
            "fail:" + std::string(kReasonHandlerError));
  EXPECT_EQ(count(file, "SELECT count(*) FROM ticket"), 0);
  EXPECT_EQ(count(file, "SELECT count(*) FROM saga_event_requests"), 0);
  EXPECT_EQ(reply_text(client.call(confirm(9, "bad", "no-key"))),
            "fail:no_signal:invalid_argument");
  EXPECT_EQ(count(file, "SELECT count(*) FROM saga_event_requests"), 0);
  EXPECT_EQ(p->stats().events_signalled, 0u);
}

TEST(ParticipantSignalTest, WithoutEngineTablesTheHandlerIsToldAndNothingIsWritten) {
  TempDir dir;
  const std::string file = dir.file("kitchen.db");
  std::atomic<int> runs{0};
  // engine_tables off, no engine on the file
  ParticipantOnFile kitchen(file, {}, [&runs](Participant& p) { install(p, runs); });
  ASSERT_NE(kitchen.participant, nullptr);
  EXPECT_EQ(reply_text(kitchen.client->call(confirm(1, "m"))),
            "fail:no_signal:failed_precondition");
  SQLite::Database db(file, SQLite::OPEN_READONLY);
  EXPECT_FALSE(db.tableExists("saga_event_requests"));
}

TEST(ParticipantSignalTest, TheEngineOnTheFileDeliversTheEventToTheWaitingSaga) {
  TempDir dir;
  const std::string file = dir.file("kitchen.db");
  auto transport = std::make_shared<testing::InMemoryTransport>();
  booking::add_booking_participants(*transport);
  EngineOptions o;
  o.database_path = file;
  o.shared_database = true;
  o.start_poll_interval = Millis{0};
  o.transport = transport;
  o.clock = std::make_shared<VirtualClock>();
  o.manual = true;
  o.log = [](LogLevel, std::string_view) {};
  auto engine = Engine::open(std::move(o)).value();
  ASSERT_TRUE(engine->register_definition(booking::booking_definition().value()));
  ASSERT_TRUE(engine->start());
  auto pump = [&engine] {
    for (int i = 0; i < 6; ++i) engine->run_once(Millis{0});
  };
  StartOptions start;
  start.id = "b-3";
  ASSERT_TRUE(engine->start_saga_with("booking", booking::BookingData{3, {}, 0, false}, start));
  pump();
  ASSERT_EQ(engine->get("b-3")->wait, Wait::kEvent);

  std::atomic<int> runs{0};
  // The engine made the tables.
  ParticipantOnFile kitchen(file, {}, [&runs](Participant& p) { install(p, runs); });
  ASSERT_NE(kitchen.participant, nullptr);
  ASSERT_EQ(reply_text(kitchen.client->call(confirm(3, "m3"))), "ok");
  pump();
  const SagaInstance s = engine->get("b-3").value();
  EXPECT_GE(s.step, 2);
  EXPECT_EQ(decode_data<booking::BookingData>(s.data)->confirmation, "K-3");
  EXPECT_EQ(count(file, "SELECT count(*) FROM saga_event_requests"), 0);
  std::vector<StoredEvent> events = engine->events("b-3").value();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].event_id, "confirm-3");
  EXPECT_EQ(events[0].state, EventState::kConsumed);
}

}  // namespace
}  // namespace saga::test
