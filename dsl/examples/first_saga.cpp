// docs/dsl.md, "A first saga": two participants, two steps.
#include <cereal/cereal.hpp>
#include <cereal/types/string.hpp>
#include <cstdint>
#include <string>
#include <string_view>

#include "examples.h"
#include "saga/dsl.h"

namespace first {

// [messages]
struct ReserveCredit {
  static constexpr std::string_view kMessageName = "ReserveCredit";
  std::int64_t customer_id = 0;
  std::int64_t amount_cents = 0;
  template <class A>
  void serialize(A& a) {
    a(CEREAL_NVP(customer_id), CEREAL_NVP(amount_cents));
  }
};

struct CreditReserved {
  static constexpr std::string_view kMessageName = "CreditReserved";
  std::string reservation_id;
  template <class A>
  void serialize(A& a) {
    a(CEREAL_NVP(reservation_id));
  }
};

struct ReleaseCredit {
  static constexpr std::string_view kMessageName = "ReleaseCredit";
  std::string reservation_id;
  template <class A>
  void serialize(A& a) {
    a(CEREAL_NVP(reservation_id));
  }
};

struct PlaceOrder {
  static constexpr std::string_view kMessageName = "PlaceOrder";
  std::int64_t customer_id = 0;
  std::string reservation_id;
  template <class A>
  void serialize(A& a) {
    a(CEREAL_NVP(customer_id), CEREAL_NVP(reservation_id));
  }
};
// [messages]

// [endpoints]
inline constexpr saga::Channel customer_service{"customer"};
inline constexpr auto reserve_credit =
    saga::command<ReserveCredit>(customer_service).replies<CreditReserved>();
inline constexpr auto release_credit = saga::command<ReleaseCredit>(customer_service);

inline constexpr saga::Channel order_service{"order"};
inline constexpr auto place_order = saga::command<PlaceOrder>(order_service);
// [endpoints]

// [data]
struct PlaceOrderData {
  std::int64_t customer_id = 0;
  std::int64_t amount_cents = 0;
  std::string reservation_id;  // filled in by the CreditReserved reply
  template <class A>
  void serialize(A& a) {
    a(CEREAL_NVP(customer_id), CEREAL_NVP(amount_cents), CEREAL_NVP(reservation_id));
  }
};
// [data]

// [functions]
ReserveCredit make_reserve_credit(const PlaceOrderData& d) {
  return {d.customer_id, d.amount_cents};
}
void on_credit_reserved(PlaceOrderData& d, const CreditReserved& reply) {
  d.reservation_id = reply.reservation_id;
}
ReleaseCredit make_release_credit(const PlaceOrderData& d) { return {d.reservation_id}; }
PlaceOrder make_place_order(const PlaceOrderData& d) { return {d.customer_id, d.reservation_id}; }
// [functions]

}  // namespace first

namespace examples {

// [definition]
saga::DefinitionResult place_order_saga() {
  using namespace first;
  // clang-format off
  return saga::define<PlaceOrderData>("place_order", 1)
      .step("reserve_credit")
          .invoke(reserve_credit, &make_reserve_credit)
          .on_reply<CreditReserved>(&on_credit_reserved)
          .compensate_with(release_credit, &make_release_credit)
      .pivot("place_order")
          .invoke(place_order, &make_place_order)
      .build();
  // clang-format on
}
// [definition]

}  // namespace examples
