// Goal: prove the compile-fail harness can pass: a complete valid saga compiles.
// Method: every builder feature once, in the order the type-state allows.
#include "unit/ftgo_saga.h"

// clang-format off
auto definition = saga::define<test_ftgo::LoyaltyOrderData>("create_order")
    .step("reject_order").compensate_with(test_ftgo::order_service::reject_order, &test_ftgo::make_reject_order)
    .step("create_ticket").invoke(test_ftgo::kitchen_service::create_ticket, &test_ftgo::make_create_ticket)
        .on_reply<test_ftgo::TicketCreated>(&test_ftgo::on_ticket_created)
        .compensate_with(test_ftgo::kitchen_service::cancel_ticket, &test_ftgo::make_cancel_ticket)
        .compensation_retry(saga::RetryPolicy::immediate(3))
        .when(&test_ftgo::has_items).timeout(saga::Millis{100})
    .pivot("authorize_card").invoke(test_ftgo::accounting_service::authorize_card, &test_ftgo::make_authorize_card)
        .on_reply<test_ftgo::CardDeclined>(&test_ftgo::fail_on_card_declined)
    .retriable("add_loyalty_points").local(&test_ftgo::add_loyalty_points).retry(test_ftgo::kForever)
    .retriable("approve_order").invoke(test_ftgo::order_service::approve_order, &test_ftgo::make_approve_order)
        .retry(test_ftgo::kForever)
    .build();
// clang-format on
