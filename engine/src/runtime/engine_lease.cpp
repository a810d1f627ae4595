// The engine thread's part in recovery and in sharing a database with other instances
// (docs/scale-out.md): adopting loaded or claimed sagas, renewing the lease, resyncing.
#include "runtime/engine_impl.h"

namespace saga {

void Engine::Impl::adopt(std::vector<SagaInstance> unfinished, std::vector<OutboxEntry> outbox) {
  std::vector<SagaInstance> orphans;
  running_.reserve(running_.size() + unfinished.size());
  dispatcher_.reserve(outbox.size());
  for (SagaInstance& instance : unfinished) {
    if (!definition_for(instance)) {
      log(LogLevel::kError, "recovery: saga " + instance.id + " needs definition " + instance.type +
                                " v" + std::to_string(instance.version) + " (" +
                                instance.fingerprint + "), which is not registered");
      orphans.push_back(std::move(instance));
      continue;
    }
    std::string id = instance.id;
    auto [it, inserted] = running_.insert_or_assign(id, std::move(instance));
    // A parallel group's deadline stays: it is its branches' own (decide_group.cpp).
    const bool group = !it->second.branches.empty();
    if (it->second.wait == Wait::kReply && !group) it->second.deadline = Millis{0};  // on send
    if (it->second.wait == Wait::kRetry || it->second.wait == Wait::kStart ||
        it->second.wait == Wait::kEvent || group) {
      timers_.arm(it->second);
    }
    if (it->second.wait == Wait::kEvent) event_checks_.push_back(id);
    timers_.arm_saga_deadline(it->second);
  }
  if (!orphans.empty()) {
    std::lock_guard lock(observers_mutex_);
    for (SagaInstance& o : orphans) unresolved_.push_back(std::move(o));
  }
  // Every unanswered command goes out again with its original message_id.
  // The outbox holds rows of `unfinished` only (recover: every saga; a lease: the claimed ones),
  // so those running now are those adopted here; an orphan's row stays until its definition is.
  for (OutboxEntry& entry : outbox) {
    auto running = running_.find(entry.saga_id);
    if (running == running_.end()) continue;
    if (!awaits(running->second, entry.envelope.message_id)) continue;
    entry.envelope.attempt += 1;
    dispatcher_.dispatch(OutgoingCommand{std::move(entry.participant), std::move(entry.envelope)},
                         now());
  }
}

void Engine::Impl::tend_lease() {
  if (!store_->shared()) return;
  const auto t = std::chrono::steady_clock::now();
  if (last_lease_renewal_ && t - *last_lease_renewal_ < options_.lease / 4) return;
  last_lease_renewal_ = t;
  Result<LeaseReport> report = store_->renew_lease(options_.claim_batch);
  if (!report) {
    log(LogLevel::kWarning, "lease: renewal failed: " + report.status().to_string());
    return;
  }
  if (report->lost) {
    resync(Status(StatusCode::kConflict, "lease expired before it was renewed"));
    return;
  }
  if (report->claimed.empty()) return;
  // The claimed sagas may hold semantic locks: the committed lock table is reloaded whole (it
  // is what every instance committed; nothing of ours is uncommitted between batches).
  Result<std::vector<HeldLock>> held = store_->load_locks();
  Result<std::vector<LockWait>> waits = store_->load_lock_waits();
  if (held && waits) locks_.load(std::move(held).value(), std::move(waits).value());
  stats_.sagas_taken_over += report->claimed.size();
  log(LogLevel::kWarning, "lease: " + store_->lease_owner() + " took over " +
                              std::to_string(report->claimed.size()) +
                              " sagas of expired instances");
  adopt(std::move(report->claimed), std::move(report->outbox));
}

void Engine::Impl::resync(const Status& why) {
  ++stats_.leases_lost;
  log(LogLevel::kWarning, "lease: " + store_->lease_owner() + " fenced (" + why.message() +
                              "): dropping " + std::to_string(running_.size()) +
                              " sagas and reloading the ones it owns");
  if (Status s = recover(); !s) {
    log(LogLevel::kError, "lease: reload failed: " + s.to_string());
    return;
  }
  // Waiters of sagas another instance runs now learn their state as stored.
  for (auto it = waiters_.begin(); it != waiters_.end();) {
    if (running_.count(it->first)) {
      ++it;
      continue;
    }
    for (auto& p : it->second) p->set_value(read_instance(it->first));
    it = waiters_.erase(it);
  }
}

}  // namespace saga
