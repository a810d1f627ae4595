// Goal: wait steps (EventWait) take the right path in every order of event and time limit:
// on time, early (before the saga waits), duplicated, late, never, rejected by its handler,
// and after the pivot (continue on timeout, skipping ahead); their rules are validated; and a
// run with events replays identically from its history.
// Method: SagaHarness drives booking_saga.h through decide() with virtual time; events are
// delivered as Engine::deliver_event would (taken now, kept for later, or refused).
#include <gtest/gtest.h>

#include "booking_saga.h"
#include "saga/testing/harness.h"
#include "saga/testing/history_replay.h"

namespace saga {
namespace {

using namespace booking;
using testing::SagaHarness;

class DecideEventsTest : public ::testing::Test {
 protected:
  DecideEventsTest() : h(booking_definition().value()) {
    h.start_with(BookingData{7, {}, 0, false});
  }

  void reserve_ok() {
    ASSERT_TRUE(h.expect_command("hotel", Reserve{7}));
    h.reply_success(Done{7});
  }
  void charge_ok() {
    ASSERT_TRUE(h.expect_command("bank", Charge{7}));
    h.reply_success(Done{7});
  }
  void finish_with(const std::string& thanks) {
    if (thanks == "thank you") {  // the guest came: reminded first
      ASSERT_TRUE(h.expect_command("mail", Notify{"enjoy your stay"}));
      h.reply_success(Done{7});
    }
    ASSERT_TRUE(h.expect_command("mail", Notify{thanks}));
    h.reply_success(Done{7});
    EXPECT_TRUE(h.expect_phase(Phase::kCompleted));
  }

