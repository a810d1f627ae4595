// Kept wrong solution (exercise 3): retriable, but awarded before the order is approved.
#include "create_order_parts.h"

namespace workshop {

saga::DefinitionResult create_order_with_loyalty_definition() {
  using namespace ftgo;  // NOLINT
  // clang-format off
  return saga::define<CreateOrderData>("create_order", 2)
    .step("reject_order").compensate_with(order_service::reject_order, &make_reject_order)
    .step("verify_consumer").invoke(consumer_service::validate_order, &make_validate_order)
    .step("create_ticket").invoke(kitchen_service::create_ticket, &make_create_ticket)
      .on_reply<TicketCreated>(&on_ticket_created).on_reply<TicketRejected>(&on_ticket_rejected)
      .compensate_with(kitchen_service::cancel_ticket, &make_cancel_ticket)
    .pivot("authorize_card").invoke(accounting_service::authorize_card, &make_authorize_card)
      .on_reply<CardAuthorized>(&on_card_authorized).on_reply<CardDeclined>(&on_card_declined)
    .retriable("confirm_ticket").invoke(kitchen_service::confirm_ticket, &make_confirm_ticket)
      .retry(until_done_policy())
    .retriable("award_loyalty_points")
      .invoke(loyalty_channel::award_points, &make_award_loyalty_points).retry(until_done_policy())
    .retriable("approve_order").invoke(order_service::approve_order, &make_approve_order)
      .retry(until_done_policy())
    .build();
  // clang-format on
}

}  // namespace workshop
