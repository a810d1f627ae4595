// Goal: the example's parallel Create Order (version 3, create_order_parallel_definition) takes
// the right path when its group's replies come in either order, compensates a ticket created
// while the consumer was refused, and its recorded histories replay through decide.
// Method: SagaHarness over the DSL-built definition (typed commands and replies, virtual time);
// record_history + replays_identically (history_replay.h).
#include <gtest/gtest.h>

#include "ftgo/create_order_saga.h"
#include "ftgo_typed.h"
#include "saga/testing/harness.h"
#include "saga/testing/history_replay.h"

namespace saga {
namespace {

using namespace ftgo;
using testing::SagaHarness;

std::shared_ptr<const SagaDefinition> parallel_definition() {
  DefinitionResult def = create_order_parallel_definition();
  EXPECT_TRUE(def.is_ok()) << def.status().to_string();
  return def.value();
}

class GroupHarnessTest : public ::testing::Test {
 protected:
  GroupHarnessTest() : h(parallel_definition()) { h.start_with(typed_ftgo::sample_order()); }

  // The group "prepare": both commands went out together, in step order.
  void expect_prepare_sent() {
    ASSERT_TRUE(h.expect_command("consumer", ValidateOrderByConsumer{7, 99, 2'550}));
    ASSERT_TRUE(h.expect_command("kitchen", CreateTicket{3, 99, {}}));
    ASSERT_TRUE(h.expect_no_command()) << "nothing else before the group answered";
  }

  void expect_replays() {
    EXPECT_TRUE(testing::replays_identically(*parallel_definition(), testing::record_history(h)));
  }

  SagaHarness h;
};

TEST_F(GroupHarnessTest, EitherReplyOrderApprovesTheOrder) {
  expect_prepare_sent();
  h.reply_success_for("create_ticket", TicketCreated{42});  // the kitchen answers first
  EXPECT_TRUE(h.expect_no_command());
  h.reply_success_for("verify_consumer", ConsumerVerified{});
  EXPECT_TRUE(h.expect_command("accounting", AuthorizeCard{7, 99, 2'550}));
  h.reply_success(CardAuthorized{});
  // The group "finish": both retriable steps together.
  EXPECT_TRUE(h.expect_command("kitchen", ConfirmCreateTicket{42}));
  EXPECT_TRUE(h.expect_command("order", ApproveOrder{99}));
  h.reply_for("approve_order", Outcome::kSuccess, "OrderApproved");
  h.reply_for("confirm_ticket", Outcome::kSuccess, "TicketConfirmed");
  EXPECT_TRUE(h.expect_phase(Phase::kCompleted));
  EXPECT_EQ(h.data<CreateOrderData>().ticket_id, 42);
  expect_replays();
}

TEST_F(GroupHarnessTest, ARefusedConsumerCancelsTheTicketCreatedMeanwhile) {
  expect_prepare_sent();
  h.reply_for("verify_consumer", Outcome::kFailure, "Failed", "consumer_blocked");
  EXPECT_TRUE(h.expect_no_command()) << "the ticket is still in flight";
  EXPECT_TRUE(h.expect_phase(Phase::kCompensating));
  h.reply_success_for("create_ticket", TicketCreated{42});
  EXPECT_TRUE(h.expect_command("kitchen", CancelCreateTicket{99}));
  h.reply_success();
  EXPECT_TRUE(h.expect_command("order", RejectOrder{99}));
  h.reply_success();
  EXPECT_TRUE(h.expect_phase(Phase::kCompensated));
  EXPECT_NE(h.instance().last_reason.find("consumer_blocked"), std::string::npos);
  expect_replays();
}

TEST_F(GroupHarnessTest, ARefusedTicketNeedsNoUndo) {
  expect_prepare_sent();
  h.reply_success_for("verify_consumer", ConsumerVerified{});
  h.reply_for("create_ticket", Outcome::kFailure, "Failed", "restaurant_closed");
  EXPECT_TRUE(h.expect_command("order", RejectOrder{99}));
  h.reply_success();
  EXPECT_TRUE(h.expect_phase(Phase::kCompensated));
  EXPECT_TRUE(h.expect_no_command());
  expect_replays();
}

TEST_F(GroupHarnessTest, ATicketWithNoAnswerIsCancelledAfterTheConsumerFailed) {
  expect_prepare_sent();
  h.reply_for("verify_consumer", Outcome::kFailure, "Failed", "blocked");
  // No answer from the kitchen: the failed group awaits it until its deadline, not longer.
  EXPECT_TRUE(h.fire_timer());
  EXPECT_TRUE(h.expect_command("kitchen", CancelCreateTicket{99}));
  h.reply_success();
  EXPECT_TRUE(h.expect_command("order", RejectOrder{99}));
  h.reply_success();
  EXPECT_TRUE(h.expect_phase(Phase::kCompensated));
  expect_replays();
}

}  // namespace
}  // namespace saga
