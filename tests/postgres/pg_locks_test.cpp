// Goal: semantic locks, operator actions and timers across engine instances on one PostgreSQL
// database (docs/scale-out.md): a key is never held by two sagas at once even when two
// instances grant it from stale views (the commit refuses the second grant and the instance
// decides again: its saga waits), a saga waiting for a key another instance's saga holds gets
// it once that saga ends, every saga ends; cancel and release-lock asked of an instance that
// does not run the saga are applied by the one that does; a saga retrying on a timer when its
// instance stops is finished by the instance that takes it over.
// Method: the binary's throwaway cluster (pg_cluster.h), a fresh database per test; the
// transfer saga's participants (transfer_saga.h) on ipc sockets with their SQLite files; two
// engines in this process. Outcomes are read from the database with a read-only store
// (history times give each saga's hold of its key) and from the participants' files.
#include <SQLiteCpp/SQLiteCpp.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <future>
#include <map>
#include <thread>

#include "pg_cluster.h"
#include "pg_engines.h"
#include "saga/testing/temp_dir.h"
#include "store/saga_store.h"
#include "transfer_saga.h"

namespace saga {
namespace {

using transfer::TransferData;

constexpr std::int64_t kAccounts = 10;  // "account:<order % 10>"

class PgLocksTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto url = pg_test::database_for_this_test();
    ASSERT_TRUE(url.is_ok()) << url.status().to_string();
    url_ = *url;
  }

