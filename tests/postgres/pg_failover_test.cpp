// Goal: three orchestrator processes share one PostgreSQL database under load; one is killed
// with SIGKILL mid-flight; the other two take over its sagas within the lease time and resend
// their current commands with the same message ids, so that every saga ends exactly once and
// every participant effect happened once (docs/scale-out.md).
// Method: a throwaway cluster (pg_cluster.h); two participant services (transfer_saga.h) on
// ipc sockets in a temp folder, each with its SQLite inbox and business table; three forked
// engine processes (each creates its ZeroMQ context after fork), each starting a third of the
// sagas (the load balancer's part). The shipping service (the pivot's participant) starts once
// engine-2 has placed all its starts, so none of its sagas can have ended yet (on a loaded
// machine they once all ended before the last start was placed); once engine-2 owns unfinished
// sagas, it gets SIGKILL. The test then waits (bounded) for every saga to end and checks by SQL:
// PostgreSQL for phases, owners and history; the participants' SQLite files for effects.
#include <SQLiteCpp/SQLiteCpp.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <thread>

#include "engine_instance.h"
#include "pg_cluster.h"
#include "saga/engine.h"
#include "saga/inspection.h"
#include "saga/testing/temp_dir.h"
#include "saga/zmq_transport.h"
#include "serving.h"
#include "store/pg_connection.h"
#include "transfer_saga.h"

