// FTGO's messages (Richardson, Microservices Patterns, ch. 4): the saga data of Create, Cancel
// and Revise Order, and the commands and replies exchanged with the Order, Consumer, Kitchen
// and Accounting services. The one definition of each, used by the example services, the DSL
// guide (docs/dsl.md), the tests, the bench and the workshop. Every type is a plain struct with
// a wire name (kMessageName) and named cereal fields, so JSON participants see field names;
// equality compares every field (tests check payloads with it). Accounting's messages, the
// ones a participant in another language implements, also carry their documentation
// (kDescription, kFieldDescriptions: saga/body_schema.h), exported with their schemas.
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

// The Create Order saga data: what the commands need and what the replies bring back.
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
  friend bool operator==(const CreateOrderData&, const CreateOrderData&) = default;
};
// [data]

// Order service.
struct RejectOrder {
  static constexpr std::string_view kMessageName = "RejectOrder";
  std::int64_t order_id = 0;
  template <class A>
  void serialize(A& a) {
    a(CEREAL_NVP(order_id));
  }
  friend bool operator==(const RejectOrder&, const RejectOrder&) = default;
};
struct OrderRejected {
  static constexpr std::string_view kMessageName = "OrderRejected";
  template <class A>
  void serialize(A&) {}
  friend bool operator==(const OrderRejected&, const OrderRejected&) = default;
};
struct ApproveOrder {
  static constexpr std::string_view kMessageName = "ApproveOrder";
  std::int64_t order_id = 0;
  template <class A>
  void serialize(A& a) {
    a(CEREAL_NVP(order_id));
  }
  friend bool operator==(const ApproveOrder&, const ApproveOrder&) = default;
};
struct OrderApproved {
  static constexpr std::string_view kMessageName = "OrderApproved";
  template <class A>
  void serialize(A&) {}
  friend bool operator==(const OrderApproved&, const OrderApproved&) = default;
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
  friend bool operator==(const ValidateOrderByConsumer&, const ValidateOrderByConsumer&) = default;
};
struct ConsumerVerified {
  static constexpr std::string_view kMessageName = "ConsumerVerified";
  template <class A>
  void serialize(A&) {}
  friend bool operator==(const ConsumerVerified&, const ConsumerVerified&) = default;
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
  friend bool operator==(const CreateTicket&, const CreateTicket&) = default;
};
struct TicketCreated {
  static constexpr std::string_view kMessageName = "TicketCreated";
  std::int64_t ticket_id = 0;
  template <class A>
  void serialize(A& a) {
    a(CEREAL_NVP(ticket_id));
  }
  friend bool operator==(const TicketCreated&, const TicketCreated&) = default;
};
struct TicketRejected {
  static constexpr std::string_view kMessageName = "TicketRejected";
  std::string reason;
  template <class A>
  void serialize(A& a) {
    a(CEREAL_NVP(reason));
  }
  friend bool operator==(const TicketRejected&, const TicketRejected&) = default;
};
struct CancelCreateTicket {
  static constexpr std::string_view kMessageName = "CancelCreateTicket";
  std::int64_t order_id = 0;
  template <class A>
  void serialize(A& a) {
    a(CEREAL_NVP(order_id));
  }
  friend bool operator==(const CancelCreateTicket&, const CancelCreateTicket&) = default;
};
struct TicketCancelled {
  static constexpr std::string_view kMessageName = "TicketCancelled";
  template <class A>
  void serialize(A&) {}
  friend bool operator==(const TicketCancelled&, const TicketCancelled&) = default;
};
struct ConfirmCreateTicket {
  static constexpr std::string_view kMessageName = "ConfirmCreateTicket";
  std::int64_t ticket_id = 0;
  template <class A>
  void serialize(A& a) {
    a(CEREAL_NVP(ticket_id));
  }
  friend bool operator==(const ConfirmCreateTicket&, const ConfirmCreateTicket&) = default;
};
struct TicketConfirmed {
  static constexpr std::string_view kMessageName = "TicketConfirmed";
  template <class A>
  void serialize(A&) {}
  friend bool operator==(const TicketConfirmed&, const TicketConfirmed&) = default;
};

