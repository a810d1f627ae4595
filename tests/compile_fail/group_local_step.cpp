// Goal: the steps of a parallel group send commands; a local function runs outside the group.
// Method: must not compile, and the compiler output must contain the Expect text below;
// the control branch (-DSAGA_COMPILE_FAIL_CONTROL) must compile.
// Expect: a step in a parallel group sends a command: invoke(), not local()
#include "unit/ftgo_saga.h"

using namespace test_ftgo;  // NOLINT: keeps the guarded lines short

// clang-format off
auto definition = saga::define<LoyaltyOrderData>("s")
#ifndef SAGA_COMPILE_FAIL_CONTROL
    .pivot("authorize_card").invoke(accounting_service::authorize_card, &make_authorize_card)
    .parallel("finish")
        .retriable("add_loyalty_points").local(&add_loyalty_points).retry(kForever)
        .retriable("approve_order").invoke(order_service::approve_order, &make_approve_order).retry(kForever)
    .end_parallel()
#else
    .pivot("authorize_card").invoke(accounting_service::authorize_card, &make_authorize_card)
    .retriable("add_loyalty_points").local(&add_loyalty_points).retry(kForever)
    .parallel("finish")
        .retriable("confirm_ticket").invoke(kitchen_service::confirm_ticket, &make_confirm_ticket).retry(kForever)
        .retriable("approve_order").invoke(order_service::approve_order, &make_approve_order).retry(kForever)
    .end_parallel()
#endif
    .build();
// clang-format on
