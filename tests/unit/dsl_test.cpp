// Goal: the typed DSL produces exactly the SagaDefinition it describes, its callbacks encode
// and decode the user's types faithfully, and build() reports every misuse by step name.
// Method: build an FTGO Create Order saga; inspect the steps; call the callbacks on encoded data.
#include "saga/dsl.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "unit/ftgo_saga.h"

namespace test_ftgo {
namespace {

using saga::Millis;
using saga::StepKind;

LoyaltyOrderData sample_data() {
  LoyaltyOrderData d;
  d.order_id = 99;
  d.consumer_id = 7;
  d.restaurant_id = 3;
  d.order_total_cents = 4250;
  d.line_items = {{"pad-thai", 2}, {"spring-roll", 1}};
  return d;
}

std::string bytes(const LoyaltyOrderData& d) { return saga::encode_data(d).value(); }
LoyaltyOrderData data_of(const std::string& b) {
  return saga::decode_data<LoyaltyOrderData>(b).value();
}

std::shared_ptr<const saga::SagaDefinition> create_order() {
  saga::DefinitionResult result = build_create_order();
  EXPECT_TRUE(result.is_ok()) << result.status().to_string();
  return result.value();
}

saga::ReplyView reply(std::string_view name, const std::string& body,
                      saga::ContentType type = saga::ContentType::kCerealBinary,
                      saga::Outcome outcome = saga::Outcome::kSuccess) {
  saga::ReplyView view;
  view.name = name;
  view.outcome = outcome;
  view.content_type = type;
  view.body = body;
  return view;
}

TEST(DslTest, StepsHaveTheDeclaredNamesKindsAndCommands) {
  const auto def = create_order();
  EXPECT_EQ(def->name, "create_order");
  EXPECT_EQ(def->version, 3u);
  ASSERT_EQ(def->steps.size(), 7u);
  struct Expected {
    const char* name;
    StepKind kind;
    const char* participant;  // "" for no action
    const char* command;
    const char* compensation;  // "" for none
  };
  const Expected expected[] = {
      {"reject_order", StepKind::kCompensatable, "", "", "RejectOrder"},
      {"verify_consumer", StepKind::kCompensatable, "consumer", "ValidateOrderByConsumer", ""},
      {"create_ticket", StepKind::kCompensatable, "kitchen", "CreateTicket", "CancelCreateTicket"},
      {"authorize_card", StepKind::kPivot, "accounting", "AuthorizeCard", ""},
      {"confirm_ticket", StepKind::kRetriable, "kitchen", "ConfirmCreateTicket", ""},
      {"add_loyalty_points", StepKind::kRetriable, "", "", ""},
      {"approve_order", StepKind::kRetriable, "order", "ApproveOrder", ""},
  };
  for (std::size_t i = 0; i < def->steps.size(); ++i) {
    const saga::StepDefinition& step = def->steps[i];
    SCOPED_TRACE(step.name);
    EXPECT_EQ(step.name, expected[i].name);
    EXPECT_EQ(step.kind, expected[i].kind);
    EXPECT_EQ(step.action.has_value(), *expected[i].participant != '\0');
    if (step.action) {
      EXPECT_EQ(step.action->participant, expected[i].participant);
      EXPECT_EQ(step.action->command_name, expected[i].command);
    }
    EXPECT_EQ(step.compensation.has_value(), *expected[i].compensation != '\0');
    if (step.compensation) {
      EXPECT_EQ(step.compensation->command_name, expected[i].compensation);
    }
  }
  EXPECT_EQ(def->steps[0].compensation->participant, "order");
  EXPECT_EQ(def->steps[2].compensation->participant, "kitchen");
  EXPECT_TRUE(static_cast<bool>(def->steps[5].local));
  EXPECT_EQ(def->pivot_index(), std::optional<std::size_t>{3});
  EXPECT_TRUE(saga::validate(*def).is_ok());
}

TEST(DslTest, MakeEncodesTheCommandFromTheData) {
  const auto def = create_order();
  saga::Result<saga::CommandMessage> m = def->steps[2].action->make(bytes(sample_data()));
  ASSERT_TRUE(m.is_ok()) << m.status().to_string();
  EXPECT_EQ(m->name, "CreateTicket");
  EXPECT_EQ(m->content_type, saga::ContentType::kCerealBinary);
  const CreateTicket ticket = saga::decode_body<CreateTicket>(m->body).value();
  EXPECT_EQ(ticket.restaurant_id, 3);
  EXPECT_EQ(ticket.order_id, 99);
  EXPECT_EQ(ticket.line_items, sample_data().line_items);
}

TEST(DslTest, MakeUsesTheChannelContentType) {
  const auto def = create_order();
  saga::Result<saga::CommandMessage> m = def->steps[3].action->make(bytes(sample_data()));
  ASSERT_TRUE(m.is_ok()) << m.status().to_string();
  EXPECT_EQ(m->name, "AuthorizeCard");
  EXPECT_EQ(m->content_type, saga::ContentType::kJson);
  EXPECT_EQ(m->body,
            saga::encode_body(AuthorizeCard{7, 99, 4250}, saga::ContentType::kJson).value());
  const AuthorizeCard card =
      saga::decode_body<AuthorizeCard>(m->body, saga::ContentType::kJson).value();
  EXPECT_EQ(card.consumer_id, 7);
  EXPECT_EQ(card.order_id, 99);
  EXPECT_EQ(card.amount_cents, 4250);
}

TEST(DslTest, CompensationMakeEncodesTheCommand) {
  const auto def = create_order();
  for (std::size_t i : {0u, 2u}) {
    saga::Result<saga::CommandMessage> m = def->steps[i].compensation->make(bytes(sample_data()));
    ASSERT_TRUE(m.is_ok()) << m.status().to_string();
    if (i == 0) {
      EXPECT_EQ(m->name, "RejectOrder");
      EXPECT_EQ(saga::decode_body<RejectOrder>(m->body)->order_id, 99);
    } else {
      EXPECT_EQ(m->name, "CancelCreateTicket");
      EXPECT_EQ(saga::decode_body<CancelCreateTicket>(m->body)->order_id, 99);
    }
  }
}

TEST(DslTest, MakeReportsUnreadableData) {
  const auto def = create_order();
  saga::Result<saga::CommandMessage> m = def->steps[2].action->make("\x01");
  ASSERT_FALSE(m.is_ok());
  EXPECT_EQ(m.status().code(), saga::StatusCode::kMalformed);
  EXPECT_NE(m.status().message().find("saga data"), std::string::npos);
}

TEST(DslTest, OnReplyUpdatesTheData) {
  const auto def = create_order();
  const std::string body = saga::encode_body(TicketCreated{555}).value();
  saga::DataUpdate u = def->steps[2].on_reply(bytes(sample_data()), reply("TicketCreated", body));
  ASSERT_FALSE(u.failed) << u.reason;
  LoyaltyOrderData expected = sample_data();
  expected.ticket_id = 555;
  EXPECT_EQ(data_of(u.data), expected);
}

TEST(DslTest, OnReplyHandlesFailureRepliesByName) {
  const auto def = create_order();
  const std::string body = saga::encode_body(TicketRejected{"closed"}).value();
  saga::DataUpdate u = def->steps[2].on_reply(
      bytes(sample_data()),
      reply("TicketRejected", body, saga::ContentType::kCerealBinary, saga::Outcome::kFailure));
  ASSERT_FALSE(u.failed) << u.reason;
  EXPECT_EQ(data_of(u.data).rejection_reason, "closed");
}

TEST(DslTest, OnReplyDecodesPerReplyContentType) {
  const auto def = create_order();
  const std::string body = R"({"transaction_id":"tx-1"})";
  saga::DataUpdate u = def->steps[3].on_reply(
      bytes(sample_data()), reply("CardAuthorized", body, saga::ContentType::kJson));
  ASSERT_FALSE(u.failed) << u.reason;
  EXPECT_EQ(data_of(u.data).transaction_id, "tx-1");
}

TEST(DslTest, OnReplyReturningAnErrorFailsTheStep) {
  const auto def = create_order();
  const std::string body = R"({"reason":"limit"})";
  saga::DataUpdate u = def->steps[3].on_reply(
      bytes(sample_data()), reply("CardDeclined", body, saga::ContentType::kJson));
  EXPECT_TRUE(u.failed);
  EXPECT_EQ(u.reason, "declined: limit");
}

TEST(DslTest, OtherRepliesLeaveTheDataUnchanged) {
  const auto def = create_order();
  const std::string data = bytes(sample_data());
  saga::DataUpdate u = def->steps[2].on_reply(data, reply("SomethingElse", "garbage"));
  EXPECT_FALSE(u.failed);
  EXPECT_EQ(u.data, data);
  EXPECT_FALSE(static_cast<bool>(def->steps[1].on_reply));  // no handlers: none installed
}

TEST(DslTest, UndecodableReplyIsABadReply) {
  const auto def = create_order();
  saga::DataUpdate u = def->steps[2].on_reply(bytes(sample_data()), reply("TicketCreated", "x"));
  EXPECT_TRUE(u.failed);
  EXPECT_EQ(u.reason.rfind("bad_reply: TicketCreated: ", 0), 0u) << u.reason;
}

TEST(DslTest, UndecodableDataInAReplyHandlerIsBadData) {
  const auto def = create_order();
  const std::string body = saga::encode_body(TicketCreated{1}).value();
  saga::DataUpdate u = def->steps[2].on_reply("", reply("TicketCreated", body));
  EXPECT_TRUE(u.failed);
  EXPECT_EQ(u.reason.rfind("bad_data: ", 0), 0u) << u.reason;
}

TEST(DslTest, WhenPredicateDecidesWhetherTheStepApplies) {
  const auto def = create_order();
  const saga::StepDefinition& step = def->steps[2];
  ASSERT_TRUE(static_cast<bool>(step.applies));
  EXPECT_TRUE(step.applies(bytes(sample_data())));
  LoyaltyOrderData empty = sample_data();
  empty.line_items.clear();
  EXPECT_FALSE(step.applies(bytes(empty)));
  EXPECT_FALSE(static_cast<bool>(def->steps[1].applies));
}

TEST(DslTest, LocalStepUpdatesTheData) {
  const auto def = create_order();
  saga::DataUpdate u = def->steps[5].local(bytes(sample_data()));
  ASSERT_FALSE(u.failed) << u.reason;
  EXPECT_TRUE(data_of(u.data).loyalty_points_added);
}

TEST(DslTest, LocalStepReturningFalseOrErrorFails) {
  // clang-format off
  auto def = saga::define<LoyaltyOrderData>("locals")
      .step("says_no").local([](LoyaltyOrderData&) { return false; })
      .step("errs").local([](LoyaltyOrderData&) { return saga::invalid_argument("no_stock"); })
      .step("ok").local([](LoyaltyOrderData& d) { d.order_id += 1; return true; })
      .build();
  // clang-format on
  ASSERT_TRUE(def.is_ok()) << def.status().to_string();
  const std::string data = bytes(sample_data());
  EXPECT_EQ(def.value()->steps[0].local(data).reason, "local_failed");
  EXPECT_EQ(def.value()->steps[1].local(data).reason, "no_stock");
  saga::DataUpdate ok = def.value()->steps[2].local(data);
  ASSERT_FALSE(ok.failed);
  EXPECT_EQ(data_of(ok.data).order_id, 100);
  EXPECT_TRUE(def.value()->steps[0].local("\x02").failed);
}

TEST(DslTest, TimeoutsAndPoliciesAreCarriedOver) {
  const auto def = create_order();
  const saga::StepDefinition defaults;
  EXPECT_EQ(def->steps[1].reply_timeout, Millis{2'000});
  EXPECT_EQ(def->steps[2].reply_timeout, defaults.reply_timeout);
  EXPECT_EQ(def->steps[0].compensation_retry, saga::RetryPolicy::fixed(Millis{500}, 0));
  EXPECT_EQ(def->steps[2].compensation_retry, defaults.compensation_retry);
  EXPECT_EQ(def->steps[3].retry, saga::RetryPolicy::immediate(2));
  EXPECT_EQ(def->steps[4].retry, kForever);
  EXPECT_EQ(def->steps[1].retry, defaults.retry);
}

TEST(DslTest, DataHelpersRoundTrip) {
  const saga::Result<std::string> encoded = saga::encode_data(sample_data());
  ASSERT_TRUE(encoded.is_ok());
  EXPECT_EQ(saga::decode_data<LoyaltyOrderData>(encoded.value()).value(), sample_data());
  EXPECT_FALSE(saga::decode_data<LoyaltyOrderData>("\x05").is_ok());
}

TEST(DslTest, EndpointsCarryNamesAndReplies) {
  static_assert(kitchen_service::create_ticket.name() == "CreateTicket");
  static_assert(kitchen_service::create_ticket.channel.name == "kitchen");
  static_assert(decltype(kitchen_service::create_ticket)::has_reply<TicketRejected>);
  static_assert(!decltype(kitchen_service::create_ticket)::has_reply<CardDeclined>);
  static_assert(accounting_service::authorize_card.channel.content_type ==
                saga::ContentType::kJson);
  SUCCEED();
}

TEST(DslTest, FingerprintIsStableForTheSameStructure) {
  EXPECT_EQ(saga::fingerprint(*create_order()), saga::fingerprint(*create_order()));
}

// --- build() errors --------------------------------------------------------------------------

void expect_build_error(const saga::DefinitionResult& result, const std::string& message) {
  ASSERT_FALSE(result.is_ok());
  EXPECT_EQ(result.status().code(), saga::StatusCode::kInvalidArgument);
  EXPECT_EQ(result.status().message(), message);
}

TEST(DslBuildTest, RetriableStepWithoutRetryPolicy) {
  // clang-format off
  expect_build_error(saga::define<LoyaltyOrderData>("s")
      .pivot("authorize_card").invoke(accounting_service::authorize_card, &make_authorize_card)
      .retriable("confirm_ticket").invoke(kitchen_service::confirm_ticket, &make_confirm_ticket)
      .build(),
      "step 'confirm_ticket': a retriable step needs an explicit retry policy (.retry)");
  // clang-format on
}

TEST(DslBuildTest, RetriableStepWithSingleAttemptPolicy) {
  // clang-format off
  expect_build_error(saga::define<LoyaltyOrderData>("s")
      .retriable("approve_order").invoke(order_service::approve_order, &make_approve_order)
          .retry(saga::RetryPolicy::cancel())
      .build(),
      "step 'approve_order': a retriable step needs a retry policy that allows more than one "
      "attempt");
  // clang-format on
}

TEST(DslBuildTest, TwoHandlersForOneReply) {
  // clang-format off
  expect_build_error(saga::define<LoyaltyOrderData>("s")
      .step("create_ticket").invoke(kitchen_service::create_ticket, &make_create_ticket)
          .on_reply<TicketCreated>(&on_ticket_created)
          .on_reply<TicketCreated>(&on_ticket_created)
      .build(),
      "step 'create_ticket': two reply handlers for TicketCreated");
  // clang-format on
}

TEST(DslBuildTest, CompensationGivenTwice) {
  // clang-format off
  expect_build_error(saga::define<LoyaltyOrderData>("s")
      .step("create_ticket").invoke(kitchen_service::create_ticket, &make_create_ticket)
          .compensate_with(kitchen_service::cancel_ticket, &make_cancel_ticket)
          .compensate_with(kitchen_service::cancel_ticket, &make_cancel_ticket)
      .build(),
      "step 'create_ticket': compensate_with given twice");
  // clang-format on
}

TEST(DslBuildTest, CompensationRetryWithoutCompensation) {
  // clang-format off
  expect_build_error(saga::define<LoyaltyOrderData>("s")
      .step("verify_consumer").invoke(consumer_service::validate_order, &make_validate_order)
          .compensation_retry(saga::RetryPolicy::immediate(3))
      .build(),
      "step 'verify_consumer': compensation_retry without a compensation");
  // clang-format on
}

TEST(DslBuildTest, DuplicateStepName) {
  // clang-format off
  expect_build_error(saga::define<LoyaltyOrderData>("s")
      .step("verify").invoke(consumer_service::validate_order, &make_validate_order)
      .step("verify").invoke(consumer_service::validate_order, &make_validate_order)
      .build(),
      "step 'verify': duplicate step name");
  // clang-format on
}

TEST(DslBuildTest, StepThatDoesNothing) {
  // clang-format off
  expect_build_error(saga::define<LoyaltyOrderData>("s")
      .step("idle")
      .pivot("authorize_card").invoke(accounting_service::authorize_card, &make_authorize_card)
      .build(),
      "step 'idle': a step needs an action, a local function or a compensation");
  // clang-format on
}

TEST(DslBuildTest, NoSteps) {
  expect_build_error(saga::define<LoyaltyOrderData>("empty").build(), "saga 'empty': has no steps");
}

TEST(DslBuildTest, NoName) {
  // clang-format off
  expect_build_error(saga::define<LoyaltyOrderData>("")
      .step("verify").invoke(consumer_service::validate_order, &make_validate_order)
      .build(),
      "saga definition has no name");
  // clang-format on
}

TEST(DslBuildTest, NonPositiveTimeout) {
  // clang-format off
  expect_build_error(saga::define<LoyaltyOrderData>("s")
      .step("verify").invoke(consumer_service::validate_order, &make_validate_order).timeout(Millis{0})
      .build(),
      "step 'verify': reply timeout must be positive");
  // clang-format on
}

TEST(DslTest, LocksOnTheSagaAndOnAStepComputeKeysAndModeFromTheData) {
  // clang-format off
  saga::DefinitionResult built = saga::define<LoyaltyOrderData>("locked_order", 1)
      .lock([](const LoyaltyOrderData& d) { return "order:" + std::to_string(d.order_id); })
      .lock([](const LoyaltyOrderData& d) {
              return std::vector<std::string>{"consumer:" + std::to_string(d.consumer_id),
                                              "restaurant:" + std::to_string(d.restaurant_id)};
            },
            [](const LoyaltyOrderData& d) {  // by value: only big orders lock the consumer
              return d.order_total_cents > 10'000 ? saga::LockMode::kWait : saga::LockMode::kNone;
            },
            saga::LockOptions{Millis{5'000}, "authorize_card"})
      .step("create_ticket")
          .invoke(kitchen_service::create_ticket, &make_create_ticket)
          .compensate_with(kitchen_service::cancel_ticket, &make_cancel_ticket)
          .lock([](const LoyaltyOrderData& d) { return "ticket:" + std::to_string(d.order_id); },
                saga::LockMode::kFailFast)
      .pivot("authorize_card")
          .invoke(accounting_service::authorize_card, &make_authorize_card)
      .build();
  // clang-format on
  ASSERT_TRUE(built.is_ok()) << built.status().to_string();
  const saga::SagaDefinition& def = *built.value();
  ASSERT_EQ(def.locks.size(), 2u);
  ASSERT_EQ(def.steps[0].locks.size(), 1u);
  EXPECT_TRUE(def.steps[1].locks.empty());

  LoyaltyOrderData d = sample_data();  // order 99, consumer 7, restaurant 3, 4250 cents
  const std::string small = bytes(d);
  d.order_total_cents = 25'000;
  const std::string big = bytes(d);
  EXPECT_EQ(def.locks[0].keys(small), (std::vector<std::string>{"order:99"}));
  EXPECT_EQ(def.locks[0].mode(small), saga::LockMode::kWait);
  EXPECT_EQ(def.locks[0].lease, Millis{60'000});
  EXPECT_EQ(def.locks[0].release_after, "");
  EXPECT_EQ(def.locks[1].keys(big), (std::vector<std::string>{"consumer:7", "restaurant:3"}));
  EXPECT_EQ(def.locks[1].mode(small), saga::LockMode::kNone);
  EXPECT_EQ(def.locks[1].mode(big), saga::LockMode::kWait);
  EXPECT_EQ(def.locks[1].lease, Millis{5'000});
  EXPECT_EQ(def.locks[1].release_after, "authorize_card");
  EXPECT_EQ(def.steps[0].locks[0].keys(small), (std::vector<std::string>{"ticket:99"}));
  EXPECT_EQ(def.steps[0].locks[0].mode(small), saga::LockMode::kFailFast);
  // Unreadable data: the keys function throws (decide fails the step), the mode says wait.
  EXPECT_THROW(def.locks[0].keys("\xff"), std::runtime_error);
  EXPECT_EQ(def.locks[1].mode("\xff"), saga::LockMode::kWait);
}

TEST(DslTest, ALockReleasedBeforeThePivotIsABuildError) {
  saga::DefinitionResult built =
      saga::define<LoyaltyOrderData>("early_release", 1)
          .lock([](const LoyaltyOrderData&) { return std::string("k"); }, saga::LockMode::kWait,
                saga::LockOptions{Millis{1'000}, "create_ticket"})
          .step("create_ticket")
          .invoke(kitchen_service::create_ticket, &make_create_ticket)
          .pivot("authorize_card")
          .invoke(accounting_service::authorize_card, &make_authorize_card)
          .build();
  ASSERT_FALSE(built.is_ok());
  EXPECT_EQ(built.status().message(),
            "saga 'early_release': lock release_after 'create_ticket' is before the pivot");
}

TEST(DslTest, LocksChangeTheFingerprint) {
  auto plain = saga::define<LoyaltyOrderData>("f", 1)
                   .pivot("authorize_card")
                   .invoke(accounting_service::authorize_card, &make_authorize_card)
                   .build();
  auto locked = saga::define<LoyaltyOrderData>("f", 1)
                    .lock([](const LoyaltyOrderData&) { return std::string("k"); })
                    .pivot("authorize_card")
                    .invoke(accounting_service::authorize_card, &make_authorize_card)
                    .build();
  EXPECT_NE(saga::fingerprint(*plain.value()), saga::fingerprint(*locked.value()));
}

}  // namespace
}  // namespace test_ftgo
