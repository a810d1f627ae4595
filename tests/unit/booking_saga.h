// A small saga with two wait steps, for the wait-step tests (decide_events_test.cpp and the
// engine's events_test.cpp): a hotel booking that waits, before its pivot, for the hotel's
// confirmation (correlated by a key from the data; compensates on timeout), and after it for the
// guest's check-in (by saga id; continues on timeout, skipping the reminder).
//
//   reserve             compensatable  Reserve (hotel)         CancelReservation (hotel)
//   await_confirmation  compensatable  wait HotelConfirmed, 60 s, compensate; key "booking:<id>"
//   charge              pivot          Charge (bank)
//   await_checkin       retriable      wait CheckedIn, 1 h, continue at "thank" (no_show = true)
//   remind              retriable      Notify (mail)
//   thank               retriable      Notify (mail)
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "saga/dsl.h"

namespace booking {

using saga::Millis;

struct BookingData {
  std::int64_t id = 0;
  std::string confirmation;  // from HotelConfirmed
  std::int32_t room = 0;     // from CheckedIn
  bool no_show = false;      // set when CheckedIn did not come in time
  template <class A>
  void serialize(A& a) {
    a(CEREAL_NVP(id), CEREAL_NVP(confirmation), CEREAL_NVP(room), CEREAL_NVP(no_show));
  }
  friend bool operator==(const BookingData&, const BookingData&) = default;
};

#define BOOKING_MESSAGE(Type, Name, Field, FieldType)           \
  struct Type {                                                 \
    static constexpr std::string_view kMessageName = Name;      \
    FieldType Field{};                                          \
    template <class A>                                          \
    void serialize(A& a) {                                      \
      a(CEREAL_NVP(Field));                                     \
    }                                                           \
    friend bool operator==(const Type&, const Type&) = default; \
  };
BOOKING_MESSAGE(Reserve, "Reserve", id, std::int64_t)
BOOKING_MESSAGE(CancelReservation, "CancelReservation", id, std::int64_t)
BOOKING_MESSAGE(Charge, "Charge", id, std::int64_t)
BOOKING_MESSAGE(Notify, "Notify", text, std::string)
BOOKING_MESSAGE(Done, "Done", id, std::int64_t)
BOOKING_MESSAGE(HotelConfirmed, "HotelConfirmed", code, std::string)
BOOKING_MESSAGE(CheckedIn, "CheckedIn", room, std::int32_t)
#undef BOOKING_MESSAGE

inline constexpr saga::Channel hotel{"hotel"};
inline constexpr saga::Channel bank{"bank"};
inline constexpr saga::Channel mail{"mail"};
inline constexpr auto reserve = saga::command<Reserve>(hotel).replies<Done>();
inline constexpr auto cancel_reservation = saga::command<CancelReservation>(hotel).replies<Done>();
inline constexpr auto charge = saga::command<Charge>(bank).replies<Done>();
inline constexpr auto notify = saga::command<Notify>(mail).replies<Done>();

inline std::string booking_key(const BookingData& d) { return "booking:" + std::to_string(d.id); }
inline saga::Status on_confirmed(BookingData& d, const HotelConfirmed& e) {
  if (e.code.empty()) return saga::invalid_argument("empty confirmation code");
  d.confirmation = e.code;
  return saga::Status::ok();
}

inline const saga::RetryPolicy kUntilDone = saga::RetryPolicy::fixed(Millis{100}, 0);

// clang-format off
inline saga::DefinitionResult booking_definition() {
  return saga::define<BookingData>("booking", 1)
      .step("reserve")
          .invoke(reserve, [](const BookingData& d) { return Reserve{d.id}; })
          .compensate_with(cancel_reservation,
                           [](const BookingData& d) { return CancelReservation{d.id}; })
      .step("await_confirmation")
          .wait_for<HotelConfirmed>(Millis{60'000}, saga::compensate_on_timeout)
          .on_event(&on_confirmed)
          .correlate_by(&booking_key)
      .pivot("charge")
          .invoke(charge, [](const BookingData& d) { return Charge{d.id}; })
      .retriable("await_checkin")
          .wait_for<CheckedIn>(Millis{3'600'000}, saga::continue_on_timeout("thank"))
          .on_event([](BookingData& d, const CheckedIn& e) { d.room = e.room; })
          .on_timeout([](BookingData& d) { d.no_show = true; })
      .retriable("remind")
          .invoke(notify, [](const BookingData&) { return Notify{"enjoy your stay"}; })
          .retry(kUntilDone)
      .retriable("thank")
          .invoke(notify, [](const BookingData& d) {
            return Notify{d.no_show ? "sorry we missed you" : "thank you"};
          })
          .retry(kUntilDone)
      .build();
}
// clang-format on

}  // namespace booking
