// Goal: validate() accepts exactly the well-formed definitions and names the offending step;
// pivot_index/find_step behave; fingerprint() is stable and tracks the structure only.
// Method: build SagaDefinitions by hand, break one rule at a time, compare error messages.
#include "saga/definition.h"

#include <gtest/gtest.h>

#include <string>

namespace saga {
namespace {

CommandAction command(std::string participant, std::string name) {
  CommandAction c;
  c.participant = std::move(participant);
  c.command_name = std::move(name);
  c.make = [name = c.command_name](std::string_view) -> Result<CommandMessage> {
    return CommandMessage{name, ContentType::kCerealBinary, ""};
  };
  return c;
}

StepDefinition step(std::string name, StepKind kind) {
  StepDefinition s;
  s.name = std::move(name);
  s.kind = kind;
  return s;
}

// FTGO Create Order: reject_order (compensation only), verify_consumer (read-only),
// create_ticket (action + compensation), authorize_card (pivot), two retriable steps.
SagaDefinition create_order() {
  SagaDefinition d;
  d.name = "create_order";
  d.version = 1;
  StepDefinition reject = step("reject_order", StepKind::kCompensatable);
  reject.compensation = command("order", "RejectOrder");
  StepDefinition verify = step("verify_consumer", StepKind::kCompensatable);
  verify.action = command("consumer", "ValidateOrderByConsumer");
  StepDefinition ticket = step("create_ticket", StepKind::kCompensatable);
  ticket.action = command("kitchen", "CreateTicket");
  ticket.compensation = command("kitchen", "CancelCreateTicket");
  StepDefinition authorize = step("authorize_card", StepKind::kPivot);
  authorize.action = command("accounting", "AuthorizeCard");
  StepDefinition confirm = step("confirm_ticket", StepKind::kRetriable);
  confirm.action = command("kitchen", "ConfirmCreateTicket");
  StepDefinition approve = step("approve_order", StepKind::kRetriable);
  approve.action = command("order", "ApproveOrder");
  d.steps = {reject, verify, ticket, authorize, confirm, approve};
  return d;
}

void expect_invalid(const SagaDefinition& d, const std::string& message) {
  const Status s = validate(d);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << s.to_string();
  EXPECT_EQ(s.message(), message);
}

TEST(DefinitionTest, StepKindsHaveNames) {
  EXPECT_EQ(to_string(StepKind::kCompensatable), "compensatable");
  EXPECT_EQ(to_string(StepKind::kPivot), "pivot");
  EXPECT_EQ(to_string(StepKind::kRetriable), "retriable");
}

TEST(DefinitionTest, CreateOrderIsValid) { EXPECT_TRUE(validate(create_order()).is_ok()); }

TEST(DefinitionTest, PivotIndexIsThePivotStep) {
  EXPECT_EQ(create_order().pivot_index(), std::optional<std::size_t>{3});
}

TEST(DefinitionTest, PivotIndexWithoutPivotIsLastCompensatableStep) {
  SagaDefinition d = create_order();
  d.steps.erase(d.steps.begin() + 3);
  EXPECT_EQ(d.pivot_index(), std::optional<std::size_t>{2});
}

TEST(DefinitionTest, PivotIndexWithOnlyRetriableStepsIsEmpty) {
  SagaDefinition d = create_order();
  d.steps.erase(d.steps.begin(), d.steps.begin() + 4);
  EXPECT_EQ(d.pivot_index(), std::nullopt);
  EXPECT_EQ(SagaDefinition{}.pivot_index(), std::nullopt);
}

TEST(DefinitionTest, FindStepByName) {
  const SagaDefinition d = create_order();
  ASSERT_NE(d.find_step("authorize_card"), nullptr);
  EXPECT_EQ(d.find_step("authorize_card")->kind, StepKind::kPivot);
  EXPECT_EQ(d.find_step("nope"), nullptr);
}

TEST(DefinitionTest, RejectsMissingName) {
  SagaDefinition d = create_order();
  d.name.clear();
  expect_invalid(d, "saga definition has no name");
}

TEST(DefinitionTest, RejectsNoSteps) {
  SagaDefinition d = create_order();
  d.steps.clear();
  expect_invalid(d, "saga 'create_order': has no steps");
}

TEST(DefinitionTest, RejectsTooManySteps) {
  SagaDefinition d;
  d.name = "long";
  for (std::size_t i = 0; i <= kMaxSteps; ++i) {
    StepDefinition s = step("s" + std::to_string(i), StepKind::kCompensatable);
    s.action = command("p", "C");
    d.steps.push_back(s);
  }
  expect_invalid(d, "saga 'long': has 65 steps, more than 64");
  d.steps.pop_back();
  EXPECT_TRUE(validate(d).is_ok());
}

TEST(DefinitionTest, RejectsEmptyStepName) {
  SagaDefinition d = create_order();
  d.steps[1].name.clear();
  expect_invalid(d, "saga 'create_order': step 2 has no name");
}

TEST(DefinitionTest, RejectsDuplicateStepName) {
  SagaDefinition d = create_order();
  d.steps[2].name = "verify_consumer";
  expect_invalid(d, "step 'verify_consumer': duplicate step name");
}

TEST(DefinitionTest, RejectsCompensatableAfterPivot) {
  SagaDefinition d = create_order();
  std::swap(d.steps[2], d.steps[3]);
  expect_invalid(d, "step 'create_ticket': a compensatable step cannot follow the pivot");
}

TEST(DefinitionTest, RejectsCompensatableAfterRetriable) {
  SagaDefinition d = create_order();
  d.steps.erase(d.steps.begin() + 3);  // no pivot
  StepDefinition late = step("late", StepKind::kCompensatable);
  late.action = command("p", "C");
  d.steps.push_back(late);
  expect_invalid(d, "step 'late': a compensatable step cannot follow a retriable step");
}

TEST(DefinitionTest, RejectsSecondPivot) {
  SagaDefinition d = create_order();
  StepDefinition second = step("second_pivot", StepKind::kPivot);
  second.action = command("p", "C");
  d.steps.insert(d.steps.begin() + 4, second);
  expect_invalid(d, "step 'second_pivot': a saga has at most one pivot step");
}

TEST(DefinitionTest, RejectsPivotAfterRetriable) {
  SagaDefinition d = create_order();
  std::swap(d.steps[3], d.steps[4]);
  expect_invalid(d, "step 'authorize_card': the pivot cannot follow a retriable step");
}

TEST(DefinitionTest, RejectsCompensationOnPivot) {
  SagaDefinition d = create_order();
  d.steps[3].compensation = command("accounting", "ReverseAuthorization");
  expect_invalid(d, "step 'authorize_card': a pivot step cannot have a compensation");
}

TEST(DefinitionTest, RejectsCompensationOnRetriable) {
  SagaDefinition d = create_order();
  d.steps[4].compensation = command("kitchen", "UnconfirmTicket");
  expect_invalid(d, "step 'confirm_ticket': a retriable step cannot have a compensation");
}

TEST(DefinitionTest, RejectsActionAndLocal) {
  SagaDefinition d = create_order();
  d.steps[1].local = [](std::string_view data) { return DataUpdate{false, "", std::string(data)}; };
  expect_invalid(d,
                 "step 'verify_consumer': a step cannot have both an action and a local function");
}

TEST(DefinitionTest, AcceptsLocalStep) {
  SagaDefinition d = create_order();
  d.steps[1].action.reset();
  d.steps[1].local = [](std::string_view data) { return DataUpdate{false, "", std::string(data)}; };
  EXPECT_TRUE(validate(d).is_ok());
}

TEST(DefinitionTest, RejectsStepThatDoesNothing) {
  SagaDefinition d = create_order();
  d.steps[1].action.reset();
  expect_invalid(d,
                 "step 'verify_consumer': a step needs an action, a local function or a "
                 "compensation");
}

TEST(DefinitionTest, RejectsPivotWithoutAction) {
  SagaDefinition d = create_order();
  d.steps[3].action.reset();
  d.steps[3].compensation = std::nullopt;
  expect_invalid(d,
                 "step 'authorize_card': a step needs an action, a local function or a "
                 "compensation");
}

TEST(DefinitionTest, RejectsReplyHandlerWithoutAction) {
  SagaDefinition d = create_order();
  d.steps[0].on_reply = [](std::string_view data, const ReplyView&) {
    return DataUpdate{false, "", std::string(data)};
  };
  expect_invalid(d, "step 'reject_order': a reply handler needs an action");
}

TEST(DefinitionTest, RejectsCommandWithoutParticipant) {
  SagaDefinition d = create_order();
  d.steps[2].action->participant.clear();
  expect_invalid(d, "step 'create_ticket': action has no participant");
}

TEST(DefinitionTest, RejectsCommandWithoutName) {
  SagaDefinition d = create_order();
  d.steps[2].compensation->command_name.clear();
  expect_invalid(d, "step 'create_ticket': compensation has no command name");
}

TEST(DefinitionTest, RejectsCommandWithoutMake) {
  SagaDefinition d = create_order();
  d.steps[3].action->make = nullptr;
  expect_invalid(d, "step 'authorize_card': action has no make function");
}

TEST(DefinitionTest, RejectsNonPositiveTimeout) {
  SagaDefinition d = create_order();
  d.steps[2].reply_timeout = Millis{0};
  expect_invalid(d, "step 'create_ticket': reply timeout must be positive");
}

TEST(DefinitionTest, RejectsRetriableStepWithSingleAttempt) {
  SagaDefinition d = create_order();
  d.steps[5].retry = RetryPolicy::cancel();
  expect_invalid(d,
                 "step 'approve_order': a retriable step needs a retry policy that allows "
                 "more than one attempt");
  d.steps[5].retry.maximum_attempts = 0;  // unlimited
  EXPECT_TRUE(validate(d).is_ok());
}

// The value is pinned: a change here means every stored instance would look like it runs a
// different definition. Update it only together with a deliberate format change.
TEST(DefinitionTest, FingerprintIsAKnownStableValue) {
  const std::string f = fingerprint(create_order());
  EXPECT_EQ(f.size(), 16u);
  EXPECT_EQ(f, fingerprint(create_order()));
  EXPECT_EQ(f, "cdbdbabc6ec129cf");  // checked with an independent FNV-1a script
}

TEST(DefinitionTest, FingerprintChangesWithStructure) {
  const std::string base = fingerprint(create_order());
  auto changed = [&](auto edit) {
    SagaDefinition d = create_order();
    edit(d);
    return fingerprint(d) != base;
  };
  EXPECT_TRUE(changed([](SagaDefinition& d) { d.name = "create_order2"; }));
  EXPECT_TRUE(changed([](SagaDefinition& d) { d.version = 2; }));
  EXPECT_TRUE(changed([](SagaDefinition& d) { d.steps[2].name = "make_ticket"; }));
  EXPECT_TRUE(changed([](SagaDefinition& d) { d.steps[3].kind = StepKind::kCompensatable; }));
  EXPECT_TRUE(changed([](SagaDefinition& d) { d.steps[2].action->command_name = "NewTicket"; }));
  EXPECT_TRUE(changed([](SagaDefinition& d) { d.steps[2].action->participant = "kitchen2"; }));
  EXPECT_TRUE(changed([](SagaDefinition& d) { d.steps[2].compensation.reset(); }));
  EXPECT_TRUE(changed([](SagaDefinition& d) { d.steps[0].compensation->command_name = "X"; }));
  EXPECT_TRUE(changed([](SagaDefinition& d) {
    d.steps[1].action.reset();
    d.steps[1].local = [](std::string_view s) { return DataUpdate{false, "", std::string(s)}; };
  }));
  EXPECT_TRUE(changed([](SagaDefinition& d) { std::swap(d.steps[1], d.steps[2]); }));
  EXPECT_TRUE(changed([](SagaDefinition& d) { d.steps.pop_back(); }));
}

TEST(DefinitionTest, FingerprintIgnoresCallbacksAndPolicies) {
  const std::string base = fingerprint(create_order());
  SagaDefinition d = create_order();
  d.steps[2].action->make = [](std::string_view) -> Result<CommandMessage> {
    return CommandMessage{"CreateTicket", ContentType::kJson, "{}"};
  };
  d.steps[2].on_reply = [](std::string_view s, const ReplyView&) {
    return DataUpdate{false, "", std::string(s)};
  };
  d.steps[2].applies = [](std::string_view) { return false; };
  d.steps[2].reply_timeout = Millis{1};
  d.steps[4].retry = RetryPolicy::immediate(9);
  EXPECT_EQ(fingerprint(d), base);
}

TEST(DefinitionTest, FingerprintFieldsDoNotRunTogether) {
  // "ab" + "c" and "a" + "bc" must not collide: fields are length-prefixed.
  SagaDefinition a = create_order();
  SagaDefinition b = create_order();
  a.steps[2].action->participant = "kitchenC";
  a.steps[2].action->command_name = "reateTicket";
  b.steps[2].action->participant = "kitchen";
  b.steps[2].action->command_name = "CCreateTicket";
  EXPECT_NE(fingerprint(a), fingerprint(b));
}

}  // namespace
}  // namespace saga
