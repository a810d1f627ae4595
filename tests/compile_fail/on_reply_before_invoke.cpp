// Goal: on_reply needs an invoked command: not on a compensation-only step.
// Method: must not compile, and the compiler output must contain the Expect text below;
// the control branch (-DSAGA_COMPILE_FAIL_CONTROL) must compile.
// Expect: on_reply<R>() needs an invoked command
#include "unit/ftgo_saga.h"

using namespace test_ftgo;  // NOLINT: keeps the guarded lines short

// clang-format off
auto definition = saga::define<LoyaltyOrderData>("s")
#ifndef SAGA_COMPILE_FAIL_CONTROL
    .step("create_ticket").compensate_with(kitchen_service::cancel_ticket, &make_cancel_ticket)
        .on_reply<TicketCreated>(&on_ticket_created)
#else
    .step("create_ticket").invoke(kitchen_service::create_ticket, &make_create_ticket)
        .on_reply<TicketCreated>(&on_ticket_created)
#endif
    .build();
// clang-format on
