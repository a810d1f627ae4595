// Goal: a saga started from a second process runs to its end. A separate process (the order
// feeder, `create_order_demo --service feeder`, which runs no engine) writes orders and their
// sagas' starts into the Order service's one database file, each in one transaction; the
// running Order service's engine finds them by polling the file (no restart, no message) and
// every order is approved, with the domain invariants holding across the services.
// Method: CreateOrderSystem (the Order service and the participants in this process, real
// SQLite files and ZeroMQ sockets) and the feeder as a real child process (fork + exec).
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>

#include "create_order_system.h"
#include "domain_state.h"
#include "saga/testing/temp_dir.h"

namespace ftgo {
namespace {

using saga::Millis;

int run_feeder(const std::string& db, int orders) {
  const std::string count = std::to_string(orders);
  const pid_t pid = fork();
  if (pid == 0) {
    execl(CREATE_ORDER_DEMO_PATH, CREATE_ORDER_DEMO_PATH, "--service", "feeder", "--db", db.c_str(),
          "--orders", count.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

TEST(SecondProcessStartTest, OrdersAndStartsWrittenByAnotherProcessRunToTheirEnd) {
  saga::testing::TempDir dir;
  CreateOrderSystem system(dir.path().string(), Wire::kIpc, {});
  ASSERT_TRUE(system.ok());
  ASSERT_TRUE(system.orders().start());
  constexpr int kOrders = 5;
  ASSERT_EQ(run_feeder(system.paths().orders_db(), kOrders), 0);
  for (int id = 1; id <= kOrders; ++id) {
    auto ended = system.orders().engine().wait(saga_id_of_order(id), Millis{30'000});
    ASSERT_TRUE(ended) << saga_id_of_order(id) << ": " << ended.status().to_string();
    EXPECT_EQ(ended.value().phase, saga::Phase::kCompleted);
    EXPECT_EQ(system.orders().order_state(id).value(), "APPROVED");
  }
  system.stop();
  auto state = read_domain_state(system.paths());
  ASSERT_TRUE(state) << state.status().to_string();
  EXPECT_EQ(state.value().orders.size(), static_cast<std::size_t>(kOrders));
  EXPECT_EQ(check_invariants(state.value(), true), std::vector<std::string>{});
}

TEST(SecondProcessStartTest, TheFeederRefusesAFileWithoutOrders) {
  saga::testing::TempDir dir;
  EXPECT_EQ(run_feeder(dir.file("empty.db"), 1), 1);
}

}  // namespace
}  // namespace ftgo
