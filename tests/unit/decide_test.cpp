// Goal: decide follows DESIGN.md §3 on the FTGO Create Order saga: exact commands, payloads,
// history and phases on every path, and its invariants hold in every reachable state.
// Method: a hand-built definition driven input by input (invariants checked on every decision),
// then a TEST_P sweep of every reachable state x every kind of input, then a seeded random walk.
#include "saga/decide.h"

#include <gtest/gtest.h>

#include <functional>
#include <iostream>
#include <ostream>
#include <random>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace saga {

// Readable failure messages for the enums compared below (internal linkage; found by ADL).
[[maybe_unused]] static void PrintTo(Phase p, std::ostream* os) { *os << to_string(p); }
[[maybe_unused]] static void PrintTo(Event e, std::ostream* os) { *os << to_string(e); }
[[maybe_unused]] static void PrintTo(Wait w, std::ostream* os) {
  *os << "wait " << static_cast<int>(w);
}

namespace {

using Strings = std::vector<std::string>;

constexpr char kSagaId[] = "saga-1";
constexpr char kData[] = "order:99;";
constexpr Millis kStartTime{1'000'000};
constexpr Millis kReplyTimeout{10'000};  // the StepDefinition default

enum Step : std::int32_t {
  kReject = 0,
  kVerify = 1,
  kCreateTicket = 2,
  kAuthorize = 3,
  kConfirm = 4,
  kApprove = 5,
  kStepCount = 6,
};

// A command whose body is "<saga data>|<step name>", so payloads show what data they saw.
CommandAction command(const std::string& participant, const std::string& name,
                      const std::string& step_name) {
  CommandAction a;
  a.participant = participant;
  a.command_name = name;
  a.make = [name, step_name](std::string_view data) -> Result<CommandMessage> {
    return CommandMessage{name, ContentType::kJson, std::string(data) + "|" + step_name};
  };
  return a;
}

StepDefinition step(const std::string& name, StepKind kind) {
  StepDefinition s;
  s.name = name;
  s.kind = kind;
  return s;
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

// The invariants every decision keeps, whatever the input.
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
  } else {
    EXPECT_NE(d.next.wait, Wait::kReply) << "waiting for a reply to a command never sent";
  }
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

// Drives one instance through decide, keeping what was sent and recorded.
class Driver {
 public:
  explicit Driver(SagaDefinition definition = create_order_saga(), std::string data = kData)
      : def_(std::move(definition)) {
    instance.id = kSagaId;
    instance.type = def_.name;
    instance.version = def_.version;
    instance.data = std::move(data);
    instance.trace_id = "trace-7";
  }

  const SagaDefinition& definition() const { return def_; }

  // decide + invariants; an applied decision becomes the new state. Errors are returned.
  Result<Decision> try_apply(const Input& in) {
    const SagaInstance before = instance;
    Result<Decision> r = decide(def_, instance, in);
    now = in.now;
    if (!r) return r;
    expect_invariants(def_, before, in, r.value());
    if (r->applied) {
      instance = r->next;
      history.insert(history.end(), r->history.begin(), r->history.end());
      if (r->command) sent.push_back(*r->command);
    }
    return r;
  }

  // The same, failing the test on an error.
  Decision apply(const Input& in) {
    Result<Decision> r = try_apply(in);
    if (!r) {
      ADD_FAILURE() << "decide: " << r.status().to_string();
      return Decision{false, "error", instance, {}, {}, {}};
    }
    return std::move(r).value();
  }

  Input input(InputKind kind) const {
    Input in;
    in.kind = kind;
    in.now = now;
    in.random = random;
    return in;
  }

  Decision start() { return apply(input(InputKind::kStart)); }

  // A reply to the most recent command (or to a command never sent, before the first).
  Result<Decision> try_reply(Outcome outcome, const std::string& name,
                             const std::string& reason = {}) {
    Envelope command;
    command.saga_id = instance.id;
    command.message_id = message_id_for(instance.id, 0);
    return try_reply_to(sent.empty() ? command : sent.back().envelope, outcome, name, reason);
  }
  Result<Decision> try_reply_to(const Envelope& command, Outcome outcome, const std::string& name,
                                const std::string& reason = {}) {
    Envelope r = make_reply_to(command);
    r.message_id = "reply-" + std::to_string(++replies_);
    r.name = name;
    r.outcome = outcome;
    r.reason = reason;
    now += Millis{5};
    Input in = input(InputKind::kReply);
    in.reply = &r;
    return try_apply(in);
  }
  Decision succeed(const std::string& name) { return check(try_reply(Outcome::kSuccess, name)); }
  Decision fail(const std::string& name, const std::string& reason) {
    return check(try_reply(Outcome::kFailure, name, reason));
  }
  Decision reply_to(const Envelope& command, Outcome outcome, const std::string& name) {
    return check(try_reply_to(command, outcome, name, outcome == Outcome::kFailure ? "no" : ""));
  }

  // Deadline and retry inputs arrive exactly when due.
  Decision deadline() { return apply(due(InputKind::kDeadline)); }
  Decision retry_due() { return apply(due(InputKind::kRetryDue)); }
  Input due(InputKind kind) {
    now = std::max(now, instance.deadline);
    return input(kind);
  }

  Result<Decision> try_operate(InputKind kind, const std::string& reason = "ops: test") {
    now += Millis{5};
    Input in = input(kind);
    in.reason = reason;
    return try_apply(in);
  }
  Decision operate(InputKind kind, const std::string& reason = "ops: test") {
    return check(try_operate(kind, reason));
  }

  // Success replies until the saga waits on step `target`'s action.
  void run_to(std::int32_t target) {
    if (instance.phase == Phase::kNotStarted) start();
    while (instance.phase == Phase::kExecuting && instance.step < target) succeed("Ok");
    EXPECT_EQ(instance.step, target);
  }

  SagaInstance instance;
  std::vector<OutgoingCommand> sent;
  std::vector<HistoryEntry> history;
  Millis now = kStartTime;
  std::uint32_t random = 0;

 private:
  Decision check(Result<Decision> r) {
    if (!r) {
      ADD_FAILURE() << "decide: " << r.status().to_string();
      return Decision{false, "error", instance, {}, {}, {}};
    }
    return std::move(r).value();
  }

  SagaDefinition def_;
  int replies_ = 0;
};

// One sent command, comparable and printable.
struct Sent {
  std::string participant;
  std::string name;
  bool compensation = false;
  std::string message_id;
  std::uint32_t attempt = 0;
  std::string step;
  std::string body;
  friend bool operator==(const Sent&, const Sent&) = default;
  friend void PrintTo(const Sent& s, std::ostream* os) {
    *os << "{" << s.participant << ", " << s.name << (s.compensation ? " (compensation)" : "")
        << ", " << s.message_id << ", attempt " << s.attempt << ", " << s.step << ", '" << s.body
        << "'}";
  }
};

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

// --- the happy path --------------------------------------------------------------------------

TEST(DecideTest, HappyPathSendsEachActionOnceInOrderAndCompletes) {
  Driver d;
  Decision started = d.start();
  EXPECT_EQ(events(started.history), Strings{"started@-1"});  // reject_order: nothing forward
  EXPECT_EQ(d.instance.created_at, kStartTime);
  d.succeed("ConsumerVerified");
  d.succeed("TicketCreated");
  EXPECT_EQ(d.instance.data, "order:99;ticket:TicketCreated");  // on_reply ran
  d.succeed("CardAuthorized");
  d.succeed("TicketConfirmed");
  Decision last = d.succeed("OrderApproved");
  EXPECT_EQ(events(last.history), (Strings{"step_succeeded@5", "completed@-1"}));
  EXPECT_FALSE(last.command.has_value());

  const std::string ticket = "order:99;ticket:TicketCreated";
  EXPECT_EQ(
      sent(d.sent),
      (std::vector<Sent>{
          {"consumer", "ValidateOrderByConsumer", false, id(1), 1, "verify_consumer",
           "order:99;|verify_consumer"},
          {"kitchen", "CreateTicket", false, id(2), 1, "create_ticket", "order:99;|create_ticket"},
          {"accounting", "AuthorizeCard", false, id(3), 1, "authorize_card",
           ticket + "|authorize_card"},
          {"kitchen", "ConfirmCreateTicket", false, id(4), 1, "confirm_ticket",
           ticket + "|confirm_ticket"},
          {"order", "ApproveOrder", false, id(5), 1, "approve_order", ticket + "|approve_order"},
      }));
  for (const OutgoingCommand& c : d.sent) {
    EXPECT_EQ(c.envelope.content_type, ContentType::kJson);
    EXPECT_EQ(c.envelope.trace_id, "trace-7");
    EXPECT_EQ(c.envelope.saga_type, "create_order");
  }
  EXPECT_EQ(events(d.history),
            (Strings{"started@-1", "step_succeeded@1", "step_succeeded@2", "step_succeeded@3",
                     "step_succeeded@4", "step_succeeded@5", "completed@-1"}));
  EXPECT_EQ(d.history[2].reply_name, "TicketCreated");
  EXPECT_EQ(d.instance.phase, Phase::kCompleted);
  EXPECT_EQ(d.instance.step, kStepCount);
  EXPECT_EQ(d.instance.wait, Wait::kNone);
  EXPECT_TRUE(d.instance.last_request_id.empty());
  EXPECT_EQ(d.instance.message_seq, 5u);
  expect_inert(d);
  EXPECT_EQ(d.sent.size(), 5u);
}

TEST(DecideTest, CommandsWaitForTheirReplyUntilTheStepTimeout) {
  Driver d;
  d.start();
  EXPECT_EQ(d.instance.wait, Wait::kReply);
  EXPECT_EQ(d.instance.deadline, kStartTime + kReplyTimeout);
  EXPECT_EQ(d.instance.last_request_id, id(1));
  EXPECT_EQ(d.instance.attempt, 1u);
  EXPECT_EQ(d.instance.delivery, 1u);
  EXPECT_EQ(d.instance.step, kVerify);
}

// --- failures before and at the pivot --------------------------------------------------------

TEST(DecideTest, ConsumerRejectedCompensatesWithRejectOrderOnly) {
  Driver d;
  d.start();
  Decision failed = d.fail("ConsumerVerificationFailed", "consumer_unknown");
  EXPECT_EQ(events(failed.history), Strings{"step_failed@1"});
  EXPECT_EQ(failed.history[0].reason, "consumer_unknown");
  EXPECT_EQ(failed.history[0].reply_name, "ConsumerVerificationFailed");
  EXPECT_EQ(d.instance.phase, Phase::kCompensating);
  EXPECT_EQ(d.instance.last_reason, "step 'verify_consumer': consumer_unknown");
  ASSERT_TRUE(failed.command.has_value());
  EXPECT_EQ(sent(*failed.command), (Sent{"order", "RejectOrder", true, id(2), 1, "reject_order",
                                         "order:99;|reject_order"}));
  Decision done = d.succeed("OrderRejected");
  EXPECT_EQ(events(done.history), (Strings{"compensation_succeeded@0", "compensated@-1"}));
  EXPECT_EQ(done.history[1].reason, "step 'verify_consumer': consumer_unknown");
  EXPECT_EQ(d.instance.phase, Phase::kCompensated);
  ASSERT_EQ(d.sent.size(), 2u);  // CreateTicket was never sent
  for (const OutgoingCommand& c : d.sent) EXPECT_NE(c.envelope.name, "CreateTicket");
  expect_inert(d);
}

TEST(DecideTest, TicketRejectedDoesNotSendItsOwnCompensation) {
  Driver d;
  d.run_to(kCreateTicket);
  Decision failed = d.fail("CreateTicketRejected", "kitchen_closed");
  EXPECT_EQ(events(failed.history), Strings{"step_failed@2"});
  ASSERT_TRUE(failed.command.has_value());
  // The reply handler sees failure replies too; the compensation carries its update.
  EXPECT_EQ(sent(*failed.command), (Sent{"order", "RejectOrder", true, id(3), 1, "reject_order",
                                         "order:99;ticket:CreateTicketRejected|reject_order"}));
  d.succeed("OrderRejected");
  EXPECT_EQ(d.instance.phase, Phase::kCompensated);
  for (const OutgoingCommand& c : d.sent) EXPECT_NE(c.envelope.name, "CancelCreateTicket");
}

TEST(DecideTest, CardDeclinedUndoesTheTicketThenRejectsTheOrder) {
  Driver d;
  d.run_to(kAuthorize);
  Decision declined = d.fail("CardDeclined", "card_declined");
  EXPECT_EQ(events(declined.history), Strings{"step_failed@3"});
  EXPECT_EQ(d.instance.step, kCreateTicket);
  Decision undone = d.succeed("CreateTicketCancelled");
  EXPECT_EQ(events(undone.history), Strings{"compensation_succeeded@2"});
  d.succeed("OrderRejected");
  const std::string data = "order:99;ticket:Ok";
  const std::vector<Sent> all = sent(d.sent);
  ASSERT_EQ(all.size(), 5u);
  EXPECT_EQ(all[3], (Sent{"kitchen", "CancelCreateTicket", true, id(4), 1, "create_ticket",
                          data + "|create_ticket"}));
  EXPECT_EQ(all[4],
            (Sent{"order", "RejectOrder", true, id(5), 1, "reject_order", data + "|reject_order"}));
  EXPECT_EQ(events(d.history),
            (Strings{"started@-1", "step_succeeded@1", "step_succeeded@2", "step_failed@3",
                     "compensation_succeeded@2", "compensation_succeeded@0", "compensated@-1"}));
  EXPECT_EQ(d.instance.phase, Phase::kCompensated);
  EXPECT_EQ(d.instance.last_reason, "step 'authorize_card': card_declined");
}

// --- retriable steps after the pivot ---------------------------------------------------------

TEST(DecideTest, RetriableFailuresAreRetriedWithNewMessagesUntilTheySucceed) {
  Driver d;
  d.run_to(kConfirm);
  ASSERT_EQ(d.sent.back().envelope.message_id, id(4));
  for (int failure = 1; failure <= 2; ++failure) {
    SCOPED_TRACE("failure " + std::to_string(failure));
    Decision scheduled = d.fail("TicketNotReady", "kitchen_busy");
    EXPECT_EQ(events(scheduled.history), Strings{"step_retry_scheduled@4"});
    EXPECT_EQ(scheduled.history[0].reason, "kitchen_busy");
    EXPECT_FALSE(scheduled.command.has_value());
    EXPECT_EQ(d.instance.phase, Phase::kExecuting);
    EXPECT_EQ(d.instance.wait, Wait::kRetry);
    EXPECT_EQ(d.instance.deadline, d.now + Millis{100});
    EXPECT_TRUE(d.instance.last_request_id.empty());
    Decision resent = d.retry_due();
    EXPECT_EQ(events(resent.history), Strings{"step_retried@4"});
    ASSERT_TRUE(resent.command.has_value());
    EXPECT_EQ(sent(*resent.command),
              (Sent{"kitchen", "ConfirmCreateTicket", false, id(4 + failure), 1, "confirm_ticket",
                    "order:99;ticket:Ok|confirm_ticket"}));
    EXPECT_EQ(d.instance.attempt, static_cast<std::uint32_t>(1 + failure));
  }
  d.succeed("TicketConfirmed");
  EXPECT_EQ(d.sent.back().envelope.name, "ApproveOrder");
  EXPECT_EQ(d.sent.back().envelope.message_id, id(7));
  d.succeed("OrderApproved");
  EXPECT_EQ(d.instance.phase, Phase::kCompleted);
  for (const OutgoingCommand& c : d.sent) EXPECT_FALSE(c.envelope.compensation);
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

TEST(DecideTest, ExhaustedRetriableStepFailsTheSagaAndNeverCompensates) {
  Driver d;
  d.run_to(kConfirm);
  exhaust_confirm_ticket(d);
  EXPECT_EQ(d.instance.phase, Phase::kFailed);
  EXPECT_EQ(d.instance.failed_from, Phase::kExecuting);
  EXPECT_EQ(d.instance.step, kConfirm);
  EXPECT_EQ(d.instance.last_reason, "kitchen_busy");
  EXPECT_EQ(d.instance.wait, Wait::kNone);
  for (const OutgoingCommand& c : d.sent) EXPECT_FALSE(c.envelope.compensation);
  // Nothing but an operator moves it.
  EXPECT_FALSE(d.deadline().applied);
  EXPECT_FALSE(d.retry_due().applied);
  EXPECT_FALSE(d.succeed("Late").applied);
}

TEST(DecideTest, OperatorRetryResendsTheFailedStepWithANewMessage) {
  Driver d;
  d.run_to(kConfirm);
  exhaust_confirm_ticket(d);
  Decision retried = d.operate(InputKind::kOperatorRetry, "alice: kitchen is back");
  EXPECT_EQ(events(retried.history), Strings{"operator_retried_step@4"});
  EXPECT_EQ(retried.history[0].reason, "alice: kitchen is back");
  EXPECT_EQ(d.instance.phase, Phase::kExecuting);
  EXPECT_EQ(d.instance.attempt, 1u);
  ASSERT_TRUE(retried.command.has_value());
  EXPECT_EQ(sent(*retried.command), (Sent{"kitchen", "ConfirmCreateTicket", false, id(7), 1,
                                          "confirm_ticket", "order:99;ticket:Ok|confirm_ticket"}));
  // The policy starts over: two more failures are retried again.
  EXPECT_EQ(events(d.fail("TicketNotReady", "kitchen_busy").history),
            Strings{"step_retry_scheduled@4"});
  d.retry_due();
  d.succeed("TicketConfirmed");
  d.succeed("OrderApproved");
  EXPECT_EQ(d.instance.phase, Phase::kCompleted);
}

TEST(DecideTest, OperatorSkipMovesToTheNextStep) {
  Driver d;
  d.run_to(kConfirm);
  exhaust_confirm_ticket(d);
  Decision skipped = d.operate(InputKind::kOperatorSkip);
  EXPECT_EQ(events(skipped.history), Strings{"operator_skipped_step@4"});
  ASSERT_TRUE(skipped.command.has_value());
  EXPECT_EQ(skipped.command->envelope.name, "ApproveOrder");
  EXPECT_EQ(d.instance.step, kApprove);
  d.succeed("OrderApproved");
  EXPECT_EQ(d.instance.phase, Phase::kCompleted);
}

TEST(DecideTest, OperatorCompensateAfterThePivotUndoesTheCompensatableSteps) {
  Driver d;
  d.run_to(kConfirm);
  exhaust_confirm_ticket(d);
  Decision c = d.operate(InputKind::kOperatorCompensate, "bob: give up");
  EXPECT_EQ(events(c.history), Strings{"operator_compensated@4"});
  EXPECT_EQ(d.instance.last_reason, "operator: bob: give up");
  ASSERT_TRUE(c.command.has_value());
  EXPECT_EQ(c.command->envelope.name, "CancelCreateTicket");
  d.succeed("CreateTicketCancelled");
  EXPECT_EQ(d.sent.back().envelope.name, "RejectOrder");
  d.succeed("OrderRejected");
  EXPECT_EQ(d.instance.phase, Phase::kCompensated);
}

TEST(DecideTest, NonRetryableReasonFailsARetriableStepAtOnce) {
  SagaDefinition def = create_order_saga();
  def.steps[kConfirm].retry.non_retryable_reasons = {"ticket_gone"};
  Driver d(def);
  d.run_to(kConfirm);
  Decision r = d.fail("TicketGone", "ticket_gone");
  EXPECT_EQ(events(r.history), Strings{"step_exhausted@4"});
  EXPECT_EQ(d.instance.phase, Phase::kFailed);
  EXPECT_EQ(d.instance.failed_from, Phase::kExecuting);
}

// --- timeouts --------------------------------------------------------------------------------

TEST(DecideTest, TimeoutResendsTheSameMessageAndAcceptsALateReply) {
  SagaDefinition def = create_order_saga();
  def.steps[kVerify].retry = fixed_no_jitter(Millis{50}, 3);
  Driver d(def);
  d.start();
  Decision timed_out = d.deadline();
  EXPECT_EQ(d.now, kStartTime + kReplyTimeout);
  EXPECT_EQ(events(timed_out.history), Strings{"step_timed_out@1"});
  EXPECT_EQ(timed_out.history[0].reason, "timeout");
  EXPECT_FALSE(timed_out.command.has_value());
  EXPECT_EQ(d.instance.phase, Phase::kExecuting);
  EXPECT_EQ(d.instance.wait, Wait::kRetry);
  EXPECT_EQ(d.instance.deadline, d.now + Millis{50});
  EXPECT_EQ(d.instance.last_request_id, id(1));  // still the outstanding command

  Decision resent = d.retry_due();
  EXPECT_EQ(events(resent.history), Strings{"step_retried@1"});
  ASSERT_TRUE(resent.command.has_value());
  EXPECT_EQ(sent(*resent.command), (Sent{"consumer", "ValidateOrderByConsumer", false, id(1), 2,
                                         "verify_consumer", "order:99;|verify_consumer"}));
  EXPECT_EQ(d.instance.attempt, 2u);
  EXPECT_EQ(d.instance.delivery, 2u);
  EXPECT_EQ(d.instance.message_seq, 1u);

  // The reply to the first delivery arrives late: same message_id, so it counts.
  Decision late = d.reply_to(d.sent.front().envelope, Outcome::kSuccess, "ConsumerVerified");
  EXPECT_TRUE(late.applied);
  EXPECT_EQ(events(late.history), Strings{"step_succeeded@1"});
  EXPECT_EQ(d.sent.back().envelope.name, "CreateTicket");
  EXPECT_EQ(d.sent.back().envelope.message_id, id(2));
  EXPECT_EQ(d.sent.back().envelope.attempt, 1u);
}

TEST(DecideTest, AReplyWhileWaitingToResendIsAccepted) {
  Driver d;
  d.start();
  d.deadline();
  ASSERT_EQ(d.instance.wait, Wait::kRetry);
  Decision late = d.succeed("ConsumerVerified");
  EXPECT_TRUE(late.applied);
  EXPECT_EQ(d.instance.step, kCreateTicket);
  EXPECT_EQ(d.instance.wait, Wait::kReply);
}

TEST(DecideTest, TimeoutsExhaustingACompensatableStepRunItsOwnCompensation) {
  SagaDefinition def = create_order_saga();
  def.steps[kCreateTicket].retry = fixed_no_jitter(Millis{50}, 2);
  Driver d(def);
  d.run_to(kCreateTicket);
  EXPECT_EQ(events(d.deadline().history), Strings{"step_timed_out@2"});
  d.retry_due();
  Decision failed = d.deadline();
  EXPECT_EQ(events(failed.history), Strings{"step_failed@2"});
  EXPECT_EQ(failed.history[0].reason, "timeout");
  EXPECT_EQ(d.instance.last_reason, "step 'create_ticket': timeout");
  ASSERT_TRUE(failed.command.has_value());
  // Its outcome is unknown, so its own compensation runs first (new message).
  EXPECT_EQ(sent(*failed.command), (Sent{"kitchen", "CancelCreateTicket", true, id(3), 1,
                                         "create_ticket", "order:99;|create_ticket"}));
  d.succeed("CreateTicketCancelled");
  EXPECT_EQ(d.sent.back().envelope.name, "RejectOrder");
  d.succeed("OrderRejected");
  EXPECT_EQ(d.instance.phase, Phase::kCompensated);
}

// The pivot may have run and cannot be undone: no rollback around it; an operator decides, and a
// retry resends the same message so the participant's inbox tells what happened.
TEST(DecideTest, TimeoutsExhaustingThePivotFailTheSagaWithoutCompensating) {
  SagaDefinition def = create_order_saga();
  def.steps[kAuthorize].retry = fixed_no_jitter(Millis{50}, 2);
  Driver d(def);
  d.run_to(kAuthorize);
  const std::string pivot_message = d.sent.back().envelope.message_id;
  d.deadline();
  d.retry_due();
  Decision exhausted = d.deadline();
  EXPECT_EQ(events(exhausted.history), Strings{"step_exhausted@3"});
  EXPECT_FALSE(exhausted.command.has_value());  // no CancelCreateTicket, no RejectOrder
  EXPECT_EQ(d.instance.phase, Phase::kFailed);
  EXPECT_EQ(d.instance.failed_from, Phase::kExecuting);
  EXPECT_EQ(d.instance.last_reason, "timeout");

  Decision retried = d.operate(InputKind::kOperatorRetry, "alice: accounting is back");
  ASSERT_TRUE(retried.command.has_value());
  EXPECT_EQ(retried.command->envelope.message_id, pivot_message);
  EXPECT_EQ(retried.command->envelope.attempt, 3u);
  d.succeed("CardAuthorized");
  EXPECT_EQ(d.sent.back().envelope.name, "ConfirmCreateTicket");
}

TEST(DecideTest, RetriableStepTimeoutsExhaustedFailTheSaga) {
  Driver d;
  d.run_to(kConfirm);
  d.deadline();
  d.retry_due();
  d.deadline();
  d.retry_due();
  EXPECT_EQ(d.sent.back().envelope.attempt, 3u);
  EXPECT_EQ(d.sent.back().envelope.message_id, id(4));
  Decision last = d.deadline();
  EXPECT_EQ(events(last.history), Strings{"step_exhausted@4"});
  EXPECT_EQ(d.instance.phase, Phase::kFailed);
  EXPECT_EQ(d.instance.failed_from, Phase::kExecuting);
  EXPECT_EQ(d.instance.last_reason, "timeout");
}

// --- compensation failures -------------------------------------------------------------------

SagaDefinition fragile_compensations() {
  SagaDefinition def = create_order_saga();
  def.steps[kCreateTicket].compensation_retry = fixed_no_jitter(Millis{10}, 2);
  def.steps[kReject].compensation_retry = fixed_no_jitter(Millis{10}, 2);
  return def;
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

TEST(DecideTest, ExhaustedCompensationFailsTheSagaWithTheReason) {
  Driver d(fragile_compensations());
  fail_while_compensating(d);
  EXPECT_EQ(d.instance.phase, Phase::kFailed);
  EXPECT_EQ(d.instance.failed_from, Phase::kCompensating);
  EXPECT_EQ(d.instance.step, kCreateTicket);
  EXPECT_EQ(d.instance.last_reason, "compensation of 'create_ticket': kitchen_down");
  EXPECT_EQ(d.instance.wait, Wait::kNone);
  EXPECT_NE(d.sent.back().envelope.name, "RejectOrder");  // never silently skipped
}

TEST(DecideTest, OperatorRetryOfACompensationCompensatesAgain) {
  Driver d(fragile_compensations());
  fail_while_compensating(d);
  Decision r = d.operate(InputKind::kOperatorRetry);
  EXPECT_EQ(events(r.history), Strings{"operator_retried_compensation@2"});
  EXPECT_EQ(d.instance.phase, Phase::kCompensating);
  ASSERT_TRUE(r.command.has_value());
  EXPECT_EQ(sent(*r.command), (Sent{"kitchen", "CancelCreateTicket", true, id(6), 1,
                                    "create_ticket", "order:99;ticket:Ok|create_ticket"}));
  d.succeed("CreateTicketCancelled");
  d.succeed("OrderRejected");
  EXPECT_EQ(d.instance.phase, Phase::kCompensated);
}

TEST(DecideTest, OperatorSkipOfACompensationGoesOnCompensating) {
  Driver d(fragile_compensations());
  fail_while_compensating(d);
  Decision r = d.operate(InputKind::kOperatorSkip);
  EXPECT_EQ(events(r.history), Strings{"operator_skipped_compensation@2"});
  ASSERT_TRUE(r.command.has_value());
  EXPECT_EQ(r.command->envelope.name, "RejectOrder");
}

TEST(DecideTest, OperatorCannotCompensateASagaThatFailedWhileCompensating) {
  Driver d(fragile_compensations());
  fail_while_compensating(d);
  const SagaInstance before = d.instance;
  Result<Decision> r = d.try_operate(InputKind::kOperatorCompensate);
  ASSERT_FALSE(r.is_ok());
  EXPECT_EQ(r.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(d.instance, before);
}

TEST(DecideTest, CompensationTimeoutsResendThenFailTheSagaWithTheReason) {
  Driver d(fragile_compensations());
  d.run_to(kVerify);
  d.fail("ConsumerVerificationFailed", "consumer_unknown");
  Decision t = d.deadline();
  EXPECT_EQ(events(t.history), Strings{"compensation_timed_out@0"});
  EXPECT_EQ(d.instance.last_request_id, id(2));
  Decision resent = d.retry_due();
  EXPECT_EQ(events(resent.history), Strings{"compensation_retried@0"});
  ASSERT_TRUE(resent.command.has_value());
  EXPECT_EQ(sent(*resent.command), (Sent{"order", "RejectOrder", true, id(2), 2, "reject_order",
                                         "order:99;|reject_order"}));
  Decision exhausted = d.deadline();
  EXPECT_EQ(events(exhausted.history), Strings{"compensation_exhausted@0"});
  EXPECT_EQ(d.instance.phase, Phase::kFailed);
  EXPECT_EQ(d.instance.failed_from, Phase::kCompensating);
  EXPECT_EQ(d.instance.last_reason, "compensation of 'reject_order': timeout");
}

// --- inputs that change nothing --------------------------------------------------------------

TEST(DecideTest, StaleDuplicateAndForeignRepliesAreIgnored) {
  Driver d;
  d.run_to(kCreateTicket);
  const Envelope first = d.sent[0].envelope;    // already answered
  const Envelope current = d.sent[1].envelope;  // outstanding
  const SagaInstance before = d.instance;

  Decision duplicate = d.reply_to(first, Outcome::kSuccess, "ConsumerVerified");
  EXPECT_FALSE(duplicate.applied);
  EXPECT_NE(duplicate.ignored_reason.find("stale"), std::string::npos);

  Envelope wrong_correlation = current;
  wrong_correlation.message_id = "saga-1/99";
  EXPECT_FALSE(d.reply_to(wrong_correlation, Outcome::kFailure, "Nope").applied);

  Envelope other_saga = current;
  other_saga.saga_id = "saga-2";
  EXPECT_FALSE(d.reply_to(other_saga, Outcome::kFailure, "Nope").applied);
  EXPECT_EQ(d.instance, before);
  EXPECT_EQ(d.sent.size(), 2u);

  // The real reply still counts, once.
  EXPECT_TRUE(d.reply_to(current, Outcome::kSuccess, "TicketCreated").applied);
  EXPECT_FALSE(d.reply_to(current, Outcome::kSuccess, "TicketCreated").applied);
  EXPECT_EQ(d.instance.data, "order:99;ticket:TicketCreated");
}

TEST(DecideTest, DeadlinesThatAreNotDueOrNotAwaitedAreIgnored) {
  Driver d;
  d.start();
  const SagaInstance before = d.instance;
  Input early = d.input(InputKind::kDeadline);
  early.now = d.instance.deadline - Millis{1};
  EXPECT_FALSE(d.apply(early).applied);
  EXPECT_FALSE(d.apply(d.input(InputKind::kRetryDue)).applied);  // waiting for a reply
  EXPECT_EQ(d.instance, before);

  d.deadline();  // now waiting to resend
  const SagaInstance waiting = d.instance;
  EXPECT_FALSE(d.deadline().applied);  // no reply deadline while waiting to resend
  Input retry_early = d.input(InputKind::kRetryDue);
  retry_early.now = d.instance.deadline - Millis{1};
  EXPECT_FALSE(d.apply(retry_early).applied);
  EXPECT_EQ(d.instance, waiting);
}

TEST(DecideTest, OperatorActionsNeedAFailedSaga) {
  Driver d;
  for (InputKind k :
       {InputKind::kOperatorRetry, InputKind::kOperatorCompensate, InputKind::kOperatorSkip}) {
    Result<Decision> before_start = d.try_operate(k);
    ASSERT_FALSE(before_start.is_ok());
    EXPECT_EQ(before_start.status().code(), StatusCode::kFailedPrecondition);
  }
  d.start();
  const SagaInstance running = d.instance;
  for (InputKind k :
       {InputKind::kOperatorRetry, InputKind::kOperatorCompensate, InputKind::kOperatorSkip}) {
    Result<Decision> r = d.try_operate(k);
    ASSERT_FALSE(r.is_ok());
    EXPECT_EQ(r.status().code(), StatusCode::kFailedPrecondition);
  }
  EXPECT_EQ(d.instance, running);
}

TEST(DecideTest, StartingTwiceOrWithAnotherDefinitionIsAnError) {
  Driver d;
  d.start();
  Result<Decision> again = d.try_apply(d.input(InputKind::kStart));
  ASSERT_FALSE(again.is_ok());
  EXPECT_EQ(again.status().code(), StatusCode::kFailedPrecondition);

  SagaDefinition renamed = create_order_saga();
  renamed.name = "cancel_order";
  Result<Decision> by_name = decide(renamed, d.instance, d.input(InputKind::kDeadline));
  ASSERT_FALSE(by_name.is_ok());
  EXPECT_EQ(by_name.status().code(), StatusCode::kFailedPrecondition);

  SagaDefinition newer = create_order_saga();
  newer.version = 4;
  Result<Decision> by_version = decide(newer, d.instance, d.input(InputKind::kRetryDue));
  ASSERT_FALSE(by_version.is_ok());
  EXPECT_EQ(by_version.status().code(), StatusCode::kFailedPrecondition);
  Driver fresh;
  EXPECT_FALSE(decide(newer, fresh.instance, fresh.input(InputKind::kStart)).is_ok());
}

// --- predicates, local steps, throwing callbacks ---------------------------------------------

TEST(DecideTest, SkippedStepIsNeitherSentNorCompensated) {
  SagaDefinition def = create_order_saga();
  def.steps[kCreateTicket].applies = [](std::string_view data) {
    return data.find("pickup") == std::string_view::npos;
  };
  Driver d(def, "order:99;pickup;");
  d.start();
  Decision verified = d.succeed("ConsumerVerified");
  EXPECT_EQ(events(verified.history), (Strings{"step_succeeded@1", "step_skipped@2"}));
  ASSERT_TRUE(verified.command.has_value());
  EXPECT_EQ(verified.command->envelope.name, "AuthorizeCard");
  EXPECT_EQ(verified.command->envelope.message_id, id(2));
  EXPECT_EQ(d.instance.skipped_mask, std::uint64_t{1} << kCreateTicket);
  d.fail("CardDeclined", "card_declined");
  EXPECT_EQ(d.sent.back().envelope.name, "RejectOrder");
  d.succeed("OrderRejected");
  EXPECT_EQ(d.instance.phase, Phase::kCompensated);
  for (const OutgoingCommand& c : d.sent) {
    EXPECT_NE(c.envelope.name, "CreateTicket");
    EXPECT_NE(c.envelope.name, "CancelCreateTicket");
  }
}

TEST(DecideTest, LocalStepUpdatesTheDataInline) {
  SagaDefinition def = create_order_saga();
  def.steps[kVerify].action.reset();
  def.steps[kVerify].local = [](std::string_view data) {
    return DataUpdate{false, {}, std::string(data) + "verified;"};
  };
  Driver d(def);
  Decision started = d.start();
  EXPECT_EQ(events(started.history), (Strings{"started@-1", "step_succeeded@1"}));
  ASSERT_TRUE(started.command.has_value());
  EXPECT_EQ(sent(*started.command), (Sent{"kitchen", "CreateTicket", false, id(1), 1,
                                          "create_ticket", "order:99;verified;|create_ticket"}));
  EXPECT_EQ(d.instance.data, "order:99;verified;");
}

TEST(DecideTest, FailingLocalStepCompensates) {
  SagaDefinition def = create_order_saga();
  def.steps[kVerify].action.reset();
  def.steps[kVerify].local = [](std::string_view) { return DataUpdate{true, "blocked", {}}; };
  Driver d(def);
  Decision started = d.start();
  EXPECT_EQ(events(started.history), (Strings{"started@-1", "step_failed@1"}));
  EXPECT_EQ(started.history[1].reason, "blocked");
  ASSERT_TRUE(started.command.has_value());
  EXPECT_EQ(started.command->envelope.name, "RejectOrder");
  EXPECT_TRUE(started.command->envelope.compensation);
}

TEST(DecideTest, ThrowingLocalStepIsAStepFailure) {
  SagaDefinition def = create_order_saga();
  def.steps[kVerify].action.reset();
  def.steps[kVerify].local = [](std::string_view) -> DataUpdate {
    throw std::runtime_error("boom");
  };
  Driver d(def);
  Decision started = d.start();
  EXPECT_EQ(events(started.history), (Strings{"started@-1", "step_failed@1"}));
  EXPECT_EQ(started.history[1].reason, "local step threw: boom");
  ASSERT_TRUE(started.command.has_value());
  EXPECT_EQ(started.command->envelope.name, "RejectOrder");
}

TEST(DecideTest, ThrowingCommandBuilderIsAStepFailure) {
  SagaDefinition def = create_order_saga();
  def.steps[kCreateTicket].action->make = [](std::string_view) -> Result<CommandMessage> {
    throw std::runtime_error("boom");
  };
  Driver d(def);
  d.start();
  Decision r = d.succeed("ConsumerVerified");
  EXPECT_EQ(events(r.history), (Strings{"step_succeeded@1", "step_failed@2"}));
  EXPECT_EQ(r.history[1].reason, "bad_command: command builder threw: boom");
  ASSERT_TRUE(r.command.has_value());
  EXPECT_EQ(r.command->envelope.name, "RejectOrder");  // the ticket was never sent
}

TEST(DecideTest, ThrowingCompensationBuilderFailsTheSaga) {
  SagaDefinition def = create_order_saga();
  def.steps[kReject].compensation->make = [](std::string_view) -> Result<CommandMessage> {
    throw std::runtime_error("boom");
  };
  Driver d(def);
  d.start();
  Decision r = d.fail("ConsumerVerificationFailed", "consumer_unknown");
  EXPECT_EQ(events(r.history), (Strings{"step_failed@1", "compensation_exhausted@0"}));
  EXPECT_FALSE(r.command.has_value());
  EXPECT_EQ(d.instance.phase, Phase::kFailed);
  EXPECT_EQ(d.instance.failed_from, Phase::kCompensating);
}

// The ticket exists at the kitchen (it replied success), so undoing the saga must cancel it.
TEST(DecideTest, ThrowingReplyHandlerOnSuccessFailsTheStepAndUndoesIt) {
  SagaDefinition def = create_order_saga();
  def.steps[kCreateTicket].on_reply = [](std::string_view, const ReplyView&) -> DataUpdate {
    throw std::runtime_error("bad body");
  };
  Driver d(def);
  d.run_to(kCreateTicket);
  Decision r = d.succeed("TicketCreated");
  EXPECT_EQ(events(r.history), Strings{"step_failed@2"});
  EXPECT_EQ(r.history[0].reason, "reply handler threw: bad body");
  EXPECT_EQ(d.instance.data, "order:99;");
  ASSERT_TRUE(r.command.has_value());
  EXPECT_EQ(r.command->envelope.name, "CancelCreateTicket");
  d.succeed("CreateTicketCancelled");
  EXPECT_EQ(d.sent.back().envelope.name, "RejectOrder");
}

TEST(DecideTest, ThrowingReplyHandlerOnAFailureReplyKeepsTheReplyReason) {
  SagaDefinition def = create_order_saga();
  def.steps[kCreateTicket].on_reply = [](std::string_view, const ReplyView&) -> DataUpdate {
    throw std::runtime_error("bad body");
  };
  Driver d(def);
  d.run_to(kCreateTicket);
  Decision r = d.fail("CreateTicketRejected", "kitchen_closed");
  EXPECT_EQ(events(r.history), Strings{"step_failed@2"});
  EXPECT_EQ(r.history[0].reason, "kitchen_closed");
  ASSERT_TRUE(r.command.has_value());
  EXPECT_EQ(r.command->envelope.name, "RejectOrder");  // the kitchen said no: nothing to undo
}

TEST(DecideTest, ThrowingPredicateRunsTheStep) {
  SagaDefinition def = create_order_saga();
  def.steps[kCreateTicket].applies = [](std::string_view) -> bool {
    throw std::runtime_error("boom");
  };
  Driver d(def);
  d.run_to(kCreateTicket);
  EXPECT_EQ(d.sent.back().envelope.name, "CreateTicket");
}

// A retriable local step that keeps failing: the operator's retry runs it again, inline.
TEST(DecideTest, OperatorRetryOfAFailedLocalStepRunsItAgain) {
  SagaDefinition def = create_order_saga();
  def.steps[kApprove].action.reset();
  def.steps[kApprove].local = [](std::string_view) -> DataUpdate {
    throw std::runtime_error("order store down");
  };
  Driver d(def);
  d.run_to(kConfirm);
  Decision failed = d.succeed("TicketConfirmed");
  EXPECT_EQ(events(failed.history), (Strings{"step_succeeded@4", "step_exhausted@5"}));
  EXPECT_EQ(d.instance.phase, Phase::kFailed);
  Decision retried = d.operate(InputKind::kOperatorRetry);
  EXPECT_EQ(events(retried.history), (Strings{"operator_retried_step@5", "step_exhausted@5"}));
  EXPECT_EQ(retried.history[1].reason, "local step threw: order store down");
  EXPECT_EQ(d.sent.size(), 4u);  // a local step sends nothing
  EXPECT_FALSE(retried.command.has_value());
  EXPECT_EQ(d.instance.phase, Phase::kFailed);
  Decision skipped = d.operate(InputKind::kOperatorSkip);
  EXPECT_EQ(events(skipped.history), (Strings{"operator_skipped_step@5", "completed@-1"}));
}

// --- exhaustive sweep: every reachable state x every kind of input ---------------------------

struct SweepState {
  std::string name;
  Phase phase;
  std::function<void(Driver&)> script;
};

void to_failed_from_executing(Driver& d) {
  d.run_to(kConfirm);
  exhaust_confirm_ticket(d);
}

std::vector<SweepState> sweep_states() {
  std::vector<SweepState> states;
  const auto add = [&](std::string name, Phase phase, std::function<void(Driver&)> script) {
    states.push_back({std::move(name), phase, std::move(script)});
  };
  add("not_started", Phase::kNotStarted, [](Driver&) {});
  for (std::int32_t k = kVerify; k <= kApprove; ++k) {
    const std::string at = "_at_" + std::to_string(k);
    add("executing" + at, Phase::kExecuting, [k](Driver& d) { d.run_to(k); });
    add("executing_timed_out" + at, Phase::kExecuting, [k](Driver& d) {
      d.run_to(k);
      d.deadline();
    });
    add("executing_resent" + at, Phase::kExecuting, [k](Driver& d) {
      d.run_to(k);
      d.deadline();
      d.retry_due();
    });
  }
  for (std::int32_t k : {kConfirm, kApprove}) {
    add("executing_failed_once_at_" + std::to_string(k), Phase::kExecuting, [k](Driver& d) {
      d.run_to(k);
      d.fail("NotYet", "busy");
    });
  }
  add("compensating_at_2", Phase::kCompensating, [](Driver& d) {
    d.run_to(kAuthorize);
    d.fail("CardDeclined", "card_declined");
  });
  add("compensating_at_0", Phase::kCompensating, [](Driver& d) {
    d.run_to(kAuthorize);
    d.fail("CardDeclined", "card_declined");
    d.succeed("CreateTicketCancelled");
  });
  add("compensating_at_0_from_1", Phase::kCompensating, [](Driver& d) {
    d.run_to(kVerify);
    d.fail("ConsumerVerificationFailed", "consumer_unknown");
  });
  add("compensating_failed_once_at_2", Phase::kCompensating, [](Driver& d) {
    d.run_to(kAuthorize);
    d.fail("CardDeclined", "card_declined");
    d.fail("CancelFailed", "kitchen_down");
  });
  add("compensating_timed_out_at_0", Phase::kCompensating, [](Driver& d) {
    d.run_to(kVerify);
    d.fail("ConsumerVerificationFailed", "consumer_unknown");
    d.deadline();
  });
  add("compensating_resent_at_0", Phase::kCompensating, [](Driver& d) {
    d.run_to(kVerify);
    d.fail("ConsumerVerificationFailed", "consumer_unknown");
    d.deadline();
    d.retry_due();
  });
  add("failed_from_executing", Phase::kFailed, to_failed_from_executing);
  add("failed_from_compensating_at_2", Phase::kFailed, fail_while_compensating);
  add("failed_from_compensating_at_0", Phase::kFailed, [](Driver& d) {
    d.run_to(kVerify);
    d.fail("ConsumerVerificationFailed", "consumer_unknown");
    d.deadline();
    d.retry_due();
    d.deadline();
  });
  add("executing_after_operator_retry", Phase::kExecuting, [](Driver& d) {
    to_failed_from_executing(d);
    d.operate(InputKind::kOperatorRetry);
  });
  add("compensating_after_operator_compensate", Phase::kCompensating, [](Driver& d) {
    to_failed_from_executing(d);
    d.operate(InputKind::kOperatorCompensate);
  });
  add("completed", Phase::kCompleted, [](Driver& d) {
    d.run_to(kApprove);
    d.succeed("OrderApproved");
  });
  add("compensated", Phase::kCompensated, [](Driver& d) {
    d.run_to(kVerify);
    d.fail("ConsumerVerificationFailed", "consumer_unknown");
    d.succeed("OrderRejected");
  });
  return states;
}

enum class Probe {
  kStart,
  kSuccessReply,
  kFailureReply,
  kStaleReply,
  kForeignReply,
  kDeadlineDue,
  kDeadlineEarly,
  kRetryDue,
  kRetryEarly,
  kOperatorRetry,
  kOperatorCompensate,
  kOperatorSkip,
};
constexpr Probe kAllProbes[] = {
    Probe::kStart,        Probe::kSuccessReply,  Probe::kFailureReply,       Probe::kStaleReply,
    Probe::kForeignReply, Probe::kDeadlineDue,   Probe::kDeadlineEarly,      Probe::kRetryDue,
    Probe::kRetryEarly,   Probe::kOperatorRetry, Probe::kOperatorCompensate, Probe::kOperatorSkip,
};

// Sends one probe; checks the invariants (Driver) and which errors are allowed.
void probe(Driver& d, Probe p) {
  const SagaInstance before = d.instance;
  Envelope command;
  command.saga_id = before.id;
  command.message_id = before.last_request_id.empty() ? "saga-1/0" : before.last_request_id;
  Result<Decision> r = failed_precondition("not run");
  bool may_refuse = false;
  switch (p) {
    case Probe::kStart:
      may_refuse = before.phase != Phase::kNotStarted;
      r = d.try_apply(d.input(InputKind::kStart));
      break;
    case Probe::kSuccessReply:
      r = d.try_reply_to(command, Outcome::kSuccess, "Ok");
      break;
    case Probe::kFailureReply:
      r = d.try_reply_to(command, Outcome::kFailure, "No", "no");
      break;
    case Probe::kStaleReply:
      command.message_id = "saga-1/999";
      r = d.try_reply_to(command, Outcome::kSuccess, "Ok");
      break;
    case Probe::kForeignReply:
      command.saga_id = "saga-2";
      r = d.try_reply_to(command, Outcome::kSuccess, "Ok");
      break;
    case Probe::kDeadlineDue:
    case Probe::kRetryDue:
      r = d.try_apply(
          d.due(p == Probe::kDeadlineDue ? InputKind::kDeadline : InputKind::kRetryDue));
      break;
    case Probe::kDeadlineEarly:
    case Probe::kRetryEarly: {
      Input in = d.input(p == Probe::kDeadlineEarly ? InputKind::kDeadline : InputKind::kRetryDue);
      if (before.wait != Wait::kNone) in.now = before.deadline - Millis{1};
      r = d.try_apply(in);
      if (r.is_ok()) {
        EXPECT_FALSE(r->applied) << "an early timer fired";
      }
      break;
    }
    case Probe::kOperatorRetry:
    case Probe::kOperatorSkip:
      may_refuse = before.phase != Phase::kFailed;
      r = d.try_operate(p == Probe::kOperatorRetry ? InputKind::kOperatorRetry
                                                   : InputKind::kOperatorSkip);
      break;
    case Probe::kOperatorCompensate:
      may_refuse = before.phase != Phase::kFailed || before.failed_from == Phase::kCompensating;
      r = d.try_operate(InputKind::kOperatorCompensate);
      break;
  }
  if (!r.is_ok()) {
    EXPECT_TRUE(may_refuse) << r.status().to_string();
    EXPECT_EQ(r.status().code(), StatusCode::kFailedPrecondition);
    EXPECT_EQ(d.instance, before);
    return;
  }
  EXPECT_FALSE(may_refuse) << "should have been refused";
  const bool inert =
      p == Probe::kStaleReply || p == Probe::kForeignReply || is_terminal(before.phase) ||
      (before.last_request_id.empty() && (p == Probe::kSuccessReply || p == Probe::kFailureReply));
  if (inert) {
    EXPECT_FALSE(r->applied);
  }
}

class DecideSweepTest : public ::testing::TestWithParam<SweepState> {};

TEST_P(DecideSweepTest, EveryInputKeepsTheInvariants) {
  Driver reached(fragile_compensations());
  GetParam().script(reached);
  ASSERT_EQ(reached.instance.phase, GetParam().phase);
  for (std::uint32_t random : {0u, 7u, 0xffffffffu}) {
    for (Probe p : kAllProbes) {
      SCOPED_TRACE("probe " + std::to_string(static_cast<int>(p)) + " random " +
                   std::to_string(random));
      Driver d = reached;
      d.random = random;
      probe(d, p);
      // Then whatever follows: a second probe of every kind from the new state.
      for (Probe q : kAllProbes) {
        SCOPED_TRACE("then probe " + std::to_string(static_cast<int>(q)));
        Driver e = d;
        probe(e, q);
      }
    }
  }
}

INSTANTIATE_TEST_SUITE_P(ReachableStates, DecideSweepTest, ::testing::ValuesIn(sweep_states()),
                         [](const ::testing::TestParamInfo<SweepState>& info) {
                           return info.param.name;
                         });

// --- random walk: long seeded runs of arbitrary inputs ---------------------------------------

TEST(DecideRandomWalkTest, ArbitraryInputSequencesKeepTheInvariants) {
  const unsigned seed = static_cast<unsigned>(::testing::UnitTest::GetInstance()->random_seed());
  std::cout << "DecideRandomWalkTest seed " << seed << "\n";
  std::mt19937 rng(seed);
  int finished = 0;
  for (int walk = 0; walk < 300; ++walk) {
    SCOPED_TRACE("seed " + std::to_string(seed) + " walk " + std::to_string(walk));
    Driver d(fragile_compensations());
    d.start();
    for (int n = 0; n < 60 && !is_terminal(d.instance.phase); ++n) {
      d.random = static_cast<std::uint32_t>(rng());
      const Probe p = kAllProbes[rng() % std::size(kAllProbes)];
      probe(d, p);
      if (::testing::Test::HasFailure()) return;
    }
    if (is_terminal(d.instance.phase)) ++finished;
  }
  EXPECT_GT(finished, 0);
}

}  // namespace
}  // namespace saga
