// The saga's own tests, with saga::testing: no engine, no sockets, no database, no waiting.
#include "trip.h"

#include <gtest/gtest.h>
#include <saga/testing/harness.h>
#include <saga/testing/scenario_matrix.h>
#include <saga/testing/simulation.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace {

using saga::Phase;
using saga::testing::SagaHarness;
using namespace trip;

std::shared_ptr<const saga::SagaDefinition> definition() {
  saga::DefinitionResult built = book_trip_saga();
  EXPECT_TRUE(built.is_ok()) << built.status().to_string();
  return built.value();
}

TripData sample_trip() {
  TripData data;
  data.trip_id = "t-7";
  data.price_cents = 120'000;
  return data;
}

TEST(BookTripTest, DeclinedCardCancelsTheFlightThenTheHotel) {
  SagaHarness h(definition());
  h.start_with(sample_trip());
  EXPECT_TRUE(h.expect_command("hotel", ReserveHotel{"t-7"}));
  h.reply_success(HotelReserved{"H-1"});
  EXPECT_TRUE(h.expect_command("airline", BookFlight{"t-7"}));
  h.reply_success(FlightBooked{"F-1"});
  EXPECT_TRUE(h.expect_command("payments", ChargeCard{"t-7", 120'000}));
  h.reply_failure("card_declined", CardDeclined{"over the limit"});

  // Compensations run newest first, built from the data the replies filled in.
  EXPECT_TRUE(h.expect_command("airline", CancelFlight{"F-1"}));
  h.reply_success();
  EXPECT_TRUE(h.expect_command("hotel", CancelHotel{"H-1"}));
  h.reply_success();
  EXPECT_TRUE(h.expect_phase(Phase::kCompensated));
  EXPECT_EQ(h.data<TripData>().declined_because, "over the limit");
}

TEST(BookTripTest, EveryStandardScenarioPasses) {
  saga::testing::ScenarioConfig config;
  config.start_with(sample_trip());
  config.reply_with("ReserveHotel", HotelReserved{"H-1"});
  config.reply_with("BookFlight", FlightBooked{"F-1"});
  config.reply_with("ChargeCard", CardCharged{"C-1"});
  const saga::testing::ScenarioReport report =
      saga::testing::run_scenario_matrix(definition(), config);
  EXPECT_TRUE(report.ok()) << report.to_string();
  EXPECT_EQ(report.outcomes.size(), 18u);  // cancelled/<step> included

  // Unlimited policies leave scenarios out (they could never end); the report says which.
  std::vector<std::string> left_out;
  for (const auto& omitted : report.omitted) left_out.push_back(omitted.name);
  EXPECT_EQ(left_out,
            (std::vector<std::string>{
                "compensation_exhausted/reserve_hotel", "compensation_exhausted/book_flight",
                "action_fails/send_confirmation", "action_times_out/send_confirmation"}));
}

TEST(BookTripTest, KeepsEveryInvariantUnderLostMessagesAndCrashes) {
  saga::testing::SimulationConfig config;
  config.definition = definition();
  config.sagas = 8;
  config.data = [](std::uint64_t i) {
    TripData trip = sample_trip();
    trip.trip_id = "t-" + std::to_string(i);
    return saga::encode_data(trip).value();
  };
  // Every third trip's card is declined; everything else succeeds.
  config.outcome = [](const saga::Envelope& command, std::uint64_t i,
                      std::uint32_t) -> std::optional<std::string> {
    if (command.name == "ChargeCard" && i % 3 == 0) return "card_declined";
    return std::nullopt;
  };
  for (std::uint64_t seed = 1; seed <= 20; ++seed) {
    const saga::testing::SimulationResult run = saga::testing::simulate(config, seed);
    EXPECT_TRUE(run.ok()) << run.summary();
  }
}

}  // namespace
