// The Order service's group commit (examples/create_order/order_writer.h): orders queued
// together share one transaction; a commit answers each order with its own result and wakes the
// engine once; a failed commit answers every order of its batch with the error and wakes
// nothing. The transaction itself (order rows and saga starts) is tested with the real service
// in create_order_system_test and transactional_start_test.
#include "order_writer.h"

#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <string>
#include <vector>

namespace ftgo {
namespace {

TEST(OrderWriterTest, ACommitAnswersEachOrderWithItsOwnResultAndWakesTheEngineOnce) {
  std::atomic<int> wakes{0};
  OrderWriter writer(
      [](const std::vector<OrderRequest>& requests, std::vector<saga::Result<std::string>>& out) {
        for (const OrderRequest& r : requests) {
          if (r.order_id == 2) {
            out.emplace_back(saga::already_exists("order 2 exists"));
          } else {
            out.emplace_back(saga_id_of_order(r.order_id));
          }
        }
        return saga::Status::ok();
      },
      [&] { ++wakes; });
  OrderRequest one;
  one.order_id = 1;
  OrderRequest two;
  two.order_id = 2;
  auto a = writer.submit(one);
  auto b = writer.submit(two);
  const saga::Result<std::string> first = a.get();
  ASSERT_TRUE(first) << first.status().to_string();
  EXPECT_EQ(first.value(), saga_id_of_order(1));
  EXPECT_EQ(b.get().status().code(), saga::StatusCode::kAlreadyExists);
  EXPECT_GE(wakes.load(), 1);
  EXPECT_EQ(writer.orders_committed(), 1u);
}

TEST(OrderWriterTest, AFailedCommitAnswersEveryOrderWithTheErrorAndWakesNothing) {
  std::atomic<int> wakes{0};
  OrderWriter writer(
      [](const std::vector<OrderRequest>&, std::vector<saga::Result<std::string>>&) {
        return saga::Status(saga::StatusCode::kBusy, "orders: insert: database is locked");
      },
      [&] { ++wakes; });
  const saga::Result<std::string> r = writer.submit(OrderRequest{}).get();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.status().code(), saga::StatusCode::kBusy);
  EXPECT_EQ(wakes.load(), 0);
  EXPECT_EQ(writer.commits(), 0u);
  EXPECT_EQ(writer.orders_committed(), 0u);
}

}  // namespace
}  // namespace ftgo
