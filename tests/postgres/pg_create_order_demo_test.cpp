// Goal: the Create Order demo runs with three orchestrator instances on one PostgreSQL database
// (create_order_demo --store ... --instances 3, examples/create_order/scale_out_runner.h), shows
// a failover (one instance killed with SIGKILL mid-run, its sagas finished by the others) and
// every saga ends as its scenario expects with the invariants across the services' databases
// holding.
// Method: a throwaway cluster (pg_cluster.h) and a fresh database; the demo program as a child
// process, its output read through a pipe; then SQL on the database: every saga ended, none is
// left with the killed instance, and the history shows resends after the takeover.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <string>

#include "pg_cluster.h"
#include "saga/phase.h"
#include "store/pg_connection.h"

namespace saga {
namespace {

constexpr int kOrders = 45;

struct DemoRun {
  int exit_code = -1;
  std::string output;
};

DemoRun run_demo(const std::string& url) {
  const std::string command = std::string(CREATE_ORDER_DEMO) + " --store '" + url +
                              "' --instances 3 --lease-ms 1500 --orders " +
                              std::to_string(kOrders) + " 2>&1";
  DemoRun run;
  std::FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return run;
  std::array<char, 4096> buffer{};
  while (std::fgets(buffer.data(), buffer.size(), pipe) != nullptr) run.output += buffer.data();
  const int status = pclose(pipe);
  run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return run;
}

std::int64_t count(pg::Connection& c, const std::string& sql) {
  auto rows = c.exec("test", sql);
  EXPECT_TRUE(rows.is_ok()) << rows.status().to_string();
  return rows && rows->size() > 0 ? rows->get_int(0, 0) : -1;
}

TEST(PgCreateOrderDemo, ThreeInstancesSurviveAKill) {
  auto url = test::PgCluster::shared().create_database("create_order");
  ASSERT_TRUE(url.is_ok()) << url.status().to_string();
  const DemoRun run = run_demo(*url);
  std::printf("%s", run.output.c_str());  // the demo's story, in the test's log
  EXPECT_EQ(run.exit_code, 0) << run.output;
  EXPECT_NE(run.output.find("killed engine-2 with SIGKILL while it owned"), std::string::npos)
      << run.output;
  EXPECT_NE(run.output.find("failover: engine-2's sagas were taken over"), std::string::npos)
      << run.output;
  EXPECT_NE(run.output.find("Invariants across the services' databases: all hold"),
            std::string::npos)
      << run.output;
  EXPECT_NE(run.output.find(std::to_string(kOrders) + " of " + std::to_string(kOrders) +
                            " sagas ended as expected"),
            std::string::npos)
      << run.output;

  auto opened = pg::Connection::open(*url);
  ASSERT_TRUE(opened.is_ok()) << opened.status().to_string();
  pg::Connection& c = **opened;
  const std::string ended = "(" + std::to_string(static_cast<int>(Phase::kCompleted)) + ", " +
                            std::to_string(static_cast<int>(Phase::kCompensated)) + ")";
  EXPECT_EQ(count(c, "SELECT count(*) FROM saga_instances"), kOrders);
  EXPECT_EQ(count(c, "SELECT count(*) FROM saga_instances WHERE phase IN " + ended), kOrders);
  EXPECT_EQ(count(c, "SELECT count(*) FROM saga_instances WHERE phase NOT IN " + ended +
                         " AND owner = 'engine-2'"),
            0);
  // The survivors ended more than their own two thirds: engine-2's unfinished sagas.
  EXPECT_GT(count(c,
                  "SELECT count(*) FROM saga_instances WHERE owner IN ('engine-0', "
                  "'engine-1')"),
            kOrders * 2 / 3);
}

}  // namespace
}  // namespace saga
