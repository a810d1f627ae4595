// The FTGO Create Order saga's messages (Richardson, Microservices Patterns §4.1-4.3): the saga
// data, and the commands and replies exchanged with the Order, Consumer, Kitchen and Accounting
// services. Every type is a plain struct with a wire name (kMessageName) and named cereal
// fields, so JSON participants see field names.
#pragma once

#include <cereal/cereal.hpp>
#include <cereal/types/string.hpp>
#include <cereal/types/vector.hpp>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace ftgo {

struct LineItem {
  std::string menu_item_id;
  std::int32_t quantity = 0;
  template <class A>
  void serialize(A& a) {
    a(CEREAL_NVP(menu_item_id), CEREAL_NVP(quantity));
  }
  friend bool operator==(const LineItem&, const LineItem&) = default;
};

// The saga data: what the commands need and what the replies bring back.
struct CreateOrderData {
  std::int64_t order_id = 0;
  std::int64_t consumer_id = 0;
  std::int64_t restaurant_id = 0;
  std::int64_t order_total_cents = 0;
  std::vector<LineItem> line_items;
  std::int64_t ticket_id = 0;    // from TicketCreated
  std::string transaction_id;    // from CardAuthorized
  std::string rejection_reason;  // from TicketRejected or CardDeclined
  template <class A>
  void serialize(A& a) {
    a(CEREAL_NVP(order_id), CEREAL_NVP(consumer_id), CEREAL_NVP(restaurant_id),
      CEREAL_NVP(order_total_cents), CEREAL_NVP(line_items), CEREAL_NVP(ticket_id),
      CEREAL_NVP(transaction_id), CEREAL_NVP(rejection_reason));
  }
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
struct OrderRejected {
  static constexpr std::string_view kMessageName = "OrderRejected";
  template <class A>
  void serialize(A&) {}
};
struct ApproveOrder {
  static constexpr std::string_view kMessageName = "ApproveOrder";
  std::int64_t order_id = 0;
  template <class A>
  void serialize(A& a) {
    a(CEREAL_NVP(order_id));
  }
};
struct OrderApproved {
  static constexpr std::string_view kMessageName = "OrderApproved";
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
struct TicketCancelled {
  static constexpr std::string_view kMessageName = "TicketCancelled";
  template <class A>
  void serialize(A&) {}
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

}  // namespace ftgo
