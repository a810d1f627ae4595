// Group commit for the Order service's order rows.
//
// Each order row is committed (synchronous=FULL by default) before its saga starts: that is the
// atomic-start protocol (order_service.h). One FULL transaction per order caps the service at
// one fsync per order, so the writer lets concurrent orders share a transaction: callers queue
// their requests; one writer thread takes everything queued (up to `max_batch`), inserts it in
// one transaction, commits, and only then hands each committed order to `start` (the engine's
// start_saga_async, which group-commits the starts on the engine's own thread). A completer
// thread waits for those starts, in order, and answers the callers. So a caller's future is
// ready only once its order row AND its saga's start are both durable, exactly as with one
// transaction per order; a crash between the two commits leaves orders that the service's
// start-up restarts, as before.
//
// A start refused by a store fault of the engine (kBusy, kReadOnly, kFull, kIoError: its commit
// failed and nothing of the start was applied, docs/storage.md "When a commit fails") is asked
// again with capped backoff (10 ms doubling to 1 s) until the engine's file takes it: the order
// row is committed, so the saga must start. Only a writer that is being destroyed gives up and
// answers the error; its order is then one the next start-up restarts.
//
// An order alone in the queue goes out at once (no waiting for company): W=1 latency is the
// same as before, and under load the batch is whatever queued up during the previous commit.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <future>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "order_service.h"
#include "saga/status.h"

namespace ftgo {

class OrderWriter {
 public:
  // Inserts every request in one transaction and commits. On a commit, fills `out` (one result
  // per request: the saga data with its order id, or that request's own error, e.g.
  // kAlreadyExists) and returns OK; on a failed commit returns the error (nothing was written).
  using InsertBatch = std::function<saga::Status(const std::vector<OrderRequest>& requests,
                                                 std::vector<saga::Result<CreateOrderData>>& out)>;
  // Starts the saga of a committed order; the future holds its saga id once the start commits.
  using StartSaga =
      std::function<std::future<saga::Result<std::string>>(const CreateOrderData& data)>;

  OrderWriter(InsertBatch insert, StartSaga start, std::size_t max_batch = 1024);
  // Finishes what is queued (every future gets an answer), then joins the threads.
  ~OrderWriter();
  OrderWriter(const OrderWriter&) = delete;
  OrderWriter& operator=(const OrderWriter&) = delete;

  std::future<saga::Result<std::string>> submit(OrderRequest request);

  // Transactions committed and orders they held, since construction (benchmarks).
  std::size_t commits() const;
  std::size_t orders_committed() const;

 private:
  struct Queued {
    OrderRequest request;
    std::promise<saga::Result<std::string>> answer;
  };
  struct Starting {
    std::string saga_id;
    CreateOrderData data;  // to ask again after a store fault
    std::future<saga::Result<std::string>> started;
    std::promise<saga::Result<std::string>> answer;
  };
  void write_loop();
  void complete_loop();
  // Waits for `starting`'s start; asks again while a store fault refuses it (see above).
  saga::Result<std::string> await_start(Starting& starting);

  InsertBatch insert_;
  StartSaga start_;
  std::size_t max_batch_;

  mutable std::mutex mutex_;
  std::condition_variable queued_cv_;
  std::condition_variable starting_cv_;
  std::deque<Queued> queue_;
  std::deque<Starting> starting_;
  bool stopping_ = false;
  bool writer_done_ = false;
  std::size_t commits_ = 0;
  std::size_t orders_committed_ = 0;
  std::thread writer_;
  std::thread completer_;
};

}  // namespace ftgo
