// docs/dsl.md, "The Create Order saga": FTGO's messages, endpoints and saga data (after
// Richardson, Microservices Patterns, ch. 4).
#pragma once

#include <cereal/cereal.hpp>
#include <cereal/types/string.hpp>
#include <cereal/types/vector.hpp>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "saga/dsl.h"

namespace ftgo {

struct LineItem {
  std::string menu_item_id;
  std::int32_t quantity = 0;
  template <class A>
  void serialize(A& a) {
    a(CEREAL_NVP(menu_item_id), CEREAL_NVP(quantity));
  }
};

// [data]
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
// [data]

// Commands and replies.
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
struct CancelCreateTicket {
  static constexpr std::string_view kMessageName = "CancelCreateTicket";
  std::int64_t order_id = 0;
  template <class A>
  void serialize(A& a) {
    a(CEREAL_NVP(order_id));
  }
};
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
struct ConfirmCreateTicket {
  static constexpr std::string_view kMessageName = "ConfirmCreateTicket";
  std::int64_t ticket_id = 0;
  template <class A>
  void serialize(A& a) {
    a(CEREAL_NVP(ticket_id));
  }
};
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

// [endpoints]
namespace order_service {
inline constexpr saga::Channel channel{"order"};
inline constexpr auto reject_order = saga::command<RejectOrder>(channel);
inline constexpr auto approve_order = saga::command<ApproveOrder>(channel);
}  // namespace order_service

namespace consumer_service {
inline constexpr saga::Channel channel{"consumer"};
inline constexpr auto validate_order = saga::command<ValidateOrderByConsumer>(channel);
}  // namespace consumer_service

namespace kitchen_service {
inline constexpr saga::Channel channel{"kitchen"};
inline constexpr auto create_ticket =
    saga::command<CreateTicket>(channel).replies<TicketCreated, TicketRejected>();
inline constexpr auto cancel_ticket = saga::command<CancelCreateTicket>(channel);
inline constexpr auto confirm_ticket = saga::command<ConfirmCreateTicket>(channel);
}  // namespace kitchen_service

namespace accounting_service {
// Accounting is written in another language: its commands and replies travel as JSON.
inline constexpr saga::Channel channel{"accounting", saga::ContentType::kJson};
inline constexpr auto authorize_card =
    saga::command<AuthorizeCard>(channel).replies<CardAuthorized, CardDeclined>();
}  // namespace accounting_service
// [endpoints]

}  // namespace ftgo