// Accounting service.
struct AuthorizeCard {
  static constexpr std::string_view kMessageName = "AuthorizeCard";
  static constexpr std::string_view kDescription =
      "Authorize the order's total on the consumer's card (Create Order's pivot).";
  static constexpr std::string_view kFieldDescriptions[][2] = {
      {"consumer_id", "the consumer whose card is charged"},
      {"order_id", "the order; one authorization per order"},
      {"amount_cents", "the amount to authorize, in cents"},
  };
  std::int64_t consumer_id = 0;
  std::int64_t order_id = 0;
  std::int64_t amount_cents = 0;
  template <class A>
  void serialize(A& a) {
    a(CEREAL_NVP(consumer_id), CEREAL_NVP(order_id), CEREAL_NVP(amount_cents));
  }
  friend bool operator==(const AuthorizeCard&, const AuthorizeCard&) = default;
};
struct CardAuthorized {
  static constexpr std::string_view kMessageName = "CardAuthorized";
  static constexpr std::string_view kDescription = "The card is authorized for the order.";
  static constexpr std::string_view kFieldDescriptions[][2] = {
      {"transaction_id", "the authorization's id (\"txn-<order_id>\")"},
  };
  std::string transaction_id;
  template <class A>
  void serialize(A& a) {
    a(CEREAL_NVP(transaction_id));
  }
  friend bool operator==(const CardAuthorized&, const CardAuthorized&) = default;
};
struct CardDeclined {
  static constexpr std::string_view kMessageName = "CardDeclined";
  static constexpr std::string_view kDescription =
      "Failure reply of AuthorizeCard and ReviseAuthorization; the header's reason says the same.";
  static constexpr std::string_view kFieldDescriptions[][2] = {
      {"reason", "card_declined (no card or over its limit) or card_expired"},
  };
  std::string reason;
  template <class A>
  void serialize(A& a) {
    a(CEREAL_NVP(reason));
  }
  friend bool operator==(const CardDeclined&, const CardDeclined&) = default;
};

// ---------------------------------------------------------------------------------------------
// Cancel Order and Revise Order (Richardson §4.3 and §4.4: sagas that change an order after
// Create Order approved it). Their saga data, then their commands and replies by service.

// The Cancel Order saga's data. The order's consumer and total are read from the Order
// service's table when the cancel is requested (OrderService::cancel_order).
struct CancelOrderData {
  std::int64_t order_id = 0;
  std::int64_t consumer_id = 0;
  std::int64_t order_total_cents = 0;
  std::int64_t reversed_cents = 0;  // from AuthorizationReversed
  template <class A>
  void serialize(A& a) {
    a(CEREAL_NVP(order_id), CEREAL_NVP(consumer_id), CEREAL_NVP(order_total_cents),
      CEREAL_NVP(reversed_cents));
  }
  friend bool operator==(const CancelOrderData&, const CancelOrderData&) = default;
};

// The Revise Order saga's data: the revision asked for (new line items and total), and what
// the replies bring back.
struct ReviseOrderData {
  std::int64_t order_id = 0;
  std::int64_t consumer_id = 0;
  std::int64_t restaurant_id = 0;
  std::vector<LineItem> line_items;       // the revised order
  std::int64_t order_total_cents = 0;     // the revised total
  std::int64_t previous_total_cents = 0;  // at the request; then from OrderRevisionBegun
  std::int64_t expected_version = 0;      // from OrderRevisionBegun: the order's version then
  std::string transaction_id;             // from AuthorizationRevised
  std::string rejection_reason;           // from CardDeclined
  template <class A>
  void serialize(A& a) {
    a(CEREAL_NVP(order_id), CEREAL_NVP(consumer_id), CEREAL_NVP(restaurant_id),
      CEREAL_NVP(line_items), CEREAL_NVP(order_total_cents), CEREAL_NVP(previous_total_cents),
      CEREAL_NVP(expected_version), CEREAL_NVP(transaction_id), CEREAL_NVP(rejection_reason));
  }
  friend bool operator==(const ReviseOrderData&, const ReviseOrderData&) = default;
};

