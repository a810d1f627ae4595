// Goal: on_reply<R> only for an R the command declares in replies<...>().
// Method: must not compile, and the compiler output must contain the Expect text below;
// the control branch (-DSAGA_COMPILE_FAIL_CONTROL) must compile.
// Expect: on_reply<R>(): R is not one of the command's replies<...>()
#include "unit/ftgo_saga.h"

using namespace test_ftgo;  // NOLINT: keeps the guarded lines short

// clang-format off
auto definition = saga::define<LoyaltyOrderData>("s")
#ifndef SAGA_COMPILE_FAIL_CONTROL
    .step("create_ticket").invoke(kitchen_service::create_ticket, &make_create_ticket)
        .on_reply<CardAuthorized>(&on_card_authorized)
#else
    .step("authorize_card").invoke(accounting_service::authorize_card, &make_authorize_card)
        .on_reply<CardAuthorized>(&on_card_authorized)
#endif
    .build();
// clang-format on
