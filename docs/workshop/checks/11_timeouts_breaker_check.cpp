// Goal: exercise 11 — with the student's AuthorizeCard timeout and Accounting limits, a slow
// Accounting is waited for, a silent one is noticed and left alone (the breaker opens), and
// every order goes through once it is back, authorized once with its amount.
// Method: the real engine (manual mode, SQLite file, virtual clock) running the example's
// Create Order with the student's timeout on authorize_card, ParticipantLimits{accounting} from
// the student; in-memory FTGO services (FtgoWorld) whose Accounting is slow (every reply 1.8 s
// late) or silent. Ten orders each time. Counts the AuthorizeCard deliveries and asserts the
// orders' states and the card authorizations.
#include <gtest/gtest.h>

#include "ftgo_world.h"
#include "order_change_parts.h"

namespace workshop {  // the student's file
saga::Millis authorize_card_timeout();
saga::ParticipantLimits accounting_limits();
}  // namespace workshop

namespace {

using saga::Millis;
using saga::Phase;
using workshop::AccountingMode;
using workshop::FtgoWorld;

constexpr int kOrders = 10;
constexpr int kMaxSendsInOutage = 30;

std::unique_ptr<FtgoWorld> world() {
  saga::DefinitionResult d =
      workshop::create_order_with_authorize_timeout(workshop::authorize_card_timeout());
  EXPECT_TRUE(d.is_ok()) << "the definition does not build: " << d.status().to_string();
  if (!d.is_ok()) return nullptr;
  auto w = std::make_unique<FtgoWorld>(
      std::vector<std::shared_ptr<const saga::SagaDefinition>>{d.value()},
      std::map<std::string, saga::ParticipantLimits>{
          {"accounting", workshop::accounting_limits()}});
  EXPECT_TRUE(w->status().is_ok()) << w->status().to_string();
  return w->status().is_ok() ? std::move(w) : nullptr;
}

std::vector<std::string> place_orders(FtgoWorld& w) {
  std::vector<std::string> ids;
  for (int i = 1; i <= kOrders; ++i) ids.push_back(w.create_order(i, 1'000 + 100 * i));
  return ids;
}

// Every order approved, its card authorized once, for its total.
void expect_every_order_approved_once(FtgoWorld& w) {
  for (int i = 1; i <= kOrders; ++i) {
    EXPECT_EQ(w.orders().at(i).state, "APPROVED") << "order " << i;
    ASSERT_TRUE(w.authorizations().contains(i)) << "order " << i << " has no card authorization";
    EXPECT_EQ(w.authorizations().at(i).applied, 1) << "order " << i << "'s card authorized twice";
    EXPECT_EQ(w.authorizations().at(i).amount_cents, 1'000 + 100 * i) << "order " << i;
  }
}

TEST(Workshop11TimeoutsBreaker, ASlowAccountingIsWaitedFor) {
  auto w = world();
  ASSERT_NE(w, nullptr);
  w->set_accounting(AccountingMode::kSlow, Millis{1'800});
  const std::vector<std::string> ids = place_orders(*w);
  ASSERT_TRUE(w->run_until_ended(ids, Millis{60'000})) << "the orders did not go through";
  ASSERT_EQ(w->deliveries("AuthorizeCard"), kOrders)
      << "Accounting was slow (each reply 1.8 s) but working, and your orchestrator sent "
      << w->deliveries("AuthorizeCard") << " AuthorizeCard for " << kOrders
      << " orders: it gave up on replies that were on their way and sent again.";
  EXPECT_FALSE(w->breaker_ever_opened("accounting"))
      << "Accounting was slow but working, and its breaker opened: orders were held back from "
         "a service that was answering.";
  expect_every_order_approved_once(*w);
}

TEST(Workshop11TimeoutsBreaker, ASilentAccountingIsNoticedLeftAloneAndRecoveredFrom) {
  auto w = world();
  ASSERT_NE(w, nullptr);
  w->set_accounting(AccountingMode::kSilent);
  const std::vector<std::string> ids = place_orders(*w);
  w->run(Millis{3'100});
  bool noticed = false;
  for (const std::string& id : ids) {
    for (const saga::HistoryEntry& h : w->history(id)) {
      noticed = noticed || h.event == saga::Event::kStepTimedOut;
    }
  }
  ASSERT_TRUE(noticed) << "Accounting stopped answering, and 3 s after the AuthorizeCard "
                          "commands went out no saga had noticed yet (no reply timeout).";
  w->run(Millis{60'000} - Millis{3'100});
  const int sent_in_outage = w->deliveries("AuthorizeCard");
  EXPECT_LE(sent_in_outage, kMaxSendsInOutage)
      << "Accounting was silent for 60 s, and your orchestrator sent it " << sent_in_outage
      << " AuthorizeCard (at most " << kMaxSendsInOutage << " asked): every saga kept resending "
      << "into a service that was down.";
  EXPECT_TRUE(w->breaker_ever_opened("accounting"))
      << "Accounting was silent for 60 s and its breaker never opened.";

  w->set_accounting(AccountingMode::kNormal);
  const bool through = w->run_until_ended(ids, Millis{30'000});
  int waiting = 0;
  for (const std::string& id : ids) waiting += saga::is_terminal(w->saga(id).phase) ? 0 : 1;
  ASSERT_TRUE(through) << "Accounting was back for 30 s, and " << waiting << " of the " << kOrders
                       << " orders were still waiting for it.";
  for (const std::string& id : ids) EXPECT_EQ(w->saga(id).phase, Phase::kCompleted) << id;
  expect_every_order_approved_once(*w);
}

}  // namespace
