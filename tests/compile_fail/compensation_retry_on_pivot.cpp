// Goal: compensation_retry does not exist on the pivot step.
// Method: must not compile, and the compiler output must contain the Expect text below;
// the control branch (-DSAGA_COMPILE_FAIL_CONTROL) must compile.
// Expect: only compensatable steps have a compensation (compensation_retry)
#include "unit/ftgo_saga.h"

using namespace test_ftgo;  // NOLINT: keeps the guarded lines short

// clang-format off
auto definition = saga::define<CreateOrderData>("s")
#ifndef SAGA_COMPILE_FAIL_CONTROL
    .pivot("authorize_card").invoke(accounting::authorize_card, &make_authorize)
        .compensation_retry(saga::RetryPolicy::immediate(3))
#else
    .pivot("authorize_card").invoke(accounting::authorize_card, &make_authorize)
        .retry(saga::RetryPolicy::immediate(3))
#endif
    .build();
// clang-format on
