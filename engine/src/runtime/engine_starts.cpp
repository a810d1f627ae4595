// The engine thread's polling publisher for transactional starts (saga/transactional_start.h)
// and events (saga/transactional_event.h, read in the same poll by engine_events.cpp): starts
// that callers committed on their own connections, in this process or another, are found
// without a restart and started like start_saga's, in the engine's next commit, which also
// deletes their rows.
//
// Cost of an idle poll: one PRAGMA data_version (it changes only when another connection
// committed). Rows are read by seq above the last one read, at most kStartsPerBatch per batch,
// so no poll reads the whole table; a refused commit sets the cursor back.
#include "runtime/engine_impl.h"

namespace saga {
namespace {

constexpr std::size_t kStartsPerBatch = 256;

}  // namespace

void Engine::Impl::apply_start_requests(PendingBatch& batch) {
  const bool woken = starts_woken_.exchange(false);
  const Millis t = now();
  if (!woken && !starts_unread_ && !events_unread_ && last_start_poll_ &&
      t - *last_start_poll_ < options_.start_poll_interval) {
    return;
  }
  last_start_poll_ = t;
  Result<bool> changed = store_->changed_elsewhere();
  if (!changed) {
    log(health_.health().ok ? LogLevel::kError : LogLevel::kDebug,
        "start requests: " + changed.status().to_string());
    return;
  }
  if (changed.value()) events_unread_ = true;  // the change may be events as well
  if (changed.value() || starts_unread_) read_start_requests(batch);
  // Events after the starts committed before them (an event may be for a saga started in the
  // same transaction): not while a full page of starts is still unread.
  if (events_unread_ && !starts_unread_) apply_event_requests(batch);
}

void Engine::Impl::read_start_requests(PendingBatch& batch) {
  Result<std::vector<PendingStart>> pending =
      store_->start_requests(start_cursor_, kStartsPerBatch);
  if (!pending) {
    starts_unread_ = true;  // the change seen above is not read yet
    log(health_.health().ok ? LogLevel::kError : LogLevel::kDebug,
        "start requests: " + pending.status().to_string());
    return;
  }
  starts_unread_ = pending->size() == kStartsPerBatch;  // a full page: read on next iteration
  if (pending->empty()) return;
  if (!batch.start_cursor_before) batch.start_cursor_before = start_cursor_;
  for (PendingStart& taken : pending.value()) {
    StartRequest& request = taken.request;
    SagaInstance instance;
    instance.id = request.saga_id;
    instance.type = request.type;
    instance.version = request.version;
    instance.trace_id = request.trace_id.empty() ? new_id() : request.trace_id;
    instance.data = std::move(request.data);
    // Scheduled and deadline as start_saga's; a deadline that passed before the engine took
    // the start acts at once (the saga ends or compensates, and its history says why).
    instance.saga_deadline = request.deadline;
    Status s =
        stage_start(batch, std::move(instance),
                    taken.saga_exists ? StoredId::kPresent : StoredId::kAbsent, request.not_before);
    if (s || s.code() == StatusCode::kAlreadyExists) {
      // Started, or a duplicate of a saga that exists: the row's work is done either way.
      if (!s)
        log(LogLevel::kWarning,
            "start request " + std::to_string(request.seq) + ": " + s.message() + "; dropped");
      batch.start_requests_done.push_back(request.seq);
    } else if (s.code() == StatusCode::kNotFound) {
      // Its definition is not registered here: it stays pending for an engine that has it
      // (this one after a restart with the definition).
      log(LogLevel::kError, "start request " + std::to_string(request.seq) + " for saga " +
                                request.saga_id + " left pending: " + s.message());
    } else {
      // A store error: read it again at the next poll.
      log(LogLevel::kError, "start request " + std::to_string(request.seq) + ": " + s.to_string());
      starts_unread_ = true;
      return;
    }
    start_cursor_ = request.seq;
  }
}

void Engine::Impl::give_back_start_requests(const PendingBatch& batch) {
  if (batch.start_cursor_before) {
    start_cursor_ = *batch.start_cursor_before;
    starts_unread_ = true;
    last_start_poll_.reset();
  }
  if (batch.event_cursor_before) {
    event_cursor_ = *batch.event_cursor_before;
    events_unread_ = true;
    last_start_poll_.reset();
  }
}

}  // namespace saga