// Order service: Cancel Order.
struct BeginCancelOrder {
  static constexpr std::string_view kMessageName = "BeginCancelOrder";
  std::int64_t order_id = 0;
  template <class A>
  void serialize(A& a) {
    a(CEREAL_NVP(order_id));
  }
  friend bool operator==(const BeginCancelOrder&, const BeginCancelOrder&) = default;
};
struct OrderCancelBegun {
  static constexpr std::string_view kMessageName = "OrderCancelBegun";
  template <class A>
  void serialize(A&) {}
  friend bool operator==(const OrderCancelBegun&, const OrderCancelBegun&) = default;
};
struct UndoBeginCancelOrder {
  static constexpr std::string_view kMessageName = "UndoBeginCancelOrder";
  std::int64_t order_id = 0;
  template <class A>
  void serialize(A& a) {
    a(CEREAL_NVP(order_id));
  }
  friend bool operator==(const UndoBeginCancelOrder&, const UndoBeginCancelOrder&) = default;
};
struct OrderCancelUndone {
  static constexpr std::string_view kMessageName = "OrderCancelUndone";
  template <class A>
  void serialize(A&) {}
  friend bool operator==(const OrderCancelUndone&, const OrderCancelUndone&) = default;
};
struct ConfirmCancelOrder {
  static constexpr std::string_view kMessageName = "ConfirmCancelOrder";
  std::int64_t order_id = 0;
  template <class A>
  void serialize(A& a) {
    a(CEREAL_NVP(order_id));
  }
  friend bool operator==(const ConfirmCancelOrder&, const ConfirmCancelOrder&) = default;
};
struct OrderCancelled {
  static constexpr std::string_view kMessageName = "OrderCancelled";
  template <class A>
  void serialize(A&) {}
  friend bool operator==(const OrderCancelled&, const OrderCancelled&) = default;
};

// Order service: Revise Order.
struct BeginReviseOrder {
  static constexpr std::string_view kMessageName = "BeginReviseOrder";
  std::int64_t order_id = 0;
  template <class A>
  void serialize(A& a) {
    a(CEREAL_NVP(order_id));
  }
  friend bool operator==(const BeginReviseOrder&, const BeginReviseOrder&) = default;
};
struct OrderRevisionBegun {
  static constexpr std::string_view kMessageName = "OrderRevisionBegun";
  std::int64_t version = 0;      // the order's version when the lock was taken
  std::int64_t total_cents = 0;  // its total before the revision
  template <class A>
  void serialize(A& a) {
    a(CEREAL_NVP(version), CEREAL_NVP(total_cents));
  }
  friend bool operator==(const OrderRevisionBegun&, const OrderRevisionBegun&) = default;
};
struct UndoBeginReviseOrder {
  static constexpr std::string_view kMessageName = "UndoBeginReviseOrder";
  std::int64_t order_id = 0;
  template <class A>
  void serialize(A& a) {
    a(CEREAL_NVP(order_id));
  }
  friend bool operator==(const UndoBeginReviseOrder&, const UndoBeginReviseOrder&) = default;
};
struct OrderRevisionUndone {
  static constexpr std::string_view kMessageName = "OrderRevisionUndone";
  template <class A>
  void serialize(A&) {}
  friend bool operator==(const OrderRevisionUndone&, const OrderRevisionUndone&) = default;
};
struct ConfirmReviseOrder {
  static constexpr std::string_view kMessageName = "ConfirmReviseOrder";
  std::int64_t order_id = 0;
  std::int64_t expected_version = 0;  // reread value: refused when the order moved on
  std::vector<LineItem> line_items;
  std::int64_t total_cents = 0;
  template <class A>
  void serialize(A& a) {
    a(CEREAL_NVP(order_id), CEREAL_NVP(expected_version), CEREAL_NVP(line_items),
      CEREAL_NVP(total_cents));
  }
  friend bool operator==(const ConfirmReviseOrder&, const ConfirmReviseOrder&) = default;
};
struct OrderRevised {
  static constexpr std::string_view kMessageName = "OrderRevised";
  std::int64_t version = 0;  // the order's new version
  template <class A>
  void serialize(A& a) {
    a(CEREAL_NVP(version));
  }
  friend bool operator==(const OrderRevised&, const OrderRevised&) = default;
};

