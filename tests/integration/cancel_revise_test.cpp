// Goal: the Cancel Order and Revise Order sagas end as Richardson describes in every service,
// and their isolation countermeasures do their job: the semantic locks (the engine lock
// "order:<id>", waited for or refused by value; the order's and the ticket's *_PENDING states
// in the services), the pessimistic step order, commutative balance updates, and the reread of
// the order's version before a revision is written.
// Method: the four services on real sockets and real SQLite files (create_order_system.h);
// each saga is awaited with engine.wait(id, timeout), then every service's database is read.
// Overlaps are made deterministic with injected delays on one saga's command.
#include <SQLiteCpp/SQLiteCpp.h>
#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "change_scenarios.h"
#include "create_order_system.h"
#include "domain_state.h"
#include "ftgo/cancel_order_saga.h"
#include "ftgo/create_order_saga.h"
#include "ftgo/revise_order_saga.h"
#include "saga/engine.h"
#include "saga/testing/temp_dir.h"
#include "scenarios.h"
#include "seed_data.h"

namespace ftgo {
namespace {

using saga::Millis;
using saga::Phase;

const std::vector<LineItem> kCurryNight{{"vindaloo", 2}, {"naan", 1}};             // 29.40
const std::vector<LineItem> kBigger{{"vindaloo", 2}, {"naan", 2}, {"samosa", 1}};  // 37.85
const std::vector<LineItem> kSamosas{{"samosa", 3}};                               // 14.85
constexpr Millis kWait{30'000};

OrderRequest curry(std::int64_t id, std::int64_t consumer = kConsumerAda) {
  OrderRequest r;
  r.order_id = id;
  r.consumer_id = consumer;
  r.restaurant_id = kRestaurantAjanta;
  r.line_items = kCurryNight;
  r.total_cents = 2940;
  return r;
}

// Polls `condition` every 5 ms until it holds or `timeout` passes.
bool eventually(const std::function<bool()>& condition, Millis timeout = Millis{10'000}) {
  const auto end = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < end) {
    if (condition()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return condition();
}

class ChangeOrderTest : public ::testing::Test {
 protected:
  // Places the order and waits for Create Order to complete.
  void create_approved(CreateOrderSystem& system, const OrderRequest& order) {
    ASSERT_TRUE(system.orders().create_order(order));
    auto created = system.orders().engine().wait(saga_id_of_order(order.order_id), kWait);
    ASSERT_TRUE(created) << created.status().to_string();
    ASSERT_EQ(created.value().phase, Phase::kCompleted);
  }

  saga::SagaInstance wait(CreateOrderSystem& system, const std::string& id) {
    auto ended = system.orders().engine().wait(id, kWait);
    EXPECT_TRUE(ended) << id << ": " << ended.status().to_string();
    return ended ? ended.value() : saga::SagaInstance{};
  }

  DomainState state(CreateOrderSystem& system) {
    auto s = read_domain_state(system.paths());
    EXPECT_TRUE(s) << s.status().to_string();
    return s ? s.value() : DomainState{};
  }

  std::vector<saga::HistoryEntry> history(CreateOrderSystem& system, const std::string& id) {
    auto h = system.orders().engine().history(id);
    EXPECT_TRUE(h) << h.status().to_string();
    return h ? h.value() : std::vector<saga::HistoryEntry>{};
  }

  // When `event` first happened in the saga's history (-1 ms when it never did).
  Millis when(CreateOrderSystem& system, const std::string& id, saga::Event event) {
    for (const saga::HistoryEntry& h : history(system, id)) {
      if (h.event == event) return h.time;
    }
    return Millis{-1};
  }

  // Whether `saga_id` is queued for the engine lock `key`.
  static bool waiting_for(CreateOrderSystem& system, const std::string& key,
                          const std::string& saga_id) {
    auto locks = system.orders().engine().locks();
    if (!locks) return false;
    for (const saga::LockInfo& lock : locks.value()) {
      if (lock.key != key) continue;
      for (const std::string& waiting : lock.waiting) {
        if (waiting == saga_id) return true;
      }
    }
    return false;
  }

  saga::testing::TempDir dir_;
};

class ChangeScenariosTest : public ChangeOrderTest, public ::testing::WithParamInterface<Wire> {};

// The demo's scenarios (orders 9..15), row by row in every service.
TEST_P(ChangeScenariosTest, EveryChangeScenarioEndsAsExpectedInEveryService) {
  const std::vector<ChangeScenario> scenarios = change_scenarios();
  FailurePlan plan;
  add_change_injections(scenarios, plan);
  CreateOrderSystem system(dir_.path().string(), GetParam(), plan);
  ASSERT_TRUE(system.ok());
  ASSERT_TRUE(system.orders().start());
  KitchenService kitchen = system.kitchen();
  auto results = run_change_scenarios(system.orders(), kitchen, scenarios, kWait);
  ASSERT_TRUE(results) << results.status().to_string();
  const DomainState s = state(system);

  for (const ChangeResult& r : results.value()) {
    SCOPED_TRACE(r.change_saga_id + " " + r.scenario.name);
    ASSERT_TRUE(r.ended);
    EXPECT_TRUE(r.ok) << actual_text(r);
    const std::int64_t id = r.scenario.order.order_id;
    const OrderRow& order = s.order_rows.at(id);
    const TicketRow& ticket = s.tickets.at(id);
    const AuthorizationRow& authorization = s.authorizations.at(id);
    EXPECT_EQ(r.create_saga.phase, Phase::kCompleted);
    EXPECT_EQ(s.validations.at(id), "verified");
    EXPECT_EQ(order.locked_by, "") << "every lock is released";
    EXPECT_EQ(ticket.locked_by, "");
    switch (id) {
      case 9:  // cancel
        EXPECT_EQ(r.change_saga_id, "cancel-9-1");
        EXPECT_EQ(r.change_saga.phase, Phase::kCompleted);
        EXPECT_EQ(order.state, "CANCELLED");
        EXPECT_EQ(order.version, 2);
        EXPECT_EQ(ticket.state, "CANCELLED");
        EXPECT_EQ(authorization.state, "REVERSED");
        EXPECT_EQ(authorization.amount_cents, 2940);
        break;
      case 10:  // cancel too late: the kitchen is preparing
        EXPECT_EQ(r.change_saga.phase, Phase::kCompensated);
        EXPECT_EQ(business_reason(r.change_saga.last_reason), "ticket_being_prepared");
        EXPECT_EQ(order.state, "APPROVED");
        EXPECT_EQ(order.version, 1);
        EXPECT_EQ(ticket.state, "PREPARING");
        EXPECT_EQ(authorization.state, "AUTHORIZED");
        break;
      case 11:  // revise
        EXPECT_EQ(r.change_saga_id, "revise-11-1");
        EXPECT_EQ(r.change_saga.phase, Phase::kCompleted);
        EXPECT_EQ(order.state, "APPROVED");
        EXPECT_EQ(order.total_cents, 3785);
        EXPECT_EQ(order.line_items, "vindaloo:2,naan:2,samosa:1");
        EXPECT_EQ(order.version, 2);
        EXPECT_EQ(ticket.state, "AWAITING_ACCEPTANCE");
        EXPECT_EQ(ticket.line_items, "vindaloox2,naanx2,samosax1");
        EXPECT_EQ(authorization.state, "AUTHORIZED");
        EXPECT_EQ(authorization.amount_cents, 3785);
        break;
      case 12:  // revise declined: nothing of the revision anywhere
        EXPECT_EQ(r.change_saga.phase, Phase::kCompensated);
        EXPECT_EQ(business_reason(r.change_saga.last_reason), "card_declined");
        EXPECT_EQ(order.state, "APPROVED");
        EXPECT_EQ(order.total_cents, 1485);
        EXPECT_EQ(order.line_items, "samosa:3");
        EXPECT_EQ(order.version, 1);
        EXPECT_EQ(ticket.state, "AWAITING_ACCEPTANCE");
        EXPECT_EQ(ticket.line_items, "samosax3");
        EXPECT_EQ(authorization.amount_cents, 1485);
        break;
      case 13:    // cancel during create: waits for Create Order's lock, then cancels
      case 15: {  // big revise during create: waits too (by value), then revises
        EXPECT_EQ(r.change_saga.phase, Phase::kCompleted);
        const Millis waited = when(system, r.change_saga_id, saga::Event::kLockWaiting);
        const Millis acquired = when(system, r.change_saga_id, saga::Event::kLockAcquired);
        const Millis created = when(system, r.create_saga_id, saga::Event::kCompleted);
        EXPECT_GE(waited.count(), 0) << "it queued for order:" << id;
        EXPECT_GE(acquired, created) << "and got the lock once Create Order had ended";
        EXPECT_EQ(order.version, 2);
        if (id == 13) {
          EXPECT_EQ(order.state, "CANCELLED");
          EXPECT_EQ(ticket.state, "CANCELLED");
          EXPECT_EQ(authorization.state, "REVERSED");
          EXPECT_EQ(authorization.amount_cents, 2940);
        } else {
          EXPECT_EQ(order.state, "APPROVED");
          EXPECT_EQ(order.total_cents, 12950);
          EXPECT_EQ(ticket.line_items, "vindaloox10");
          EXPECT_EQ(authorization.amount_cents, 12950);
        }
        break;
      }
      case 14: {  // small revise during create: fails fast on the lock, nothing changed
        EXPECT_EQ(r.change_saga.phase, Phase::kCompensated);
        EXPECT_EQ(r.change_saga.last_reason,
                  "saga locks: lock_held: order:14 held by " + r.create_saga_id);
        EXPECT_EQ(order.state, "APPROVED");
        EXPECT_EQ(order.total_cents, 2940);
        EXPECT_EQ(order.version, 1);
        EXPECT_EQ(ticket.state, "AWAITING_ACCEPTANCE");
        EXPECT_EQ(ticket.line_items, "vindaloox2,naanx1");
        EXPECT_EQ(authorization.amount_cents, 2940);
        // Refused before its first step: no command was ever sent.
        for (const saga::HistoryEntry& h : history(system, r.change_saga_id)) {
          EXPECT_NE(h.event, saga::Event::kStepSucceeded);
          EXPECT_NE(h.event, saga::Event::kCompensationSucceeded);
        }
        break;
      }
      default:
        ADD_FAILURE() << "unexpected order " << id;
    }
  }
  // Commutative updates: Ada's balance is her AUTHORIZED amounts, whatever reversed or revised
  // them: 10 and 14 at 29.40, 11 at 37.85, 15 at 129.50 (9 and 13 were given back). Bob: 12
  // at 14.85.
  EXPECT_EQ(s.balances.at(kConsumerAda), 2 * 2940 + 3785 + 12950);
  EXPECT_EQ(s.balances.at(kConsumerBob), 1485);
  EXPECT_EQ(check_invariants(s, true), std::vector<std::string>{});
  system.stop();
}

INSTANTIATE_TEST_SUITE_P(Wires, ChangeScenariosTest, ::testing::Values(Wire::kIpc, Wire::kTcp),
                         [](const auto& info) {
                           return std::string(info.param == Wire::kIpc ? "Ipc" : "Tcp");
                         });

// The kitchen's semantic lock holds against the restaurant too: while a cancel holds the
// ticket (its payment reversal is slow), the kitchen cannot start preparing it.
TEST_F(ChangeOrderTest, TheRestaurantCannotPrepareATicketThatACancelHolds) {
  FailurePlan plan;
  plan.delay["ReverseAuthorization@cancel-21-1"] = Millis{500};
  CreateOrderSystem system(dir_.path().string(), Wire::kIpc, plan);
  ASSERT_TRUE(system.ok());
  ASSERT_TRUE(system.orders().start());
  create_approved(system, curry(21));
  KitchenService kitchen = system.kitchen();
  ASSERT_TRUE(kitchen.accept_ticket(21));
  auto cancel = system.orders().cancel_order(21);
  ASSERT_TRUE(cancel) << cancel.status().to_string();
  EXPECT_EQ(cancel.value(), "cancel-21-1");
  ASSERT_TRUE(eventually([&] { return kitchen.ticket_state(21).value() == "CANCEL_PENDING"; }));
  EXPECT_EQ(system.orders().order_state(21).value(), "CANCEL_PENDING");
  EXPECT_EQ(kitchen.start_preparing(21).code(), saga::StatusCode::kFailedPrecondition);
  EXPECT_EQ(wait(system, cancel.value()).phase, Phase::kCompleted);
  EXPECT_EQ(kitchen.ticket_state(21).value(), "CANCELLED");
  EXPECT_EQ(kitchen.start_preparing(21).code(), saga::StatusCode::kFailedPrecondition);
  EXPECT_EQ(check_invariants(state(system), true), std::vector<std::string>{});
  system.stop();
}

// The engine lock between two change sagas: a cancel that arrives while a revision holds the
// order waits for it, then cancels the order as revised.
TEST_F(ChangeOrderTest, ACancelWaitsForARevisionThenCancelsTheRevisedOrder) {
  FailurePlan plan;
  plan.delay["ReviseAuthorization@revise-22-1"] = Millis{500};
  CreateOrderSystem system(dir_.path().string(), Wire::kIpc, plan);
  ASSERT_TRUE(system.ok());
  ASSERT_TRUE(system.orders().start());
  create_approved(system, curry(22));
  auto revise = system.orders().revise_order(22, kBigger, 3785);
  ASSERT_TRUE(revise) << revise.status().to_string();
  ASSERT_TRUE(
      eventually([&] { return system.orders().order_state(22).value() == "REVISION_PENDING"; }));
  auto cancel = system.orders().cancel_order(22);
  ASSERT_TRUE(cancel);
  EXPECT_TRUE(eventually([&] { return waiting_for(system, "order:22", cancel.value()); }));
  EXPECT_EQ(wait(system, revise.value()).phase, Phase::kCompleted);
  EXPECT_EQ(wait(system, cancel.value()).phase, Phase::kCompleted);
  EXPECT_GE(when(system, cancel.value(), saga::Event::kLockAcquired),
            when(system, revise.value(), saga::Event::kCompleted));
  auto order = system.orders().order(22);
  ASSERT_TRUE(order);
  EXPECT_EQ(order.value().state, "CANCELLED");
  EXPECT_EQ(order.value().total_cents, 3785);
  EXPECT_EQ(order.value().line_items, kBigger);
  EXPECT_EQ(order.value().version, 3) << "revised, then cancelled";
  const DomainState s = state(system);
  EXPECT_EQ(s.tickets.at(22).state, "CANCELLED");
  EXPECT_EQ(s.tickets.at(22).line_items, "vindaloox2,naanx2,samosax1");
  EXPECT_EQ(s.authorizations.at(22).state, "REVERSED");
  EXPECT_EQ(s.authorizations.at(22).amount_cents, 3785) << "the revised amount is given back";
  EXPECT_EQ(s.balances.at(kConsumerAda), 0);
  EXPECT_EQ(check_invariants(s, true), std::vector<std::string>{});
  system.stop();
}

// By value: a small revision asked for while a cancel holds the order fails fast; the cancel
// goes on undisturbed.
TEST_F(ChangeOrderTest, ASmallRevisionFailsFastWhileACancelHoldsTheOrder) {
  FailurePlan plan;
  plan.delay["ReverseAuthorization@cancel-28-1"] = Millis{500};
  CreateOrderSystem system(dir_.path().string(), Wire::kIpc, plan);
  ASSERT_TRUE(system.ok());
  ASSERT_TRUE(system.orders().start());
  create_approved(system, curry(28));
  auto cancel = system.orders().cancel_order(28);
  ASSERT_TRUE(cancel);
  ASSERT_TRUE(
      eventually([&] { return system.orders().order_state(28).value() == "CANCEL_PENDING"; }));
  auto revise = system.orders().revise_order(28, kSamosas, 1485);
  ASSERT_TRUE(revise);
  const saga::SagaInstance refused = wait(system, revise.value());
  EXPECT_EQ(refused.phase, Phase::kCompensated);
  EXPECT_EQ(refused.last_reason, "saga locks: lock_held: order:28 held by cancel-28-1");
  EXPECT_EQ(wait(system, cancel.value()).phase, Phase::kCompleted);
  EXPECT_EQ(system.orders().order_state(28).value(), "CANCELLED");
  EXPECT_EQ(check_invariants(state(system), true), std::vector<std::string>{});
  system.stop();
}

// Defence in depth: an operator takes order:29 away from a Create Order that looks stuck
// (Engine::release_lock). The cancel that was waiting for it runs at once -- and the Order
// service's own semantic lock, APPROVAL_PENDING, still refuses it.
TEST_F(ChangeOrderTest, TheOrderServiceRefusesACancelThatBypassedTheEngineLock) {
  FailurePlan plan;
  plan.delay["AuthorizeCard@order-29"] = Millis{800};
  CreateOrderSystem system(dir_.path().string(), Wire::kIpc, plan);
  ASSERT_TRUE(system.ok());
  ASSERT_TRUE(system.orders().start());
  ASSERT_TRUE(system.orders().create_order(curry(29)));
  // Past its pivot (AuthorizeCard sent, its reply delayed): before it, the Order service would
  // cancel the Create Order saga itself rather than start a Cancel Order saga behind the lock
  // (that happened when the engine had not yet sent AuthorizeCard: 1 run in 6 under load).
  const auto create = ftgo::create_order_definition().value();
  ASSERT_TRUE(eventually([&] {
    auto order = system.orders().engine().get(saga_id_of_order(29));
    return order && saga::past_point_of_no_return(*create, order.value());
  }));
  auto cancel = system.orders().cancel_order(29);
  ASSERT_TRUE(cancel);
  EXPECT_EQ(cancel.value(), "cancel-29-1");
  ASSERT_TRUE(eventually([&] { return waiting_for(system, "order:29", cancel.value()); }));
  ASSERT_TRUE(system.orders().engine().release_lock("order:29", "test: looks stuck"));
  const saga::SagaInstance refused = wait(system, cancel.value());
  EXPECT_EQ(refused.phase, Phase::kCompensated);
  EXPECT_EQ(business_reason(refused.last_reason), "order_locked");
  EXPECT_EQ(wait(system, saga_id_of_order(29)).phase, Phase::kCompleted);
  const DomainState s = state(system);
  EXPECT_EQ(s.order_rows.at(29).state, "APPROVED");
  EXPECT_EQ(s.tickets.at(29).state, "AWAITING_ACCEPTANCE");
  EXPECT_EQ(s.authorizations.at(29).state, "AUTHORIZED");
  EXPECT_EQ(check_invariants(s, true), std::vector<std::string>{});
  system.stop();
}

// A cancelled order stays cancelled: a second cancel and a revision are refused by the
// domain, and the saga ids count the requests per order.
TEST_F(ChangeOrderTest, ACancelledOrderRefusesFurtherChanges) {
  CreateOrderSystem system(dir_.path().string(), Wire::kIpc, {});
  ASSERT_TRUE(system.ok());
  ASSERT_TRUE(system.orders().start());
  create_approved(system, curry(23));
  auto first = system.orders().cancel_order(23);
  ASSERT_TRUE(first);
  EXPECT_EQ(first.value(), "cancel-23-1");
  EXPECT_EQ(wait(system, first.value()).phase, Phase::kCompleted);
  auto second = system.orders().cancel_order(23);
  ASSERT_TRUE(second);
  EXPECT_EQ(second.value(), "cancel-23-2");
  const saga::SagaInstance again = wait(system, second.value());
  EXPECT_EQ(again.phase, Phase::kCompensated);
  EXPECT_EQ(business_reason(again.last_reason), "order_cancelled");
  auto revise = system.orders().revise_order(23, kBigger, 3785);
  ASSERT_TRUE(revise);
  EXPECT_EQ(revise.value(), "revise-23-1");
  EXPECT_EQ(business_reason(wait(system, revise.value()).last_reason), "order_cancelled");
  EXPECT_EQ(system.orders().cancel_order(999).status().code(), saga::StatusCode::kNotFound);
  const DomainState s = state(system);
  EXPECT_EQ(s.order_rows.at(23).state, "CANCELLED");
  EXPECT_EQ(s.order_rows.at(23).version, 2);
  EXPECT_EQ(s.tickets.at(23).state, "CANCELLED");
  EXPECT_EQ(s.authorizations.at(23).state, "REVERSED");
  EXPECT_EQ(check_invariants(s, true), std::vector<std::string>{});
  system.stop();
}

// Cancel Order's pivot fails: the kitchen ticket goes back to the state it had (ACCEPTED),
// then the order to APPROVED -- newest first.
TEST_F(ChangeOrderTest, AFailedReversalRollsTheCancelBackNewestFirst) {
  FailurePlan plan;
  ASSERT_TRUE(plan.apply_flag("--fail", "ReverseAuthorization:1@cancel-24-1"));
  CreateOrderSystem system(dir_.path().string(), Wire::kIpc, plan);
  ASSERT_TRUE(system.ok());
  ASSERT_TRUE(system.orders().start());
  create_approved(system, curry(24));
  ASSERT_TRUE(system.kitchen().accept_ticket(24));
  auto cancel = system.orders().cancel_order(24);
  ASSERT_TRUE(cancel);
  const saga::SagaInstance ended = wait(system, cancel.value());
  EXPECT_EQ(ended.phase, Phase::kCompensated);
  EXPECT_EQ(business_reason(ended.last_reason), kInjectedFailure);
  std::vector<std::int32_t> compensated;
  for (const saga::HistoryEntry& h : history(system, cancel.value())) {
    if (h.event == saga::Event::kCompensationSucceeded) compensated.push_back(h.step);
  }
  EXPECT_EQ(compensated, (std::vector<std::int32_t>{1, 0}));
  const DomainState s = state(system);
  EXPECT_EQ(s.order_rows.at(24).state, "APPROVED");
  EXPECT_EQ(s.tickets.at(24).state, "ACCEPTED") << "the ticket's state from before the lock";
  EXPECT_EQ(s.authorizations.at(24).state, "AUTHORIZED");
  EXPECT_EQ(check_invariants(s, true), std::vector<std::string>{});
  system.stop();
}

// A lost ReverseAuthorization reply: the orchestrator resends the same command, the inbox
// answers it, and the consumer's balance is given the amount back once.
TEST_F(ChangeOrderTest, ALostReversalReplyGivesTheMoneyBackOnce) {
  FailurePlan plan;
  ASSERT_TRUE(plan.apply_flag("--drop-replies", "ReverseAuthorization:1"));
  plan.drop_hold = Millis{600};
  SagaTiming timing;
  timing.reply_timeout = Millis{300};
  CreateOrderSystem system(dir_.path().string(), Wire::kIpc, plan, timing);
  ASSERT_TRUE(system.ok());
  ASSERT_TRUE(system.orders().start());
  create_approved(system, curry(25));
  OrderRequest small = curry(26);
  small.line_items = kSamosas;
  small.total_cents = 1485;
  create_approved(system, small);
  auto cancel = system.orders().cancel_order(25);
  ASSERT_TRUE(cancel);
  EXPECT_EQ(wait(system, cancel.value()).phase, Phase::kCompleted);
  bool timed_out = false;
  for (const saga::HistoryEntry& h : history(system, cancel.value())) {
    timed_out = timed_out || (h.event == saga::Event::kStepTimedOut && h.step == 2);
  }
  EXPECT_TRUE(timed_out) << "the held reply must have missed the deadline";
  const DomainState s = state(system);
  EXPECT_EQ(s.balances.at(kConsumerAda), 1485) << "29.40 given back once, not twice";
  EXPECT_EQ(check_invariants(s, true), std::vector<std::string>{});
  system.stop();
}

// Reread value: the order changed behind the revision's lock (an operator's hand edit bumped
// its version while the revision waited for Accounting). ConfirmReviseOrder refuses to
// overwrite it ("order_changed"), is not retried, and the saga stops as failed for an
// operator, the order still locked and unrevised.
TEST_F(ChangeOrderTest, ARevisionIsNotWrittenOverAnOrderThatChanged) {
  FailurePlan plan;
  plan.delay["ReviseAuthorization@revise-27-1"] = Millis{500};
  CreateOrderSystem system(dir_.path().string(), Wire::kIpc, plan);
  ASSERT_TRUE(system.ok());
  ASSERT_TRUE(system.orders().start());
  create_approved(system, curry(27));
  auto revise = system.orders().revise_order(27, kBigger, 3785);
  ASSERT_TRUE(revise);
  ASSERT_TRUE(
      eventually([&] { return system.orders().order_state(27).value() == "REVISION_PENDING"; }));
  {
    SQLite::Database db(system.paths().orders_db(), SQLite::OPEN_READWRITE, 5'000);
    db.exec("UPDATE order_versions SET version = version + 1 WHERE order_id = 27");
  }
  const saga::SagaInstance ended = wait(system, revise.value());
  EXPECT_EQ(ended.phase, Phase::kFailed);
  EXPECT_EQ(ended.last_reason, kOrderChanged);
  int retries = 0;
  for (const saga::HistoryEntry& h : history(system, revise.value())) {
    retries += h.event == saga::Event::kStepRetryScheduled ? 1 : 0;
  }
  EXPECT_EQ(retries, 0) << "order_changed is not retried";
  auto order = system.orders().order(27);
  ASSERT_TRUE(order);
  EXPECT_EQ(order.value().state, "REVISION_PENDING");
  EXPECT_EQ(order.value().locked_by, revise.value());
  EXPECT_EQ(order.value().total_cents, 2940) << "the revision was not written";
  system.stop();
}

// Commutative updates under concurrency: one consumer's orders cancelled and revised by sagas
// that all run at once still leave her balance equal to what is authorized.
TEST_F(ChangeOrderTest, ConcurrentChangesOfOneConsumerKeepHerBalance) {
  CreateOrderSystem system(dir_.path().string(), Wire::kIpc, {});
  ASSERT_TRUE(system.ok());
  ASSERT_TRUE(system.orders().start());
  for (std::int64_t id = 30; id < 38; ++id) ASSERT_TRUE(system.orders().create_order(curry(id)));
  for (std::int64_t id = 30; id < 38; ++id) {
    ASSERT_EQ(wait(system, saga_id_of_order(id)).phase, Phase::kCompleted);
  }
  std::vector<std::string> sagas;
  for (std::int64_t id : {30, 31, 32}) sagas.push_back(system.orders().cancel_order(id).value());
  for (std::int64_t id : {33, 34}) {
    sagas.push_back(system.orders().revise_order(id, kBigger, 3785).value());
  }
  sagas.push_back(system.orders().revise_order(35, kSamosas, 1485).value());
  for (const std::string& id : sagas) EXPECT_EQ(wait(system, id).phase, Phase::kCompleted) << id;
  const DomainState s = state(system);
  EXPECT_EQ(s.balances.at(kConsumerAda), 2 * 2940 + 2 * 3785 + 1485);
  EXPECT_EQ(check_invariants(s, true), std::vector<std::string>{});
  system.stop();
}

TEST(ReviseLockModeTest, ARevisionWaitsWhenOneHundredOrMoreIsAtStake) {
  ReviseOrderData d;
  d.previous_total_cents = 2940;
  d.order_total_cents = 3785;
  EXPECT_EQ(revise_lock_mode(d), saga::LockMode::kFailFast);
  d.order_total_cents = kReviseWaitsFromCents;
  EXPECT_EQ(revise_lock_mode(d), saga::LockMode::kWait);
  d.previous_total_cents = 12950;  // shrinking a big order is a big revision too
  d.order_total_cents = 1485;
  EXPECT_EQ(revise_lock_mode(d), saga::LockMode::kWait);
}

TEST(ChangeFailurePlanTest, ADelayForOneSagaRoundTrips) {
  FailurePlan plan;
  ASSERT_TRUE(plan.apply_flag("--delay-ms", "AuthorizeCard:600@order-13"));
  ASSERT_TRUE(plan.apply_flag("--delay-ms", "CreateTicket:5"));
  EXPECT_EQ(plan.delay.at("AuthorizeCard@order-13"), Millis{600});
  FailurePlan copy;
  const std::vector<std::string> flags = plan.to_flags();
  for (std::size_t i = 0; i + 1 < flags.size(); i += 2) {
    ASSERT_TRUE(copy.apply_flag(flags[i], flags[i + 1])) << flags[i];
  }
  EXPECT_EQ(copy.delay, plan.delay);
}

}  // namespace
}  // namespace ftgo
