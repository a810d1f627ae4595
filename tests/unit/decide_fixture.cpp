// The decide tests' shared fixture. See decide_fixture.h.
#include "decide_fixture.h"

#include "unit/delivery_sagas.h"

namespace saga::decide_fixture {

// A command whose body is "<saga data>|<step name>", so payloads show what data they saw.
CommandAction command(const std::string& participant, const std::string& name,
                      const std::string& step_name) {
  return delivery_sagas::text_command(participant, name, step_name);
}

StepDefinition step(const std::string& name, StepKind kind) {
  return delivery_sagas::text_step(name, kind);
}

// FTGO Create Order (Richardson, ch. 4), as the DSL would build it.
SagaDefinition create_order_saga() {
  SagaDefinition def;
  def.name = "create_order";
  def.version = 3;
  StepDefinition reject = step("reject_order", StepKind::kCompensatable);
  reject.compensation = command("order", "RejectOrder", "reject_order");
  StepDefinition verify = step("verify_consumer", StepKind::kCompensatable);
  verify.action = command("consumer", "ValidateOrderByConsumer", "verify_consumer");
  StepDefinition ticket = step("create_ticket", StepKind::kCompensatable);
  ticket.action = command("kitchen", "CreateTicket", "create_ticket");
  ticket.compensation = command("kitchen", "CancelCreateTicket", "create_ticket");
  ticket.on_reply = [](std::string_view data, const ReplyView& reply) {
    return DataUpdate{false, {}, std::string(data) + "ticket:" + std::string(reply.name)};
  };
  StepDefinition card = step("authorize_card", StepKind::kPivot);
  card.action = command("accounting", "AuthorizeCard", "authorize_card");
  StepDefinition confirm = step("confirm_ticket", StepKind::kRetriable);
  confirm.action = command("kitchen", "ConfirmCreateTicket", "confirm_ticket");
  confirm.retry = RetryPolicy::fixed(Millis{100}, 3);
  confirm.retry.jitter = Jitter::kNone;
  StepDefinition approve = step("approve_order", StepKind::kRetriable);
  approve.action = command("order", "ApproveOrder", "approve_order");
  def.steps = {reject, verify, ticket, card, confirm, approve};
  return def;
}

RetryPolicy fixed_no_jitter(Millis interval, std::uint32_t attempts) {
  RetryPolicy p = RetryPolicy::fixed(interval, attempts);
  p.jitter = Jitter::kNone;
  return p;
}

SagaDefinition fragile_compensations() {
  SagaDefinition def = create_order_saga();
  def.steps[kCreateTicket].compensation_retry = fixed_no_jitter(Millis{10}, 2);
  def.steps[kReject].compensation_retry = fixed_no_jitter(Millis{10}, 2);
  return def;
}

// The invariants every decision keeps, whatever the input.
namespace {

// Parallel groups: branch commands only with branches, one per branch sent, the instance's
// deadline the earliest of its open branches', and no single command at the same time.
void expect_group_invariants(const SagaDefinition& def, const SagaInstance& before,
                             const Decision& d) {
  if (!d.applied) {
    EXPECT_TRUE(d.branch_commands.empty());
    return;
  }
  if (!d.branch_commands.empty()) {
    EXPECT_FALSE(d.command.has_value());
  }
  Millis earliest{0};
  bool open = false;
  for (const Branch& b : d.next.branches) {
    ASSERT_GE(b.step, 0);
    ASSERT_LT(b.step, static_cast<std::int32_t>(def.steps.size()));
    EXPECT_FALSE(def.steps[static_cast<std::size_t>(b.step)].group.empty());
    if (!b.open()) continue;
    if (!open || b.due < earliest) earliest = b.due;
    open = true;
  }
  if (open) {
    EXPECT_EQ(d.next.deadline, earliest);
    EXPECT_TRUE(d.next.last_request_id.empty());
  }
  for (const OutgoingCommand& c : d.branch_commands) {
    EXPECT_TRUE(awaits(d.next, c.envelope.message_id)) << c.envelope.message_id;
    EXPECT_EQ(c.envelope.saga_id, before.id);
    EXPECT_FALSE(c.envelope.compensation);
  }
  if (is_terminal(d.next.phase)) {
    EXPECT_TRUE(d.next.branches.empty());
  }
}

}  // namespace

void expect_invariants(const SagaDefinition& def, const SagaInstance& before, const Input& in,
                       const Decision& d) {
  if (!d.applied) {
    EXPECT_EQ(d.next, before) << "an ignored input changed the instance";
    EXPECT_TRUE(d.history.empty());
    EXPECT_FALSE(d.command.has_value());
    EXPECT_FALSE(d.ignored_reason.empty());
    return;
  }
  EXPECT_FALSE(d.history.empty()) << "an applied decision explains itself";
  Phase p = before.phase;
  for (const HistoryEntry& h : d.history) {
    std::optional<Phase> target = next_phase(p, h.event);
    ASSERT_TRUE(target.has_value()) << to_string(p) << " + " << to_string(h.event);
    p = *target;
    EXPECT_EQ(h.time, in.now);
  }
  EXPECT_EQ(p, d.next.phase) << "the history does not lead to the new phase";
  EXPECT_EQ(d.next.updated_at, in.now);
  EXPECT_GE(d.next.message_seq, before.message_seq);
  if (d.command) {
    const Envelope& e = d.command->envelope;
    EXPECT_EQ(d.next.wait, Wait::kReply);
    EXPECT_EQ(d.next.last_request_id, e.message_id);
    EXPECT_GT(d.next.deadline, in.now);
    EXPECT_EQ(e.kind, MessageKind::kCommand);
    EXPECT_EQ(e.saga_id, before.id);
    EXPECT_EQ(e.saga_type, def.name);
    EXPECT_EQ(e.attempt, d.next.delivery);
    EXPECT_EQ(e.trace_id, before.trace_id);
    ASSERT_GE(d.next.step, 0);
    ASSERT_LT(d.next.step, static_cast<std::int32_t>(def.steps.size()));
    const StepDefinition& st = def.steps[static_cast<std::size_t>(d.next.step)];
    EXPECT_EQ(e.step, st.name);
    const std::optional<CommandAction>& action = e.compensation ? st.compensation : st.action;
    ASSERT_TRUE(action.has_value());
    EXPECT_EQ(d.command->participant, action->participant);
    if (e.compensation) {
      EXPECT_EQ(st.kind, StepKind::kCompensatable) << "compensation sent to " << st.name;
      EXPECT_EQ(d.next.phase, Phase::kCompensating);
    } else {
      EXPECT_EQ(d.next.phase, Phase::kExecuting);
    }
  } else if (d.next.branches.empty()) {
    // Only an annotation that changes nothing else (a saga deadline passed after the pivot)
    // keeps waiting for the command that was already out.
    const bool annotation =
        d.history.size() == 1 && d.history.front().event == Event::kSagaDeadlinePassedAfterPivot &&
        d.next.last_request_id == before.last_request_id && d.next.deadline == before.deadline;
    if (!annotation) {
      EXPECT_NE(d.next.wait, Wait::kReply) << "waiting for a reply to a command never sent";
    }
  }
  expect_group_invariants(def, before, d);
  if (d.next.wait == Wait::kRetry) {
    EXPECT_GE(d.next.deadline, in.now);
    EXPECT_TRUE(d.next.phase == Phase::kExecuting || d.next.phase == Phase::kCompensating);
  }
  if (is_terminal(d.next.phase) || d.next.phase == Phase::kFailed) {
    EXPECT_FALSE(d.command.has_value());
    EXPECT_EQ(d.next.wait, Wait::kNone);
    EXPECT_TRUE(d.next.last_request_id.empty());
  }
  if (d.next.phase == Phase::kFailed) {
    EXPECT_TRUE(d.next.failed_from == Phase::kExecuting ||
                d.next.failed_from == Phase::kCompensating);
  }
}

Sent sent(const OutgoingCommand& c) {
  const Envelope& e = c.envelope;
  return {c.participant, e.name, e.compensation, e.message_id, e.attempt, e.step, e.body};
}

std::vector<Sent> sent(const std::vector<OutgoingCommand>& commands) {
  std::vector<Sent> out;
  for (const OutgoingCommand& c : commands) out.push_back(sent(c));
  return out;
}

// "event@step", in order.
Strings events(const std::vector<HistoryEntry>& history) {
  Strings out;
  for (const HistoryEntry& h : history) {
    out.push_back(std::string(to_string(h.event)) + "@" + std::to_string(h.step));
  }
  return out;
}

std::string id(int seq) { return message_id_for(kSagaId, static_cast<std::uint64_t>(seq)); }

// Every input that is not a reply or an operator action: none may change a finished saga.
void expect_inert(Driver& d) {
  const SagaInstance before = d.instance;
  if (!d.sent.empty()) {
    EXPECT_FALSE(d.reply_to(d.sent.back().envelope, Outcome::kSuccess, "Again").applied);
    EXPECT_FALSE(d.reply_to(d.sent.back().envelope, Outcome::kFailure, "Again").applied);
  }
  EXPECT_FALSE(d.deadline().applied);
  EXPECT_FALSE(d.retry_due().applied);
  for (InputKind k : {InputKind::kOperatorRetry, InputKind::kOperatorCompensate,
                      InputKind::kOperatorSkip, InputKind::kStart}) {
    Result<Decision> r = k == InputKind::kStart ? d.try_apply(d.input(k)) : d.try_operate(k);
    ASSERT_FALSE(r.is_ok());
    EXPECT_EQ(r.status().code(), StatusCode::kFailedPrecondition);
  }
  EXPECT_EQ(d.instance, before);
}

// Drives confirm_ticket through its three attempts, each failing.
void exhaust_confirm_ticket(Driver& d) {
  d.fail("TicketNotReady", "kitchen_busy");
  d.retry_due();
  d.fail("TicketNotReady", "kitchen_busy");
  d.retry_due();
  Decision last = d.fail("TicketNotReady", "kitchen_busy");
  EXPECT_EQ(events(last.history), Strings{"step_exhausted@4"});
}

// Card declined, then CancelCreateTicket fails twice: the saga fails while compensating.
void fail_while_compensating(Driver& d) {
  d.run_to(kAuthorize);
  d.fail("CardDeclined", "card_declined");
  Decision first = d.fail("CancelFailed", "kitchen_down");
  EXPECT_EQ(events(first.history), Strings{"compensation_retry_scheduled@2"});
  EXPECT_EQ(d.instance.wait, Wait::kRetry);
  EXPECT_EQ(d.instance.deadline, d.now + Millis{10});
  EXPECT_TRUE(d.instance.last_request_id.empty());
  Decision again = d.retry_due();
  EXPECT_EQ(events(again.history), Strings{"compensation_retried@2"});
  ASSERT_TRUE(again.command.has_value());
  EXPECT_EQ(sent(*again.command), (Sent{"kitchen", "CancelCreateTicket", true, id(5), 1,
                                        "create_ticket", "order:99;ticket:Ok|create_ticket"}));
  Decision exhausted = d.fail("CancelFailed", "kitchen_down");
  EXPECT_EQ(events(exhausted.history), Strings{"compensation_exhausted@2"});
  EXPECT_EQ(exhausted.history[0].reason, "kitchen_down");
}

}  // namespace saga::decide_fixture