// Kitchen service: Cancel Order.
struct BeginCancelTicket {
  static constexpr std::string_view kMessageName = "BeginCancelTicket";
  std::int64_t order_id = 0;
  template <class A>
  void serialize(A& a) {
    a(CEREAL_NVP(order_id));
  }
  friend bool operator==(const BeginCancelTicket&, const BeginCancelTicket&) = default;
};
struct TicketCancelBegun {
  static constexpr std::string_view kMessageName = "TicketCancelBegun";
  template <class A>
  void serialize(A&) {}
  friend bool operator==(const TicketCancelBegun&, const TicketCancelBegun&) = default;
};
struct UndoBeginCancelTicket {
  static constexpr std::string_view kMessageName = "UndoBeginCancelTicket";
  std::int64_t order_id = 0;
  template <class A>
  void serialize(A& a) {
    a(CEREAL_NVP(order_id));
  }
  friend bool operator==(const UndoBeginCancelTicket&, const UndoBeginCancelTicket&) = default;
};
struct TicketCancelUndone {
  static constexpr std::string_view kMessageName = "TicketCancelUndone";
  template <class A>
  void serialize(A&) {}
  friend bool operator==(const TicketCancelUndone&, const TicketCancelUndone&) = default;
};
struct ConfirmCancelTicket {
  static constexpr std::string_view kMessageName = "ConfirmCancelTicket";
  std::int64_t order_id = 0;
  template <class A>
  void serialize(A& a) {
    a(CEREAL_NVP(order_id));
  }
  friend bool operator==(const ConfirmCancelTicket&, const ConfirmCancelTicket&) = default;
};
// ConfirmCancelTicket answers TicketCancelled (above).

// Kitchen service: Revise Order.
struct BeginReviseTicket {
  static constexpr std::string_view kMessageName = "BeginReviseTicket";
  std::int64_t restaurant_id = 0;
  std::int64_t order_id = 0;
  std::vector<LineItem> line_items;  // checked against the menu before the ticket is locked
  template <class A>
  void serialize(A& a) {
    a(CEREAL_NVP(restaurant_id), CEREAL_NVP(order_id), CEREAL_NVP(line_items));
  }
  friend bool operator==(const BeginReviseTicket&, const BeginReviseTicket&) = default;
};
struct TicketRevisionBegun {
  static constexpr std::string_view kMessageName = "TicketRevisionBegun";
  template <class A>
  void serialize(A&) {}
  friend bool operator==(const TicketRevisionBegun&, const TicketRevisionBegun&) = default;
};
struct UndoBeginReviseTicket {
  static constexpr std::string_view kMessageName = "UndoBeginReviseTicket";
  std::int64_t order_id = 0;
  template <class A>
  void serialize(A& a) {
    a(CEREAL_NVP(order_id));
  }
  friend bool operator==(const UndoBeginReviseTicket&, const UndoBeginReviseTicket&) = default;
};
struct TicketRevisionUndone {
  static constexpr std::string_view kMessageName = "TicketRevisionUndone";
  template <class A>
  void serialize(A&) {}
  friend bool operator==(const TicketRevisionUndone&, const TicketRevisionUndone&) = default;
};
struct ConfirmReviseTicket {
  static constexpr std::string_view kMessageName = "ConfirmReviseTicket";
  std::int64_t order_id = 0;
  std::vector<LineItem> line_items;
  template <class A>
  void serialize(A& a) {
    a(CEREAL_NVP(order_id), CEREAL_NVP(line_items));
  }
  friend bool operator==(const ConfirmReviseTicket&, const ConfirmReviseTicket&) = default;
};
struct TicketRevised {
  static constexpr std::string_view kMessageName = "TicketRevised";
  template <class A>
  void serialize(A&) {}
  friend bool operator==(const TicketRevised&, const TicketRevised&) = default;
};

