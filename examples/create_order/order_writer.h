// Group commit for the Order service's orders.
//
// Each order's row and its saga's start are written in ONE transaction of the orders database,
// which also holds the engine's tables (saga/transactional_start.h): that is the atomic start
// (order_service.h). One FULL transaction per order would cap the service at one fsync per
// order, so the writer lets concurrent orders share a transaction: callers queue their
// requests; one writer thread takes everything queued (up to `max_batch`), writes the rows and
// the starts in one transaction, commits, tells the engine (`committed`, which wakes it) and
// answers each caller with its saga id. A caller's future is ready once its order and its
// saga's start are durable together; a failed commit answers every order of the batch with the
// error, and none of them exists.
//
// An order alone in the queue goes out at once (no waiting for company): W=1 latency is one
// commit, and under load the batch is whatever queued up during the previous commit.
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
  // Inserts every request and its saga's start in one transaction and commits. On a commit,
  // fills `out` (one result per request: the order's saga id, or that request's own error,
  // e.g. kAlreadyExists) and returns OK; on a failed commit returns the error (nothing was
  // written).
  using InsertBatch = std::function<saga::Status(const std::vector<OrderRequest>& requests,
                                                 std::vector<saga::Result<std::string>>& out)>;
  // Called after each commit that started sagas (wakes the engine).
  using Committed = std::function<void()>;

  OrderWriter(InsertBatch insert, Committed committed, std::size_t max_batch = 1024);
  // Finishes what is queued (every future gets an answer), then joins the thread.
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
  void write_loop();

  InsertBatch insert_;
  Committed committed_;
  std::size_t max_batch_;

  mutable std::mutex mutex_;
  std::condition_variable queued_cv_;
  std::deque<Queued> queue_;
  bool stopping_ = false;
  std::size_t commits_ = 0;
  std::size_t orders_committed_ = 0;
  std::thread writer_;
};

}  // namespace ftgo
