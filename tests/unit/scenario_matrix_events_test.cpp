// Goal: the scenario matrix covers wait steps: each gets event_early, event_late,
// event_duplicated, event_never and cancelled scenarios, every other scenario gets its event on
// time, and all pass for a sound definition; a payload the saga refuses is reported by name.
// Method: run_scenario_matrix over the booking saga (booking_saga.h: a wait before the pivot
// that compensates on timeout, one after it that goes on) with its replies and events
// configured.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "saga/testing/scenario_matrix.h"
#include "unit/booking_saga.h"

namespace saga {
namespace {

using testing::ScenarioConfig;
using testing::ScenarioReport;

ScenarioConfig booking_config(std::string confirmation = "C-7") {
  ScenarioConfig config;
  config.start_with(booking::BookingData{7, {}, 0, false});
  for (const char* command : {"Reserve", "CancelReservation", "Charge", "Notify"}) {
    config.reply_with(command, booking::Done{7});
  }
  config.event_with(booking::HotelConfirmed{std::move(confirmation)});
  config.event_with(booking::CheckedIn{12});
  return config;
}

bool has(const ScenarioReport& report, const std::string& name) {
  return std::any_of(report.outcomes.begin(), report.outcomes.end(),
                     [&](const auto& o) { return o.scenario.name == name; });
}

const testing::ScenarioOutcome& outcome(const ScenarioReport& report, const std::string& name) {
  return *std::find_if(report.outcomes.begin(), report.outcomes.end(),
                       [&](const auto& o) { return o.scenario.name == name; });
}

TEST(ScenarioMatrixEventsTest, EveryWaitStepGetsItsEventScenariosAndAllPass) {
  auto definition = booking::booking_definition().value();
  const ScenarioReport report = testing::run_scenario_matrix(definition, booking_config());
  EXPECT_TRUE(report.ok()) << report.to_string();
  for (const char* wait : {"await_confirmation", "await_checkin"}) {
    for (const char* kind :
         {"event_early/", "event_late/", "event_duplicated/", "event_never/", "cancelled/"}) {
      EXPECT_TRUE(has(report, std::string(kind) + wait)) << kind << wait;
    }
  }
  // Before the pivot the time limit compensates the reservation; after it the saga goes on
  // and skips the reminder; a cancel while waiting before the pivot compensates.
  EXPECT_EQ(outcome(report, "event_never/await_confirmation").phase, Phase::kCompensated);
  EXPECT_EQ(outcome(report, "event_never/await_confirmation").compensated_steps(),
            std::vector<std::string>{"reserve"});
  EXPECT_EQ(outcome(report, "event_late/await_checkin").phase, Phase::kCompleted);
  EXPECT_EQ(outcome(report, "cancelled/await_confirmation").phase, Phase::kCompensated);
  EXPECT_EQ(outcome(report, "cancelled/await_checkin").phase, Phase::kCompleted)
      << "past the pivot a cancel is refused";
  EXPECT_EQ(outcome(report, "happy_path").phase, Phase::kCompleted);
}

TEST(ScenarioMatrixEventsTest, AnEventTheSagaRefusesIsReportedByScenario) {
  // booking's on_confirmed refuses an empty confirmation code: the wait step fails and the
  // saga compensates where the matrix expects it to complete.
  const ScenarioReport report =
      testing::run_scenario_matrix(booking::booking_definition().value(), booking_config(""));
  EXPECT_FALSE(report.ok());
  EXPECT_FALSE(outcome(report, "happy_path").passed());
  EXPECT_FALSE(outcome(report, "event_early/await_confirmation").passed());
  // The scenarios where the confirmation never comes are unaffected.
  EXPECT_TRUE(outcome(report, "event_never/await_confirmation").passed()) << report.to_string();
  EXPECT_NE(report.to_string().find("FAIL happy_path"), std::string::npos) << report.to_string();
}

}  // namespace
}  // namespace saga
