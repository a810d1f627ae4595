// The toolkit tests' Create Order: a SagaDefinition built by hand (no DSL) from FTGO's shared
// messages (saga::ftgo, examples/ftgo/include/ftgo/messages.h), with ftgo::CreateOrderData in
// cereal binary as saga data and every body in cereal binary.
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

#include "ftgo/create_order_steps.h"
#include "ftgo/messages.h"
#include "saga/body_codec.h"
#include "saga/definition.h"
#include "saga/message.h"

namespace typed_ftgo {

using ftgo::CreateOrderData;

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
  reject.compensation = typed_command<ftgo::RejectOrder>("order", &ftgo::make_reject_order);

  saga::StepDefinition verify = ftgo_step("verify_consumer", StepKind::kCompensatable);
  verify.action =
      typed_command<ftgo::ValidateOrderByConsumer>("consumer", &ftgo::make_validate_order);

  saga::StepDefinition ticket = ftgo_step("create_ticket", StepKind::kCompensatable);
  ticket.action = typed_command<ftgo::CreateTicket>("kitchen", &ftgo::make_create_ticket);
  ticket.compensation =
      typed_command<ftgo::CancelCreateTicket>("kitchen", &ftgo::make_cancel_ticket);
  ticket.on_reply = [](std::string_view data, const saga::ReplyView& reply) {
    saga::Result<CreateOrderData> d = saga::decode_body<CreateOrderData>(data);
    if (!d) return saga::DataUpdate{true, "bad saga data", {}};
    if (reply.outcome == saga::Outcome::kSuccess) {
      saga::Result<ftgo::TicketCreated> created =
          saga::decode_body<ftgo::TicketCreated>(reply.body, reply.content_type);
      if (!created) return saga::DataUpdate{true, "bad TicketCreated", {}};
      d->ticket_id = created->ticket_id;
    } else {
      d->rejection_reason = std::string(reply.reason);
    }
    return saga::DataUpdate{false, {}, saga::encode_body(d.value()).value()};
  };

  saga::StepDefinition authorize = ftgo_step("authorize_card", StepKind::kPivot);
  authorize.action = typed_command<ftgo::AuthorizeCard>("accounting", &ftgo::make_authorize_card);

  saga::StepDefinition confirm = ftgo_step("confirm_ticket", StepKind::kRetriable);
  confirm.action = typed_command<ftgo::ConfirmCreateTicket>("kitchen", &ftgo::make_confirm_ticket);

  saga::StepDefinition approve = ftgo_step("approve_order", StepKind::kRetriable);
  approve.action = typed_command<ftgo::ApproveOrder>("order", &ftgo::make_approve_order);

  def->steps = {reject, verify, ticket, authorize, confirm, approve};
  return def;
}

inline CreateOrderData sample_order() {
  CreateOrderData d;
  d.order_id = 99;
  d.consumer_id = 7;
  d.restaurant_id = 3;
  d.order_total_cents = 2'550;
  return d;
}

}  // namespace typed_ftgo
