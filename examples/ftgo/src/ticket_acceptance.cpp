#include "ftgo/ticket_acceptance.h"

#include <algorithm>
#include <memory>
#include <utility>

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

// Version 2 with the wait step spliced in after create_ticket, as the parallel version 3 is
// derived (create_order_parallel_saga.cpp): the same steps, options and lock, written once.
saga::DefinitionResult accepting_create_order_definition(const SagaTiming& timing,
                                                         saga::Millis accept_within) {
  if (accept_within.count() <= 0) {
    return saga::invalid_argument("accepting_create_order_definition: accept_within must be > 0");
  }
  saga::DefinitionResult sequential = create_order_definition(timing);
  if (!sequential) return sequential;
  // The restaurant's acceptance, an external event (not a reply); before the pivot, so an order
  // not accepted in time is rejected before its card is charged.
  // clang-format off
  saga::DefinitionResult wait = saga::define<CreateOrderData>(std::string(kCreateOrderSaga))
      .step("await_acceptance")
          .wait_for<TicketAccepted>(accept_within, saga::compensate_on_timeout)
          .on_event(&on_ticket_accepted)
          .correlate_by([](const CreateOrderData& d) { return acceptance_key(d.order_id); })
      .build();
  // clang-format on
  if (!wait) return wait;
  auto accepting = std::make_shared<saga::SagaDefinition>(**sequential);
  accepting->version = kAcceptingCreateOrderVersion;
  auto after =
      std::find_if(accepting->steps.begin(), accepting->steps.end(),
                   [](const saga::StepDefinition& s) { return s.name == "create_ticket"; });
  if (after == accepting->steps.end()) {
    return saga::internal_error(
        "accepting_create_order_definition: version 2 has no create_ticket");
  }
  accepting->steps.insert(after + 1, (*wait)->steps.front());
  if (saga::Status s = saga::validate(*accepting); !s) return s;
  return std::shared_ptr<const saga::SagaDefinition>(std::move(accepting));
}

}  // namespace ftgo
