// Goal: prove the compile-fail harness can pass: a complete valid saga compiles.
// Method: every builder feature once, in the order the type-state allows.
#include "unit/ftgo_saga.h"

// clang-format off
auto definition = saga::define<ftgo::CreateOrderData>("create_order")
    .step("reject_order").compensate_with(ftgo::order_service::reject_order, &ftgo::make_reject_order)
    .step("create_ticket").invoke(ftgo::kitchen::create_ticket, &ftgo::make_create_ticket)
        .on_reply<ftgo::TicketCreated>(&ftgo::on_ticket_created)
        .compensate_with(ftgo::kitchen::cancel_ticket, &ftgo::make_cancel_ticket)
        .compensation_retry(saga::RetryPolicy::immediate(3))
        .when(&ftgo::has_items).timeout(saga::Millis{100})
    .pivot("authorize_card").invoke(ftgo::accounting::authorize_card, &ftgo::make_authorize)
        .on_reply<ftgo::CardDeclined>(&ftgo::on_card_declined)
    .retriable("add_loyalty_points").local(&ftgo::add_loyalty_points).retry(ftgo::kForever)
    .retriable("approve_order").invoke(ftgo::order_service::approve_order, &ftgo::make_approve)
        .retry(ftgo::kForever)
    .build();
// clang-format on
