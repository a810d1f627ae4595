// Goal: Create Order as choreography (examples/choreography) ends in the same domain state as
// the orchestrated saga for the happy path and the declined card; and when a cancel overtakes
// the TicketCreatedEvent on the wire, Accounting's version file makes the late authorize a
// no-op (without it, the card stays authorized for a cancelled order).
// Method: the four services with their event sides on real sockets and SQLite files; the
// orchestrated example (CreateOrderSystem) in another directory for the comparison; the
// reordering produced by the publisher's delay injection.
#include "choreography.h"

#include <SQLiteCpp/SQLiteCpp.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "create_order_system.h"
#include "domain_state.h"
#include "ftgo/create_order_saga.h"
#include "saga/testing/temp_dir.h"
#include "seed_data.h"

namespace ftgo {
namespace {

const std::vector<LineItem> kCurry{{"vindaloo", 2}, {"naan", 1}};  // 29.40
const OrderRequest kAdaOrders{1, kConsumerAda, kRestaurantAjanta, kCurry, 2940};
const OrderRequest kBobDeclined{2, kConsumerBob, kRestaurantAjanta, kCurry, 2940};

// One order as every service has it: what the two versions must agree on.
std::string order_in_every_service(const DomainState& s, std::int64_t id) {
  std::string text;
  if (auto o = s.order_rows.find(id); o != s.order_rows.end()) {
    text += "order " + o->second.state + " " + std::to_string(o->second.consumer_id) + " " +
            money(o->second.total_cents) + " [" + o->second.line_items + "]; ";
  }
  if (auto v = s.validations.find(id); v != s.validations.end()) text += "consumer " + v->second;
  if (auto t = s.tickets.find(id); t != s.tickets.end()) {
    text += "; ticket " + t->second.state + " [" + t->second.line_items + "]";
  }
  if (auto a = s.authorizations.find(id); a != s.authorizations.end()) {
    text += "; card " + a->second.state + " " + money(a->second.amount_cents) + " " +
            a->second.transaction_id;
  }
  return text;
}

DomainState read(const DataPaths& paths) {
  auto state = read_domain_state(paths);
  EXPECT_TRUE(state) << state.status().to_string();
  return state ? std::move(state).value() : DomainState{};
}

// The version file's rows for an order's authorization, "operation:applied" in arrival order.
std::vector<std::string> version_file(const std::string& dir, std::int64_t order) {
  SQLite::Database db(dir + "/accounting-events.db", SQLite::OPEN_READONLY);
  SQLite::Statement q(db,
                      "SELECT operation, applied FROM saga_version_file WHERE entity = ? "
                      "ORDER BY seq");
  q.bind(1, "authorization:" + std::to_string(order));
  std::vector<std::string> rows;
  while (q.executeStep()) {
    rows.push_back(q.getColumn(0).getString() + ":" + std::to_string(q.getColumn(1).getInt()));
  }
  return rows;
}

TEST(ChoreographyTest, HappyPathAndDeclinedCardEndAsTheOrchestratedSaga) {
  saga::testing::TempDir choreographed_dir;
  saga::testing::TempDir orchestrated_dir;
  {
    auto system =
        choreography::ChoreographedCreateOrder::start({choreographed_dir.path(), true, {}});
    ASSERT_TRUE(system) << system.status().to_string();
    ASSERT_TRUE(system.value()->place_order(kAdaOrders).is_ok());
    ASSERT_TRUE(system.value()->place_order(kBobDeclined).is_ok());
    ASSERT_TRUE(system.value()->wait_until_settled().is_ok());
  }
  {
    CreateOrderSystem orchestrated(orchestrated_dir.path(), Wire::kTcp, FailurePlan{});
    ASSERT_TRUE(orchestrated.ok());
    ASSERT_TRUE(orchestrated.orders().start());
    for (const OrderRequest& r : {kAdaOrders, kBobDeclined}) {
      ASSERT_TRUE(orchestrated.orders().create_order(r));
      ASSERT_TRUE(
          orchestrated.orders().engine().wait(saga_id_of_order(r.order_id), saga::Millis{30'000}));
    }
    orchestrated.stop();
  }
  const DomainState choreographed = read(DataPaths{choreographed_dir.path()});
  const DomainState orchestrated = read(DataPaths{orchestrated_dir.path()});
  EXPECT_EQ(order_in_every_service(choreographed, 1),
            "order APPROVED 1 29.40 [vindaloo:2,naan:1]; consumer verified; ticket "
            "AWAITING_ACCEPTANCE [vindaloox2,naanx1]; card AUTHORIZED 29.40 txn-1");
  EXPECT_EQ(order_in_every_service(choreographed, 2),
            "order REJECTED 2 29.40 [vindaloo:2,naan:1]; consumer verified; ticket "
            "CREATE_REJECTED [vindaloox2,naanx1]");
  for (std::int64_t id : {1, 2}) {
    EXPECT_EQ(order_in_every_service(choreographed, id), order_in_every_service(orchestrated, id))
        << "order " << id;
  }
  EXPECT_EQ(choreographed.balances, orchestrated.balances);
  EXPECT_TRUE(check_invariants(choreographed, /*all_ended=*/true).empty());
  EXPECT_TRUE(check_invariants(orchestrated, /*all_ended=*/true).empty());
}

// Ada cancels order 3 once Kitchen has its ticket; the TicketCreatedEvent to Accounting is held
// back on the wire until the cancel has reached Accounting, then let go.
DomainState cancel_overtaking_the_ticket_event(const std::string& dir, bool version_file) {
  choreography::ChoreographyOptions options{dir, version_file, {}};
  options.delays["TicketCreatedEvent@order-3"] = saga::Millis{60'000};
  auto system = choreography::ChoreographedCreateOrder::start(options);
  EXPECT_TRUE(system) << system.status().to_string();
  if (!system) return {};
  choreography::ChoreographedCreateOrder& s = *system.value();
  EXPECT_TRUE(s.place_order({3, kConsumerAda, kRestaurantAjanta, kCurry, 2940}).is_ok());
  EXPECT_TRUE(s.wait_for([](const DomainState& d) { return d.tickets.contains(3); }).is_ok());
  EXPECT_TRUE(s.cancel_order(3).is_ok());
  EXPECT_TRUE(
      s.wait_until_delivered("order-events", "OrderCancelled", "accounting-events").is_ok());
  s.release_delayed();
  EXPECT_TRUE(s.wait_until_settled().is_ok());
  s.stop();
  return read(s.paths());
}

TEST(ChoreographyTest, ACancelThatOvertakesTheTicketEventLeavesNoAuthorization) {
  saga::testing::TempDir dir;
  const DomainState s = cancel_overtaking_the_ticket_event(dir.path(), /*version_file=*/true);
  EXPECT_EQ(order_in_every_service(s, 3),
            "order CANCELLED 1 29.40 [vindaloo:2,naan:1]; consumer verified; ticket "
            "CREATE_REJECTED [vindaloox2,naanx1]");
  EXPECT_EQ(s.authorizations.count(3), 0u);
  EXPECT_EQ(s.balances.contains(kConsumerAda) ? s.balances.at(kConsumerAda) : 0, 0);
  // The reverse arrived first and was recorded; the late authorize was a no-op.
  EXPECT_EQ(version_file(dir.path(), 3), (std::vector<std::string>{"reverse:1", "authorize:0"}));
}

// The control: the same reordering without the version file leaves the anomaly the book warns
// of, a card authorized for a cancelled order, which nobody will ever reverse.
TEST(ChoreographyTest, WithoutTheVersionFileTheLateAuthorizeIsNeverReversed) {
  saga::testing::TempDir dir;
  const DomainState s = cancel_overtaking_the_ticket_event(dir.path(), /*version_file=*/false);
  EXPECT_EQ(s.orders.at(3), "CANCELLED");
  ASSERT_EQ(s.authorizations.count(3), 1u);
  EXPECT_EQ(s.authorizations.at(3).state, "AUTHORIZED");
  EXPECT_EQ(s.balances.at(kConsumerAda), 2940);
  EXPECT_TRUE(version_file(dir.path(), 3).empty());
}

}  // namespace
}  // namespace ftgo
