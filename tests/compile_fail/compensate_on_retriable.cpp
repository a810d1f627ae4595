// Goal: compensate_with does not exist on a retriable step.
// Method: must not compile, and the compiler output must contain the Expect text below;
// the control branch (-DSAGA_COMPILE_FAIL_CONTROL) must compile.
// Expect: only compensatable steps have a compensation (compensate_with)
#include "unit/ftgo_saga.h"

using namespace test_ftgo;  // NOLINT: keeps the guarded lines short

// clang-format off
auto definition = saga::define<LoyaltyOrderData>("s")
#ifndef SAGA_COMPILE_FAIL_CONTROL
    .retriable("confirm_ticket").invoke(kitchen_service::confirm_ticket, &make_confirm_ticket).retry(kForever)
        .compensate_with(kitchen_service::cancel_ticket, &make_cancel_ticket)
#else
    .step("confirm_ticket").invoke(kitchen_service::confirm_ticket, &make_confirm_ticket).retry(kForever)
        .compensate_with(kitchen_service::cancel_ticket, &make_cancel_ticket)
#endif
    .build();
// clang-format on
