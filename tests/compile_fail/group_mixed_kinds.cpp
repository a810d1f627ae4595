// Goal: a parallel group is compensatable or retriable as a whole, never both.
// Method: must not compile, and the compiler output must contain the Expect text below;
// the control branch (-DSAGA_COMPILE_FAIL_CONTROL) must compile.
// Expect: a parallel group is compensatable or retriable as a whole
#include "unit/ftgo_saga.h"

using namespace test_ftgo;  // NOLINT: keeps the guarded lines short

// clang-format off
auto definition = saga::define<LoyaltyOrderData>("s")
#ifndef SAGA_COMPILE_FAIL_CONTROL
    .pivot("authorize_card").invoke(accounting_service::authorize_card, &make_authorize_card)
    .parallel("finish")
        .retriable("confirm_ticket").invoke(kitchen_service::confirm_ticket, &make_confirm_ticket).retry(kForever)
        .step("verify_consumer").invoke(consumer_service::validate_order, &make_validate_order)
    .end_parallel()
#else
    .pivot("authorize_card").invoke(accounting_service::authorize_card, &make_authorize_card)
    .parallel("finish")
        .retriable("confirm_ticket").invoke(kitchen_service::confirm_ticket, &make_confirm_ticket).retry(kForever)
        .retriable("approve_order").invoke(order_service::approve_order, &make_approve_order).retry(kForever)
    .end_parallel()
#endif
    .build();
// clang-format on
