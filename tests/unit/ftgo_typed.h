// Typed FTGO Create Order for the toolkit tests: message structs (cereal, kMessageName) and a
// SagaDefinition built by hand (no DSL) whose saga data is CreateOrderData in cereal binary.
//   0 reject_order      compensatable, compensation only   order/RejectOrder
//   1 verify_consumer   compensatable, action only         consumer/ValidateOrderByConsumer
//   2 create_ticket     compensatable                      kitchen/CreateTicket, CancelCreateTicket
//   3 authorize_card    pivot                              accounting/AuthorizeCard
//   4 confirm_ticket    retriable                          kitchen/ConfirmCreateTicket
//   5 approve_order     retriable                          order/ApproveOrder
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "saga/body_codec.h"
#include "saga/definition.h"
#include "saga/message.h"

namespace ftgo {

struct CreateOrderData {
  std::int64_t order_id = 0;
  std::int64_t consumer_id = 0;
  std::int64_t restaurant_id = 0;
  std::int64_t total_cents = 0;
  std::int64_t ticket_id = 0;  // filled in by TicketCreated
  std::string rejection_reason;
  template <class A>
  void serialize(A& a) {
    a(CEREAL_NVP(order_id), CEREAL_NVP(consumer_id), CEREAL_NVP(restaurant_id),
      CEREAL_NVP(total_cents), CEREAL_NVP(ticket_id), CEREAL_NVP(rejection_reason));
  }
  friend bool operator==(const CreateOrderData&, const CreateOrderData&) = default;
};

// Commands.
struct RejectOrder {
  static constexpr std::string_view kMessageName = "RejectOrder";
  std::int64_t order_id = 0;
  template <class A>
  void serialize(A& a) {
    a(CEREAL_NVP(order_id));
  }
  friend bool operator==(const RejectOrder&, const RejectOrder&) = default;
};
struct ValidateOrderByConsumer {
  static constexpr std::string_view kMessageName = "ValidateOrderByConsumer";
  std::int64_t consumer_id = 0;
  std::int64_t order_id = 0;
  std::int64_t total_cents = 0;
  template <class A>
  void serialize(A& a) {
    a(CEREAL_NVP(consumer_id), CEREAL_NVP(order_id), CEREAL_NVP(total_cents));
  }
  friend bool operator==(const ValidateOrderByConsumer&, const ValidateOrderByConsumer&) = default;
};
struct CreateTicket {
  static constexpr std::string_view kMessageName = "CreateTicket";
  std::int64_t order_id = 0;
  std::int64_t restaurant_id = 0;
  template <class A>
  void serialize(A& a) {
    a(CEREAL_NVP(order_id), CEREAL_NVP(restaurant_id));
  }
  friend bool operator==(const CreateTicket&, const CreateTicket&) = default;
};
struct CancelCreateTicket {
  static constexpr std::string_view kMessageName = "CancelCreateTicket";
  std::int64_t order_id = 0;
  std::int64_t ticket_id = 0;
  template <class A>
  void serialize(A& a) {
    a(CEREAL_NVP(order_id), CEREAL_NVP(ticket_id));
  }
  friend bool operator==(const CancelCreateTicket&, const CancelCreateTicket&) = default;
};
struct AuthorizeCard {
  static constexpr std::string_view kMessageName = "AuthorizeCard";
  std::int64_t consumer_id = 0;
  std::int64_t order_id = 0;
  std::int64_t total_cents = 0;
  template <class A>
  void serialize(A& a) {
    a(CEREAL_NVP(consumer_id), CEREAL_NVP(order_id), CEREAL_NVP(total_cents));
  }
  friend bool operator==(const AuthorizeCard&, const AuthorizeCard&) = default;
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
struct ApproveOrder {
  static constexpr std::string_view kMessageName = "ApproveOrder";
  std::int64_t order_id = 0;
  template <class A>
  void serialize(A& a) {
    a(CEREAL_NVP(order_id));
  }
  friend bool operator==(const ApproveOrder&, const ApproveOrder&) = default;
};

// Replies.
struct ConsumerVerified {
  static constexpr std::string_view kMessageName = "ConsumerVerified";
  template <class A>
  void serialize(A&) {}
  friend bool operator==(const ConsumerVerified&, const ConsumerVerified&) = default;
};
struct ConsumerVerificationFailed {
  static constexpr std::string_view kMessageName = "ConsumerVerificationFailed";
  std::string why;
  template <class A>
  void serialize(A& a) {
    a(CEREAL_NVP(why));
  }
  friend bool operator==(const ConsumerVerificationFailed&,
                         const ConsumerVerificationFailed&) = default;
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
struct CardAuthorized {
  static constexpr std::string_view kMessageName = "CardAuthorized";
  template <class A>
  void serialize(A&) {}
  friend bool operator==(const CardAuthorized&, const CardAuthorized&) = default;
};
struct CardDeclined {
  static constexpr std::string_view kMessageName = "CardDeclined";
  std::string why;
  template <class A>
  void serialize(A& a) {
    a(CEREAL_NVP(why));
  }
  friend bool operator==(const CardDeclined&, const CardDeclined&) = default;
};

// A command action that builds `Command` from the typed saga data.
template <typename Command>
saga::CommandAction typed_command(std::string participant,
                                  std::function<Command(const CreateOrderData&)> build) {
  return saga::CommandAction{
      std::move(participant), std::string(Command::kMessageName),
      [build](std::string_view data) -> saga::Result<saga::CommandMessage> {
        saga::Result<CreateOrderData> d = saga::decode_body<CreateOrderData>(data);
        if (!d) return d.status();
        saga::Result<std::string> body = saga::encode_body(build(d.value()));
        if (!body) return body.status();
        return saga::CommandMessage{std::string(Command::kMessageName),
                                    saga::ContentType::kCerealBinary, std::move(body).value()};
      }};
}

inline saga::StepDefinition ftgo_step(std::string name, saga::StepKind kind) {
  saga::StepDefinition s;
  s.name = std::move(name);
  s.kind = kind;
  s.reply_timeout = saga::Millis{1'000};
  s.retry = saga::RetryPolicy::fixed(saga::Millis{100}, 3);
  s.retry.jitter = saga::Jitter::kNone;
  s.compensation_retry = saga::RetryPolicy::fixed(saga::Millis{100}, 3);
  s.compensation_retry.jitter = saga::Jitter::kNone;
  return s;
}

// reply_timeout 1 s; action and compensation retry: fixed 100 ms, 3 sends, no jitter.
inline std::shared_ptr<saga::SagaDefinition> typed_ftgo_definition() {
  using saga::StepKind;
  auto def = std::make_shared<saga::SagaDefinition>();
  def->name = "create_order";
  def->version = 1;

  saga::StepDefinition reject = ftgo_step("reject_order", StepKind::kCompensatable);
  reject.compensation = typed_command<RejectOrder>(
      "order", [](const CreateOrderData& d) { return RejectOrder{d.order_id}; });

  saga::StepDefinition verify = ftgo_step("verify_consumer", StepKind::kCompensatable);
  verify.action = typed_command<ValidateOrderByConsumer>("consumer", [](const CreateOrderData& d) {
    return ValidateOrderByConsumer{d.consumer_id, d.order_id, d.total_cents};
  });

  saga::StepDefinition ticket = ftgo_step("create_ticket", StepKind::kCompensatable);
  ticket.action = typed_command<CreateTicket>("kitchen", [](const CreateOrderData& d) {
    return CreateTicket{d.order_id, d.restaurant_id};
  });
  ticket.compensation = typed_command<CancelCreateTicket>("kitchen", [](const CreateOrderData& d) {
    return CancelCreateTicket{d.order_id, d.ticket_id};
  });
  ticket.on_reply = [](std::string_view data, const saga::ReplyView& reply) {
    saga::Result<CreateOrderData> d = saga::decode_body<CreateOrderData>(data);
    if (!d) return saga::DataUpdate{true, "bad saga data", {}};
    if (reply.outcome == saga::Outcome::kSuccess) {
      saga::Result<TicketCreated> created =
          saga::decode_body<TicketCreated>(reply.body, reply.content_type);
      if (!created) return saga::DataUpdate{true, "bad TicketCreated", {}};
      d->ticket_id = created->ticket_id;
    } else {
      d->rejection_reason = std::string(reply.reason);
    }
    return saga::DataUpdate{false, {}, saga::encode_body(d.value()).value()};
  };

  saga::StepDefinition authorize = ftgo_step("authorize_card", StepKind::kPivot);
  authorize.action = typed_command<AuthorizeCard>("accounting", [](const CreateOrderData& d) {
    return AuthorizeCard{d.consumer_id, d.order_id, d.total_cents};
  });

  saga::StepDefinition confirm = ftgo_step("confirm_ticket", StepKind::kRetriable);
  confirm.action = typed_command<ConfirmCreateTicket>(
      "kitchen", [](const CreateOrderData& d) { return ConfirmCreateTicket{d.ticket_id}; });

  saga::StepDefinition approve = ftgo_step("approve_order", StepKind::kRetriable);
  approve.action = typed_command<ApproveOrder>(
      "order", [](const CreateOrderData& d) { return ApproveOrder{d.order_id}; });

  def->steps = {reject, verify, ticket, authorize, confirm, approve};
  return def;
}

inline CreateOrderData sample_order() {
  CreateOrderData d;
  d.order_id = 99;
  d.consumer_id = 7;
  d.restaurant_id = 3;
  d.total_cents = 2'550;
  return d;
}

}  // namespace ftgo
