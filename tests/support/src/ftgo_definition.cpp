#include "saga/testing/ftgo_definition.h"

#include <string_view>

#include "ftgo/channels.h"
#include "ftgo/messages.h"

namespace saga::testing {
namespace {

// The command `C` to FTGO's participant on `channel`: body "<data>|<step>".
template <typename C>
CommandAction command(const Channel& channel, const std::string& step) {
  const std::string name(C::kMessageName);
  return CommandAction{std::string(channel.name), name, [name, step](std::string_view data) {
                         return Result<CommandMessage>(CommandMessage{
                             name, ContentType::kJson, std::string(data) + "|" + step});
                       }};
}

StepDefinition make_step(const std::string& name, StepKind kind) {
  StepDefinition s;
  s.name = name;
  s.kind = kind;
  s.reply_timeout = Millis{1'000};
  s.retry = RetryPolicy::fixed(Millis{100}, 5);
  s.retry.jitter = Jitter::kNone;
  s.compensation_retry = RetryPolicy::fixed(Millis{100}, 5);
  s.compensation_retry.jitter = Jitter::kNone;
  return s;
}

}  // namespace

std::shared_ptr<SagaDefinition> ftgo_definition() {
  auto def = std::make_shared<SagaDefinition>();
  def->name = "create_order";
  def->version = 1;

  StepDefinition reject = make_step("reject_order", StepKind::kCompensatable);
  reject.compensation = command<ftgo::RejectOrder>(ftgo::order_service::channel, "reject_order");
  StepDefinition verify = make_step("verify_consumer", StepKind::kCompensatable);
  verify.action =
      command<ftgo::ValidateOrderByConsumer>(ftgo::consumer_service::channel, "verify_consumer");
  StepDefinition ticket = make_step("create_ticket", StepKind::kCompensatable);
  ticket.action = command<ftgo::CreateTicket>(ftgo::kitchen_service::channel, "create_ticket");
  ticket.compensation =
      command<ftgo::CancelCreateTicket>(ftgo::kitchen_service::channel, "create_ticket");
  ticket.on_reply = [](std::string_view data, const ReplyView& reply) {
    if (reply.outcome != Outcome::kSuccess) return DataUpdate{false, {}, std::string(data)};
    return DataUpdate{false, {}, std::string(data) + "+ticket"};
  };
  StepDefinition authorize = make_step("authorize_card", StepKind::kPivot);
  authorize.action =
      command<ftgo::AuthorizeCard>(ftgo::accounting_service::channel, "authorize_card");
  StepDefinition confirm = make_step("confirm_ticket", StepKind::kRetriable);
  confirm.action =
      command<ftgo::ConfirmCreateTicket>(ftgo::kitchen_service::channel, "confirm_ticket");
  StepDefinition approve = make_step("approve_order", StepKind::kRetriable);
  approve.action = command<ftgo::ApproveOrder>(ftgo::order_service::channel, "approve_order");

  def->steps = {reject, verify, ticket, authorize, confirm, approve};
  return def;
}

std::shared_ptr<SagaDefinition> ftgo_locked_definition(const std::string& name,
                                                       const std::string& key, Millis lease) {
  auto def = ftgo_definition();
  def->name = name;
  LockDeclaration lock;
  lock.keys = [key](std::string_view) { return std::vector<std::string>{key}; };
  lock.lease = lease;
  def->locks.push_back(lock);
  return def;
}

}  // namespace saga::testing
