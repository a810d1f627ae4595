// Goal: the Create Order orchestrator (the Order service with its embedded engine) can be killed
// with SIGKILL at any moment and, restarted on the same databases, ends every saga as expected
// with the services' domain states in agreement.
// Method: the three participant services and the orchestrator are real child processes (each
// creates its ZeroMQ context and opens SQLite after fork). The orchestrator places a seeded mix
// of orders; the test kills it with SIGKILL at seeded points (after k orders were placed, after
// k orders ended, after a delay), restarts it, and finally lets it run to the end. It then checks
// the child's verdict, every saga terminal in the engine's database, and the invariants of
// domain_state.h over the services' databases. While the orchestrator is dead after each kill,
// one SQL query on its one database file (orders and the engine's tables, order_service.h)
// finds no APPROVAL_PENDING order without its saga: the order row and the saga's start are one
// transaction (the saga is its instance, or its committed start that the engine has not taken
// yet). With the saga-control example (Create Order version 4, the Kitchen's TicketAccepted
// events), the orchestrator is also killed while sagas wait for the event and while cancels
// (operator requests) are being applied: nothing is lost or applied twice. With Create Order
// version 5 (a parallel group and a child saga, Delivery), the orchestrator is killed while
// parents and children run: every parent and child ends once, each child with its parent's id.
#include <SQLiteCpp/SQLiteCpp.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <functional>
#include <random>
#include <thread>

#include "domain_state.h"
#include "ftgo/create_order_saga.h"
#include "saga/decide.h"
#include "saga/engine.h"
#include "saga/inspection.h"
#include "saga/testing/temp_dir.h"
#include "saga/zmq_transport.h"
#include "scenario_runner.h"
#include "scenarios.h"
#include "service_host.h"

