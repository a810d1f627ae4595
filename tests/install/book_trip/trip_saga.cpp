// The "book trip" saga: hotel and flight (compensatable), the card (pivot), the confirmation
// (retriable).
#include "trip.h"

namespace trip {
namespace {

ReserveHotel make_reserve_hotel(const TripData& d) { return {d.trip_id}; }
void on_hotel_reserved(TripData& d, const HotelReserved& r) { d.hotel_booking = r.booking; }
CancelHotel make_cancel_hotel(const TripData& d) { return {d.hotel_booking}; }

BookFlight make_book_flight(const TripData& d) { return {d.trip_id}; }
void on_flight_booked(TripData& d, const FlightBooked& r) { d.flight_ticket = r.ticket; }
CancelFlight make_cancel_flight(const TripData& d) { return {d.flight_ticket}; }

ChargeCard make_charge_card(const TripData& d) { return {d.trip_id, d.price_cents}; }
void on_card_charged(TripData& d, const CardCharged& r) { d.charge_id = r.charge_id; }
void on_card_declined(TripData& d, const CardDeclined& r) { d.declined_because = r.reason; }

SendConfirmation make_confirmation(const TripData& d) { return {d.trip_id}; }

}  // namespace

saga::DefinitionResult book_trip_saga() {
  // clang-format off
  return saga::define<TripData>("book_trip", 1)
      .step("reserve_hotel")
          .invoke(reserve_hotel, &make_reserve_hotel)
          .on_reply<HotelReserved>(&on_hotel_reserved)
          .compensate_with(cancel_hotel, &make_cancel_hotel)
      .step("book_flight")
          .invoke(book_flight, &make_book_flight)
          .on_reply<FlightBooked>(&on_flight_booked)
          .compensate_with(cancel_flight, &make_cancel_flight)
      .pivot("charge_card")
          .invoke(charge_card, &make_charge_card)
          .on_reply<CardCharged>(&on_card_charged)
          .on_reply<CardDeclined>(&on_card_declined)
      .retriable("send_confirmation")
          .invoke(send_confirmation, &make_confirmation)
          .retry(saga::RetryPolicy::exponential(saga::Millis{200}, 2.0, saga::Millis{5'000}, 0))
      .build();
  // clang-format on
}

}  // namespace trip
