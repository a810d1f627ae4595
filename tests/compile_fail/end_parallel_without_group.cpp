// Goal: end_parallel() only closes a group that parallel() opened.
// Method: must not compile, and the compiler output must contain the Expect text below;
// the control branch (-DSAGA_COMPILE_FAIL_CONTROL) must compile.
// Expect: end_parallel() closes a group that parallel() opened
#include "unit/ftgo_saga.h"

using namespace test_ftgo;  // NOLINT: keeps the guarded lines short

// clang-format off
auto definition = saga::define<LoyaltyOrderData>("s")
#ifndef SAGA_COMPILE_FAIL_CONTROL
        .step("verify_consumer").invoke(consumer_service::validate_order, &make_validate_order)
        .step("create_ticket").invoke(kitchen_service::create_ticket, &make_create_ticket)
    .end_parallel()
#else
        .step("verify_consumer").invoke(consumer_service::validate_order, &make_validate_order)
        .step("create_ticket").invoke(kitchen_service::create_ticket, &make_create_ticket)
#endif
    .build();
// clang-format on
