// Goal: compensation_retry does not exist on the pivot step.
// Method: must not compile, and the compiler output must contain the Expect text below;
// the control branch (-DSAGA_COMPILE_FAIL_CONTROL) must compile.
// Expect: only compensatable steps have a compensation (compensation_retry)
#include "unit/ftgo_saga.h"

using namespace test_ftgo;  // NOLINT: keeps the guarded lines short

// clang-format off
auto definition = saga::define<LoyaltyOrderData>("s")
#ifndef SAGA_COMPILE_FAIL_CONTROL
    .pivot("authorize_card").invoke(accounting_service::authorize_card, &make_authorize_card)
        .compensation_retry(saga::RetryPolicy::immediate(3))
#else
    .pivot("authorize_card").invoke(accounting_service::authorize_card, &make_authorize_card)
        .retry(saga::RetryPolicy::immediate(3))
#endif
    .build();
// clang-format on
