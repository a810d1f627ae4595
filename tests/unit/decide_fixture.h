// Shared fixture of the decide tests (decide_*_test.cpp): the FTGO Create Order definition as
// the DSL would build it, a Driver that feeds decide one input at a time and checks its
// invariants on every decision, and comparable views of what was sent and recorded.
#pragma once

#include <gtest/gtest.h>

#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "saga/decide.h"

namespace saga {

// Readable failure messages for the enums compared below (internal linkage; found by ADL).
[[maybe_unused]] static void PrintTo(Phase p, std::ostream* os) { *os << to_string(p); }
[[maybe_unused]] static void PrintTo(Event e, std::ostream* os) { *os << to_string(e); }
[[maybe_unused]] static void PrintTo(Wait w, std::ostream* os) {
  *os << "wait " << static_cast<int>(w);
}

namespace decide_fixture {

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
                      const std::string& step_name);
StepDefinition step(const std::string& name, StepKind kind);
// FTGO Create Order (Richardson, ch. 4), as the DSL would build it.
SagaDefinition create_order_saga();
RetryPolicy fixed_no_jitter(Millis interval, std::uint32_t attempts);
// The same, with two attempts (10 ms apart) for the compensations of create_ticket and
// reject_order.
SagaDefinition fragile_compensations();

// The invariants every decision keeps, whatever the input.
void expect_invariants(const SagaDefinition& def, const SagaInstance& before, const Input& in,
                       const Decision& d);

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
      for (const OutgoingCommand& c : r->branch_commands) sent.push_back(c);
    }
    return r;
  }

  // The same, failing the test on an error.
  Decision apply(const Input& in) {
    Result<Decision> r = try_apply(in);
    if (!r) {
      ADD_FAILURE() << "decide: " << r.status().to_string();
      return Decision{false, "error", instance, {}, {}, {}, {}, {}, {}};
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
      return Decision{false, "error", instance, {}, {}, {}, {}, {}, {}};
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

Sent sent(const OutgoingCommand& c);
std::vector<Sent> sent(const std::vector<OutgoingCommand>& commands);
// "event@step", in order.
Strings events(const std::vector<HistoryEntry>& history);
// The message id of the saga's seq-th command.
std::string id(int seq);

// Every input that is not a reply or an operator action: none may change a finished saga.
void expect_inert(Driver& d);
// Drives confirm_ticket through its three attempts, each failing.
void exhaust_confirm_ticket(Driver& d);
// Card declined, then CancelCreateTicket fails twice: the saga fails while compensating.
void fail_while_compensating(Driver& d);

}  // namespace decide_fixture
}  // namespace saga
