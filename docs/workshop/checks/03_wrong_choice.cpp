// Goal: exercise 3 — the wrong kinds for award_loyalty_points do not compile.
// Method: compile-fail (as tests/compile_fail): the guarded variant WRONG_CHOICE must not
// compile; the control (-DSAGA_COMPILE_FAIL_CONTROL, a retriable step) must.
//   (no macro)           a compensatable step() after the retriable steps
//   -DSAGA_WRONG_PIVOT   a second pivot()
#include "create_order_parts.h"

namespace workshop {

using namespace ftgo;  // NOLINT: keeps the guarded lines short

// clang-format off
auto definition = saga::define<CreateOrderData>("create_order", 2)
    .step("create_ticket")
        .invoke(kitchen_service::create_ticket, &make_create_ticket)
        .compensate_with(kitchen_service::cancel_ticket, &make_cancel_ticket)
    .pivot("authorize_card").invoke(accounting_service::authorize_card, &make_authorize_card)
    .retriable("approve_order").invoke(order_service::approve_order, &make_approve_order)
        .retry(until_done_policy())
#if defined(SAGA_COMPILE_FAIL_CONTROL)
    .retriable("award_loyalty_points")
        .invoke(loyalty_channel::award_points, &make_award_loyalty_points)
        .retry(until_done_policy())
#elif defined(SAGA_WRONG_PIVOT)
    .pivot("award_loyalty_points")
        .invoke(loyalty_channel::award_points, &make_award_loyalty_points)
#else
    .step("award_loyalty_points")
        .invoke(loyalty_channel::award_points, &make_award_loyalty_points)
#endif
    .build();
// clang-format on

}  // namespace workshop
