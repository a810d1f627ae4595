// Goal: the dispatcher sends through the transport behind each participant's gate: the
// in-flight cap holds commands back in order, a reply or a timeout frees a slot, consecutive
// timeouts open the breaker (logged), and held commands of sagas that moved on are dropped.
// Method: Dispatcher alone with a recording in-memory Transport; time passed by hand.
#include "runtime/dispatcher.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

namespace saga {
namespace {

class RecordingTransport : public Transport {
 public:
  Status send(std::string_view participant, const Envelope& command) override {
    sent.push_back(std::string(participant) + ":" + command.message_id);
    envelopes.push_back(command);
    return refuse ? unavailable("queue full") : Status::ok();
  }
  void poll(Millis, std::vector<Envelope>&, std::size_t) override {}
  void wake() override {}
  TransportStats stats() const override { return {}; }
  std::vector<std::string> sent;
  std::vector<Envelope> envelopes;
  bool refuse = false;
};

OutgoingCommand command(const std::string& participant, const std::string& id) {
  OutgoingCommand c;
  c.participant = participant;
  c.envelope.kind = MessageKind::kCommand;
  c.envelope.message_id = id;
  c.envelope.saga_id = id.substr(0, id.find('/'));
  return c;
}

struct DispatcherTest : ::testing::Test {
  DispatcherTest()
      : log([this](LogLevel, std::string_view line) { lines.emplace_back(line); },
            LogLevel::kDebug),
        dispatcher(transport, limits(), {{"solo", ParticipantLimits{1, 0, Millis{0}}}}, log,
                   [this](const Envelope& e) { hooked.push_back(e.message_id); }) {}
  static ParticipantLimits limits() {
    ParticipantLimits l;
    l.max_in_flight = 2;
    l.breaker_threshold = 2;
    l.breaker_cooldown = Millis{1000};
    return l;
  }
  RecordingTransport transport;
  std::vector<std::string> lines;
  std::vector<std::string> hooked;
  EngineLog log;
  Dispatcher dispatcher;
};

TEST_F(DispatcherTest, SendsUpToTheCapThenHoldsInOrder) {
  for (const char* id : {"a/1", "b/1", "c/1", "d/1"})
    dispatcher.dispatch(command("p", id), Millis{0});
  EXPECT_EQ(transport.sent, (std::vector<std::string>{"p:a/1", "p:b/1"}));
  EXPECT_EQ(hooked, (std::vector<std::string>{"a/1", "b/1"}));
  EXPECT_TRUE(dispatcher.held("c/1"));
  EXPECT_TRUE(dispatcher.held("d/1"));
  ASSERT_EQ(dispatcher.states().size(), 1u);
  EXPECT_EQ(dispatcher.states()[0].in_flight, 2u);
  EXPECT_EQ(dispatcher.states()[0].held, 2u);

  dispatcher.on_reply("a/1");  // one slot frees: c goes, in order
  dispatcher.release_held(Millis{1}, [](const Envelope&) { return true; });
  EXPECT_EQ(transport.sent.back(), "p:c/1");
  EXPECT_FALSE(dispatcher.held("c/1"));
  EXPECT_TRUE(dispatcher.held("d/1"));
}

// A held command is kept packed (held_command.h); it must go out exactly as it was given.
TEST_F(DispatcherTest, AHeldCommandGoesOutWithEveryFieldAsItWasGiven) {
  dispatcher.dispatch(command("p", "a/1"), Millis{0});
  dispatcher.dispatch(command("p", "b/1"), Millis{0});
  OutgoingCommand c = command("p", "c/7");
  Envelope& e = c.envelope;
  e.name = "ValidateOrderByConsumer";
  e.saga_type = "create_order";
  e.step = "verify_consumer";
  e.compensation = true;
  e.attempt = 300;  // more than one byte packed
  e.correlation_id = "x/2";
  e.outcome = Outcome::kFailure;
  e.reason = "why";
  e.event_key = "order:7";
  e.content_type = ContentType::kJson;
  e.trace_id = "0123456789abcdef0123456789abcdef";
  e.body = std::string(200, '\0') + "\xff\x80 body";  // binary, longer than 127 bytes
  e.route = "peer";
  const Envelope expected = e;
  dispatcher.dispatch(c, Millis{0});
  ASSERT_TRUE(dispatcher.held("c/7"));
  dispatcher.on_reply("a/1");
  dispatcher.release_held(Millis{1}, [&](const Envelope& held) {
    EXPECT_EQ(held, expected);
    return true;
  });
  ASSERT_EQ(transport.envelopes.size(), 3u);
  EXPECT_EQ(transport.envelopes.back(), expected);
}

TEST_F(DispatcherTest, AMessageSentAgainWhileInFlightTakesNoSecondSlot) {
  dispatcher.dispatch(command("p", "a/1"), Millis{0});
  dispatcher.dispatch(command("p", "a/1"), Millis{5});  // the same message again
  EXPECT_EQ(dispatcher.states()[0].in_flight, 1u);
  dispatcher.dispatch(command("p", "b/1"), Millis{5});
  EXPECT_EQ(transport.sent.size(), 3u);    // b found the second slot
  dispatcher.on_reply("a/1", Millis{15});  // latency from the latest send
  EXPECT_EQ(dispatcher.states()[0].in_flight, 1u);
  EXPECT_EQ(dispatcher.states()[0].reply_latency_ms_sum, 10u);
}

TEST_F(DispatcherTest, ANewCommandQueuesBehindHeldOnesEvenWhenASlotIsFree) {
  dispatcher.dispatch(command("p", "a/1"), Millis{0});
  dispatcher.dispatch(command("p", "b/1"), Millis{0});
  dispatcher.dispatch(command("p", "c/1"), Millis{0});  // held
  dispatcher.on_reply("a/1");
  dispatcher.dispatch(command("p", "d/1"), Millis{0});  // a slot is free, but c is first
  EXPECT_TRUE(dispatcher.held("d/1"));
  EXPECT_EQ(transport.sent.size(), 2u);
}

TEST_F(DispatcherTest, HeldCommandsOfSagasThatMovedOnAreDropped) {
  for (const char* id : {"a/1", "b/1", "c/1", "d/1"})
    dispatcher.dispatch(command("p", id), Millis{0});
  dispatcher.on_reply("a/1");
  dispatcher.on_reply("b/1");
  dispatcher.release_held(Millis{1}, [](const Envelope& e) { return e.message_id != "c/1"; });
  EXPECT_EQ(transport.sent, (std::vector<std::string>{"p:a/1", "p:b/1", "p:d/1"}));
  EXPECT_FALSE(dispatcher.held("c/1"));
}

TEST_F(DispatcherTest, ConsecutiveTimeoutsOpenTheBreakerAndAReplyClosesIt) {
  dispatcher.dispatch(command("p", "a/1"), Millis{0});
  dispatcher.dispatch(command("p", "b/1"), Millis{0});
  dispatcher.on_deadline("a/1", Millis{10});
  EXPECT_EQ(dispatcher.states()[0].breaker, BreakerState::kClosed);
  dispatcher.on_deadline("b/1", Millis{10});
  EXPECT_EQ(dispatcher.states()[0].breaker, BreakerState::kOpen);
  EXPECT_EQ(lines.back(), "participant=p event=breaker_opened");

  dispatcher.dispatch(command("p", "c/1"), Millis{20});  // open: held
  EXPECT_TRUE(dispatcher.held("c/1"));
  dispatcher.release_held(Millis{1010}, [](const Envelope&) { return true; });  // half-open probe
  EXPECT_EQ(transport.sent.back(), "p:c/1");
  EXPECT_EQ(dispatcher.states()[0].breaker, BreakerState::kHalfOpen);
  dispatcher.on_reply("c/1");
  EXPECT_EQ(dispatcher.states()[0].breaker, BreakerState::kClosed);
  EXPECT_EQ(lines.back(), "participant=p event=breaker_closed");
}

TEST_F(DispatcherTest, AFailedProbeReopensTheBreakerWithoutASecondWarning) {
  dispatcher.dispatch(command("p", "a/1"), Millis{0});
  dispatcher.dispatch(command("p", "b/1"), Millis{0});
  dispatcher.on_deadline("a/1", Millis{10});
  dispatcher.on_deadline("b/1", Millis{10});
  for (int probe = 0; probe < 3; ++probe) {
    const std::string id = "c" + std::to_string(probe) + "/1";
    const Millis t{1010 + 2000 * probe};
    dispatcher.dispatch(command("p", id), t);                          // held: open
    dispatcher.release_held(t, [](const Envelope&) { return true; });  // the probe
    EXPECT_EQ(dispatcher.states()[0].breaker, BreakerState::kHalfOpen);
    dispatcher.on_deadline(id, t + Millis{10});
    EXPECT_EQ(dispatcher.states()[0].breaker, BreakerState::kOpen);
    EXPECT_EQ(lines.back(), "participant=p event=breaker_probe_failed");
  }
  EXPECT_EQ(std::count(lines.begin(), lines.end(), "participant=p event=breaker_opened"), 1);
}

TEST_F(DispatcherTest, TimeoutOfAHeldCommandIsNotTheParticipantsFault) {
  dispatcher.dispatch(command("solo", "a/1"), Millis{0});
  dispatcher.dispatch(command("solo", "b/1"), Millis{0});  // cap 1: held
  dispatcher.on_deadline("b/1", Millis{10});
  EXPECT_EQ(dispatcher.states()[0].consecutive_timeouts, 0u);
  EXPECT_EQ(dispatcher.states()[0].in_flight, 1u);
}

TEST_F(DispatcherTest, ATransportErrorIsLoggedAndCountsAsSent) {
  transport.refuse = true;
  dispatcher.dispatch(command("p", "a/1"), Millis{0});
  EXPECT_EQ(hooked, std::vector<std::string>{"a/1"});
  EXPECT_EQ(lines.back(), "send a/1 to p: queue full");
  EXPECT_EQ(dispatcher.states()[0].in_flight, 1u);
}

TEST_F(DispatcherTest, ClearForgetsGatesAndMessages) {
  for (const char* id : {"a/1", "b/1", "c/1"}) dispatcher.dispatch(command("p", id), Millis{0});
  dispatcher.clear();
  EXPECT_TRUE(dispatcher.states().empty());
  EXPECT_FALSE(dispatcher.held("c/1"));
}

TEST_F(DispatcherTest, ReportsEachHoldOnceWithItsReasonAndItsRelease) {
  std::vector<std::string> gate;
  Dispatcher d(transport, limits(), {}, log, {},
               [&](const Envelope& e, Dispatcher::GateChange change, std::string_view why) {
                 gate.push_back(e.message_id +
                                (change == Dispatcher::GateChange::kHeld ? " held " : " released") +
                                std::string(why));
               });
  d.dispatch(command("p", "a/1"), Millis{0});
  d.dispatch(command("p", "b/1"), Millis{0});
  d.dispatch(command("p", "c/1"), Millis{0});  // the cap
  d.dispatch(command("p", "d/1"), Millis{0});  // the cap still (c waits ahead of it)
  for (int i = 0; i < 5; ++i) d.release_held(Millis{i}, [](const Envelope&) { return true; });
  EXPECT_EQ(gate, (std::vector<std::string>{"c/1 held in_flight_cap", "d/1 held in_flight_cap"}));
  d.on_reply("a/1");
  d.release_held(Millis{10}, [](const Envelope&) { return true; });
  EXPECT_EQ(gate.back(), "c/1 released");
  // Two timeouts open the breaker: d stays held (no second report), e is held for it.
  d.on_deadline("b/1", Millis{20});
  d.on_deadline("c/1", Millis{20});
  d.release_held(Millis{21}, [](const Envelope&) { return true; });
  EXPECT_TRUE(d.held("d/1"));
  d.dispatch(command("p", "e/1"), Millis{22});
  EXPECT_EQ(gate, (std::vector<std::string>{"c/1 held in_flight_cap", "d/1 held in_flight_cap",
                                            "c/1 released", "e/1 held breaker_open"}));
}

TEST_F(DispatcherTest, MeasuresReplyLatencyAndTellsWhenTheNextProbeGoes) {
  dispatcher.dispatch(command("p", "a/1"), Millis{100});
  dispatcher.dispatch(command("p", "b/1"), Millis{100});
  dispatcher.on_reply("a/1", Millis{130});  // 30 ms after its send
  dispatcher.on_reply("b/1", Millis{110});  // 10 ms
  dispatcher.on_reply("b/1", Millis{500});  // a duplicate: not sent again, not counted
  ParticipantState s = dispatcher.states().at(0);
  EXPECT_EQ(s.replies, 2u);
  EXPECT_EQ(s.reply_latency_ms_sum, 40u);
  EXPECT_EQ(s.reply_latency_ms_max, 30u);
  EXPECT_EQ(s.next_probe_at, Millis{0});  // closed
  // Two timeouts open the breaker at 2000: the next probe may go after the 1000 ms cool-down.
  dispatcher.dispatch(command("p", "c/1"), Millis{1000});
  dispatcher.dispatch(command("p", "d/1"), Millis{1000});
  dispatcher.on_deadline("c/1", Millis{2000});
  dispatcher.on_deadline("d/1", Millis{2000});
  s = dispatcher.states().at(0);
  EXPECT_EQ(s.breaker, BreakerState::kOpen);
  EXPECT_EQ(s.next_probe_at, Millis{3000});
  EXPECT_EQ(s.replies, 2u);  // timeouts are not replies
}

}  // namespace
}  // namespace saga
