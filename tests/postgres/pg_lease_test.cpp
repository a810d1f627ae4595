// Goal: leases and fencing of the PostgreSQL store (pg_saga_store.h): an instance whose lease
// expired cannot commit, another claims its sagas (with their outbox rows) and may commit them,
// claims by several instances never overlap, operator requests go to the owner, and a database
// restart costs a store only the commits made while it was down.
// Method: several PgSagaStore objects on one fresh schema of the binary's throwaway cluster, as
// several engine instances would hold them; short leases (300 ms) that the test lets expire
// (sleeping past a lease creates the condition; nothing asserts a duration).
#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <thread>

#include "store_conformance_fixture.h"

namespace saga {
namespace {

using namespace store_test;

constexpr Millis kShortLease{300};

class PgLeaseTest : public ::testing::Test {
 protected:
  std::unique_ptr<SagaStore> open(const std::string& name, Millis lease = kShortLease) {
    StoreOptions o;
    o.path = url_;
    o.instance_name = name;
    o.lease = lease;
    auto store = saga::open_store(o);
    EXPECT_TRUE(store.is_ok()) << store.status().to_string();
    return store.is_ok() ? std::move(store).value() : nullptr;
  }
  static void let_lease_expire() { std::this_thread::sleep_for(kShortLease * 2); }

