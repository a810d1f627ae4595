// The engine thread's part in sharing semantic locks and operator actions with other instances
// on one database (docs/scale-out.md, "Semantic locks" and "Operator requests").
#include "runtime/engine_impl.h"

namespace saga {

void Engine::Impl::poll_foreign_locks(PendingBatch& batch) {
  if (!store_->shared()) return;
  const Millis t = now();
  if (last_lock_poll_ && t - *last_lock_poll_ < options_.operator_poll_interval) return;
  last_lock_poll_ = t;
  // Keys this instance's sagas queue for whose holder it does not run: only the database tells
  // when another instance released them (a holder it runs hands its keys over at its end).
  std::vector<std::string> keys;
  for (const std::string& key : locks_.table().waited_keys()) {
    const HeldLock* holder = locks_.table().holder(key);
    if (holder == nullptr || !running_.count(holder->saga_id)) keys.push_back(key);
  }
  if (keys.empty()) return;
  Result<std::vector<HeldLock>> stored = store_->locks_held(keys);
  if (!stored) {
    log(LogLevel::kWarning, "locks: reading held keys failed: " + stored.status().to_string());
    return;
  }
  std::vector<LockAnswer> answers;
  for (const std::string& key : keys) {
    std::optional<HeldLock> row;
    for (const HeldLock& l : *stored) {
      if (l.key == key) row = l;
    }
    locks_.table().observe(key, row, t, answers);
  }
  locks_.settle(answers, fresh_input(), stage_fn(batch));
}

void Engine::Impl::reread_locks(const Status& why) {
  ++stats_.lock_conflicts;
  Result<std::vector<HeldLock>> held = store_->load_locks();
  Result<std::vector<LockWait>> waits = store_->load_lock_waits();
  if (!held || !waits) {
    log(LogLevel::kWarning, "locks: reloading the lock table failed: " +
                                (held ? waits.status() : held.status()).to_string());
    return;
  }
  locks_.load(std::move(held).value(), std::move(waits).value());
  last_lock_poll_.reset();
  // The batch's inputs are applied again at the next attempt and decided from this table.
  log(LogLevel::kInfo, "locks: commit refused (" + why.message() +
                           "): lock table re-read, the batch is decided again");
}

Result<std::int64_t> Engine::Impl::forward_if_elsewhere(OperatorRequest request) {
  if (!store_->shared()) return 0;
  if (request.action == OperatorAction::kReleaseLock) {
    // This instance's table may not know the key: the database says who holds it.
    const HeldLock* holder = locks_.table().holder(request.lock_key);
    if (holder != nullptr && running_.count(holder->saga_id)) return 0;
    Result<std::vector<HeldLock>> stored = store_->locks_held({request.lock_key});
    if (!stored) return stored.status();
    if (stored->empty() || running_.count(stored->front().saga_id)) return 0;
    request.saga_id = stored->front().saga_id;
  } else if (running_.count(request.saga_id)) {
    return 0;
  }
  Result<std::optional<SagaInstance>> stored = store_->load(request.saga_id);
  if (!stored) return stored.status();
  if (!stored->has_value()) return 0;  // answered here: not found
  const Phase phase = stored->value().phase;
  if (phase != Phase::kExecuting && phase != Phase::kCompensating && phase != Phase::kFailed &&
      phase != Phase::kScheduled) {
    return 0;  // answered here from the stored state
  }
  request.requested_at = now();
  Result<std::int64_t> id = store_->add_operator_request(request);
  if (id) {
    log(LogLevel::kInfo, "saga=" + request.saga_id +
                             " event=operator_action_forwarded request=" + std::to_string(*id) +
                             " action=" + std::string(to_string(request.action)));
  }
  return id;
}

}  // namespace saga
