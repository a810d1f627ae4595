// A second right solution (exercise 3): its own maker (whole euros, rounded down) and an
// exponential back-off without limit instead of the example's fixed retry.
#include "create_order_parts.h"

namespace workshop {

namespace {
AwardLoyaltyPoints one_point_per_euro(const ftgo::CreateOrderData& d) {
  AwardLoyaltyPoints award;
  award.consumer_id = d.consumer_id;
  award.order_id = d.order_id;
  award.points = d.order_total_cents / 100;
  return award;
}
}  // namespace

saga::DefinitionResult create_order_with_loyalty_definition() {
  using namespace ftgo;  // NOLINT
  const saga::RetryPolicy back_off =
      saga::RetryPolicy::exponential(saga::Millis{100}, 2.0, saga::Millis{800}, 0);
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
    .retriable("approve_order").invoke(order_service::approve_order, &make_approve_order)
      .retry(until_done_policy())
    .retriable("award_loyalty_points").invoke(loyalty_channel::award_points, &one_point_per_euro)
      .timeout(saga::Millis{5'000}).retry(back_off)
    .build();
  // clang-format on
}

}  // namespace workshop
