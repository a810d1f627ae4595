// FTGO Create Order messages, endpoints and saga data for the DSL tests (after Richardson,
// Microservices Patterns, ch. 4: Order, Consumer, Kitchen and Accounting services).
#pragma once

#include <cereal/cereal.hpp>
#include <cereal/types/string.hpp>
#include <cereal/types/vector.hpp>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "saga/dsl.h"

namespace test_ftgo {

struct LineItem {
  std::string menu_item_id;
  std::int32_t quantity = 0;
  template <class A>
  void serialize(A& a) {
    a(CEREAL_NVP(menu_item_id), CEREAL_NVP(quantity));
  }
  friend bool operator==(const LineItem&, const LineItem&) = default;
};

// The saga data.
struct CreateOrderData {
  std::int64_t order_id = 0;
  std::int64_t consumer_id = 0;
  std::int64_t restaurant_id = 0;
  std::int64_t order_total_cents = 0;
  std::vector<LineItem> line_items;
  std::int64_t ticket_id = 0;         // set by TicketCreated
  std::string transaction_id;         // set by CardAuthorized
  std::string rejection_reason;       // set by a failure reply handler
  bool loyalty_points_added = false;  // set by a local step
  template <class A>
  void serialize(A& a) {
    a(CEREAL_NVP(order_id), CEREAL_NVP(consumer_id), CEREAL_NVP(restaurant_id),
      CEREAL_NVP(order_total_cents), CEREAL_NVP(line_items), CEREAL_NVP(ticket_id),
      CEREAL_NVP(transaction_id), CEREAL_NVP(rejection_reason), CEREAL_NVP(loyalty_points_added));
  }
  friend bool operator==(const CreateOrderData&, const CreateOrderData&) = default;
};

// Order service.
struct RejectOrder {
  static constexpr std::string_view kMessageName = "RejectOrder";
  std::int64_t order_id = 0;
  template <class A>
  void serialize(A& a) {
    a(CEREAL_NVP(order_id));
  }
};
struct ApproveOrder {
  static constexpr std::string_view kMessageName = "ApproveOrder";
  std::int64_t order_id = 0;
  template <class A>
  void serialize(A& a) {
    a(CEREAL_NVP(order_id));
  }
};
struct OrderUpdated {
  static constexpr std::string_view kMessageName = "OrderUpdated";
  template <class A>
  void serialize(A&) {}
};

// Consumer service.
struct ValidateOrderByConsumer {
  static constexpr std::string_view kMessageName = "ValidateOrderByConsumer";
  std::int64_t consumer_id = 0;
  std::int64_t order_id = 0;
  std::int64_t order_total_cents = 0;
  template <class A>
  void serialize(A& a) {
    a(CEREAL_NVP(consumer_id), CEREAL_NVP(order_id), CEREAL_NVP(order_total_cents));
  }
};
struct ConsumerVerified {
  static constexpr std::string_view kMessageName = "ConsumerVerified";
  template <class A>
  void serialize(A&) {}
};
struct ConsumerVerificationFailed {
  static constexpr std::string_view kMessageName = "ConsumerVerificationFailed";
  std::string reason;
  template <class A>
  void serialize(A& a) {
    a(CEREAL_NVP(reason));
  }
};

// Kitchen service.
struct CreateTicket {
  static constexpr std::string_view kMessageName = "CreateTicket";
  std::int64_t restaurant_id = 0;
  std::int64_t order_id = 0;
  std::vector<LineItem> line_items;
  template <class A>
  void serialize(A& a) {
    a(CEREAL_NVP(restaurant_id), CEREAL_NVP(order_id), CEREAL_NVP(line_items));
  }
};
struct TicketCreated {
  static constexpr std::string_view kMessageName = "TicketCreated";
  std::int64_t ticket_id = 0;
  template <class A>
  void serialize(A& a) {
    a(CEREAL_NVP(ticket_id));
  }
};
struct TicketRejected {
  static constexpr std::string_view kMessageName = "TicketRejected";
  std::string reason;
  template <class A>
  void serialize(A& a) {
    a(CEREAL_NVP(reason));
  }
};
struct CancelCreateTicket {
  static constexpr std::string_view kMessageName = "CancelCreateTicket";
  std::int64_t order_id = 0;
  template <class A>
  void serialize(A& a) {
    a(CEREAL_NVP(order_id));
  }
};
struct ConfirmCreateTicket {
  static constexpr std::string_view kMessageName = "ConfirmCreateTicket";
  std::int64_t ticket_id = 0;
  template <class A>
  void serialize(A& a) {
    a(CEREAL_NVP(ticket_id));
  }
};
struct TicketConfirmed {
  static constexpr std::string_view kMessageName = "TicketConfirmed";
  template <class A>
  void serialize(A&) {}
};

// Accounting service.
struct AuthorizeCard {
  static constexpr std::string_view kMessageName = "AuthorizeCard";
  std::int64_t consumer_id = 0;
  std::int64_t order_id = 0;
  std::int64_t amount_cents = 0;
  template <class A>
  void serialize(A& a) {
    a(CEREAL_NVP(consumer_id), CEREAL_NVP(order_id), CEREAL_NVP(amount_cents));
  }
};
struct CardAuthorized {
  static constexpr std::string_view kMessageName = "CardAuthorized";
  std::string transaction_id;
  template <class A>
  void serialize(A& a) {
    a(CEREAL_NVP(transaction_id));
  }
};
struct CardDeclined {
  static constexpr std::string_view kMessageName = "CardDeclined";
  std::string reason;
  template <class A>
  void serialize(A& a) {
    a(CEREAL_NVP(reason));
  }
};

// Endpoints, declared once. Accounting takes JSON bodies (as a participant in another
// language would) to check that the channel's content type is used.
namespace order_service {
inline constexpr saga::Channel channel{"order"};
inline constexpr auto reject_order = saga::command<RejectOrder>(channel).replies<OrderUpdated>();
inline constexpr auto approve_order = saga::command<ApproveOrder>(channel).replies<OrderUpdated>();
}  // namespace order_service

namespace consumer {
inline constexpr saga::Channel channel{"consumer"};
inline constexpr auto validate_order = saga::command<ValidateOrderByConsumer>(channel)
                                           .replies<ConsumerVerified, ConsumerVerificationFailed>();
}  // namespace consumer

namespace kitchen {
inline constexpr saga::Channel channel{"kitchen"};
inline constexpr auto create_ticket =
    saga::command<CreateTicket>(channel).replies<TicketCreated, TicketRejected>();
inline constexpr auto cancel_ticket = saga::command<CancelCreateTicket>(channel);
inline constexpr auto confirm_ticket =
    saga::command<ConfirmCreateTicket>(channel).replies<TicketConfirmed>();
}  // namespace kitchen

namespace accounting {
inline constexpr saga::Channel channel{"accounting", saga::ContentType::kJson};
inline constexpr auto authorize_card =
    saga::command<AuthorizeCard>(channel).replies<CardAuthorized, CardDeclined>();
}  // namespace accounting

}  // namespace test_ftgo
