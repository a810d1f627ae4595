// Goal: the pivot cannot follow a retriable step.
// Method: must not compile, and the compiler output must contain the Expect text below;
// the control branch (-DSAGA_COMPILE_FAIL_CONTROL) must compile.
// Expect: the pivot cannot follow a retriable step
#include "unit/ftgo_saga.h"

using namespace test_ftgo;  // NOLINT: keeps the guarded lines short

// clang-format off
auto definition = saga::define<LoyaltyOrderData>("s")
#ifndef SAGA_COMPILE_FAIL_CONTROL
    .retriable("approve_order").invoke(order_service::approve_order, &make_approve_order).retry(kForever)
    .pivot("authorize_card").invoke(accounting_service::authorize_card, &make_authorize_card)
#else
    .pivot("authorize_card").invoke(accounting_service::authorize_card, &make_authorize_card)
    .retriable("approve_order").invoke(order_service::approve_order, &make_approve_order).retry(kForever)
#endif
    .build();
// clang-format on