namespace ftgo {
namespace {

using saga::Millis;
using Clock = std::chrono::steady_clock;

constexpr std::size_t kOrders = 40;

enum class KillPoint { kAfterPlaced, kAfterEnded, kAfterDelay };

std::string endpoint(const DataPaths& paths, std::string_view name) {
  return "ipc://" + paths.dir + "/" + std::string(name) + ".sock";
}

// Forks a participant service; the child never returns.
pid_t fork_service(const DataPaths& paths, ServiceKind kind) {
  std::fflush(stdout);
  const pid_t pid = fork();
  if (pid != 0) return pid;
  const std::string name(to_string(kind));
  std::freopen("/dev/null", "w", stdout);  // its READY line is not needed: ipc paths are known
  _exit(run_service_process(
      kind, ServiceOptions{endpoint(paths, name), paths.dir + "/" + name + ".db", nullptr,
                           saga::Synchronous::kNormal}));
}

// Forks the orchestrator; the child places `scenarios` and exits 0 when all ended as expected.
// parallel: Create Order version 3 (parallel groups). delivery: version 5 (version 3 with the
// Delivery child saga).
// accept_within > 0: Create Order version 4, waiting that long for the Kitchen's TicketAccepted
// on the events endpoint (the saga-control tests below).
pid_t fork_orchestrator(const DataPaths& paths, const std::vector<Scenario>& scenarios,
                        bool parallel = false, Millis accept_within = Millis{0},
                        bool delivery = false) {
  std::fflush(stdout);
  const pid_t pid = fork();
  if (pid != 0) return pid;
  std::freopen("/dev/null", "w", stdout);
  OrchestratorConfig config;
  for (ServiceKind kind : kParticipantServices) {
    if (!config.order.registry.add(std::string(to_string(kind)),
                                   endpoint(paths, to_string(kind)))) {
      _exit(3);
    }
  }
  config.order.participant = ServiceOptions{endpoint(paths, "order"), paths.orders_db(), nullptr,
                                            saga::Synchronous::kNormal};
  config.order.engine_database_path = paths.engine_db();
  config.order.timing.reply_timeout = Millis{500};
  config.order.synchronous = saga::Synchronous::kFull;
  config.order.parallel = parallel;
  config.order.delivery = delivery;
  if (accept_within.count() > 0) {
    config.order.accept_within = accept_within;
    config.order.events_endpoint = endpoint(paths, "events");
  }
  config.scenarios = scenarios;
  config.run.wait_timeout = Millis{accept_within.count() > 0 ? 40'000 : 30'000};
  _exit(run_orchestrator_process(std::move(config)));
}

// Waits for the child; -1 when it did not exit within `timeout` (it is then killed).
int wait_exit(pid_t pid, Millis timeout) {
  const auto deadline = Clock::now() + timeout;
  int status = 0;
  while (Clock::now() < deadline) {
    if (waitpid(pid, &status, WNOHANG) == pid) return WIFEXITED(status) ? WEXITSTATUS(status) : -2;
    std::this_thread::sleep_for(Millis{10});
  }
  kill(pid, SIGKILL);
  waitpid(pid, &status, 0);
  return -1;
}

void kill9(pid_t pid) {
  kill(pid, SIGKILL);
  int status = 0;
  waitpid(pid, &status, 0);
}

// Waits until `ready(state)` holds or `timeout` passes (or the child exited on its own).
template <typename Predicate>
void wait_for(const DataPaths& paths, pid_t child, Millis timeout, Predicate ready) {
  const auto deadline = Clock::now() + timeout;
  while (Clock::now() < deadline) {
    auto state = read_domain_state(paths);
    if (state && ready(state.value())) return;
    if (waitpid(child, nullptr, WNOHANG) == child) return;
    std::this_thread::sleep_for(Millis{2});
  }
}

// The one query: pending orders that have neither a saga instance nor a committed start.
constexpr const char* kOrphanOrders =
    "SELECT count(*) FROM orders o WHERE o.state = 'APPROVAL_PENDING' "
    "AND NOT EXISTS (SELECT 1 FROM saga_instances i WHERE i.id = o.saga_id) "
    "AND NOT EXISTS (SELECT 1 FROM saga_start_requests r WHERE r.saga_id = o.saga_id)";

std::int64_t orphan_orders(const DataPaths& paths) {
  // Killed before it created its file: no order yet (opening it read-only would throw).
  if (::access(paths.orders_db().c_str(), F_OK) != 0) return 0;
  // Read-write: a read-only connection cannot rebuild the WAL index the kill may have left
  // half-written (SQLITE_READONLY_RECOVERY); this only reads.
  SQLite::Database db(paths.orders_db(), SQLite::OPEN_READWRITE, 5'000);
  if (!db.tableExists("orders") || !db.tableExists("saga_start_requests")) return 0;  // too early
  return db.execAndGet(kOrphanOrders).getInt64();
}

std::size_t ended_orders(const DomainState& s) {
  std::size_t n = 0;
  for (const auto& [id, state] : s.orders) n += state != "APPROVAL_PENDING" ? 1 : 0;
  return n;
}

// Create Order version 5: an order whose saga reached its child step has exactly one child,
// visible with its parent's id, whose history has one start and one end; an approved order's
// child completed, a rejected order's child (if any) compensated; a child with no delivery
// never ran (its order was rejected before the step).
void check_children(const DataPaths& paths, const DomainState& state) {
  auto reader = saga::Inspector::open({paths.engine_db(), saga::StoreAccess::kReadOnly});
  ASSERT_TRUE(reader) << reader.status().to_string();
  std::size_t children = 0;
  for (const auto& [order, order_state] : state.orders) {
    const std::string parent = saga_id_of_order(order);
    auto detail = reader.value()->saga(saga::child_saga_id(parent, "deliver"));
    ASSERT_TRUE(detail) << detail.status().to_string();
    if (!detail.value()) {
      EXPECT_NE(order_state, "APPROVED") << parent << " approved without a Delivery saga";
      EXPECT_FALSE(state.deliveries.contains(order)) << parent << ": a delivery without a child";
      continue;
    }
    ++children;
    const saga::SagaInstance& child = detail.value()->instance;
    EXPECT_EQ(child.parent_id, parent);
    EXPECT_EQ(child.type, "delivery");
    EXPECT_EQ(child.phase,
              order_state == "APPROVED" ? saga::Phase::kCompleted : saga::Phase::kCompensated)
        << child.id << " of an order " << order_state;
    int starts = 0;
    int ends = 0;
    for (const saga::HistoryEntry& h : detail.value()->history) {
      starts += h.event == saga::Event::kStarted ? 1 : 0;
      ends += h.event == saga::Event::kCompleted || h.event == saga::Event::kCompensated ? 1 : 0;
    }
    EXPECT_EQ(starts, 1) << child.id << " started once";
    EXPECT_EQ(ends, 1) << child.id << " ended once";
    auto parent_detail = reader.value()->saga(parent);
    ASSERT_TRUE(parent_detail && parent_detail.value()) << parent;
    int child_starts = 0;
    for (const saga::HistoryEntry& h : parent_detail.value()->history) {
      child_starts += h.event == saga::Event::kChildStarted ? 1 : 0;
    }
    EXPECT_EQ(child_starts, 1) << parent << " started its child once";
  }
  std::printf("%zu child sagas checked\n", children);
  EXPECT_GT(children, 0u);
}

// Every order placed, the invariants hold across the services' databases, and every saga is
// terminal in the engine's own database (read after every child is gone). delivery: each order's
// saga has one child saga (its Delivery) when it reached the child step, and the invariants
// include I9.
void check_every_saga_ended(const DataPaths& paths, bool delivery = false) {
  auto state = read_domain_state(paths);
  ASSERT_TRUE(state) << state.status().to_string();
  state.value().deliveries_expected = delivery;
  EXPECT_EQ(state.value().orders.size(), kOrders);
  EXPECT_EQ(check_invariants(state.value(), true), std::vector<std::string>{});

  saga::ZmqTransportOptions transport_options;
  auto transport = saga::make_zmq_transport(std::move(transport_options));
  ASSERT_TRUE(transport);
  saga::EngineOptions options;
  options.database_path = paths.engine_db();
  options.transport = std::move(transport).value();
  options.manual = true;
  auto engine = saga::Engine::open(std::move(options));
  ASSERT_TRUE(engine) << engine.status().to_string();
  ASSERT_TRUE(engine.value()->start());  // manual: loads the instances, runs no thread
  auto all = engine.value()->list(std::nullopt, 1'000);
  ASSERT_TRUE(all) << all.status().to_string();
  std::size_t parents = 0;
  for (const saga::SagaInstance& instance : all.value()) {
    EXPECT_TRUE(saga::is_terminal(instance.phase))
        << instance.id << " is " << saga::to_string(instance.phase);
    parents += instance.parent_id.empty() ? 1 : 0;
    if (instance.parent_id.empty()) continue;
    EXPECT_TRUE(delivery) << instance.id << " is a child saga";
    EXPECT_EQ(instance.id, saga::child_saga_id(instance.parent_id, "deliver"));
  }
  EXPECT_EQ(parents, kOrders);
  if (delivery) check_children(paths, state.value());
}

// One run: services up, the orchestrator killed twice at seeded points, then run to the end.
void run_with_kills(KillPoint point, std::uint64_t seed, bool parallel = false,
                    bool delivery = false) {
  std::printf("seed %llu\n", static_cast<unsigned long long>(seed));
  std::mt19937_64 random(seed);
  saga::testing::TempDir dir;
  const DataPaths paths{dir.path().string()};
  const std::vector<Scenario> scenarios = mixed_scenarios(kOrders, seed);

  std::vector<pid_t> services;
  for (ServiceKind kind : kParticipantServices) services.push_back(fork_service(paths, kind));

  // Two kills, each at a seeded point of the chosen kind, then a run to the end.
  for (int round = 0; round < 2; ++round) {
    const pid_t orchestrator = fork_orchestrator(paths, scenarios, parallel, Millis{0}, delivery);
    const std::size_t k = 1 + random() % (kOrders - 1);
    switch (point) {
      case KillPoint::kAfterPlaced:
        wait_for(paths, orchestrator, Millis{20'000},
                 [&](const DomainState& s) { return s.orders.size() >= k; });
        break;
      case KillPoint::kAfterEnded:
        wait_for(paths, orchestrator, Millis{20'000},
                 [&](const DomainState& s) { return ended_orders(s) >= k / 2; });
        break;
      case KillPoint::kAfterDelay:
        std::this_thread::sleep_for(Millis{static_cast<std::int64_t>(random() % 150)});
        break;
    }
    kill9(orchestrator);
    EXPECT_EQ(orphan_orders(paths), 0) << "an APPROVAL_PENDING order without its saga";
    auto at_kill = read_domain_state(paths);
    std::printf("round %d: killed the orchestrator with %zu orders placed, %zu ended\n", round,
                at_kill ? at_kill.value().orders.size() : 0,
                at_kill ? ended_orders(at_kill.value()) : 0);
  }
  const pid_t last = fork_orchestrator(paths, scenarios, parallel, Millis{0}, delivery);
  EXPECT_EQ(wait_exit(last, Millis{40'000}), 0) << "every saga must end as its scenario expects";

  for (pid_t pid : services) {
    kill(pid, SIGTERM);
    waitpid(pid, nullptr, 0);
  }

  check_every_saga_ended(paths, delivery);
}

// One run: the orchestrator places every order while a seeded participant service is killed with
// SIGKILL twice and restarted on the same database and endpoint; deadline resends carry the
// sagas over the gap, and each service's inbox keeps what it had committed.
void run_with_participant_kills(std::uint64_t seed) {
  std::printf("seed %llu\n", static_cast<unsigned long long>(seed));
  std::mt19937_64 random(seed);
  saga::testing::TempDir dir;
  const DataPaths paths{dir.path().string()};
  const std::vector<ServiceKind> kinds(std::begin(kParticipantServices),
                                       std::end(kParticipantServices));
  std::vector<pid_t> services;
  for (ServiceKind kind : kinds) services.push_back(fork_service(paths, kind));

  const pid_t orchestrator = fork_orchestrator(paths, mixed_scenarios(kOrders, seed));
  for (int round = 0; round < 2; ++round) {
    const std::size_t victim = random() % kinds.size();
    const std::size_t k = 1 + random() % (kOrders - 1);
    wait_for(paths, orchestrator, Millis{20'000},
             [&](const DomainState& s) { return s.orders.size() >= k; });
    kill9(services[victim]);
    std::printf("round %d: killed the %s service with %zu orders placed\n", round,
                std::string(to_string(kinds[victim])).c_str(), k);
    std::this_thread::sleep_for(Millis{static_cast<std::int64_t>(random() % 300)});
    services[victim] = fork_service(paths, kinds[victim]);
  }
  EXPECT_EQ(wait_exit(orchestrator, Millis{40'000}), 0)
      << "every saga must end as its scenario expects";
  for (pid_t pid : services) {
    kill(pid, SIGTERM);
    waitpid(pid, nullptr, 0);
  }
  check_every_saga_ended(paths);
}

TEST(CreateOrderParticipantCrashTest, KilledParticipantsLoseNothingAndApplyNothingTwice) {
  const int base = ::testing::UnitTest::GetInstance()->random_seed();
  std::printf("gtest random seed %d (rerun with --gtest_random_seed=%d)\n", base, base);
  for (std::uint64_t i = 0; i < 2; ++i) {
    const std::uint64_t seed = static_cast<std::uint64_t>(base) * 100 + 50 + i;
    SCOPED_TRACE("seed " + std::to_string(seed));
    run_with_participant_kills(seed);
    if (::testing::Test::HasFailure()) return;
  }
}

class CreateOrderCrashTest : public ::testing::TestWithParam<KillPoint> {};

// Three seeds per kill point; the base seed is GoogleTest's (--gtest_random_seed replays it).
TEST_P(CreateOrderCrashTest, KilledOrchestratorEndsEverySagaAfterRestart) {
  const int base = ::testing::UnitTest::GetInstance()->random_seed();
  std::printf("gtest random seed %d (rerun with --gtest_random_seed=%d)\n", base, base);
  for (std::uint64_t i = 0; i < 3; ++i) {
    const std::uint64_t seed =
        static_cast<std::uint64_t>(base) * 100 + static_cast<std::uint64_t>(GetParam()) * 10 + i;
    SCOPED_TRACE("seed " + std::to_string(seed));
    run_with_kills(GetParam(), seed);
    if (::testing::Test::HasFailure()) return;
  }
}

// The parallel variant (version 3: verify_consumer and create_ticket in one group, the two
// retriable steps in another): killed while groups have several commands out, its sagas end
// as expected after the restart (their branch commands are resent from the branch outbox).
TEST(CreateOrderParallelCrashTest, KilledOrchestratorEndsEveryParallelSagaAfterRestart) {
  const int base = ::testing::UnitTest::GetInstance()->random_seed();
  for (KillPoint point : {KillPoint::kAfterPlaced, KillPoint::kAfterDelay}) {
    const std::uint64_t seed =
        static_cast<std::uint64_t>(base) * 100 + 90 + static_cast<std::uint64_t>(point);
    SCOPED_TRACE("seed " + std::to_string(seed));
    run_with_kills(point, seed, /*parallel=*/true);
    if (::testing::Test::HasFailure()) return;
  }
}

// Create Order version 5 (a parallel group and the Delivery child saga): killed while parents
// wait for their children and children run their steps, every parent and every child ends
// once after the restart, each child with its parent's id, and every approved order has one
// scheduled delivery (I9). One seed per kill point.
TEST(CreateOrderChildCrashTest, KilledOrchestratorEndsEveryParentAndChildOnce) {
  const int base = ::testing::UnitTest::GetInstance()->random_seed();
  std::printf("gtest random seed %d (rerun with --gtest_random_seed=%d)\n", base, base);
  for (KillPoint point : {KillPoint::kAfterPlaced, KillPoint::kAfterDelay}) {
    const std::uint64_t seed =
        static_cast<std::uint64_t>(base) * 100 + 95 + static_cast<std::uint64_t>(point);
    SCOPED_TRACE("seed " + std::to_string(seed));
    run_with_kills(point, seed, /*parallel=*/true, /*delivery=*/true);
    if (::testing::Test::HasFailure()) return;
  }
}

INSTANTIATE_TEST_SUITE_P(KillPoints, CreateOrderCrashTest,
                         ::testing::Values(KillPoint::kAfterPlaced, KillPoint::kAfterEnded,
                                           KillPoint::kAfterDelay),
                         [](const auto& info) {
                           switch (info.param) {
                             case KillPoint::kAfterPlaced:
                               return std::string("AfterOrdersPlaced");
                             case KillPoint::kAfterEnded:
                               return std::string("AfterSagasEnded");
                             case KillPoint::kAfterDelay:
                               return std::string("AfterRandomDelay");
                           }
                           return std::string("Unknown");
                         });

// ---- Saga control: a kill while sagas wait for an event, and while cancels are applied ----------
//
// The Kitchen service sends TicketAccepted (ticket_acceptance_desk.h) `accept_after` after each
// ticket to the orchestrator's events endpoint; Create Order version 4 waits for it
// (accept_within). While the orchestrator is dead the Kitchen's sends time out and stay due.

pid_t fork_accepting_kitchen(const DataPaths& paths, Millis accept_after) {
  std::fflush(stdout);
  const pid_t pid = fork();
  if (pid != 0) return pid;
  std::freopen("/dev/null", "w", stdout);
  ServiceOptions options{endpoint(paths, "kitchen"), paths.kitchen_db(), nullptr,
                         saga::Synchronous::kNormal};
  options.events_endpoint = endpoint(paths, "events");
  options.accept_after = accept_after;
  _exit(run_service_process(ServiceKind::kKitchen, std::move(options)));
}

std::vector<pid_t> fork_control_services(const DataPaths& paths, Millis accept_after) {
  std::vector<pid_t> services;
  for (ServiceKind kind : kParticipantServices) {
    services.push_back(kind == ServiceKind::kKitchen ? fork_accepting_kitchen(paths, accept_after)
                                                     : fork_service(paths, kind));
  }
  return services;
}

void stop_services(const std::vector<pid_t>& services) {
  for (pid_t pid : services) {
    kill(pid, SIGTERM);
    waitpid(pid, nullptr, 0);
  }
}

// The restaurant's acceptances in `state` ("DUE", "SENT", ...).
std::int64_t acceptances(const DataPaths& paths, const std::string& state) {
  if (::access(paths.kitchen_db().c_str(), F_OK) != 0) return 0;  // the Kitchen is not up yet
  SQLite::Database db(paths.kitchen_db(), SQLite::OPEN_READONLY, 5'000);
  if (!db.tableExists("ticket_acceptances")) return 0;
  SQLite::Statement q(db, "SELECT count(*) FROM ticket_acceptances WHERE state = ?");
  q.bind(1, state);
  q.executeStep();
  return q.getColumn(0).getInt64();
}

// This run's seed for a control test (gtest's random seed, offset per test), printed.
std::uint64_t control_seed(int offset) {
  const int base = ::testing::UnitTest::GetInstance()->random_seed();
  const std::uint64_t seed = static_cast<std::uint64_t>(base) * 100 + offset;
  std::printf("seed %llu (rerun with --gtest_random_seed=%d)\n",
              static_cast<unsigned long long>(seed), base);
  return seed;
}

void wait_until(Millis timeout, const std::function<bool()>& ready) {
  const auto deadline = Clock::now() + timeout;
  while (Clock::now() < deadline && !ready()) std::this_thread::sleep_for(Millis{5});
}

// kill -9 of the orchestrator while sagas wait for the restaurant's TicketAccepted (twice, at
// seeded moments); restarted, every saga ends as its scenario expects: a wait and its time
// limit survive the kill, an event sent while the orchestrator is dead is sent again, one that
// came before the kill is kept.
TEST(CreateOrderControlCrashTest, KilledWhileSagasWaitForTheRestaurantLosesNothing) {
  const std::uint64_t seed = control_seed(70);
  std::mt19937_64 random(seed);
  saga::testing::TempDir dir;
  const DataPaths paths{dir.path().string()};
  constexpr std::size_t kWaiting = 12;
  const std::vector<Scenario> scenarios = mixed_scenarios(kWaiting, seed);
  const std::vector<pid_t> services = fork_control_services(paths, Millis{700});
  for (int round = 0; round < 2; ++round) {
    const pid_t orchestrator = fork_orchestrator(paths, scenarios, false, Millis{30'000});
    const std::int64_t waiting = 1 + static_cast<std::int64_t>(random() % 4);
    wait_until(Millis{20'000}, [&] { return acceptances(paths, "DUE") >= waiting; });
    std::this_thread::sleep_for(Millis{static_cast<std::int64_t>(random() % 400)});
    std::printf("round %d: killed the orchestrator with %lld acceptances due, %lld sent\n", round,
                static_cast<long long>(acceptances(paths, "DUE")),
                static_cast<long long>(acceptances(paths, "SENT")));
    kill9(orchestrator);
    EXPECT_EQ(orphan_orders(paths), 0);
    std::this_thread::sleep_for(Millis{static_cast<std::int64_t>(random() % 600)});
  }
  const pid_t last = fork_orchestrator(paths, scenarios, false, Millis{30'000});
  EXPECT_EQ(wait_exit(last, Millis{60'000}), 0) << "every saga must end as its scenario expects";
  stop_services(services);
  auto state = read_domain_state(paths);
  ASSERT_TRUE(state) << state.status().to_string();
  EXPECT_EQ(state.value().orders.size(), kWaiting);
  EXPECT_EQ(check_invariants(state.value(), true), std::vector<std::string>{});
  EXPECT_EQ(acceptances(paths, "DUE"), 0) << "every acceptance was sent and answered";
  for (const auto& [order, order_state] : state.value().orders) {
    if (order_state == "APPROVED") {
      EXPECT_EQ(state.value().tickets.at(order).state, "ACCEPTED") << "order " << order;
    }
  }
}

// Cancels (operator requests in the database, as `sagactl cancel` writes them) of sagas that
// wait for a restaurant that never answers, then kill -9 of the orchestrator at once or soon
// after: restarted, every cancelled saga ends compensated once, its order REJECTED, none
// charged.
TEST(CreateOrderControlCrashTest, KilledWhileCancelsAreAppliedLosesNone) {
  const std::uint64_t seed = control_seed(80);
  std::mt19937_64 random(seed);
  saga::testing::TempDir dir;
  const DataPaths paths{dir.path().string()};
  constexpr std::size_t kOrdersCancelled = 12;
  std::vector<Scenario> scenarios = mixed_scenarios(kOrdersCancelled, seed);
  // The restaurant answers after 10 minutes: every saga that gets a ticket waits (limit 60 s).
  const std::vector<pid_t> services = fork_control_services(paths, Millis{600'000});
  pid_t orchestrator = fork_orchestrator(paths, scenarios, false, Millis{60'000});
  std::int64_t tickets = 0;
  wait_until(Millis{20'000}, [&] {
    tickets = acceptances(paths, "DUE");
    auto s = read_domain_state(paths);
    // Every order placed and every ticket that will be created is (the rest were rejected).
    return s && s.value().orders.size() == kOrdersCancelled &&
           static_cast<std::size_t>(tickets) + ended_orders(s.value()) == kOrdersCancelled;
  });
  ASSERT_GT(tickets, 0) << "no saga waits for the restaurant";
  std::this_thread::sleep_for(Millis{300});  // each waiting saga's wait step is committed
  auto inspector = saga::Inspector::open({paths.engine_db(), saga::StoreAccess::kOperator});
  ASSERT_TRUE(inspector) << inspector.status().to_string();
  std::vector<std::string> cancelled;
  for (const Scenario& s : scenarios) {
    const std::string id = saga_id_of_order(s.order.order_id);
    auto requested = inspector.value()->cancel(id, {"crash-test", "the consumer cancelled", {}});
    if (!requested) continue;  // it had ended (rejected early)
    cancelled.push_back(id);
    if (cancelled.size() == 2) {
      std::this_thread::sleep_for(Millis{static_cast<std::int64_t>(random() % 60)});
      kill9(orchestrator);  // between the requests: some applied, some not yet
      orchestrator = fork_orchestrator(paths, scenarios, false, Millis{60'000});
    }
  }
  ASSERT_GE(cancelled.size(), 2u) << "too few sagas waited to cancel";
  std::this_thread::sleep_for(Millis{static_cast<std::int64_t>(random() % 60)});
  kill9(orchestrator);
  std::printf("%zu cancels requested; killed the orchestrator %s\n", cancelled.size(),
              cancelled.size() >= 2 ? "twice" : "once");
  // The last run: every saga was cancelled or had ended, so it ends at once. Its verdict is a
  // mismatch (the scenarios expect approvals); the outcome is checked below instead.
  const pid_t last = fork_orchestrator(paths, scenarios, false, Millis{60'000});
  const int code = wait_exit(last, Millis{60'000});
  EXPECT_TRUE(code == 0 || code == 1) << "the orchestrator did not end: " << code;
  stop_services(services);
  auto state = read_domain_state(paths);
  ASSERT_TRUE(state) << state.status().to_string();
  EXPECT_EQ(check_invariants(state.value(), true), std::vector<std::string>{});
  auto reader = saga::Inspector::open({paths.engine_db(), saga::StoreAccess::kReadOnly});
  ASSERT_TRUE(reader);
  for (const std::string& id : cancelled) {
    auto detail = reader.value()->saga(id);
    ASSERT_TRUE(detail && detail.value()) << id;
    EXPECT_EQ(detail.value()->instance.phase, saga::Phase::kCompensated) << id;
    int cancels = 0;
    for (const saga::HistoryEntry& h : detail.value()->history) {
      cancels += h.event == saga::Event::kCancelled ? 1 : 0;
    }
    EXPECT_EQ(cancels, 1) << id << ": the cancel applied once";
    const std::int64_t order = std::stoll(id.substr(id.find('-') + 1));
    EXPECT_EQ(state.value().orders.at(order), "REJECTED") << id;
    EXPECT_FALSE(state.value().authorizations.contains(order)) << id << " was charged";
  }
}

}  // namespace
}  // namespace ftgo
