#include "order_writer.h"

#include <algorithm>
#include <utility>

namespace ftgo {

OrderWriter::OrderWriter(InsertBatch insert, Committed committed, std::size_t max_batch)
    : insert_(std::move(insert)),
      committed_(std::move(committed)),
      max_batch_(std::max<std::size_t>(1, max_batch)) {
  writer_ = std::thread([this] { write_loop(); });
}

OrderWriter::~OrderWriter() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  queued_cv_.notify_all();
  writer_.join();
}

std::future<saga::Result<std::string>> OrderWriter::submit(OrderRequest request) {
  Queued queued{std::move(request), {}};
  std::future<saga::Result<std::string>> future = queued.answer.get_future();
  {
    std::lock_guard lock(mutex_);
    if (stopping_) {
      queued.answer.set_value(saga::unavailable("order service is closing"));
      return future;
    }
    queue_.push_back(std::move(queued));
  }
  queued_cv_.notify_one();
  return future;
}

std::size_t OrderWriter::commits() const {
  std::lock_guard lock(mutex_);
  return commits_;
}

std::size_t OrderWriter::orders_committed() const {
  std::lock_guard lock(mutex_);
  return orders_committed_;
}

void OrderWriter::write_loop() {
  std::vector<Queued> batch;
  std::vector<OrderRequest> requests;
  std::vector<saga::Result<std::string>> results;
  for (;;) {
    batch.clear();
    {
      std::unique_lock lock(mutex_);
      queued_cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) break;  // stopping, and everything queued is answered
      while (!queue_.empty() && batch.size() < max_batch_) {
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    }
    requests.clear();
    for (Queued& q : batch) requests.push_back(std::move(q.request));
    results.clear();
    const saga::Status committed = insert_(requests, results);
    std::size_t inserted = 0;
    if (committed) {
      for (const auto& r : results) inserted += r ? 1 : 0;
      if (inserted > 0 && committed_) committed_();
    }
    {
      std::lock_guard lock(mutex_);
      if (committed) {
        ++commits_;
        orders_committed_ += inserted;
      }
    }
    for (std::size_t i = 0; i < batch.size(); ++i) {
      if (!committed) {
        batch[i].answer.set_value(committed);
      } else if (i >= results.size()) {
        batch[i].answer.set_value(saga::internal_error("order writer: no result"));
      } else {
        batch[i].answer.set_value(std::move(results[i]));
      }
    }
  }
}

}  // namespace ftgo