  std::unique_ptr<Engine> open_engine(const std::string& name, Millis lease = Millis{5'000}) {
    return pg_test::open_engine(
        url_, dir(), name,
        {transfer::definition(Millis{300}), transfer::locked_definition(Millis{5'000}, kAccounts)},
        [lease](EngineOptions& o) {
          o.lease = lease;
          o.operator_poll_interval = Millis{20};
        });
  }
  std::string dir() const { return dir_.path().string(); }

  SagaStore& reader() {
    if (!reader_) {
      StoreOptions o;
      o.path = url_;
      o.access = StoreAccess::kReadOnly;
      auto store = open_store(o);
      EXPECT_TRUE(store.is_ok()) << store.status().to_string();
      reader_ = std::move(store).value();
    }
    return *reader_;
  }
  Phase phase(const std::string& id) {
    auto stored = reader().load(id);
    return stored.is_ok() && stored->has_value() ? stored->value().phase : Phase::kNotStarted;
  }
  // Polls until every saga of `ids` has ended (at most `limit`).
  bool all_end(const std::vector<std::string>& ids, Millis limit = Millis{60'000}) {
    const auto until = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < until) {
      if (std::all_of(ids.begin(), ids.end(),
                      [&](const std::string& id) { return is_terminal(phase(id)); })) {
        return true;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return false;
  }
  bool until(const std::function<bool()>& condition, Millis limit = Millis{20'000}) {
    const auto end = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < end) {
      if (condition()) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return false;
  }
  std::vector<HistoryEntry> history(const std::string& id) {
    auto h = reader().history(id);
    EXPECT_TRUE(h.is_ok()) << h.status().to_string();
    return h.is_ok() ? *h : std::vector<HistoryEntry>{};
  }
  // [key granted, saga ended] from the history: the time the saga held its key.
  std::pair<Millis, Millis> hold(const std::string& id) {
    Millis from{-1}, to{-1};
    int grants = 0;
    for (const HistoryEntry& e : history(id)) {
      if (e.event == Event::kLockAcquired) {
        from = e.time;
        ++grants;
      }
      if (e.event == Event::kCompleted || e.event == Event::kCompensated) to = e.time;
    }
    EXPECT_EQ(grants, 1) << id;
    return {from, to};
  }
  // Starts order `order`'s locked transfer on `engine`, calling again while the commit is
  // refused because another instance's saga took the key first (kConflict).
  static Status start(Engine& engine, std::int64_t order) {
    StartOptions o;
    o.id = "l-" + std::to_string(order);
    for (int attempt = 0; attempt < 50; ++attempt) {
      Result<std::string> id =
          engine.start_saga_with("transfer_locked", TransferData{order, 10 * order}, o);
      if (id.status().code() != StatusCode::kConflict) return id.status();
    }
    return Status(StatusCode::kConflict, "still refused after 50 attempts");
  }
  std::int64_t bank_runs(std::int64_t order) {
    SQLite::Database bank(dir() + "/bank.db");
    SQLite::Statement q(bank, "SELECT runs FROM reservations WHERE order_id = ?");
    q.bind(1, static_cast<std::int64_t>(order));
    return q.executeStep() ? q.getColumn(0).getInt64() : 0;
  }

  testing::TempDir dir_;
  std::string url_;
  std::unique_ptr<SagaStore> reader_;
};

TEST_F(PgLocksTest, AStaleGrantIsRefusedAtCommitAndTheSagaThenWaitsForTheOtherInstance) {
  pg_test::TransferParticipants participants(dir(), Millis{300});
  auto a = open_engine("a");
  auto b = open_engine("b");  // its lock table is read now: empty
  ASSERT_TRUE(a && b);
  ASSERT_EQ(start(*a, 1), Status::ok());
  ASSERT_TRUE(until([&] { return reader().load_locks()->size() == 1; }));

  // B still believes account:1 free: its grant to l-11 is refused by the database.
  StartOptions o;
  o.id = "l-11";
  Result<std::string> refused = b->start_saga_with("transfer_locked", TransferData{11, 110}, o);
  EXPECT_EQ(refused.status().code(), StatusCode::kConflict) << refused.status().to_string();
  EXPECT_NE(refused.status().message().find(kLockTakenElsewhere), std::string::npos);
  EXPECT_TRUE(until([&] { return b->stats().lock_conflicts == 1; }));
  EXPECT_EQ(phase("l-11"), Phase::kNotStarted);  // nothing of the refused commit was written

  // Decided again from the table as committed: l-11 waits for l-1, and gets the key after it.
  ASSERT_EQ(start(*b, 11), Status::ok());
  ASSERT_TRUE(all_end({"l-1", "l-11"}));
  EXPECT_EQ(phase("l-1"), Phase::kCompleted);
  EXPECT_EQ(phase("l-11"), Phase::kCompleted);
  std::vector<Event> events;
  for (const HistoryEntry& e : history("l-11")) events.push_back(e.event);
  auto waiting = std::find(events.begin(), events.end(), Event::kLockWaiting);
  EXPECT_NE(waiting, events.end());
  EXPECT_LT(waiting - events.begin(),
            std::find(events.begin(), events.end(), Event::kLockAcquired) - events.begin());
  EXPECT_GE(hold("l-11").first, hold("l-1").second);
  EXPECT_TRUE(reader().load_locks()->empty());
}

TEST_F(PgLocksTest, ManySagasOnTwoInstancesEndAndNoKeyIsEverHeldTwice) {
  pg_test::TransferParticipants participants(dir(), Millis{5});
  auto a = open_engine("a");
  auto b = open_engine("b");
  ASSERT_TRUE(a && b);
  // 48 sagas on 3 keys, started from two threads at once, half on each instance.
  constexpr std::int64_t kOrders = 48;
  std::vector<std::future<Status>> starts;
  for (int side = 0; side < 2; ++side) {
    starts.push_back(std::async(std::launch::async, [&, side] {
      for (std::int64_t order = 1 + side; order <= kOrders; order += 2) {
        if (Status s = start(side == 0 ? *a : *b, (order % 3) + 10 * order); !s) return s;
      }
      return Status::ok();
    }));
  }
  for (auto& f : starts) ASSERT_EQ(f.get(), Status::ok());
  std::vector<std::string> ids;
  std::map<std::int64_t, std::vector<std::string>> by_key;
  for (std::int64_t order = 1; order <= kOrders; ++order) {
    const std::int64_t id = (order % 3) + 10 * order;
    ids.push_back("l-" + std::to_string(id));
    by_key[id % kAccounts].push_back(ids.back());
  }
  ASSERT_TRUE(all_end(ids)) << "a saga is stuck";
  for (const std::string& id : ids) {
    const std::int64_t order = std::stoll(id.substr(2));
    EXPECT_EQ(phase(id), transfer::refused(order) ? Phase::kCompensated : Phase::kCompleted) << id;
    EXPECT_EQ(bank_runs(order), 1) << id;  // every effect once
  }
  // Per key: the holds, in grant order, never overlap (a hand-over may share its millisecond).
  for (auto& [key, sagas] : by_key) {
    std::vector<std::pair<Millis, Millis>> holds;
    for (const std::string& id : sagas) holds.push_back(hold(id));
    std::sort(holds.begin(), holds.end());
    for (std::size_t k = 1; k < holds.size(); ++k) {
      EXPECT_GE(holds[k].first, holds[k - 1].second) << "account:" << key << " held twice";
    }
  }
  EXPECT_TRUE(reader().load_locks()->empty());
  EXPECT_TRUE(reader().load_lock_waits()->empty());
  std::cerr << "lock conflicts: a " << a->stats().lock_conflicts << ", b "
            << b->stats().lock_conflicts << "\n";
}

TEST_F(PgLocksTest, CancelAndReleaseLockAskedOfAnotherInstanceAreAppliedByTheOwner) {
  pg_test::TransferParticipants participants(dir(), Millis{400});
  auto a = open_engine("a");
  auto b = open_engine("b");
  ASSERT_TRUE(a && b);
  ASSERT_EQ(start(*a, 2), Status::ok());
  ASSERT_EQ(start(*a, 12), Status::ok());  // waits on A for account:2
  ASSERT_EQ(start(*a, 3), Status::ok());
  ASSERT_EQ(start(*a, 13), Status::ok());  // waits on A for account:3

  // B does not run l-12: its cancel goes to A as an operator request, applied there.
  Status cancel = b->cancel("l-12", "customer changed their mind", "support");
  EXPECT_EQ(cancel, Status::ok()) << cancel.to_string();
  ASSERT_TRUE(all_end({"l-12"}));
  EXPECT_EQ(phase("l-12"), Phase::kCompensated);
  bool cancelled = false;
  for (const HistoryEntry& e : history("l-12")) {
    if (e.event == Event::kCancelled) {
      cancelled = true;
      EXPECT_NE(e.reason.find("support: customer changed their mind"), std::string::npos);
    }
  }
  EXPECT_TRUE(cancelled);
  // A saga that is not running anywhere is answered by B itself.
  EXPECT_EQ(b->cancel("l-12", "again").code(), StatusCode::kFailedPrecondition);

  // B's release of a key A's saga holds: A releases it and l-13 gets it at once.
  Status release = b->release_lock("account:3", "operator: stuck");
  EXPECT_EQ(release, Status::ok()) << release.to_string();
  ASSERT_TRUE(all_end({"l-2", "l-3", "l-13"}));
  bool released = false;
  for (const HistoryEntry& e : history("l-3")) released |= e.event == Event::kOperatorReleasedLock;
  EXPECT_TRUE(released);
  EXPECT_LE(hold("l-13").first, hold("l-3").second);  // granted before l-3 ended
  EXPECT_GE(a->stats().operator_requests_applied, 2u);
}

TEST_F(PgLocksTest, ASagaRetryingOnATimerIsFinishedByTheInstanceThatTookItOver) {
  // Shipping is down at first: the ship command times out (300 ms) and is sent again.
  transfer::Serving bank(transfer::open_bank("ipc://" + dir() + "/bank.sock", dir() + "/bank.db"));
  auto a = open_engine("a", Millis{400});
  auto b = open_engine("b");
  ASSERT_TRUE(a && b);
  StartOptions o;
  o.id = "t-7";
  ASSERT_TRUE(a->start_saga_with("transfer", TransferData{7, 70}, o).is_ok());
  ASSERT_TRUE(until([&] {
    for (const HistoryEntry& e : history("t-7")) {
      if (e.event == Event::kStepTimedOut) return true;
    }
    return false;
  }));
  a->stop();  // its lease runs out unrenewed: B takes t-7 over with its timers
  ASSERT_TRUE(until([&] { return b->stats().sagas_taken_over == 1; }));
  transfer::Serving shipping(
      transfer::open_shipping("ipc://" + dir() + "/shipping.sock", dir() + "/ship.db"));
  ASSERT_TRUE(all_end({"t-7"}));
  EXPECT_EQ(phase("t-7"), Phase::kCompleted);
  EXPECT_EQ(bank_runs(7), 1);
  SQLite::Database ship(dir() + "/ship.db");
  EXPECT_EQ(ship.execAndGet("SELECT runs FROM shipments WHERE order_id = 7").getInt64(), 1);
}

}  // namespace
}  // namespace saga