  SagaHarness h;
};

TEST_F(DecideEventsTest, EventOnTimeUpdatesTheDataAndGoesOn) {
  reserve_ok();
  EXPECT_EQ(h.instance().wait, Wait::kEvent);
  EXPECT_EQ(h.instance().deadline, h.now() + Millis{60'000});
  EXPECT_TRUE(h.expect_no_command());
  EXPECT_EQ(h.history().back().event, Event::kEventAwaited);
  EXPECT_EQ(h.history().back().reply_name, "HotelConfirmed");

  h.advance(Millis{59'999});
  Result<EventDisposition> got = h.event(HotelConfirmed{"C-1"}, "ev-1");
  ASSERT_TRUE(got.is_ok()) << got.status().to_string();
  EXPECT_EQ(*got, EventDisposition::kConsumed);
  EXPECT_EQ(h.data<BookingData>().confirmation, "C-1");
  EXPECT_EQ(h.history()[h.history().size() - 1].event, Event::kEventReceived);
  EXPECT_EQ(h.history().back().reason, "ev-1");
  charge_ok();
  ASSERT_TRUE(h.event(CheckedIn{12}).is_ok());
  finish_with("thank you");
  EXPECT_TRUE(h.expect_data(BookingData{7, "C-1", 12, false}));
  EXPECT_TRUE(testing::replays_identically(h.definition(), testing::record_history(h)));
}

TEST_F(DecideEventsTest, EventBeforeTheWaitIsKeptAndTakenWhenTheSagaWaits) {
  Result<EventDisposition> early = h.event(HotelConfirmed{"C-early"}, "ev-1");
  ASSERT_TRUE(early.is_ok()) << early.status().to_string();
  EXPECT_EQ(*early, EventDisposition::kPending);
  EXPECT_EQ(h.pending_events().size(), 1u);
  // The check-in, even earlier than that: kept for its own wait after the pivot.
  EXPECT_EQ(*h.event(CheckedIn{3}, "ev-2"), EventDisposition::kPending);
  reserve_ok();
  // Awaited and received at once, in two decisions; the saga is at the pivot now.
  EXPECT_EQ(h.instance().wait, Wait::kReply);
  EXPECT_EQ(h.data<BookingData>().confirmation, "C-early");
  charge_ok();
  EXPECT_TRUE(h.pending_events().empty());
  finish_with("thank you");
  const std::vector<Event> events = h.events();
  EXPECT_EQ(std::count(events.begin(), events.end(), Event::kEventReceived), 2);
  EXPECT_TRUE(testing::replays_identically(h.definition(), testing::record_history(h)));
}

TEST_F(DecideEventsTest, DuplicatedEventChangesNothing) {
  reserve_ok();
  ASSERT_EQ(*h.event(HotelConfirmed{"C-1"}, "ev-1"), EventDisposition::kConsumed);
  const std::size_t entries = h.history().size();
  EXPECT_EQ(*h.event(HotelConfirmed{"C-other"}, "ev-1"), EventDisposition::kDuplicate);
  EXPECT_EQ(h.history().size(), entries);
  EXPECT_EQ(h.data<BookingData>().confirmation, "C-1");
  // A second event with a new id finds no wait for it any more.
  Result<EventDisposition> second = h.event(HotelConfirmed{"C-2"}, "ev-2");
  ASSERT_FALSE(second.is_ok());
  EXPECT_EQ(second.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(second.status().message().find("past its wait for 'HotelConfirmed'"), std::string::npos)
      << second.status().message();
}

TEST_F(DecideEventsTest, NoEventBeforeTheLimitCompensatesAndALateEventIsRefused) {
  reserve_ok();
  EXPECT_EQ(h.advance(Millis{60'000}), 1);
  EXPECT_TRUE(h.expect_command("hotel", CancelReservation{7}));
  const std::vector<Event> all = h.events();
  const std::vector<Event> tail(all.end() - 3, all.end());
  EXPECT_EQ(tail,
            (std::vector<Event>{Event::kEventAwaited, Event::kEventTimedOut, Event::kStepFailed}));
  EXPECT_EQ(h.instance().failure_cause, FailureCause::kTimeout);
  EXPECT_EQ(h.instance().last_reason, "step 'await_confirmation': event_timeout: HotelConfirmed");
  h.reply_success(Done{7});
  EXPECT_TRUE(h.expect_phase(Phase::kCompensated));
  Result<EventDisposition> late = h.event(HotelConfirmed{"C-late"}, "ev-late");
  ASSERT_FALSE(late.is_ok());
  EXPECT_EQ(late.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(late.status().message().find("is compensated"), std::string::npos)
      << late.status().message();
  EXPECT_TRUE(testing::replays_identically(h.definition(), testing::record_history(h)));
}

TEST_F(DecideEventsTest, EventRejectedByItsHandlerCompensates) {
  reserve_ok();
  ASSERT_EQ(*h.event(HotelConfirmed{""}, "ev-1"), EventDisposition::kConsumed);
  EXPECT_TRUE(h.expect_command("hotel", CancelReservation{7}));
  EXPECT_EQ(h.instance().last_reason,
            "step 'await_confirmation': event rejected: empty confirmation code");
  EXPECT_EQ(h.instance().failure_cause, FailureCause::kBusinessFailure);
}

TEST_F(DecideEventsTest, AfterThePivotTheLimitContinuesAtItsStepWithTheTimeoutUpdate) {
  reserve_ok();
  ASSERT_TRUE(h.event(HotelConfirmed{"C-1"}).is_ok());
  charge_ok();
  EXPECT_EQ(h.instance().wait, Wait::kEvent);
  EXPECT_EQ(h.advance(Millis{3'600'000}), 1);
  // "remind" is skipped: no reminder goes out, and the thanks say the guest never came.
  EXPECT_EQ(h.history()[h.history().size() - 2].event, Event::kEventTimedOut);
  EXPECT_EQ(h.history().back().event, Event::kStepSkipped);
  EXPECT_EQ(h.history().back().step, 4);
  finish_with("sorry we missed you");
  EXPECT_TRUE(h.data<BookingData>().no_show);
  Result<EventDisposition> late = h.event(CheckedIn{5});
  EXPECT_EQ(late.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_TRUE(testing::replays_identically(h.definition(), testing::record_history(h)));
}

TEST_F(DecideEventsTest, AnEventTheSagaDoesNotWaitForIsRefused) {
  Result<EventDisposition> got = h.deliver_event("Unknown", "ev-1", ContentType::kJson, "{}");
  ASSERT_FALSE(got.is_ok());
  EXPECT_NE(got.status().message().find("waits for no event 'Unknown'"), std::string::npos);
}

TEST_F(DecideEventsTest, AnEventOfTheWrongNameIsIgnoredByDecide) {
  reserve_ok();
  const EventView view{"CheckedIn", "ev-x", ContentType::kCerealBinary, ""};
  Input input;
  input.kind = InputKind::kEvent;
  input.now = h.now();
  input.event = &view;
  Result<Decision> d = decide(h.definition(), h.instance(), input);
  ASSERT_TRUE(d.is_ok());
  EXPECT_FALSE(d->applied);
  EXPECT_EQ(d->ignored_reason, "not waiting for event 'CheckedIn'");
}

SagaDefinition with_wait(StepKind kind, EventTimeout on_timeout, std::string skip_to = {}) {
  SagaDefinition def = *booking_definition().value();
  StepDefinition& s = def.steps[1];
  s.kind = kind;
  s.wait->on_timeout = on_timeout;
  s.wait->skip_to = std::move(skip_to);
  return def;
}

TEST(EventWaitValidationTest, StatesWhereAWaitMaySit) {
  EXPECT_TRUE(validate(with_wait(StepKind::kCompensatable, EventTimeout::kContinue, "charge")));
  Status pivot = validate(with_wait(StepKind::kPivot, EventTimeout::kContinue));
  EXPECT_NE(pivot.message().find("the pivot cannot be a wait step"), std::string::npos);
  SagaDefinition after = *booking_definition().value();
  after.steps[4].wait = after.steps[3].wait;  // a retriable step
  after.steps[4].action.reset();
  after.steps[4].wait->on_timeout = EventTimeout::kCompensate;
  after.steps[4].wait->skip_to.clear();
  after.steps[4].wait->timeout_update = nullptr;
  EXPECT_NE(validate(after).message().find("a wait after the pivot cannot compensate"),
            std::string::npos)
      << validate(after).message();
  Status back = validate(with_wait(StepKind::kCompensatable, EventTimeout::kContinue, "reserve"));
  EXPECT_NE(back.message().find("skip_to must name a later step: 'reserve'"), std::string::npos);
  SagaDefinition busy = *booking_definition().value();
  busy.steps[1].action = busy.steps[0].action;
  EXPECT_NE(validate(busy).message().find("a wait step only waits"), std::string::npos);
}

TEST(EventWaitValidationTest, TheWaitIsPartOfTheFingerprint) {
  const SagaDefinition def = *booking_definition().value();
  SagaDefinition other = def;
  other.steps[1].wait->event = "HotelConfirmedV2";
  EXPECT_NE(fingerprint(def), fingerprint(other));
  other = def;
  other.steps[1].wait->on_timeout = EventTimeout::kContinue;
  EXPECT_NE(fingerprint(def), fingerprint(other));
}

}  // namespace
}  // namespace saga
