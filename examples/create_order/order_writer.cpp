#include "order_writer.h"

#include <algorithm>
#include <chrono>
#include <utility>

namespace ftgo {

OrderWriter::OrderWriter(InsertBatch insert, StartSaga start, std::size_t max_batch)
    : insert_(std::move(insert)),
      start_(std::move(start)),
      max_batch_(std::max<std::size_t>(1, max_batch)) {
  writer_ = std::thread([this] { write_loop(); });
  completer_ = std::thread([this] { complete_loop(); });
}

OrderWriter::~OrderWriter() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  queued_cv_.notify_all();
  starting_cv_.notify_all();  // a start waiting out a store fault gives up
  writer_.join();
  completer_.join();
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
  std::vector<saga::Result<CreateOrderData>> results;
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
    std::vector<Starting> starting;
    std::size_t inserted = 0;
    for (std::size_t i = 0; i < batch.size(); ++i) {
      if (!committed) {
        batch[i].answer.set_value(committed);
      } else if (i >= results.size() || !results[i]) {
        batch[i].answer.set_value(i < results.size()
                                      ? results[i].status()
                                      : saga::internal_error("order writer: no result"));
      } else {
        // The order row is durable: only now may its saga start.
        const CreateOrderData& data = results[i].value();
        starting.push_back(Starting{saga_id_of_order(data.order_id), data, start_(data),
                                    std::move(batch[i].answer)});
        ++inserted;
      }
    }
    {
      std::lock_guard lock(mutex_);
      if (committed) {
        ++commits_;
        orders_committed_ += inserted;
      }
      for (Starting& s : starting) starting_.push_back(std::move(s));
    }
    starting_cv_.notify_one();
  }
  {
    std::lock_guard lock(mutex_);
    writer_done_ = true;
  }
  starting_cv_.notify_one();
}

void OrderWriter::complete_loop() {
  for (;;) {
    Starting next;
    {
      std::unique_lock lock(mutex_);
      starting_cv_.wait(lock, [&] { return writer_done_ || !starting_.empty(); });
      if (starting_.empty()) break;
      next = std::move(starting_.front());
      starting_.pop_front();
    }
    next.answer.set_value(await_start(next));
  }
}

namespace {

// The engine's commit failed for a reason that passes (docs/storage.md, "Store faults").
bool is_store_fault(saga::StatusCode code) {
  return code == saga::StatusCode::kBusy || code == saga::StatusCode::kReadOnly ||
         code == saga::StatusCode::kFull || code == saga::StatusCode::kIoError;
}

}  // namespace

saga::Result<std::string> OrderWriter::await_start(Starting& starting) {
  saga::Result<std::string> started = starting.started.get();
  std::chrono::milliseconds wait{10};
  while (!started && is_store_fault(started.status().code())) {
    {
      std::unique_lock lock(mutex_);
      if (starting_cv_.wait_for(lock, wait, [&] { return stopping_; })) break;
    }
    wait = std::min(wait * 2, std::chrono::milliseconds{1'000});
    started = start_(starting.data).get();
  }
  // kAlreadyExists: the start did commit before (the start-up's restart won the race, or an
  // attempt whose answer was lost).
  if (!started && started.status().code() == saga::StatusCode::kAlreadyExists) {
    started = starting.saga_id;
  }
  return started;
}

}  // namespace ftgo
