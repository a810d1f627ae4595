// Goal: a compensatable group comes before the pivot, as its steps would on their own.
// Method: must not compile, and the compiler output must contain the Expect text below;
// the control branch (-DSAGA_COMPILE_FAIL_CONTROL) must compile.
// Expect: a compensatable step cannot follow the pivot
#include "unit/ftgo_saga.h"

using namespace test_ftgo;  // NOLINT: keeps the guarded lines short

// clang-format off
auto definition = saga::define<LoyaltyOrderData>("s")
#ifndef SAGA_COMPILE_FAIL_CONTROL
    .pivot("authorize_card").invoke(accounting_service::authorize_card, &make_authorize_card)
    .parallel("prepare")
        .step("verify_consumer").invoke(consumer_service::validate_order, &make_validate_order)
        .step("create_ticket").invoke(kitchen_service::create_ticket, &make_create_ticket)
    .end_parallel()
#else
    .parallel("prepare")
        .step("verify_consumer").invoke(consumer_service::validate_order, &make_validate_order)
        .step("create_ticket").invoke(kitchen_service::create_ticket, &make_create_ticket)
    .end_parallel()
    .pivot("authorize_card").invoke(accounting_service::authorize_card, &make_authorize_card)
#endif
    .build();
// clang-format on
