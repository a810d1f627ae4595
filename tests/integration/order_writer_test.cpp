// The Order service's group commit (examples/create_order/order_writer.h): a start refused by
// a store fault of the engine is asked again until it is taken; a start refused for another
// reason is answered as is. The insert and the start are the writer's two callbacks; the
// engine side of a store fault is tested in saga_store_fault_tests.
#include "order_writer.h"

#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <mutex>
#include <string>
#include <vector>

namespace ftgo {
namespace {

// Inserts every request, numbering orders from 1.
OrderWriter::InsertBatch numbering_insert() {
  return [next = std::int64_t{1}](const std::vector<OrderRequest>& requests,
                                  std::vector<saga::Result<CreateOrderData>>& out) mutable {
    for (const OrderRequest& r : requests) {
      CreateOrderData d;
      d.order_id = next++;
      d.consumer_id = r.consumer_id;
      out.emplace_back(std::move(d));
    }
    return saga::Status::ok();
  };
}

std::future<saga::Result<std::string>> answered(saga::Result<std::string> r) {
  std::promise<saga::Result<std::string>> p;
  p.set_value(std::move(r));
  return p.get_future();
}

TEST(OrderWriterTest, AStartRefusedByAStoreFaultIsAskedAgainUntilTheEngineTakesIt) {
  std::atomic<int> calls{0};
  std::vector<std::int64_t> asked;
  std::mutex asked_mutex;
  OrderWriter writer(numbering_insert(), [&](const CreateOrderData& data) {
    {
      std::lock_guard lock(asked_mutex);
      asked.push_back(data.order_id);
    }
    switch (calls++) {
      case 0:
        return answered(saga::Status(saga::StatusCode::kBusy, "engine: commit failed"));
      case 1:
        return answered(saga::Status(saga::StatusCode::kReadOnly, "engine: commit failed"));
      case 2:
        return answered(saga::Status(saga::StatusCode::kFull, "engine: commit failed"));
      default:
        return answered(saga_id_of_order(data.order_id));
    }
  });
  OrderRequest request;
  request.consumer_id = 7;
  const saga::Result<std::string> started = writer.submit(request).get();
  ASSERT_TRUE(started) << started.status().to_string();
  EXPECT_EQ(started.value(), saga_id_of_order(1));
  EXPECT_EQ(calls.load(), 4);
  std::lock_guard lock(asked_mutex);
  EXPECT_EQ(asked, (std::vector<std::int64_t>{1, 1, 1, 1})) << "the same order asked again";
}

TEST(OrderWriterTest, AnAttemptThatCommittedBeforeItsAnswerWasLostCountsAsStarted) {
  std::atomic<int> calls{0};
  OrderWriter writer(numbering_insert(), [&](const CreateOrderData&) {
    return calls++ == 0 ? answered(saga::Status(saga::StatusCode::kIoError, "commit failed"))
                        : answered(saga::Status(saga::StatusCode::kAlreadyExists, "exists"));
  });
  const saga::Result<std::string> started = writer.submit(OrderRequest{}).get();
  ASSERT_TRUE(started) << started.status().to_string();
  EXPECT_EQ(started.value(), saga_id_of_order(1));
}

TEST(OrderWriterTest, AStartRefusedForAnotherReasonIsAnsweredAtOnce) {
  std::atomic<int> calls{0};
  OrderWriter writer(numbering_insert(), [&](const CreateOrderData&) {
    ++calls;
    return answered(saga::Status(saga::StatusCode::kInvalidArgument, "bad data"));
  });
  const saga::Result<std::string> started = writer.submit(OrderRequest{}).get();
  ASSERT_FALSE(started);
  EXPECT_EQ(started.status().code(), saga::StatusCode::kInvalidArgument);
  EXPECT_EQ(calls.load(), 1);
}

}  // namespace
}  // namespace ftgo
