// Goal: on_reply<R> only for an R the command declares in replies<...>().
// Method: must not compile, and the compiler output must contain the Expect text below;
// the control branch (-DSAGA_COMPILE_FAIL_CONTROL) must compile.
// Expect: on_reply<R>(): R is not one of the command's replies<...>()
#include "unit/ftgo_saga.h"

using namespace test_ftgo;  // NOLINT: keeps the guarded lines short

// clang-format off
auto definition = saga::define<CreateOrderData>("s")
#ifndef SAGA_COMPILE_FAIL_CONTROL
    .step("create_ticket").invoke(kitchen::create_ticket, &make_create_ticket)
        .on_reply<CardAuthorized>(&on_card_authorized)
#else
    .step("authorize_card").invoke(accounting::authorize_card, &make_authorize)
        .on_reply<CardAuthorized>(&on_card_authorized)
#endif
    .build();
// clang-format on
