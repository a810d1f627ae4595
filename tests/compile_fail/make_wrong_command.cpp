// Goal: make must return the command the endpoint carries.
// Method: must not compile, and the compiler output must contain the Expect text below;
// the control branch (-DSAGA_COMPILE_FAIL_CONTROL) must compile.
// Expect: CommandFactory<
#include "unit/ftgo_saga.h"

using namespace test_ftgo;  // NOLINT: keeps the guarded lines short

// clang-format off
auto definition = saga::define<LoyaltyOrderData>("s")
#ifndef SAGA_COMPILE_FAIL_CONTROL
    .step("create_ticket").invoke(kitchen_service::create_ticket, &make_validate_order)
#else
    .step("create_ticket").invoke(kitchen_service::create_ticket, &make_create_ticket)
#endif
    .build();
// clang-format on
