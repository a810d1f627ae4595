// Goal: no compensatable step() after a retriable step.
// Method: must not compile, and the compiler output must contain the Expect text below;
// the control branch (-DSAGA_COMPILE_FAIL_CONTROL) must compile.
// Expect: a compensatable step cannot follow a retriable step
#include "unit/ftgo_saga.h"

using namespace test_ftgo;  // NOLINT: keeps the guarded lines short

// clang-format off
auto definition = saga::define<LoyaltyOrderData>("s")
#ifndef SAGA_COMPILE_FAIL_CONTROL
    .retriable("approve_order").invoke(order_service::approve_order, &make_approve_order).retry(kForever)
    .step("create_ticket").invoke(kitchen_service::create_ticket, &make_create_ticket)
#else
    .retriable("approve_order").invoke(order_service::approve_order, &make_approve_order).retry(kForever)
    .retriable("create_ticket").invoke(kitchen_service::create_ticket, &make_create_ticket).retry(kForever)
#endif
    .build();
// clang-format on
