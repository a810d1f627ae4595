#include "ftgo/delivery_saga.h"

#include <algorithm>
#include <memory>
#include <utility>

namespace ftgo {

DeliveryData delivery_of_order(const CreateOrderData& d) {
  return DeliveryData{d.order_id, d.restaurant_id, d.consumer_id, 0, {}};
}

saga::DefinitionResult delivery_definition(const SagaTiming& timing) {
  const saga::RetryPolicy resend = timing.resend();
  const saga::RetryPolicy until_done = timing.until_done();
  // clang-format off
  return saga::define<DeliveryData>(std::string(kDeliverySaga), 1)
      .step("schedule_delivery")
          .invoke(delivery_service::schedule_delivery, [](const DeliveryData& d) {
            return ScheduleDelivery{d.order_id, d.restaurant_id, d.consumer_id};
          })
          .on_reply<DeliveryScheduled>([](DeliveryData& d, const DeliveryScheduled& r) {
            d.delivery_id = r.delivery_id;
          })
          .compensate_with(delivery_service::cancel_delivery, [](const DeliveryData& d) {
            return CancelDelivery{d.order_id};
          })
          .timeout(timing.reply_timeout)
          .retry(resend)
      .retriable("assign_courier")
          .invoke(delivery_service::assign_courier, [](const DeliveryData& d) {
            return AssignCourier{d.order_id, d.delivery_id};
          })
          .on_reply<CourierAssigned>([](DeliveryData& d, const CourierAssigned& r) {
            d.courier = r.courier;
          })
          .timeout(timing.reply_timeout)
          .retry(until_done)
      .build();
  // clang-format on
}

// Version 3 with the child step spliced in before the pivot, as version 4 splices its wait step
// into version 2 (ticket_acceptance.cpp): the same steps, options and lock, written once.
saga::DefinitionResult create_order_delivery_definition(const SagaTiming& timing) {
  saga::DefinitionResult parallel = create_order_parallel_definition(timing);
  if (!parallel) return parallel;
  // clang-format off
  saga::DefinitionResult child = saga::define<CreateOrderData>(std::string(kCreateOrderSaga))
      .step("deliver")
          .start_child<DeliveryData>(std::string(kDeliverySaga), &delivery_of_order, 1)
      .build();
  // clang-format on
  if (!child) return child;
  auto delivering = std::make_shared<saga::SagaDefinition>(**parallel);
  delivering->version = kDeliveryCreateOrderVersion;
  auto pivot =
      std::find_if(delivering->steps.begin(), delivering->steps.end(),
                   [](const saga::StepDefinition& s) { return s.name == "authorize_card"; });
  if (pivot == delivering->steps.end()) {
    return saga::internal_error("create_order_delivery_definition: version 3 has no pivot");
  }
  delivering->steps.insert(pivot, (*child)->steps.front());
  if (saga::Status s = saga::validate(*delivering); !s) return s;
  return std::shared_ptr<const saga::SagaDefinition>(std::move(delivering));
}

}  // namespace ftgo
