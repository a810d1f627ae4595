// Goal: a wait step after the pivot cannot compensate when its time limit passes (the saga is
// bound to finish once the pivot succeeded); it must continue.
// Method: must not compile, and the compiler output must contain the Expect text below;
// the control branch (-DSAGA_COMPILE_FAIL_CONTROL) must compile.
// Expect: a wait after the pivot cannot compensate on timeout
#include "unit/booking_saga.h"

using namespace booking;  // NOLINT: keeps the guarded lines short

// clang-format off
auto definition = saga::define<BookingData>("s")
    .pivot("charge").invoke(charge, [](const BookingData& d) { return Charge{d.id}; })
#ifndef SAGA_COMPILE_FAIL_CONTROL
    .retriable("await_checkin")
        .wait_for<CheckedIn>(saga::Millis{1'000}, saga::compensate_on_timeout)
#else
    .retriable("await_checkin")
        .wait_for<CheckedIn>(saga::Millis{1'000}, saga::continue_on_timeout())
#endif
    .build();
// clang-format on
