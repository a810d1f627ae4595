// Goal: the Create Order example ends every scenario as Richardson describes, in every service.
// Method: the four services on real sockets (ipc in a temp dir, and tcp on 127.0.0.1 with the
// ports read back) and real SQLite files; each saga is awaited with engine.wait(id, timeout)
// and then every service's database is read and compared with what the scenario implies.
#include <SQLiteCpp/SQLiteCpp.h>
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "create_order_system.h"
#include "domain_state.h"
#include "failure_injection.h"
#include "ftgo/create_order_saga.h"
#include "order_service.h"
#include "saga/participant.h"
#include "saga/testing/temp_dir.h"
#include "saga/transactional_start.h"
#include "saga/zmq_transport.h"  // together with participant.h: see HeadersTest
#include "scenario_runner.h"
#include "scenarios.h"
#include "service_host.h"

namespace ftgo {
namespace {

using saga::Millis;

FailurePlan plan_for(const std::vector<Scenario>& scenarios) {
  FailurePlan plan;
  add_injections(scenarios, plan);
  return plan;
}

class CreateOrderTest : public ::testing::TestWithParam<Wire> {
 protected:
  saga::testing::TempDir dir_;
};

TEST_P(CreateOrderTest, EveryScenarioEndsAsExpectedInEveryService) {
  const std::vector<Scenario> scenarios = demo_scenarios();
  CreateOrderSystem system(dir_.path().string(), GetParam(), plan_for(scenarios));
  ASSERT_TRUE(system.ok());
  ASSERT_TRUE(system.orders().start());
  RunOptions run;
  run.wait_timeout = Millis{30'000};
  auto results = run_scenarios(system.orders(), scenarios, run);
  ASSERT_TRUE(results) << results.status().to_string();
  auto state = read_domain_state(system.paths());
  ASSERT_TRUE(state) << state.status().to_string();
  const DomainState& s = state.value();

  for (const ScenarioResult& r : results.value()) {
    SCOPED_TRACE(r.saga_id + " " + r.scenario.name);
    ASSERT_TRUE(r.ended);
    EXPECT_TRUE(r.ok) << actual_text(r.saga, r.order_state);
    const std::int64_t id = r.scenario.order.order_id;
    const std::string reason = r.scenario.expected_reason;
    if (r.scenario.expected == Expected::kApproved) {
      EXPECT_EQ(r.saga.phase, saga::Phase::kCompleted);
      EXPECT_EQ(s.orders.at(id), "APPROVED");
      EXPECT_EQ(s.validations.at(id), "verified");
      EXPECT_EQ(s.tickets.at(id).state, "AWAITING_ACCEPTANCE");
      EXPECT_EQ(s.authorizations.at(id).state, "AUTHORIZED");
      EXPECT_EQ(s.authorizations.at(id).amount_cents, r.scenario.order.total_cents);
      continue;
    }
    EXPECT_EQ(r.saga.phase, saga::Phase::kCompensated);
    EXPECT_EQ(business_reason(r.saga.last_reason), reason);
    EXPECT_EQ(s.orders.at(id), "REJECTED");
    EXPECT_FALSE(s.authorizations.contains(id)) << "a rejected order has no authorization";
    if (reason.starts_with("consumer_")) {
      EXPECT_EQ(s.validations.at(id), reason);
      EXPECT_FALSE(s.tickets.contains(id));
    } else if (reason == "restaurant_closed" || reason == "unknown_menu_item") {
      EXPECT_EQ(s.validations.at(id), "verified");
      EXPECT_FALSE(s.tickets.contains(id)) << "a rejected CreateTicket creates nothing";
    } else {  // declined at the pivot: the ticket was created, then cancelled
      EXPECT_EQ(s.tickets.at(id).state, "CREATE_REJECTED");
    }
  }
  EXPECT_EQ(check_invariants(s, true), std::vector<std::string>{});
  system.stop();
}

TEST_P(CreateOrderTest, ConfirmTicketFailingTwiceIsRetriedToCompletion) {
  std::vector<Scenario> scenarios = demo_scenarios();
  const Scenario retried = scenarios[4];
  ASSERT_TRUE(retried.injected.has_value());
  CreateOrderSystem system(dir_.path().string(), GetParam(), plan_for({retried}));
  ASSERT_TRUE(system.ok());
  ASSERT_TRUE(system.orders().start());
  auto results = run_scenarios(system.orders(), {retried}, {Millis{30'000}, nullptr});
  ASSERT_TRUE(results) << results.status().to_string();
  ASSERT_TRUE(results.value()[0].ok);
  auto history = system.orders().engine().history(results.value()[0].saga_id);
  ASSERT_TRUE(history);
  int failures = 0;
  std::uint32_t last_attempt = 0;
  for (const saga::HistoryEntry& h : history.value()) {
    if (h.event == saga::Event::kStepRetryScheduled) {
      EXPECT_EQ(h.reason, kInjectedFailure);
      ++failures;
    }
    if (h.event == saga::Event::kStepSucceeded && h.step == 4) last_attempt = h.attempt;
  }
  EXPECT_EQ(failures, 2);
  EXPECT_EQ(last_attempt, 3u);
  system.stop();
}

TEST_P(CreateOrderTest, LostAuthorizeCardReplyIsResentAndAuthorizesOnce) {
  Scenario happy = demo_scenarios()[0];
  FailurePlan plan;
  ASSERT_TRUE(plan.apply_flag("--drop-replies", "AuthorizeCard:1"));
  SagaTiming timing;
  timing.reply_timeout = Millis{300};
  plan.drop_hold = Millis{600};
  CreateOrderSystem system(dir_.path().string(), GetParam(), plan, timing);
  ASSERT_TRUE(system.ok());
  ASSERT_TRUE(system.orders().start());
  auto results = run_scenarios(system.orders(), {happy}, {Millis{30'000}, nullptr});
  ASSERT_TRUE(results) << results.status().to_string();
  EXPECT_TRUE(results.value()[0].ok);
  auto history = system.orders().engine().history(results.value()[0].saga_id);
  ASSERT_TRUE(history);
  bool timed_out = false;
  for (const saga::HistoryEntry& h : history.value()) {
    timed_out = timed_out || (h.event == saga::Event::kStepTimedOut && h.step == 3);
  }
  EXPECT_TRUE(timed_out) << "the held reply must have missed the deadline";
  auto state = read_domain_state(system.paths());
  ASSERT_TRUE(state);
  EXPECT_EQ(state.value().authorizations.size(), 1u);
  EXPECT_EQ(check_invariants(state.value(), true), std::vector<std::string>{});
  system.stop();
}

// Another connection (a web worker, say) writes an order and its saga's start in one
// transaction of the service's one database file: the running engine finds it without a
// restart and the order is approved. A rolled-back one leaves neither row nor saga.
TEST_P(CreateOrderTest, AnOrderAndItsSagaStartCommittedByAnotherConnectionRunToTheEnd) {
  CreateOrderSystem system(dir_.path().string(), GetParam(), {});
  ASSERT_TRUE(system.ok());
  ASSERT_TRUE(system.orders().start());
  SQLite::Database db(system.paths().orders_db(), SQLite::OPEN_READWRITE, 5'000);
  auto place = [&](std::int64_t id, bool commit) {
    SQLite::Transaction tx(db, SQLite::TransactionBehavior::IMMEDIATE);
    db.exec("INSERT INTO orders VALUES (" + std::to_string(id) + ", 'order-" + std::to_string(id) +
            "', 1, 1, 2940, 'vindaloo:2,naan:1', 'APPROVAL_PENDING')");
    CreateOrderData data;
    data.order_id = id;
    data.consumer_id = 1;
    data.restaurant_id = 1;
    data.order_total_cents = 2940;
    data.line_items = decode_items("vindaloo:2,naan:1");
    saga::StartOptions start;
    start.id = saga_id_of_order(id);
    auto started = saga::start_saga_in_transaction_with(db, kCreateOrderSaga, data, start);
    ASSERT_TRUE(started) << started.status().to_string();
    if (commit) tx.commit();
  };
  place(42, /*commit=*/false);
  place(41, /*commit=*/true);
  auto ended = system.orders().engine().wait("order-41", Millis{30'000});
  ASSERT_TRUE(ended) << ended.status().to_string();
  EXPECT_EQ(ended.value().phase, saga::Phase::kCompleted);
  EXPECT_EQ(system.orders().order_state(41).value(), "APPROVED");
  EXPECT_EQ(system.orders().order_state(42).status().code(), saga::StatusCode::kNotFound);
  EXPECT_EQ(system.orders().engine().get("order-42").status().code(), saga::StatusCode::kNotFound);
  // Creating it again is refused.
  OrderRequest again = demo_scenarios()[0].order;
  again.order_id = 41;
  EXPECT_EQ(system.orders().create_order(again).status().code(), saga::StatusCode::kAlreadyExists);
  system.stop();
}

// The orders table is the Order service's own SQLite connection: its errors go through the
// engine's one mapping, so a lock held past the busy timeout is kBusy (not kIoError), and the
// order goes through once the lock is gone.
TEST(OrdersDatabaseTest, ALockHeldPastTheBusyTimeoutIsBusyAndClears) {
  saga::testing::TempDir dir;
  CreateOrderSystem system(dir.path().string(), Wire::kIpc, {});
  ASSERT_TRUE(system.ok());
  ASSERT_TRUE(system.orders().start());
  const Scenario happy = demo_scenarios()[0];
  SQLite::Database other(system.paths().orders_db(), SQLite::OPEN_READWRITE);
  // The service's own short transactions (its participant's start-up writes) may hold the
  // lock at this moment: wait for them, then hold it ourselves.
  other.setBusyTimeout(5'000);
  other.exec("BEGIN IMMEDIATE");
  auto refused = system.orders().create_order(happy.order);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.status().code(), saga::StatusCode::kBusy) << refused.status().to_string();
  EXPECT_NE(refused.status().message().find("orders: insert"), std::string::npos)
      << refused.status().message();
  other.exec("ROLLBACK");
  auto created = system.orders().create_order(happy.order);
  ASSERT_TRUE(created) << created.status().to_string();
  auto ended = system.orders().engine().wait(created.value(), Millis{30'000});
  ASSERT_TRUE(ended) << ended.status().to_string();
  EXPECT_EQ(ended.value().phase, saga::Phase::kCompleted);
  system.stop();
}

INSTANTIATE_TEST_SUITE_P(Wires, CreateOrderTest, ::testing::Values(Wire::kIpc, Wire::kTcp),
                         [](const auto& info) {
                           return std::string(info.param == Wire::kIpc ? "Ipc" : "Tcp");
                         });

TEST(FailurePlanTest, FlagsRoundTrip) {
  FailurePlan plan;
  ASSERT_TRUE(plan.apply_flag("--fail", "ConfirmCreateTicket:2"));
  ASSERT_TRUE(plan.apply_flag("--fail", "CreateTicket:always@order-3"));
  ASSERT_TRUE(plan.apply_flag("--delay-ms", "AuthorizeCard:20"));
  ASSERT_TRUE(plan.apply_flag("--drop-replies", "ApproveOrder:1"));
  ASSERT_TRUE(plan.apply_flag("--crash-after", "7"));
  EXPECT_EQ(plan.apply_flag("--orders", "3").code(), saga::StatusCode::kNotFound);
  EXPECT_EQ(plan.apply_flag("--fail", "nocount").code(), saga::StatusCode::kInvalidArgument);
  FailurePlan copy;
  const std::vector<std::string> flags = plan.to_flags();
  for (std::size_t i = 0; i + 1 < flags.size(); i += 2) {
    ASSERT_TRUE(copy.apply_flag(flags[i], flags[i + 1])) << flags[i];
  }
  EXPECT_EQ(copy.to_flags(), flags);
  EXPECT_EQ(copy.fail[1].times, FailureRule::kAlways);
  EXPECT_EQ(copy.fail[1].saga_id, "order-3");
}

// The orchestrator's transport and the participant library declared saga::CurveClientKeys
// twice, so a service embedding both (the Order service) did not compile. This file includes
// both headers; that it compiles is the test.
TEST(HeadersTest, TransportAndParticipantHeadersCompileTogether) {
  saga::CurveClientKeys keys{"client-public", "client-secret", "server-public"};
  EXPECT_EQ(keys.server_public_key, "server-public");
}

}  // namespace
}  // namespace ftgo
