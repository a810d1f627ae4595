// Goal: exercise 4 — with the failure-prone step first, a failing consumer check compensates
// less, and a successful order is unchanged.
// Method: SagaHarness on the student's definition: the consumer check fails (counting the
// compensation commands sent), then the happy path (comparing the commands sent).
#include <gtest/gtest.h>

#include <iostream>

#include "create_order_parts.h"
#include "saga/testing/harness.h"
#include "workshop_support.h"

namespace workshop {
saga::DefinitionResult create_order_pessimistic_definition();  // the student's file
}

namespace {

using saga::Phase;
using saga::testing::SagaHarness;

std::shared_ptr<const saga::SagaDefinition> student_definition() {
  saga::DefinitionResult definition = workshop::create_order_pessimistic_definition();
  EXPECT_TRUE(definition.is_ok()) << definition.status().to_string();
  return definition.is_ok() ? definition.value() : nullptr;
}

// Answers every command with success, except ValidateOrderByConsumer: consumer_disabled.
// Returns the compensation commands sent.
std::vector<std::string> compensations_when_consumer_fails(SagaHarness& h) {
  h.start_with(workshop::sample_order());
  for (int guard = 0; guard < 20 && !h.instance().last_request_id.empty(); ++guard) {
    const std::string name = h.commands().back().envelope.name;
    if (name == "ValidateOrderByConsumer") {
      h.reply_failure("consumer_disabled");
    } else if (name == "CreateTicket") {
      h.reply_success(ftgo::TicketCreated{42});
    } else {
      h.reply_success();
    }
  }
  std::vector<std::string> compensations;
  for (const auto& c : h.commands()) {
    if (c.envelope.compensation) compensations.push_back(c.label());
  }
  return compensations;
}

TEST(Workshop04PessimisticView, AFailingConsumerCheckCompensatesOnlyTheOrder) {
  auto definition = student_definition();
  ASSERT_NE(definition, nullptr);
  SagaHarness h(definition);
  const std::vector<std::string> compensations = compensations_when_consumer_fails(h);
  EXPECT_TRUE(h.expect_phase(Phase::kCompensated));
  std::cout << "compensations sent: " << compensations.size() << "\n";
  EXPECT_EQ(compensations, std::vector<std::string>{"order:RejectOrder(c)"})
      << "a consumer failure should have nothing to undo in Kitchen";
  for (const auto& c : h.commands()) {
    EXPECT_NE(c.envelope.name, "CreateTicket") << "Kitchen saw a ticket for an invalid order";
  }
}

TEST(Workshop04PessimisticView, ASuccessfulOrderSendsTheSameCommands) {
  auto definition = student_definition();
  ASSERT_NE(definition, nullptr);
  SagaHarness h(definition);
  h.start_with(workshop::sample_order());
  ASSERT_TRUE(h.expect_command("consumer", "ValidateOrderByConsumer"));
  h.reply_success(ftgo::ConsumerVerified{});
  ASSERT_TRUE(h.expect_command("kitchen", "CreateTicket"));
  h.reply_success(ftgo::TicketCreated{42});
  ASSERT_TRUE(h.expect_command("accounting", "AuthorizeCard"));
  h.reply_success(ftgo::CardAuthorized{"tx-1"});
  ASSERT_TRUE(h.expect_command("kitchen", "ConfirmCreateTicket"));
  h.reply_success();
  ASSERT_TRUE(h.expect_command("order", "ApproveOrder"));
  h.reply_success();
  EXPECT_TRUE(h.expect_phase(Phase::kCompleted));
}

}  // namespace
