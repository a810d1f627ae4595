// A second right solution (exercise 4), written another way: the example's SagaTiming policies,
// each step's calls in another order, the reply handlers after the compensation.
#include "create_order_parts.h"

namespace workshop {

saga::DefinitionResult create_order_pessimistic_definition() {
  using namespace ftgo;  // NOLINT
  const SagaTiming timing{saga::Millis{3'000}};
  // clang-format off
  return saga::define<CreateOrderData>("create_order", 4)
    .step("reject_order").compensate_with(order_service::reject_order, &make_reject_order)
    .step("verify_consumer").invoke(consumer_service::validate_order, &make_validate_order)
      .retry(timing.resend()).timeout(timing.reply_timeout)
    .step("create_ticket").invoke(kitchen_service::create_ticket, &make_create_ticket)
      .compensate_with(kitchen_service::cancel_ticket, &make_cancel_ticket)
      .on_reply<TicketRejected>(&on_ticket_rejected).on_reply<TicketCreated>(&on_ticket_created)
      .retry(timing.resend()).timeout(timing.reply_timeout)
    .pivot("authorize_card").invoke(accounting_service::authorize_card, &make_authorize_card)
      .on_reply<CardDeclined>(&on_card_declined).on_reply<CardAuthorized>(&on_card_authorized)
      .retry(timing.resend()).timeout(timing.reply_timeout)
    .retriable("confirm_ticket").invoke(kitchen_service::confirm_ticket, &make_confirm_ticket)
      .retry(timing.until_done())
    .retriable("approve_order").invoke(order_service::approve_order, &make_approve_order)
      .retry(timing.until_done())
    .build();
  // clang-format on
}

}  // namespace workshop