namespace saga {
namespace {

using Clock = std::chrono::steady_clock;
constexpr int kInstances = 3;
constexpr int kPerInstance = 40;
constexpr Millis kLease{3'000};

using transfer::Serving;

std::int64_t scalar(pg::Connection& c, const std::string& sql,
                    const std::vector<pg::Param>& params = {}) {
  auto rows = c.exec("check", sql, params);
  EXPECT_TRUE(rows.is_ok()) << rows.status().to_string();
  return rows.is_ok() && rows->size() > 0 ? rows->get_int(0, 0) : -1;
}

// The same, -1 on an error (while the engines are still creating the schema).
std::int64_t try_scalar(pg::Connection& c, const std::string& sql,
                        const std::vector<pg::Param>& params = {}) {
  auto rows = c.exec("poll", sql, params);
  return rows.is_ok() && rows->size() > 0 ? rows->get_int(0, 0) : -1;
}

pg::Param phase(Phase p) { return pg::number(static_cast<std::int64_t>(p)); }
pg::Param event(Event e) { return pg::number(static_cast<std::int64_t>(e)); }

// Polls `condition` every 100 ms until it holds or `limit` passes.
template <typename F>
bool eventually(F condition, std::chrono::seconds limit) {
  const auto until = Clock::now() + limit;
  while (Clock::now() < until) {
    if (condition()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return condition();
}

// Kills the engines still running when the test ends, and on failure shows their logs.
struct Engines {
  pid_t pids[kInstances] = {};
  std::string dir;
  ~Engines() {
    for (pid_t pid : pids) {
      if (pid > 0 && kill(pid, SIGKILL) == 0) waitpid(pid, nullptr, 0);
    }
    if (!::testing::Test::HasFailure()) return;
    for (int k = 0; k < kInstances; ++k) {
      std::ifstream in(dir + "/engine-" + std::to_string(k) + ".log");
      std::cerr << "--- engine-" << k << " log ---\n" << in.rdbuf() << "\n";
    }
  }
};

TEST(PgFailoverTest, ThreeInstancesUnderLoadSurviveAKill9OfOne) {
  testing::TempDir dir;
  test::PgCluster& cluster = test::PgCluster::shared();
  Result<std::string> url = cluster.create_database("failover");
  ASSERT_TRUE(url.is_ok()) << url.status().to_string();
  Engines engines;
  engines.dir = dir.path().string();
  pid_t* pids = engines.pids;
  for (int k = 0; k < kInstances; ++k) {
    std::fflush(nullptr);
    pids[k] = fork();
    ASSERT_GE(pids[k], 0);
    if (pids[k] == 0) {
      transfer::EngineInstance instance{k, *url, dir.path().string(), kLease};
      instance.first_order = k * kPerInstance + 1;
      instance.orders = kPerInstance;
      transfer::run_engine_instance(instance);
    }
  }
  const int total = kInstances * kPerInstance;
  {
    Serving bank(transfer::open_bank("ipc://" + dir.path().string() + "/bank.sock",
                                     dir.path().string() + "/bank.db"));
    ASSERT_TRUE(bank.status().is_ok()) << bank.status().to_string();
    auto opened = pg::Connection::open(*url);
    ASSERT_TRUE(opened.is_ok()) << opened.status().to_string();
    pg::Connection& c = **opened;
    const std::string ended = "phase IN ($1, $2)";
    const std::vector<pg::Param> end_phases = {phase(Phase::kCompleted),
                                               phase(Phase::kCompensated)};
    // engine-2 placed its starts: shipping opens, and engine-2 owns unfinished sagas.
    ASSERT_TRUE(eventually([&] { return std::filesystem::exists(dir.path() / "started-2"); },
                           std::chrono::seconds(60)))
        << "engine-2 did not place its starts";
    Serving shipping(transfer::open_shipping("ipc://" + dir.path().string() + "/shipping.sock",
                                             dir.path().string() + "/ship.db", Millis{15}));
    ASSERT_TRUE(shipping.status().is_ok()) << shipping.status().to_string();
    const bool midflight = eventually(
        [&] {
          return try_scalar(
                     c,
                     "SELECT count(*) FROM saga_instances WHERE NOT " + ended + " AND owner = $3",
                     {end_phases[0], end_phases[1], pg::text("engine-2")}) >= 3;
        },
        std::chrono::seconds(60));
    ASSERT_TRUE(midflight) << "engine-2 never owned unfinished sagas (sagas "
                           << try_scalar(c, "SELECT count(*) FROM saga_instances") << ", ended "
                           << try_scalar(c, "SELECT count(*) FROM saga_instances WHERE " + ended,
                                         end_phases)
                           << ")";
    const std::int64_t orphaned =
        scalar(c, "SELECT count(*) FROM saga_instances WHERE NOT " + ended + " AND owner = $3",
               {end_phases[0], end_phases[1], pg::text("engine-2")});
    ASSERT_EQ(kill(pids[2], SIGKILL), 0);
    ASSERT_EQ(waitpid(pids[2], nullptr, 0), pids[2]);
    pids[2] = 0;

    const bool all_ended = eventually(
        [&] {
          return scalar(c, "SELECT count(*) FROM saga_instances WHERE " + ended, end_phases) ==
                 total;
        },
        std::chrono::seconds(60));
    EXPECT_TRUE(all_ended) << scalar(c, "SELECT count(*) FROM saga_instances WHERE " + ended,
                                     end_phases)
                           << " of " << total << " ended; engine logs in " << dir.path().string();

    // Every saga ended exactly once, as its order says, and none is left to engine-2.
    EXPECT_EQ(scalar(c, "SELECT count(*) FROM saga_instances"), total);
    EXPECT_EQ(scalar(c,
                     "SELECT count(*) FROM saga_instances WHERE phase = $1 AND "
                     "(substr(id, 3)::bigint % 5 = 0)",
                     {phase(Phase::kCompensated)}),
              total / 5);
    EXPECT_EQ(scalar(c,
                     "SELECT count(*) FROM saga_instances WHERE phase = $1 AND "
                     "(substr(id, 3)::bigint % 5 <> 0)",
                     {phase(Phase::kCompleted)}),
              total - total / 5);
    EXPECT_EQ(scalar(c,
                     "SELECT count(*) FROM (SELECT saga_id FROM saga_history WHERE event IN "
                     "($1, $2) GROUP BY saga_id HAVING count(*) = 1) once",
                     {event(Event::kCompleted), event(Event::kCompensated)}),
              total);
    EXPECT_EQ(scalar(c,
                     "SELECT count(*) FROM (SELECT saga_id FROM saga_history WHERE event = $1 "
                     "GROUP BY saga_id HAVING count(*) = 1) once",
                     {event(Event::kStarted)}),
              total);
    // engine-2's unfinished sagas were taken over by the survivors.
    EXPECT_GT(orphaned, 0);
    EXPECT_EQ(scalar(c,
                     "SELECT count(*) FROM saga_instances WHERE owner = $1 AND NOT " +
                         std::string("phase IN ($2, $3)"),
                     {pg::text("engine-2"), end_phases[0], end_phases[1]}),
              0);
    EXPECT_GT(scalar(c,
                     "SELECT count(*) FROM saga_instances WHERE substr(id, 3)::bigint > $1 "
                     "AND owner <> $2",
                     {pg::number(2 * kPerInstance), pg::text("engine-2")}),
              0);
  }
  for (int k = 0; k < kInstances; ++k) {
    if (pids[k] > 0 && kill(pids[k], SIGKILL) == 0) waitpid(pids[k], nullptr, 0);
    pids[k] = 0;
  }
  // The Inspector and sagactl read the same database (tools' access: every instance's sagas).
  InspectorOptions io;
  io.path = *url;
  auto inspector = Inspector::open(io);
  ASSERT_TRUE(inspector.is_ok()) << inspector.status().to_string();
  SagaQuery compensated;
  compensated.phase = Phase::kCompensated;
  compensated.limit = 0;
  EXPECT_EQ((*inspector)->list(compensated)->size(), static_cast<std::size_t>(total / 5));
  auto detail = (*inspector)->saga("t-" + std::to_string(2 * kPerInstance + 1));
  ASSERT_TRUE(detail.is_ok() && detail->has_value());
  EXPECT_EQ((*detail)->instance.phase, Phase::kCompleted);
  EXPECT_FALSE((*detail)->history.empty());
  const std::string out = dir.path().string() + "/sagactl.out";
  ASSERT_EQ(std::system((std::string(SAGACTL) + " --db '" + *url + "' list --phase completed " +
                         "--limit 1000 >" + out + " 2>&1")
                            .c_str()),
            0);
  std::ifstream listed(out);
  std::string text((std::istreambuf_iterator<char>(listed)), std::istreambuf_iterator<char>());
  EXPECT_NE(text.find("t-" + std::to_string(2 * kPerInstance + 1)), std::string::npos) << text;

  // Every participant effect happened once: the inboxes answered the resends.
  SQLite::Database bank(dir.path().string() + "/bank.db", SQLite::OPEN_READONLY);
  SQLite::Database ship(dir.path().string() + "/ship.db", SQLite::OPEN_READONLY);
  EXPECT_EQ(bank.execAndGet("SELECT count(*) FROM reservations WHERE runs = 1").getInt(), total);
  EXPECT_EQ(bank.execAndGet("SELECT count(*) FROM reservations WHERE state = 'released' AND "
                            "order_id % 5 = 0")
                .getInt(),
            total / 5);
  EXPECT_EQ(bank.execAndGet("SELECT count(*) FROM reservations WHERE state = 'confirmed' AND "
                            "order_id % 5 <> 0")
                .getInt(),
            total - total / 5);
  EXPECT_EQ(ship.execAndGet("SELECT count(*) FROM shipments WHERE runs = 1 AND order_id % 5 <> 0")
                .getInt(),
            total - total / 5);
  EXPECT_EQ(ship.execAndGet("SELECT count(*) FROM shipments").getInt(), total - total / 5);
}

}  // namespace
}  // namespace saga
