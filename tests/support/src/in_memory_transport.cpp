#include "saga/testing/in_memory_transport.h"

namespace saga::testing {

void InMemoryTransport::add_participant(const std::string& name, Handler handler) {
  std::lock_guard lock(mutex_);
  handlers_[name] = std::move(handler);
}

void InMemoryTransport::set_paused(const std::string& name, bool paused) {
  std::lock_guard lock(mutex_);
  paused_[name] = paused;
}

Status InMemoryTransport::answer(const Envelope& reply) {
  std::lock_guard lock(mutex_);
  answers_.push_back(reply);
  return Status::ok();
}

std::vector<Envelope> InMemoryTransport::answers() const {
  std::lock_guard lock(mutex_);
  return answers_;
}

void InMemoryTransport::inject(Envelope reply) {
  {
    std::lock_guard lock(mutex_);
    inbox_.push_back(std::move(reply));
  }
  ready_.notify_all();
}

std::vector<InMemoryTransport::Sent> InMemoryTransport::sent() const {
  std::lock_guard lock(mutex_);
  return sent_;
}

Status InMemoryTransport::send(std::string_view participant, const Envelope& command) {
  Handler handler;
  {
    std::lock_guard lock(mutex_);
    auto it = handlers_.find(participant);
    if (it == handlers_.end()) {
      ++stats_.send_failures;
      return not_found("in-memory transport: no participant '" + std::string(participant) + "'");
    }
    ++stats_.sent;
    sent_.push_back({std::string(participant), command});
    auto p = paused_.find(participant);
    if (p != paused_.end() && p->second) return Status::ok();
    handler = it->second;
  }
  // The handler runs without the lock so that it may call inject() or sent().
  std::vector<Envelope> replies = handler(command);
  if (!replies.empty()) {
    std::lock_guard lock(mutex_);
    for (Envelope& r : replies) inbox_.push_back(std::move(r));
  }
  return Status::ok();
}

void InMemoryTransport::poll(Millis timeout, std::vector<Envelope>& out, std::size_t max) {
  std::unique_lock lock(mutex_);
  ready_.wait_for(lock, timeout, [&] { return !inbox_.empty() || woken_; });
  woken_ = false;
  while (!inbox_.empty() && max > 0) {
    out.push_back(std::move(inbox_.front()));
    inbox_.pop_front();
    ++stats_.received;
    --max;
  }
}

void InMemoryTransport::wake() {
  {
    std::lock_guard lock(mutex_);
    woken_ = true;
  }
  ready_.notify_all();
}

TransportStats InMemoryTransport::stats() const {
  std::lock_guard lock(mutex_);
  return stats_;
}

}  // namespace saga::testing
