// The "book trip" saga: its data, its messages, its participants' channels, its definition.
#pragma once

#include <saga/dsl.h>

#include <cereal/cereal.hpp>
#include <cereal/types/string.hpp>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace trip {

// The saga data: what the saga knows, stored by the engine between steps.
struct TripData {
  std::string trip_id;
  std::int64_t price_cents = 0;
  std::string hotel_booking;  // filled in by the replies
  std::string flight_ticket;
  std::string charge_id;
  std::string declined_because;
  template <class A>
  void serialize(A& a) {
    a(CEREAL_NVP(trip_id), CEREAL_NVP(price_cents), CEREAL_NVP(hotel_booking),
      CEREAL_NVP(flight_ticket), CEREAL_NVP(charge_id), CEREAL_NVP(declined_because));
  }
};

// Commands and replies: a wire name and the fields, nothing else.
#define TRIP_MESSAGE(Type, field)                               \
  struct Type {                                                 \
    static constexpr std::string_view kMessageName = #Type;     \
    std::string field;                                          \
    template <class A>                                          \
    void serialize(A& a) {                                      \
      a(CEREAL_NVP(field));                                     \
    }                                                           \
    friend bool operator==(const Type&, const Type&) = default; \
  }
TRIP_MESSAGE(ReserveHotel, trip_id);
TRIP_MESSAGE(HotelReserved, booking);
TRIP_MESSAGE(CancelHotel, booking);
TRIP_MESSAGE(BookFlight, trip_id);
TRIP_MESSAGE(FlightBooked, ticket);
TRIP_MESSAGE(CancelFlight, ticket);
TRIP_MESSAGE(CardCharged, charge_id);
TRIP_MESSAGE(CardDeclined, reason);
TRIP_MESSAGE(SendConfirmation, trip_id);
#undef TRIP_MESSAGE

struct ChargeCard {
  static constexpr std::string_view kMessageName = "ChargeCard";
  std::string trip_id;
  std::int64_t amount_cents = 0;
  template <class A>
  void serialize(A& a) {
    a(CEREAL_NVP(trip_id), CEREAL_NVP(amount_cents));
  }
  friend bool operator==(const ChargeCard&, const ChargeCard&) = default;
};

// Each participant is a channel (its name in the engine's registry) and the commands it takes.
inline constexpr saga::Channel hotel{"hotel"};
inline constexpr auto reserve_hotel = saga::command<ReserveHotel>(hotel).replies<HotelReserved>();
inline constexpr auto cancel_hotel = saga::command<CancelHotel>(hotel);

inline constexpr saga::Channel airline{"airline"};
inline constexpr auto book_flight = saga::command<BookFlight>(airline).replies<FlightBooked>();
inline constexpr auto cancel_flight = saga::command<CancelFlight>(airline);

inline constexpr saga::Channel payments{"payments"};
inline constexpr auto charge_card =
    saga::command<ChargeCard>(payments).replies<CardCharged, CardDeclined>();

inline constexpr saga::Channel mailer{"mailer"};
inline constexpr auto send_confirmation = saga::command<SendConfirmation>(mailer);

// The definition (trip_saga.cpp).
saga::DefinitionResult book_trip_saga();

}  // namespace trip
