// The Delivery saga, a child saga of Create Order version 5 (docs/dsl.md, "Child sagas"): the
// order's delivery is scheduled and a courier assigned, by the Kitchen service (the restaurant
// hands the food to the courier).
//
//   step               kind           action (participant)                 compensation
//   schedule_delivery  compensatable  ScheduleDelivery (kitchen)           CancelDelivery
//   assign_courier     retriable      AssignCourier (kitchen)              -
//
// Create Order version 5 is the parallel variant (version 3) with a child step "deliver" that
// runs this saga, after the "prepare" group and before authorize_card:
//
//   reject_order, [verify_consumer | create_ticket], deliver (child "delivery"),
//   authorize_card (pivot), [confirm_ticket | approve_order]
//
// The child step is compensatable: a child step is compensatable or the pivot, and after the
// pivot only retriable steps may follow, so it cannot come after the approval. A declined card
// then compensates the delivery too: the child runs its own compensations (CancelDelivery).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "ftgo/create_order_saga.h"
#include "ftgo/messages.h"
#include "saga/dsl.h"

namespace ftgo {

// The child's data, made from the order's when the "deliver" step starts it.
struct DeliveryData {
  std::int64_t order_id = 0;
  std::int64_t restaurant_id = 0;
  std::int64_t consumer_id = 0;
  std::int64_t delivery_id = 0;  // from DeliveryScheduled
  std::string courier;           // from CourierAssigned
  template <class A>
  void serialize(A& a) {
    a(CEREAL_NVP(order_id), CEREAL_NVP(restaurant_id), CEREAL_NVP(consumer_id),
      CEREAL_NVP(delivery_id), CEREAL_NVP(courier));
  }
  friend bool operator==(const DeliveryData&, const DeliveryData&) = default;
};

struct ScheduleDelivery {
  static constexpr std::string_view kMessageName = "ScheduleDelivery";
  std::int64_t order_id = 0;
  std::int64_t restaurant_id = 0;
  std::int64_t consumer_id = 0;
  template <class A>
  void serialize(A& a) {
    a(CEREAL_NVP(order_id), CEREAL_NVP(restaurant_id), CEREAL_NVP(consumer_id));
  }
};

struct DeliveryScheduled {
  static constexpr std::string_view kMessageName = "DeliveryScheduled";
  std::int64_t delivery_id = 0;
  template <class A>
  void serialize(A& a) {
    a(CEREAL_NVP(delivery_id));
  }
};

struct CancelDelivery {
  static constexpr std::string_view kMessageName = "CancelDelivery";
  std::int64_t order_id = 0;
  template <class A>
  void serialize(A& a) {
    a(CEREAL_NVP(order_id));
  }
};

struct DeliveryCancelled {
  static constexpr std::string_view kMessageName = "DeliveryCancelled";
  template <class A>
  void serialize(A&) {}
};

struct AssignCourier {
  static constexpr std::string_view kMessageName = "AssignCourier";
  std::int64_t order_id = 0;
  std::int64_t delivery_id = 0;
  template <class A>
  void serialize(A& a) {
    a(CEREAL_NVP(order_id), CEREAL_NVP(delivery_id));
  }
};

struct CourierAssigned {
  static constexpr std::string_view kMessageName = "CourierAssigned";
  std::string courier;
  template <class A>
  void serialize(A& a) {
    a(CEREAL_NVP(courier));
  }
};

// The delivery commands go to the Kitchen service.
namespace delivery_service {
inline constexpr saga::Channel channel = kitchen_service::channel;
inline constexpr auto schedule_delivery =
    saga::command<ScheduleDelivery>(channel).replies<DeliveryScheduled>();
inline constexpr auto cancel_delivery =
    saga::command<CancelDelivery>(channel).replies<DeliveryCancelled>();
inline constexpr auto assign_courier =
    saga::command<AssignCourier>(channel).replies<CourierAssigned>();
}  // namespace delivery_service

inline constexpr std::string_view kDeliverySaga = "delivery";
inline constexpr std::uint32_t kDeliveryCreateOrderVersion = 5;

// The child's data from the order's.
DeliveryData delivery_of_order(const CreateOrderData& d);

// The Delivery saga, version 1 (timeouts resent and assign_courier retried as `timing` says).
saga::DefinitionResult delivery_definition(const SagaTiming& timing = {});

// Create Order version 5: create_order_parallel_definition(timing) with the child step
// "deliver" spliced in before authorize_card. Register delivery_definition too.
saga::DefinitionResult create_order_delivery_definition(const SagaTiming& timing = {});

}  // namespace ftgo
