// Goal: exercise 4 — with the failure-prone step first, a failing consumer check compensates
// less, and a successful order is unchanged.
// Method: SagaHarness on the student's definition: the consumer check fails (counting the
// compensation commands sent), the happy path (comparing every command's payload) and a
// declined card (the ticket and the order are still undone).
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

bool sent(const SagaHarness& h, const std::string& name, bool compensation) {
  for (const auto& c : h.commands()) {
    if (c.envelope.name == name && c.envelope.compensation == compensation) return true;
  }
  return false;
}

TEST(Workshop04PessimisticView, AFailingConsumerCheckCompensatesOnlyTheOrder) {
  auto definition = student_definition();
  ASSERT_NE(definition, nullptr);
  SagaHarness h(definition);
  const std::vector<std::string> compensations = compensations_when_consumer_fails(h);
  std::cout << "a failing consumer check costs " << compensations.size() << " compensation(s):";
  for (const std::string& c : compensations) std::cout << " " << c;
  std::cout << "\n";
  ASSERT_TRUE(h.expect_phase(Phase::kCompensated));
  ASSERT_TRUE(sent(h, "RejectOrder", true))
      << "When the consumer check fails, the order is never rejected (no RejectOrder): it stays "
         "APPROVAL_PENDING for ever. Something that used to be undone is no longer undone.";
  EXPECT_FALSE(sent(h, "CreateTicket", false))
      << "When the consumer check fails, Kitchen has already seen a ticket for the invalid order "
         "(and must cancel it): the failure-prone check still comes too late.";
  EXPECT_EQ(compensations, std::vector<std::string>{"order:RejectOrder(c)"})
      << "a failing consumer check should undo nothing but the order";
}

// The payload of `c` decoded as T equals `expected`.
template <typename T>
::testing::AssertionResult payload_is(const saga::testing::SentCommand& c, const T& expected) {
  if (c.envelope.name != T::kMessageName) {
    return ::testing::AssertionFailure() << c.label() << " is not " << T::kMessageName;
  }
  saga::Result<T> actual = saga::decode_body<T>(c.envelope.body, c.envelope.content_type);
  if (actual.is_ok() && actual.value() == expected) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure()
         << c.label() << " carries "
         << (actual.is_ok() ? saga::testing::to_json(actual.value()) : "an undecodable body")
         << "; the example's carries " << saga::testing::to_json(expected);
}

// Answers each command the saga sends with its success reply, by name, until it waits no more.
void answer_every_command(SagaHarness& h) {
  for (int guard = 0; guard < 20 && !h.instance().last_request_id.empty(); ++guard) {
    const std::string name = h.commands().back().envelope.name;
    if (name == "ValidateOrderByConsumer") h.reply_success(ftgo::ConsumerVerified{});
    if (name == "CreateTicket") h.reply_success(ftgo::TicketCreated{42});
    if (name == "AuthorizeCard") h.reply_success(ftgo::CardAuthorized{"tx-1"});
    if (name == "ConfirmCreateTicket") h.reply_success(ftgo::TicketConfirmed{});
    if (name == "ApproveOrder") h.reply_success(ftgo::OrderApproved{});
  }
}

// Runs the happy path, answering each command by its name, then compares every command's
// payload with the example's, and the order of the commands (without naming it).
TEST(Workshop04PessimisticView, ASuccessfulOrderSendsTheSameCommands) {
  auto definition = student_definition();
  ASSERT_NE(definition, nullptr);
  SagaHarness h(definition);
  const ftgo::CreateOrderData order = workshop::sample_order();
  h.start_with(order);
  answer_every_command(h);
  ASSERT_TRUE(h.expect_phase(Phase::kCompleted)) << "a successful order did not complete";
  for (const saga::testing::SentCommand& c : h.commands()) {
    const std::string& name = c.envelope.name;
    if (name == "ConfirmCreateTicket") {
      ::testing::AssertionResult ok = payload_is(c, ftgo::ConfirmCreateTicket{42});
      ASSERT_TRUE(ok) << "Kitchen created ticket 42, but the saga confirms another ticket: it "
                         "no longer remembers what Kitchen answered to CreateTicket.\n"
                      << ok.message();
    }
    if (name == "ValidateOrderByConsumer") {
      EXPECT_TRUE(payload_is(c, ftgo::ValidateOrderByConsumer{1, 1, 2'400}));
    }
    if (name == "CreateTicket") {
      EXPECT_TRUE(payload_is(c, ftgo::CreateTicket{1, 1, order.line_items}));
    }
    if (name == "AuthorizeCard") {
      EXPECT_TRUE(payload_is(c, ftgo::AuthorizeCard{1, 1, 2'400}));
    }
    if (name == "ApproveOrder") {
      EXPECT_TRUE(payload_is(c, ftgo::ApproveOrder{1}));
    }
  }
  SagaHarness example(workshop::example_definition());
  example.start_with(order);
  answer_every_command(example);
  EXPECT_TRUE(h.command_labels() == example.command_labels())
      << "a successful order sends the example's commands, but in another order: the "
         "reordering should change what a failure costs, not what a success does";
  EXPECT_EQ(h.data<ftgo::CreateOrderData>().transaction_id, "tx-1")
      << "the saga forgot the card's transaction id";
}

// A declined card still undoes the ticket and the order, newest first.
TEST(Workshop04PessimisticView, ADeclinedCardStillUndoesTicketAndOrder) {
  auto definition = student_definition();
  ASSERT_NE(definition, nullptr);
  SagaHarness h(definition);
  h.start_with(workshop::sample_order());
  for (int guard = 0; guard < 20 && !h.instance().last_request_id.empty(); ++guard) {
    const saga::Envelope& last = h.commands().back().envelope;
    if (last.name == "AuthorizeCard") {
      h.reply_failure("card_declined", ftgo::CardDeclined{"card_declined"});
    } else if (last.name == "ValidateOrderByConsumer") {
      h.reply_success(ftgo::ConsumerVerified{});
    } else if (last.name == "CreateTicket") {
      h.reply_success(ftgo::TicketCreated{42});
    } else {
      h.reply_success();
    }
  }
  std::vector<const saga::testing::SentCommand*> undo;
  for (const auto& c : h.commands()) {
    if (c.envelope.compensation) undo.push_back(&c);
  }
  const bool ticket_cancelled =
      !undo.empty() && payload_is(*undo.front(), ftgo::CancelCreateTicket{1});
  ASSERT_TRUE(ticket_cancelled)
      << "The card was declined, and Kitchen's ticket for order 1 was not cancelled first.";
  ASSERT_EQ(undo.size(), 2u) << "a declined card should undo the ticket and the order, no more";
  EXPECT_TRUE(payload_is(*undo.back(), ftgo::RejectOrder{1}));
  EXPECT_TRUE(h.expect_phase(Phase::kCompensated));
  EXPECT_EQ(h.data<ftgo::CreateOrderData>().rejection_reason, "card_declined")
      << "the order's rejection reason";
}

}  // namespace
