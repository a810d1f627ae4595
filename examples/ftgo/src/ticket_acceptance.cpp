#include "ftgo/ticket_acceptance.h"

namespace ftgo {

std::string acceptance_key(std::int64_t order_id) { return "order:" + std::to_string(order_id); }

std::string acceptance_event_id(std::int64_t order_id) {
  return "ticket-accepted-" + std::to_string(order_id);
}

saga::Status on_ticket_accepted(CreateOrderData& d, const TicketAccepted& e) {
  if (e.order_id != d.order_id || e.ticket_id != d.ticket_id) {
    return saga::invalid_argument("TicketAccepted for order " + std::to_string(e.order_id) +
                                  " ticket " + std::to_string(e.ticket_id) + ", expected order " +
                                  std::to_string(d.order_id) + " ticket " +
                                  std::to_string(d.ticket_id));
  }
  return saga::Status::ok();
}

saga::DefinitionResult accepting_create_order_definition(const SagaTiming& timing,
                                                         saga::Millis accept_within) {
  if (accept_within.count() <= 0) {
    return saga::invalid_argument("accepting_create_order_definition: accept_within must be > 0");
  }
  const saga::RetryPolicy resend = timing.resend();
  const saga::RetryPolicy until_done = timing.until_done();
  // clang-format off
  return saga::define<CreateOrderData>(std::string(kCreateOrderSaga),
                                       kAcceptingCreateOrderVersion)
      .lock([](const CreateOrderData& d) { return order_lock_key(d.order_id); },
            saga::LockMode::kWait)
      .step("reject_order")
          .compensate_with(order_service::reject_order, &make_reject_order)
          .timeout(timing.reply_timeout)
      .step("verify_consumer")
          .invoke(consumer_service::validate_order, &make_validate_order)
          .timeout(timing.reply_timeout)
          .retry(resend)
      .step("create_ticket")
          .invoke(kitchen_service::create_ticket, &make_create_ticket)
          .on_reply<TicketCreated>(&on_ticket_created)
          .on_reply<TicketRejected>(&on_ticket_rejected)
          .compensate_with(kitchen_service::cancel_ticket, &make_cancel_ticket)
          .timeout(timing.reply_timeout)
          .retry(resend)
      // The restaurant's acceptance, an external event (not a reply); before the pivot, so an
      // order not accepted in time is rejected before its card is charged.
      .step("await_acceptance")
          .wait_for<TicketAccepted>(accept_within, saga::compensate_on_timeout)
          .on_event(&on_ticket_accepted)
          .correlate_by([](const CreateOrderData& d) { return acceptance_key(d.order_id); })
      .pivot("authorize_card")
          .invoke(accounting_service::authorize_card, &make_authorize_card)
          .on_reply<CardAuthorized>(&on_card_authorized)
          .on_reply<CardDeclined>(&on_card_declined)
          .timeout(timing.reply_timeout)
          .retry(resend)
      .retriable("confirm_ticket")
          .invoke(kitchen_service::confirm_ticket, &make_confirm_ticket)
          .timeout(timing.reply_timeout)
          .retry(until_done)
      .retriable("approve_order")
          .invoke(order_service::approve_order, &make_approve_order)
          .timeout(timing.reply_timeout)
          .retry(until_done)
      .build();
  // clang-format on
}

}  // namespace ftgo
