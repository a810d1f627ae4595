// Goal: the FTGO Create Order saga takes the right path in every business and delivery scenario.
// Method: SagaHarness drives the typed, hand-built definition (ftgo_typed.h) through decide() with
// virtual time; commands are matched payload-exact, replies are typed, phases and data asserted.
#include <gtest/gtest.h>

#include "ftgo_typed.h"
#include "saga/testing/harness.h"

namespace saga {
namespace {

using namespace ftgo;
using namespace typed_ftgo;
using testing::SagaHarness;

class FtgoHarnessTest : public ::testing::Test {
 protected:
  FtgoHarnessTest() : h(typed_ftgo_definition()) { h.start_with(order); }

  // Verifies the consumer and creates ticket 42.
  void run_to_pivot() {
    ASSERT_TRUE(h.expect_command("consumer", ValidateOrderByConsumer{7, 99, 2'550}));
    h.reply_success(ConsumerVerified{});
    ASSERT_TRUE(h.expect_command("kitchen", CreateTicket{3, 99, {}}));
    h.reply_success(TicketCreated{42});
    ASSERT_TRUE(h.expect_command("accounting", AuthorizeCard{7, 99, 2'550}));
  }

  CreateOrderData order = sample_order();
  SagaHarness h;
};

// --- snippet: happy path (docs/testing.md) ---
TEST_F(FtgoHarnessTest, HappyPathApprovesTheOrder) {
  EXPECT_TRUE(h.expect_command("consumer", ValidateOrderByConsumer{7, 99, 2'550}));
  h.reply_success(ConsumerVerified{});
  EXPECT_TRUE(h.expect_command("kitchen", CreateTicket{3, 99, {}}));
  h.reply_success(TicketCreated{42});
  EXPECT_TRUE(h.expect_command("accounting", AuthorizeCard{7, 99, 2'550}));
  h.reply_success(CardAuthorized{});
  EXPECT_TRUE(h.expect_command("kitchen", ConfirmCreateTicket{42}));
  h.reply_success();
  EXPECT_TRUE(h.expect_command("order", ApproveOrder{99}));
  h.reply_success();

  EXPECT_TRUE(h.expect_no_command());
  EXPECT_TRUE(h.expect_phase(Phase::kCompleted));
  EXPECT_EQ(h.data<CreateOrderData>().ticket_id, 42);
  EXPECT_TRUE(h.expect_commands({"consumer:ValidateOrderByConsumer", "kitchen:CreateTicket",
                                 "accounting:AuthorizeCard", "kitchen:ConfirmCreateTicket",
                                 "order:ApproveOrder"}));
}
// --- end snippet ---

TEST_F(FtgoHarnessTest, ConsumerValidationFailsRejectsTheOrderWithoutATicket) {
  ASSERT_TRUE(h.expect_command("consumer", ValidateOrderByConsumer{7, 99, 2'550}));
  h.reply_failure("consumer_blocked");
  EXPECT_TRUE(h.expect_command("order", RejectOrder{99}));
  h.reply_success();
  EXPECT_TRUE(h.expect_phase(Phase::kCompensated));
  EXPECT_TRUE(h.expect_commands({"consumer:ValidateOrderByConsumer", "order:RejectOrder(c)"}));
  EXPECT_NE(h.instance().last_reason.find("consumer_blocked"), std::string::npos);
}

TEST_F(FtgoHarnessTest, KitchenRejectsTheTicketRejectsTheOrder) {
  ASSERT_TRUE(h.expect_command("consumer", ValidateOrderByConsumer{7, 99, 2'550}));
  h.reply_success(ConsumerVerified{});
  ASSERT_TRUE(h.expect_command("kitchen", CreateTicket{3, 99, {}}));
  h.reply_failure("restaurant_closed");
  // The failing step's own compensation is not run; verify_consumer has none.
  EXPECT_TRUE(h.expect_command("order", RejectOrder{99}));
  h.reply_success();
  EXPECT_TRUE(h.expect_phase(Phase::kCompensated));
  EXPECT_EQ(h.data<CreateOrderData>().rejection_reason, "restaurant_closed");
  EXPECT_TRUE(h.expect_no_command());
}

// --- snippet: card declined (docs/testing.md) ---
TEST_F(FtgoHarnessTest, CardDeclinedCancelsTheTicketThenRejectsTheOrder) {
  run_to_pivot();
  h.reply_failure("card_declined", CardDeclined{"insufficient funds"});
  EXPECT_TRUE(h.expect_command("kitchen", CancelCreateTicket{99}));
  h.reply_success();
  EXPECT_TRUE(h.expect_command("order", RejectOrder{99}));
  h.reply_success();
  EXPECT_TRUE(h.expect_phase(Phase::kCompensated));
  EXPECT_EQ(h.events().back(), Event::kCompensated);
}
// --- end snippet ---

TEST_F(FtgoHarnessTest, ConfirmTicketFailuresAfterThePivotAreRetriedNeverCompensated) {
  run_to_pivot();
  h.reply_success(CardAuthorized{});
  for (int k = 0; k < 2; ++k) {  // the policy allows 3 sends
    ASSERT_TRUE(h.expect_command("kitchen", ConfirmCreateTicket{42}));
    h.reply_failure("kitchen_busy");
    EXPECT_TRUE(h.expect_no_command());  // waits for the retry delay
    EXPECT_EQ(h.instance().wait, Wait::kRetry);
    EXPECT_EQ(h.advance(Millis{100}), 1);
  }
  ASSERT_TRUE(h.expect_command("kitchen", ConfirmCreateTicket{42}));
  h.reply_success();
  ASSERT_TRUE(h.expect_command("order", ApproveOrder{99}));
  h.reply_success();
  EXPECT_TRUE(h.expect_phase(Phase::kCompleted));
  // A retry after a failure reply is a new message: the participant must not replay its failure.
  const auto& sent = h.commands();
  EXPECT_NE(sent[3].envelope.message_id, sent[4].envelope.message_id);
  for (const auto& c : sent) EXPECT_FALSE(c.envelope.compensation) << c.label();
}

TEST_F(FtgoHarnessTest, CancelTicketFailingKTimesIsRetriedThenRollbackCompletes) {
  run_to_pivot();
  h.reply_failure("card_declined");
  for (int k = 0; k < 2; ++k) {
    ASSERT_TRUE(h.expect_command("kitchen", CancelCreateTicket{99}));
    h.reply_failure("kitchen_busy");
    h.advance(Millis{100});
  }
  ASSERT_TRUE(h.expect_command("kitchen", CancelCreateTicket{99}));
  h.reply_success();
  ASSERT_TRUE(h.expect_command("order", RejectOrder{99}));
  h.reply_success();
  EXPECT_TRUE(h.expect_phase(Phase::kCompensated));
}

TEST_F(FtgoHarnessTest, CompensationFailingBeyondItsPolicyFailsTheSagaAndOperatorRetryEndsIt) {
  run_to_pivot();
  h.reply_failure("card_declined");
  for (int k = 0; k < 3; ++k) {
    ASSERT_TRUE(h.expect_command("kitchen", CancelCreateTicket{99}));
    h.reply_failure("kitchen_down");
    h.advance(Millis{100});
  }
  EXPECT_TRUE(h.expect_phase(Phase::kFailed));
  EXPECT_EQ(h.instance().failed_from, Phase::kCompensating);
  EXPECT_TRUE(h.expect_no_command());
  h.advance(Millis{60'000});  // nothing happens by itself
  EXPECT_TRUE(h.expect_no_command());

  EXPECT_TRUE(h.operator_retry("alice: kitchen is back").applied);
  ASSERT_TRUE(h.expect_command("kitchen", CancelCreateTicket{99}));
  h.reply_success();
  ASSERT_TRUE(h.expect_command("order", RejectOrder{99}));
  h.reply_success();
  EXPECT_TRUE(h.expect_phase(Phase::kCompensated));
}

// --- snippet: duplicates and stale replies (docs/testing.md) ---
TEST_F(FtgoHarnessTest, DuplicateAndStaleRepliesAreIgnored) {
  ASSERT_TRUE(h.expect_command("consumer", ValidateOrderByConsumer{7, 99, 2'550}));
  h.reply_success(ConsumerVerified{});
  const Envelope verified = *h.inputs().back().reply;  // the reply to the first command
  ASSERT_TRUE(h.expect_command("kitchen", CreateTicket{3, 99, {}}));
  h.reply_success(TicketCreated{42});
  const SagaInstance before = h.instance();

  EXPECT_FALSE(h.reply_again().applied);      // TicketCreated delivered twice
  EXPECT_FALSE(h.deliver(verified).applied);  // a late answer to an older command
  EXPECT_EQ(h.instance(), before);
  EXPECT_EQ(h.ignored_inputs(), 2);
  EXPECT_TRUE(h.expect_command("accounting", AuthorizeCard{7, 99, 2'550}));
  EXPECT_TRUE(h.expect_no_command());
}
// --- end snippet ---

// --- snippet: timeouts (docs/testing.md) ---
TEST_F(FtgoHarnessTest, SilentKitchenGetsResendsThenTheSagaCompensatesIncludingTheTicket) {
  ASSERT_TRUE(h.expect_command("consumer", ValidateOrderByConsumer{7, 99, 2'550}));
  h.reply_success(ConsumerVerified{});
  ASSERT_TRUE(h.expect_command("kitchen", CreateTicket{3, 99, {}}));
  const std::string first_id = h.commands().back().envelope.message_id;

  h.advance(Millis{1'100});  // deadline at +1 s, resend 100 ms later
  ASSERT_TRUE(h.expect_command("kitchen", CreateTicket{3, 99, {}}));
  EXPECT_EQ(h.commands().back().envelope.message_id, first_id);  // same message, deduplicated
  EXPECT_EQ(h.commands().back().envelope.attempt, 2u);
  h.advance(Millis{1'100});
  ASSERT_TRUE(h.expect_command("kitchen", CreateTicket{3, 99, {}}));
  h.advance(Millis{1'000});  // third deadline: the policy (3 sends) is exhausted

  // The outcome is unknown, so the ticket's own compensation runs (the barrier makes it a
  // no-op if CreateTicket never ran), then the order is rejected.
  EXPECT_TRUE(h.expect_command("kitchen", CancelCreateTicket{99}));
  h.reply_success();
  EXPECT_TRUE(h.expect_command("order", RejectOrder{99}));
  h.reply_success();
  EXPECT_TRUE(h.expect_phase(Phase::kCompensated));
}
// --- end snippet ---

TEST_F(FtgoHarnessTest, SilentKitchenAfterThePivotFailsTheSagaForAnOperator) {
  run_to_pivot();
  h.reply_success(CardAuthorized{});
  ASSERT_TRUE(h.expect_command("kitchen", ConfirmCreateTicket{42}));
  h.advance(Millis{10'000});
  EXPECT_TRUE(h.expect_phase(Phase::kFailed));
  EXPECT_EQ(h.instance().failed_from, Phase::kExecuting);
  EXPECT_EQ(h.events().back(), Event::kStepExhausted);
  EXPECT_EQ(h.command_labels().size(), 6u);  // 3 earlier commands + 3 sends of confirm
  h.drain_commands();
  // Never compensated: no compensation command at all.
  for (const auto& c : h.commands()) EXPECT_FALSE(c.envelope.compensation) << c.label();

  EXPECT_TRUE(h.operator_retry("bob: kitchen restarted").applied);
  ASSERT_TRUE(h.expect_command("kitchen", ConfirmCreateTicket{42}));
  h.reply_success();
  ASSERT_TRUE(h.expect_command("order", ApproveOrder{99}));
  h.reply_success();
  EXPECT_TRUE(h.expect_phase(Phase::kCompleted));
}

// Found by the simulator: the kitchen may have confirmed the ticket and only the replies were
// lost, so the operator's retry must resend the same message for the inbox to deduplicate it.
TEST_F(FtgoHarnessTest, OperatorRetryAfterTimeoutsResendsTheSameMessage) {
  run_to_pivot();
  h.reply_success(CardAuthorized{});
  ASSERT_TRUE(h.expect_command("kitchen", ConfirmCreateTicket{42}));
  const std::string unanswered = h.commands().back().envelope.message_id;
  h.advance(Millis{10'000});
  ASSERT_TRUE(h.expect_phase(Phase::kFailed));
  h.drain_commands();
  EXPECT_TRUE(h.operator_retry("bob: kitchen restarted").applied);
  ASSERT_TRUE(h.expect_command("kitchen", ConfirmCreateTicket{42}));
  EXPECT_EQ(h.commands().back().envelope.message_id, unanswered);
  EXPECT_EQ(h.commands().back().envelope.attempt, 4u);  // the fourth delivery of that message
}

TEST_F(FtgoHarnessTest, OperatorRetryAfterAFailureReplySendsANewMessage) {
  run_to_pivot();
  h.reply_success(CardAuthorized{});
  for (int k = 0; k < 3; ++k) {
    ASSERT_TRUE(h.expect_command("kitchen", ConfirmCreateTicket{42}));
    h.reply_failure("kitchen_down");
    h.advance(Millis{100});
  }
  ASSERT_TRUE(h.expect_phase(Phase::kFailed));
  const std::string failed = h.commands().back().envelope.message_id;
  EXPECT_TRUE(h.operator_retry().applied);
  ASSERT_TRUE(h.expect_command("kitchen", ConfirmCreateTicket{42}));
  EXPECT_NE(h.commands().back().envelope.message_id, failed);  // or the failure is replayed
}

TEST_F(FtgoHarnessTest, OperatorRetryAfterCompensationTimeoutsResendsTheSameMessage) {
  run_to_pivot();
  h.reply_failure("card_declined");
  ASSERT_TRUE(h.expect_command("kitchen", CancelCreateTicket{99}));
  const std::string unanswered = h.commands().back().envelope.message_id;
  h.advance(Millis{10'000});
  ASSERT_TRUE(h.expect_phase(Phase::kFailed));
  h.drain_commands();
  EXPECT_TRUE(h.operator_retry().applied);
  ASSERT_TRUE(h.expect_command("kitchen", CancelCreateTicket{99}));
  EXPECT_EQ(h.commands().back().envelope.message_id, unanswered);
  h.reply_success();
  ASSERT_TRUE(h.expect_command("order", RejectOrder{99}));
  h.reply_success();
  EXPECT_TRUE(h.expect_phase(Phase::kCompensated));
}

TEST_F(FtgoHarnessTest, MismatchedPayloadIsReportedAsAJsonDiff) {
  ::testing::AssertionResult r = h.expect_command("consumer", ValidateOrderByConsumer{7, 99, 1});
  ASSERT_FALSE(r);
  const std::string message = r.message();
  std::printf("%s\n", message.c_str());  // what a user sees
  EXPECT_NE(message.find("payload differs"), std::string::npos) << message;
  EXPECT_NE(message.find("\"order_total_cents\": 1"), std::string::npos) << message;
  EXPECT_NE(message.find("\"order_total_cents\": 2550"), std::string::npos) << message;
}

TEST_F(FtgoHarnessTest, WrongParticipantOrNameIsReportedAsAHeaderDiff) {
  ::testing::AssertionResult r = h.expect_command("kitchen", CreateTicket{3, 99, {}});
  ASSERT_FALSE(r);
  const std::string message = r.message();
  EXPECT_NE(message.find("participant: expected 'kitchen', actual 'consumer'"), std::string::npos)
      << message;
  EXPECT_NE(message.find("name: expected 'CreateTicket', actual 'ValidateOrderByConsumer'"),
            std::string::npos)
      << message;
}

TEST_F(FtgoHarnessTest, ReplyWithNothingOutstandingIsAnErrorNotACrash) {
  std::vector<std::string> errors;
  testing::HarnessOptions options;
  options.on_error = [&](const std::string& e) { errors.push_back(e); };
  SagaHarness quiet(typed_ftgo_definition(), options);
  quiet.reply_success();  // not started
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_NE(errors[0].find("not waiting for a reply"), std::string::npos) << errors[0];
}

}  // namespace
}  // namespace saga
