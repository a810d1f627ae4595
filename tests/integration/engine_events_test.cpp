// Goal: Engine::deliver_event is durable, idempotent by event id, keeps an event that comes
// before its saga waits (across a restart), refuses events for no saga with a clear error,
// and answers events that come over the wire; a saga waiting for an event survives a restart
// of the orchestrator, timer included.
// Method: a manual engine on a real SQLite file, the in-memory transport with participants
// that answer at once (or not at all while paused), the virtual clock, and the booking saga of
// tests/unit/booking_saga.h. "Restart" closes the engine without a clean stop of the saga
// (nothing of it is in memory any more) and opens a new one on the same file.
#include <gtest/gtest.h>

#include <memory>

#include "integration/booking_participants.h"
#include "saga/engine.h"
#include "saga/testing/in_memory_transport.h"
#include "saga/testing/temp_dir.h"

namespace saga {
namespace {

using namespace booking;

class EngineEventsTest : public ::testing::Test {
 protected:
  EngineEventsTest() {
    add_booking_participants(*transport);
    open();
  }

  void open() {
    engine.reset();
    EngineOptions o;
    o.database_path = dir.file("engine.db");
    o.transport = transport;
    o.clock = clock;
    o.manual = true;
    o.random_seed = 3;
    o.log = [](LogLevel, std::string_view) {};
    engine = Engine::open(std::move(o)).value();
    ASSERT_TRUE(engine->register_definition(booking_definition().value()));
    ASSERT_TRUE(engine->start());
  }

  void pump(int times = 6) {
    for (int i = 0; i < times; ++i) engine->run_once(Millis{0});
  }

  std::string start(std::int64_t id) {
    StartOptions options;
    options.id = "b-" + std::to_string(id);
    Result<std::string> started =
        engine->start_saga_with("booking", BookingData{id, {}, 0, false}, options);
    EXPECT_TRUE(started) << started.status().to_string();
    pump();
    return started ? started.value() : std::string();
  }

  SagaInstance saga(const std::string& id) { return engine->get(id).value(); }

  std::vector<Event> history_events(const std::string& id) {
    std::vector<Event> out;
    Result<std::vector<HistoryEntry>> history = engine->history(id);
    EXPECT_TRUE(history) << history.status().to_string();
    if (!history) return out;
    for (const HistoryEntry& h : history.value()) out.push_back(h.event);
    return out;
  }

  testing::TempDir dir;
  std::shared_ptr<testing::InMemoryTransport> transport =
      std::make_shared<testing::InMemoryTransport>();
  std::shared_ptr<VirtualClock> clock = std::make_shared<VirtualClock>();
  std::unique_ptr<Engine> engine;
};

EventDelivery confirmed(std::string target, std::string event_id, std::string code, bool by_key) {
  Result<EventDelivery> e =
      by_key ? event_for_key(std::move(target), std::move(event_id), HotelConfirmed{code})
             : event_for_saga(std::move(target), std::move(event_id), HotelConfirmed{code});
  return std::move(e).value();
}

TEST_F(EngineEventsTest, EventOnTimeIsTakenInTheSameCommitAndTheSagaGoesOn) {
  const std::string id = start(7);
  ASSERT_EQ(saga(id).wait, Wait::kEvent);
  Result<EventReceipt> r = engine->deliver_event(confirmed(id, "ev-1", "C-1", false));
  ASSERT_TRUE(r) << r.status().to_string();
  EXPECT_EQ(r->disposition, EventDisposition::kConsumed);
  EXPECT_EQ(r->saga_id, id);
  // Committed before deliver_event returned: the saga is past its wait, at the pivot.
  EXPECT_EQ(saga(id).step, 2);
  EXPECT_EQ(decode_data<BookingData>(saga(id).data)->confirmation, "C-1");
  std::vector<StoredEvent> events = engine->events(id).value();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].state, EventState::kConsumed);
  EXPECT_EQ(events[0].consumed_step, 1);
}