  std::string url_ = StoreConformanceTest::fresh_schema_url();
};

TEST_F(PgLeaseTest, AnExpiredInstanceIsFencedAndItsSagasAreClaimedWithTheirCommands) {
  auto a = open("a");
  ASSERT_TRUE(a->shared());
  ASSERT_EQ(a->commit(full_batch("s1")), Status::ok());
  let_lease_expire();
  auto b = open("b", Millis{10'000});
  auto report = b->renew_lease(10);
  ASSERT_TRUE(report.is_ok()) << report.status().to_string();
  EXPECT_FALSE(report->lost);
  ASSERT_EQ(report->claimed.size(), 1u);
  EXPECT_EQ(report->claimed[0].id, "s1");
  ASSERT_EQ(report->outbox.size(), 1u);
  EXPECT_EQ(report->outbox[0].envelope.message_id, "s1-m1");  // resent with the same id

  SagaInstance next = report->claimed[0];
  next.step += 1;
  StoreBatch stale;
  stale.updates.push_back(next);
  Status fenced = a->commit(stale);
  EXPECT_EQ(fenced.code(), StatusCode::kConflict) << fenced.to_string();
  EXPECT_NE(fenced.message().find("expired"), std::string::npos) << fenced.message();
  EXPECT_TRUE(a->renew_lease(10)->lost);
  ASSERT_EQ(b->commit(stale), Status::ok());
  EXPECT_EQ(b->load("s1")->value().step, next.step);
  // A's sagas are B's: A, back with a fresh incarnation, owns nothing.
  auto mine = a->load_unfinished();
  ASSERT_TRUE(mine.is_ok()) << mine.status().to_string();
  EXPECT_TRUE(mine->empty());
  EXPECT_TRUE(a->load_outbox()->empty());
  EXPECT_EQ(b->load_outbox()->size(), 1u);
}

TEST_F(PgLeaseTest, AClaimedSagaCannotBeCommittedByItsFormerOwnerEvenWithALiveLease) {
  auto a = open("a");
  ASSERT_EQ(a->commit(full_batch("s1")), Status::ok());
  let_lease_expire();
  auto b = open("b", Millis{10'000});
  ASSERT_EQ(b->renew_lease(10)->claimed.size(), 1u);
  // A comes back (a new incarnation) and commits a transition of the saga it once owned.
  ASSERT_TRUE(a->load_unfinished().is_ok());
  StoreBatch stale;
  stale.updates.push_back(make_instance("s1"));
  Status fenced = a->commit(stale);
  EXPECT_EQ(fenced.code(), StatusCode::kConflict) << fenced.to_string();
  EXPECT_NE(fenced.message().find("fenced"), std::string::npos) << fenced.message();
}

TEST_F(PgLeaseTest, ASagaIsClaimedWithItsChildrenAndTheLimitCountsFamilies) {
  auto a = open("a");
  ASSERT_EQ(a->commit(full_batch("p1")), Status::ok());
  StoreBatch children;  // p1 started a child, which started one of its own
  SagaInstance child = make_instance("p1/deliver", Millis(2'000));
  child.parent_id = "p1";
  SagaInstance grandchild = make_instance("p1/deliver/courier", Millis(3'000));
  grandchild.parent_id = "p1/deliver";
  children.inserts = {child, grandchild};
  ASSERT_EQ(a->commit(children), Status::ok());
  ASSERT_EQ(a->commit(full_batch("p2")), Status::ok());  // a second family, of one saga
  let_lease_expire();

  auto ids = [](const LeaseReport& r) {
    std::set<std::string> out;
    for (const SagaInstance& i : r.claimed) out.insert(i.id);
    return out;
  };
  auto b = open("b", Millis{10'000});
  auto first = b->renew_lease(1);  // one family: the oldest root and every descendant
  ASSERT_TRUE(first.is_ok()) << first.status().to_string();
  EXPECT_EQ(ids(*first), (std::set<std::string>{"p1", "p1/deliver", "p1/deliver/courier"}));
  auto c = open("c", Millis{10'000});
  auto second = c->renew_lease(10);
  ASSERT_TRUE(second.is_ok()) << second.status().to_string();
  EXPECT_EQ(ids(*second), (std::set<std::string>{"p2"}));
  // B runs the whole family: its commits of the parent and the child go through.
  auto mine = b->load_unfinished();
  ASSERT_TRUE(mine.is_ok()) << mine.status().to_string();
  EXPECT_EQ(mine->size(), 3u);
}

TEST_F(PgLeaseTest, ConcurrentClaimsNeverOverlapAndTakeEverything) {
  {
    auto dead = open("dead");
    StoreBatch batch;
    for (int k = 0; k < 60; ++k) batch.inserts.push_back(make_instance("s" + std::to_string(k)));
    ASSERT_EQ(dead->commit(batch), Status::ok());
  }
  let_lease_expire();
  auto b = open("b", Millis{10'000});
  auto c = open("c", Millis{10'000});
  std::vector<std::string> by_b, by_c;
  std::thread tb([&] {
    for (int round = 0; round < 10; ++round) {
      Result<LeaseReport> report = b->renew_lease(4);
      ASSERT_TRUE(report.is_ok()) << report.status().to_string();
      for (const SagaInstance& i : report->claimed) by_b.push_back(i.id);
    }
  });
  std::thread tc([&] {
    for (int round = 0; round < 10; ++round) {
      Result<LeaseReport> report = c->renew_lease(4);
      ASSERT_TRUE(report.is_ok()) << report.status().to_string();
      for (const SagaInstance& i : report->claimed) by_c.push_back(i.id);
    }
  });
  tb.join();
  tc.join();
  std::set<std::string> all(by_b.begin(), by_b.end());
  for (const std::string& id : by_c) EXPECT_TRUE(all.insert(id).second) << id << " claimed twice";
  EXPECT_EQ(all.size(), 60u);
  EXPECT_EQ(b->load_unfinished()->size() + c->load_unfinished()->size(), 60u);
}

TEST_F(PgLeaseTest, OperatorRequestsGoToTheOwnerOfTheirSaga) {
  auto a = open("a", Millis{10'000});
  auto b = open("b", Millis{10'000});
  ASSERT_EQ(a->commit(full_batch("of-a")), Status::ok());
  ASSERT_EQ(b->commit(full_batch("of-b")), Status::ok());
  ASSERT_TRUE(a->add_operator_request(make_request("of-a", OperatorAction::kRetry, "r", "op")));
  ASSERT_TRUE(a->add_operator_request(make_request("of-b", OperatorAction::kRetry, "r", "op")));
  ASSERT_TRUE(a->add_operator_request(make_request("gone", OperatorAction::kRetry, "r", "op")));
  auto for_a = a->take_operator_requests(10);
  auto for_b = b->take_operator_requests(10);
  ASSERT_TRUE(for_a.is_ok() && for_b.is_ok());
  std::vector<std::string> sa, sb;
  for (const OperatorRequest& r : *for_a) sa.push_back(r.saga_id);
  for (const OperatorRequest& r : *for_b) sb.push_back(r.saga_id);
  EXPECT_EQ(sa, (std::vector<std::string>{"of-a", "gone"}));
  EXPECT_EQ(sb, (std::vector<std::string>{"of-b", "gone"}));
}

TEST_F(PgLeaseTest, ADatabaseRestartCostsOnlyTheCommitsMadeWhileItWasDown) {
  auto a = open("a", Millis{30'000});
  ASSERT_EQ(a->commit(full_batch("before")), Status::ok());
  ASSERT_EQ(test::PgCluster::shared().restart(), Status::ok());
  // The first statement on the dead session fails (the engine retries the batch); the store
  // reconnects before the next one.
  Status first = a->commit(full_batch("after"));
  if (!first) {
    EXPECT_EQ(first.code(), StatusCode::kUnavailable) << first.to_string();
    Status second = a->commit(full_batch("after"));
    ASSERT_EQ(second, Status::ok()) << second.to_string();
  }
  EXPECT_TRUE(a->load("before")->has_value());
  EXPECT_TRUE(a->load("after")->has_value());
}

TEST_F(PgLeaseTest, AnUnreachableServerIsUnavailableAndABadLeaseIsRefused) {
  StoreOptions o;
  o.path = "postgresql:///x?host=/nonexistent-dir&user=saga";
  auto store = saga::open_store(o);
  EXPECT_EQ(store.status().code(), StatusCode::kUnavailable) << store.status().to_string();
  o.path = url_;
  o.lease = Millis{5};
  EXPECT_EQ(saga::open_store(o).status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace saga
