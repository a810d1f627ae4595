// Goal: a step invokes one command.
// Method: must not compile, and the compiler output must contain the Expect text below;
// the control branch (-DSAGA_COMPILE_FAIL_CONTROL) must compile.
// Expect: a step does one thing: invoke() or local(), once
#include "unit/ftgo_saga.h"

using namespace test_ftgo;  // NOLINT: keeps the guarded lines short

// clang-format off
auto definition = saga::define<LoyaltyOrderData>("s")
#ifndef SAGA_COMPILE_FAIL_CONTROL
    .step("create_ticket").invoke(kitchen_service::create_ticket, &make_create_ticket)
        .invoke(consumer_service::validate_order, &make_validate_order)
#else
    .step("create_ticket").invoke(kitchen_service::create_ticket, &make_create_ticket)
    .step("verify_consumer").invoke(consumer_service::validate_order, &make_validate_order)
#endif
    .build();
// clang-format on