// Accounting service (JSON bodies, like AuthorizeCard).
struct ReverseAuthorization {
  static constexpr std::string_view kMessageName = "ReverseAuthorization";
  static constexpr std::string_view kDescription =
      "Give back the order's authorization (Cancel Order's pivot).";
  static constexpr std::string_view kFieldDescriptions[][2] = {
      {"order_id", "the order whose authorization is reversed"},
  };
  std::int64_t order_id = 0;
  template <class A>
  void serialize(A& a) {
    a(CEREAL_NVP(order_id));
  }
  friend bool operator==(const ReverseAuthorization&, const ReverseAuthorization&) = default;
};
struct AuthorizationReversed {
  static constexpr std::string_view kMessageName = "AuthorizationReversed";
  static constexpr std::string_view kDescription = "The authorization is reversed.";
  static constexpr std::string_view kFieldDescriptions[][2] = {
      {"transaction_id", "the reversed authorization"},
      {"amount_cents", "what was given back, in cents"},
  };
  std::string transaction_id;
  std::int64_t amount_cents = 0;  // what was given back
  template <class A>
  void serialize(A& a) {
    a(CEREAL_NVP(transaction_id), CEREAL_NVP(amount_cents));
  }
  friend bool operator==(const AuthorizationReversed&, const AuthorizationReversed&) = default;
};
struct ReviseAuthorization {
  static constexpr std::string_view kMessageName = "ReviseAuthorization";
  static constexpr std::string_view kDescription =
      "Authorize the revised total instead of the old one (Revise Order's pivot).";
  static constexpr std::string_view kFieldDescriptions[][2] = {
      {"consumer_id", "the consumer whose card is charged"},
      {"order_id", "the order"},
      {"amount_cents", "the new total to authorize, in cents"},
  };
  std::int64_t consumer_id = 0;
  std::int64_t order_id = 0;
  std::int64_t amount_cents = 0;  // the new total to authorize
  template <class A>
  void serialize(A& a) {
    a(CEREAL_NVP(consumer_id), CEREAL_NVP(order_id), CEREAL_NVP(amount_cents));
  }
  friend bool operator==(const ReviseAuthorization&, const ReviseAuthorization&) = default;
};
struct AuthorizationRevised {
  static constexpr std::string_view kMessageName = "AuthorizationRevised";
  static constexpr std::string_view kDescription =
      "The authorization now covers the revised total.";
  static constexpr std::string_view kFieldDescriptions[][2] = {
      {"transaction_id", "the authorization"},
      {"previous_amount_cents", "the amount authorized before, in cents"},
  };
  std::string transaction_id;
  std::int64_t previous_amount_cents = 0;
  template <class A>
  void serialize(A& a) {
    a(CEREAL_NVP(transaction_id), CEREAL_NVP(previous_amount_cents));
  }
  friend bool operator==(const AuthorizationRevised&, const AuthorizationRevised&) = default;
};
// ReviseAuthorization fails with CardDeclined (above), like AuthorizeCard.

}  // namespace ftgo
