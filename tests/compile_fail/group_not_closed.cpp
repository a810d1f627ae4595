// Goal: an open parallel group must be closed before build().
// Method: must not compile, and the compiler output must contain the Expect text below;
// the control branch (-DSAGA_COMPILE_FAIL_CONTROL) must compile.
// Expect: close the parallel group with end_parallel() before build()
#include "unit/ftgo_saga.h"

using namespace test_ftgo;  // NOLINT: keeps the guarded lines short

// clang-format off
auto definition = saga::define<LoyaltyOrderData>("s")
#ifndef SAGA_COMPILE_FAIL_CONTROL
    .parallel("prepare")
        .step("verify_consumer").invoke(consumer_service::validate_order, &make_validate_order)
        .step("create_ticket").invoke(kitchen_service::create_ticket, &make_create_ticket)
#else
    .parallel("prepare")
        .step("verify_consumer").invoke(consumer_service::validate_order, &make_validate_order)
        .step("create_ticket").invoke(kitchen_service::create_ticket, &make_create_ticket)
    .end_parallel()
#endif
    .build();
// clang-format on