TEST_F(EngineEventsTest, EventByKeyBeforeTheWaitIsKeptAcrossARestart) {
  transport->set_paused("hotel", true);  // the saga stays at its first step
  const std::string id = start(8);
  Result<EventReceipt> r = engine->deliver_event(confirmed("booking:8", "ev-8", "C-8", true));
  ASSERT_TRUE(r) << r.status().to_string();
  EXPECT_EQ(r->disposition, EventDisposition::kPending);
  EXPECT_EQ(r->saga_id, id);
  open();  // the orchestrator restarts; the event and the saga come back from the file
  transport->set_paused("hotel", false);
  for (int i = 0; i < 20 && saga(id).step < 3; ++i) {  // Reserve resent after its deadline
    clock->advance(Millis{5'000});
    pump(4);
  }
  const SagaInstance s = saga(id);
  EXPECT_EQ(decode_data<BookingData>(s.data)->confirmation, "C-8");
  EXPECT_EQ(s.step, 3);  // charged; waiting for the check-in now
  EXPECT_EQ(s.wait, Wait::kEvent);
  const std::vector<Event> h = history_events(id);
  EXPECT_NE(std::find(h.begin(), h.end(), Event::kEventReceived), h.end());
  EXPECT_EQ(engine->events(id).value().at(0).state, EventState::kConsumed);
}

TEST_F(EngineEventsTest, DeliveryIsIdempotentByEventId) {
  const std::string id = start(9);
  ASSERT_EQ(engine->deliver_event(confirmed(id, "ev-9", "C-9", false))->disposition,
            EventDisposition::kConsumed);
  Result<EventReceipt> again = engine->deliver_event(confirmed(id, "ev-9", "C-9", false));
  ASSERT_TRUE(again);
  EXPECT_EQ(again->disposition, EventDisposition::kDuplicate);
  EXPECT_EQ(decode_data<BookingData>(saga(id).data)->confirmation, "C-9");
  EventDelivery other = event_for_saga(id, "ev-9", CheckedIn{4}).value();
  EXPECT_EQ(engine->deliver_event(other).status().code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(engine->events(id).value().size(), 1u);
}

TEST_F(EngineEventsTest, EventsForNoSagaAreClearErrors) {
  const std::string id = start(10);
  Result<EventReceipt> none = engine->deliver_event(confirmed("b-404", "ev-a", "C", false));
  EXPECT_EQ(none.status().code(), StatusCode::kNotFound);
  EXPECT_EQ(none.status().message(), "event 'HotelConfirmed': no saga b-404");
  Result<EventReceipt> no_key = engine->deliver_event(confirmed("booking:404", "ev-b", "C", true));
  EXPECT_EQ(no_key.status().code(), StatusCode::kNotFound);
  EXPECT_EQ(no_key.status().message(),
            "event 'HotelConfirmed': no running saga has the key 'booking:404'");
  EventDelivery both = confirmed(id, "ev-c", "C", false);
  both.key = "booking:10";
  EXPECT_EQ(engine->deliver_event(both).status().code(), StatusCode::kInvalidArgument);
  EventDelivery unnamed = confirmed(id, "", "C", false);
  EXPECT_EQ(engine->deliver_event(unnamed).status().code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(engine->events(id).value().empty());
}

TEST_F(EngineEventsTest, NoEventWithinTheLimitCompensatesEvenAcrossARestart) {
  const std::string id = start(11);
  ASSERT_EQ(saga(id).wait, Wait::kEvent);
  open();  // restarted while waiting: the wait's timer is armed again from the file
  clock->advance(Millis{60'000});
  pump();
  EXPECT_EQ(saga(id).phase, Phase::kCompensated);
  EXPECT_EQ(saga(id).last_reason, "step 'await_confirmation': event_timeout: HotelConfirmed");
  const std::vector<Event> h = history_events(id);
  EXPECT_NE(std::find(h.begin(), h.end(), Event::kEventTimedOut), h.end());
  // Too late: refused, and the key went with the saga.
  Result<EventReceipt> late = engine->deliver_event(confirmed(id, "ev-late", "C", false));
  EXPECT_EQ(late.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(late.status().message(),
            "event 'HotelConfirmed': saga b-11 is compensated: it waits for no event any more");
  Result<EventReceipt> by_key = engine->deliver_event(confirmed("booking:11", "ev-k", "C", true));
  EXPECT_EQ(by_key.status().code(), StatusCode::kNotFound);
}

TEST_F(EngineEventsTest, EventsOverTheWireAreAnsweredOnceCommitted) {
  const std::string id = start(12);
  Envelope event;
  event.kind = MessageKind::kEvent;
  event.message_id = "wire-1";
  event.name = "HotelConfirmed";
  event.event_key = "booking:12";
  event.body = encode_body(HotelConfirmed{"W-1"}).value();
  event.route = "peer-1";
  transport->inject(event);
  Envelope unknown = event;
  unknown.message_id = "wire-2";
  unknown.event_key = "booking:999";
  transport->inject(unknown);
  pump();
  EXPECT_EQ(decode_data<BookingData>(saga(id).data)->confirmation, "W-1");
  const std::vector<Envelope> answers = transport->answers();
  ASSERT_EQ(answers.size(), 2u);
  const Envelope& refused = answers[0].correlation_id == "wire-2" ? answers[0] : answers[1];
  const Envelope& accepted = answers[0].correlation_id == "wire-1" ? answers[0] : answers[1];
  EXPECT_EQ(accepted.name, "EventAccepted");
  EXPECT_EQ(accepted.outcome, Outcome::kSuccess);
  EXPECT_EQ(accepted.route, "peer-1");
  EXPECT_EQ(accepted.saga_id, id);
  EXPECT_EQ(accepted.body, "{\"disposition\":\"consumed\",\"saga_id\":\"b-12\"}");
  EXPECT_EQ(refused.name, "EventRefused");
  EXPECT_EQ(refused.outcome, Outcome::kFailure);
  EXPECT_EQ(refused.reason,
            "not_found: event 'HotelConfirmed': no running saga has the key 'booking:999'");
}

}  // namespace
}  // namespace saga
