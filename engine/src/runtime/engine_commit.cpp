// The engine thread's commit: what a committed batch changes in memory and sends, and what a
// refused one keeps for its next attempt (docs/storage.md, "When a commit fails").
#include <algorithm>
#include <iterator>
#include <thread>

#include "runtime/engine_impl.h"

namespace saga {

void Engine::Impl::begin_batch(PendingBatch& batch) {
  batch.retried_before = stats_.retries;
  batch.timeouts_before = stats_.timeouts;
  batch.replies_applied_before = stats_.replies_applied;
  batch.lock_counters_before = locks_.counters();
  stage_gate_history(batch);
}

void Engine::Impl::carry_over(PendingBatch& batch, const Status& error) {
  ++stats_.commit_failures;
  // Counted again when the inputs are applied again.
  stats_.retries = batch.retried_before;
  stats_.timeouts = batch.timeouts_before;
  stats_.replies_applied = batch.replies_applied_before;
  locks_.restore_counters(batch.lock_counters_before);
  // The gate entries are facts still: they go with the next batch.
  gate_history_.insert(gate_history_.begin(), std::make_move_iterator(batch.history.begin()),
                       std::make_move_iterator(batch.history.begin() +
                                               static_cast<std::ptrdiff_t>(batch.gate_entries)));
  // Replies and timers that the batch applied are applied again at the next attempt; pending
  // operator requests are still pending in the database: read them again then.
  for (std::size_t i : batch.replies) carried_replies_.push_back(std::move(replies_[i]));
  for (auto& [id, at] : batch.timers) timers_.arm_at(std::move(id), at);
  if (batch.took_requests) last_request_poll_.reset();
  give_back_start_requests(batch);
  definitions_.give_back(batch.definitions);
  health_.failed(error, batch.inputs, now());
  publish();  // a caller told below sees the fault in store_health()
  // Calls (starts, operator actions) are answered: their caller may call again.
  batch.answer(error.with_context("engine: commit failed, nothing of this call was applied"));
}

void Engine::Impl::wait_for_retry(Millis max_wait) {
  const Millis wait = std::clamp(health_.next_attempt() - now(), Millis{0}, max_wait);
  // Replies that come meanwhile join the next attempt, as many as one batch takes.
  if (carried_replies_.size() < options_.max_batch) {
    options_.transport->poll(wait, carried_replies_, options_.max_batch - carried_replies_.size());
  } else if (!options_.manual) {
    std::this_thread::sleep_for(wait);
  }
}

bool Engine::Impl::commit(PendingBatch& batch) {
  CommitResult result = commit_batch(batch, running_, locks_.table(),
                                     [this](const StoreBatch& out) { return store_->commit(out); });
  if (!result.written) {
    if (result.status) {  // nothing to write
      batch.answer(Status::ok());
      return false;
    }
    carry_over(batch, result.status);
    // Fenced: another instance owns a saga of the batch now, or this one's lease expired.
    if (result.status.code() == StatusCode::kConflict && store_->shared()) {
      // A semantic lock another instance's saga took first: decide again from the table.
      if (result.status.message().find(kLockTakenElsewhere) != std::string::npos) {
        reread_locks(result.status);
      } else {
        resync(result.status);
      }
    }
    return false;
  }
  health_.succeeded(now());
  ++stats_.commits;
  stats_.inputs_committed += batch.inputs;
  commit_batch_size_.add(batch.inputs);
  commit_latency_us_.add(static_cast<std::uint64_t>(result.elapsed.count()));
  for (const RequestOutcome& o : batch.request_outcomes) {
    ++(o.state == RequestState::kApplied ? stats_.operator_requests_applied
                                         : stats_.operator_requests_rejected);
  }
  log_events(batch, batch.history);
  return true;
}

void Engine::Impl::after_commit(PendingBatch& batch) {
  AppliedBatch applied = apply_committed(batch, running_, timers_);
  for (const std::string& type : applied.started_types) {
    ++stats_.sagas_started;
    SagaTypeMetrics& t = type_metrics_[type];
    t.type = type;
    ++t.started;
  }
  for (const SagaInstance& instance : applied.ended) count_end(instance);
  batch.answer(Status::ok());
  if (crash_here(CrashPoint::kAfterCommitBeforeSend)) return;
  bool first = true;
  for (auto& [id, command] : batch.commands) {
    dispatcher_.dispatch(std::move(command), now());
    if (first && crash_here(CrashPoint::kAfterFirstSend)) return;
    first = false;
  }
  for (auto& [id, command] : batch.branch_commands) dispatcher_.dispatch(std::move(command), now());
  if (crash_here(CrashPoint::kAfterSendBeforeNotify)) return;
  publish();  // whoever is woken below sees counters that include this batch
  std::vector<std::function<void(const SagaInstance&)>> listeners;
  {
    std::lock_guard lock(observers_mutex_);
    listeners = end_listeners_;
  }
  for (const SagaInstance& instance : applied.ended) {
    for (auto& listener : listeners) listener(instance);
    if (auto w = waiters_.find(instance.id); w != waiters_.end()) {
      for (auto& p : w->second) p->set_value(instance);
      waiters_.erase(w);
    }
  }
}

}  // namespace saga
