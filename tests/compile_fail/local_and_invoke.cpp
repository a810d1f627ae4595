// Goal: a step either invokes a command or runs a local function.
// Method: must not compile, and the compiler output must contain the Expect text below;
// the control branch (-DSAGA_COMPILE_FAIL_CONTROL) must compile.
// Expect: a step does one thing: invoke() or local(), once
#include "unit/ftgo_saga.h"

using namespace test_ftgo;  // NOLINT: keeps the guarded lines short

// clang-format off
auto definition = saga::define<LoyaltyOrderData>("s")
#ifndef SAGA_COMPILE_FAIL_CONTROL
    .step("add_points").local(&add_loyalty_points)
        .invoke(consumer_service::validate_order, &make_validate_order)
#else
    .step("add_points").local(&add_loyalty_points)
    .step("verify_consumer").invoke(consumer_service::validate_order, &make_validate_order)
#endif
    .build();
// clang-format on
