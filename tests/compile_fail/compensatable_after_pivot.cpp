// Goal: no compensatable step() after the pivot.
// Method: must not compile, and the compiler output must contain the Expect text below;
// the control branch (-DSAGA_COMPILE_FAIL_CONTROL) must compile.
// Expect: a compensatable step cannot follow the pivot
#include "unit/ftgo_saga.h"

using namespace test_ftgo;  // NOLINT: keeps the guarded lines short

// clang-format off
auto definition = saga::define<LoyaltyOrderData>("s")
#ifndef SAGA_COMPILE_FAIL_CONTROL
    .pivot("authorize_card").invoke(accounting_service::authorize_card, &make_authorize_card)
    .step("create_ticket").invoke(kitchen_service::create_ticket, &make_create_ticket)
#else
    .pivot("authorize_card").invoke(accounting_service::authorize_card, &make_authorize_card)
    .retriable("create_ticket").invoke(kitchen_service::create_ticket, &make_create_ticket).retry(kForever)
#endif
    .build();
// clang-format on
