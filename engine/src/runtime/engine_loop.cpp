// The engine thread: recovery, the group-commit loop, timers and flow control.
#include <algorithm>
#include <chrono>

#include "runtime/engine_impl.h"
#include "saga/check.h"

namespace saga {

Engine::Impl::Impl(EngineOptions options, std::unique_ptr<SagaStore> store)
    : options_(std::move(options)),
      store_(std::move(store)),
      clock_(options_.clock),
      rng_(options_.random_seed != 0 ? options_.random_seed : std::random_device{}()) {
  Result<std::vector<DefinitionRecord>> recorded = store_->definitions();
  if (recorded) recorded_definitions_ = std::move(recorded).value();
}

Engine::Impl::~Impl() { stop(); }

// --- definitions ------------------------------------------------------------------------------

Status Engine::Impl::register_definition(std::shared_ptr<const SagaDefinition> definition) {
  if (!definition) return invalid_argument("register_definition: null definition");
  if (Status s = validate(*definition); !s) return s;
  DefinitionRecord record = definition_record(*definition);
  std::lock_guard lock(definitions_mutex_);
  auto& versions = definitions_[definition->name];
  auto it = versions.find(definition->version);
  if (it != versions.end()) {
    if (it->second.fingerprint == record.fingerprint) return Status::ok();
    return already_exists("definition " + record.name + " v" + std::to_string(record.version) +
                          " is registered with another fingerprint");
  }
  const std::uint32_t version = definition->version;
  versions.emplace(version, Registered{std::move(definition), record.fingerprint});
  const bool recorded = std::any_of(recorded_definitions_.begin(), recorded_definitions_.end(),
                                    [&](const DefinitionRecord& r) {
                                      // Recorded before schema v4: record its steps now.
                                      return r.name == record.name && r.version == record.version &&
                                             r.fingerprint == record.fingerprint && r.steps;
                                    });
  if (!recorded) {
    record.registered_at = clock_->now();
    unrecorded_definitions_.push_back(std::move(record));
  }
  return Status::ok();
}

std::shared_ptr<const SagaDefinition> Engine::Impl::definition_for(
    const SagaInstance& instance) const {
  std::lock_guard lock(definitions_mutex_);
  auto named = definitions_.find(instance.type);
  if (named == definitions_.end()) return nullptr;
  auto it = named->second.find(instance.version);
  if (it == named->second.end()) return nullptr;
  if (!instance.fingerprint.empty() && it->second.fingerprint != instance.fingerprint) {
    return nullptr;
  }
  return it->second.definition;
}

// --- thread control ---------------------------------------------------------------------------

Status Engine::Impl::start() {
  if (thread_.joinable()) return failed_precondition("engine: already started");
  stop_requested_ = false;
  // Recovery runs here, before the engine thread exists, so that start() can report it and
  // unresolved() is complete when start() returns. The thread start publishes the state.
  if (Status s = recover(); !s) return s;
  {
    std::lock_guard lock(tasks_mutex_);
    accepting_ = true;
  }
  running_flag_ = true;
  if (!options_.manual) thread_ = std::thread([this] { run(); });
  return Status::ok();
}

void Engine::Impl::stop() {
  stop_requested_ = true;
  options_.transport->wake();
  if (thread_.joinable()) thread_.join();
  if (options_.manual && running_flag_) shut_down();
}

bool Engine::Impl::run_once(Millis max_wait) {
  SAGA_CHECK(options_.manual, "run_once() is for engines opened with manual = true");
  if (!running_flag_) return false;
  if (stop_requested_ || crashed_) {
    shut_down();
    return false;
  }
  iterate(max_wait);
  return true;
}

bool Engine::Impl::post(std::function<void(PendingBatch&)> task) {
  if (options_.manual) {
    // Inline: a batch of its own, committed (and its commands sent) before returning.
    if (!running_flag_ || crashed_) return false;
    PendingBatch batch;
    task(batch);
    if (commit(batch)) after_commit(batch);
    publish();
    return true;
  }
  {
    std::lock_guard lock(tasks_mutex_);
    if (!accepting_) return false;
    tasks_.push_back(std::move(task));
  }
  options_.transport->wake();
  return true;
}

void Engine::Impl::run() {
  while (!stop_requested_ && !crashed_) iterate(options_.max_poll_wait);
  shut_down();
}

void Engine::Impl::shut_down() {
  // Refuse new work, then answer what is queued: nothing more is committed.
  std::deque<std::function<void(PendingBatch&)>> left;
  {
    std::lock_guard lock(tasks_mutex_);
    accepting_ = false;
    left.swap(tasks_);
  }
  PendingBatch closing;
  for (auto& task : left) task(closing);
  for (auto& answer : closing.on_commit) answer(unavailable("engine stopped"));
  for (auto& [id, promises] : waiters_) {
    for (auto& p : promises) p->set_value(unavailable("engine stopped"));
  }
  waiters_.clear();
  running_flag_ = false;
}

bool Engine::Impl::crash_here(CrashPoint point) {
  if (options_.crash_at != point) return false;
  log(LogLevel::kWarning, "crash point reached: stopping dead");
  options_.crash_at = CrashPoint::kNone;
  crashed_ = true;
  return true;
}

// --- recovery ---------------------------------------------------------------------------------

Status Engine::Impl::recover() {
  crashed_ = false;
  running_.clear();
  timers_ = {};
  gates_.clear();
  sent_to_.clear();
  held_ids_.clear();
  Result<std::vector<SagaInstance>> unfinished = store_->load_unfinished();
  if (!unfinished) return unfinished.status().with_context("engine: recovery");
  Result<std::vector<OutboxEntry>> outbox = store_->load_outbox();
  if (!outbox) return outbox.status().with_context("engine: recovery");
  Result<std::vector<HeldLock>> held = store_->load_locks();
  if (!held) return held.status().with_context("engine: recovery");
  Result<std::vector<LockWait>> lock_waits = store_->load_lock_waits();
  if (!lock_waits) return lock_waits.status().with_context("engine: recovery");
  locks_.load(std::move(held).value(), std::move(lock_waits).value());
  past_lease_reported_.clear();
  std::unordered_set<std::string> resolved;
  std::vector<SagaInstance> orphans;
  for (SagaInstance& instance : unfinished.value()) {
    if (!definition_for(instance)) {
      log(LogLevel::kError, "recovery: saga " + instance.id + " needs definition " + instance.type +
                                " v" + std::to_string(instance.version) + " (" +
                                instance.fingerprint + "), which is not registered");
      orphans.push_back(std::move(instance));
      continue;
    }
    std::string id = instance.id;
    resolved.insert(id);
    auto [it, inserted] = running_.emplace(id, std::move(instance));
    if (it->second.wait == Wait::kReply) it->second.deadline = Millis{0};  // re-armed on send
    if (it->second.wait == Wait::kRetry) arm(it->second);
  }
  {
    std::lock_guard lock(observers_mutex_);
    unresolved_ = std::move(orphans);
  }
  // Every unanswered command goes out again with its original message_id.
  for (OutboxEntry& entry : outbox.value()) {
    if (!resolved.count(entry.saga_id)) continue;
    const SagaInstance& instance = running_.at(entry.saga_id);
    if (instance.last_request_id != entry.envelope.message_id) continue;
    entry.envelope.attempt += 1;
    dispatch(OutgoingCommand{std::move(entry.participant), std::move(entry.envelope)});
  }
  log(LogLevel::kInfo, "recovery: " + std::to_string(running_.size()) + " sagas resumed");
  return Status::ok();
}

// --- the loop ---------------------------------------------------------------------------------

void Engine::Impl::iterate(Millis max_wait) {
  PendingBatch batch;
  std::deque<std::function<void(PendingBatch&)>> tasks;
  {
    std::lock_guard lock(tasks_mutex_);
    while (!tasks_.empty() && tasks.size() < options_.max_batch) {
      tasks.push_back(std::move(tasks_.front()));
      tasks_.pop_front();
    }
  }
  for (auto& task : tasks) task(batch);
  apply_operator_requests(batch);

  Millis wait{0};
  if (tasks.empty() && batch.inputs == 0) {
    wait = max_wait;
    if (!timers_.empty()) wait = std::clamp(timers_.top().at - now(), Millis{0}, wait);
  }
  replies_.clear();
  const std::size_t budget =
      options_.max_batch > batch.inputs ? options_.max_batch - batch.inputs : 1;
  options_.transport->poll(wait, replies_, budget);
  for (const Envelope& reply : replies_) apply_reply(batch, reply);
  collect_due_timers(batch,
                     options_.max_batch > batch.inputs ? options_.max_batch - batch.inputs : 0);
  {
    std::lock_guard lock(definitions_mutex_);
    batch.definitions = std::move(unrecorded_definitions_);
    unrecorded_definitions_.clear();
  }
  if (commit(batch)) after_commit(batch);
  release_held();
  publish();
}

void Engine::Impl::publish() {
  stats_.transport = options_.transport->stats();
  std::lock_guard lock(observers_mutex_);
  published_stats_ = stats_;
  participant_states_.clear();
  for (const auto& [name, g] : gates_) participant_states_.push_back(g.state());
  MetricsSnapshot& m = published_metrics_;
  m.sagas.clear();
  for (const auto& [type, counters] : type_metrics_) m.sagas.push_back(counters);
  m.participants = participant_states_;  // gates_ is a map: sorted by name
  m.commit_batch_size = commit_batch_size_;
  m.commit_latency_us = commit_latency_us_;
  m.locks = lock_metrics_;
  m.locks.held = locks_.lock_count();
  m.locks.waiting = locks_.wait_count();
}

const SagaInstance* Engine::Impl::current(const PendingBatch& batch, const std::string& id) const {
  if (auto it = batch.staged.find(id); it != batch.staged.end()) return &it->second;
  if (auto it = running_.find(id); it != running_.end()) return &it->second;
  return nullptr;
}

Status Engine::Impl::stage_start(PendingBatch& batch, SagaInstance instance, bool check_exists) {
  {
    std::lock_guard lock(definitions_mutex_);
    auto named = definitions_.find(instance.type);
    if (named == definitions_.end() || named->second.empty()) {
      return not_found("no definition registered for saga type '" + instance.type + "'");
    }
    if (instance.version == 0) instance.version = named->second.rbegin()->first;
    auto it = named->second.find(instance.version);
    if (it == named->second.end()) {
      return not_found("saga type '" + instance.type + "' has no version " +
                       std::to_string(instance.version));
    }
    instance.fingerprint = it->second.fingerprint;
  }
  if (current(batch, instance.id) != nullptr) {
    return already_exists("saga " + instance.id + " already exists");
  }
  if (check_exists) {
    Result<std::optional<SagaInstance>> stored = store_->load(instance.id);
    if (!stored) return stored.status();
    if (stored->has_value()) return already_exists("saga " + instance.id + " already exists");
  }

  std::string id = instance.id;
  batch.staged.emplace(id, std::move(instance));
  batch.inserted.insert(id);
  Input input;
  input.kind = InputKind::kStart;
  input.now = now();
  input.random = random();
  Status s = stage_input(batch, id, std::move(input));
  if (!s) {
    batch.staged.erase(id);
    batch.inserted.erase(id);
  }
  return s;
}

Status Engine::Impl::stage_input(PendingBatch& batch, const std::string& id, Input input) {
  std::vector<LockAnswer> answers;
  Status s = stage_one(batch, id, std::move(input), answers);
  settle(batch, answers);
  return s;
}

Status Engine::Impl::stage_one(PendingBatch& batch, const std::string& id, Input input,
                               std::vector<LockAnswer>& answers) {
  const SagaInstance* instance = current(batch, id);
  if (instance == nullptr) {
    Result<std::optional<SagaInstance>> stored = store_->load(id);
    if (!stored) return stored.status();
    if (!stored->has_value()) return not_found("saga " + id + " not found");
    return failed_precondition("saga " + id + " is " +
                               std::string(to_string(stored->value().phase)));
  }
  std::shared_ptr<const SagaDefinition> definition = definition_for(*instance);
  if (!definition) {
    return failed_precondition("saga " + id + ": definition " + instance->type + " v" +
                               std::to_string(instance->version) + " is not registered");
  }
  Result<Decision> decision = decide(*definition, *instance, input);
  if (!decision) return decision.status();
  if (!decision->applied) return failed_precondition(decision->ignored_reason);
  ++batch.inputs;
  for (HistoryEntry& entry : decision->history) {
    if (entry.event == Event::kStepTimedOut || entry.event == Event::kCompensationTimedOut) {
      ++stats_.timeouts;
    }
    if (entry.event == Event::kStepRetried || entry.event == Event::kCompensationRetried) {
      ++stats_.retries;
    }
    batch.history.emplace_back(id, std::move(entry));
  }
  if (decision->command) batch.commands[id] = std::move(*decision->command);
  SagaInstance& next = batch.staged[id] = std::move(decision->next);
  const Millis t = input.now;
  if (decision->lock_request) {
    locks_.acquire(id, decision->lock_request->step, decision->lock_request->claims, t, answers);
  }
  if (is_terminal(next.phase)) {
    locks_.release_saga(id, t, answers);
  } else if (next.phase != Phase::kCompensating) {
    locks_.release_passed(id, next.step, t, answers);
  }
  return Status::ok();
}

void Engine::Impl::settle(PendingBatch& batch, std::vector<LockAnswer>& answers) {
  // Index, not iterator: answering one saga may append answers for others.
  for (std::size_t k = 0; k < answers.size(); ++k) {
    LockAnswer answer = std::move(answers[k]);
    Input input;
    input.now = now();
    input.random = random();
    input.reason = answer.reason;
    switch (answer.outcome) {
      case LockOutcome::kGranted:
        input.kind = InputKind::kLockGranted;
        ++lock_metrics_.granted;
        break;
      case LockOutcome::kWaiting:
        input.kind = InputKind::kLockWaiting;
        ++lock_metrics_.waits;
        break;
      case LockOutcome::kRefused:
        input.kind = InputKind::kLockRefused;
        ++lock_metrics_.refused;
        break;
    }
    if (answer.deadlock) {
      ++lock_metrics_.deadlocks;
      log(LogLevel::kWarning,
          "saga=" + answer.saga_id + " event=deadlock_victim reason=\"" + answer.reason + "\"");
    }
    if (Status s = stage_one(batch, answer.saga_id, std::move(input), answers); !s) {
      // Cannot happen for a running saga with its definition; the table keeps the truth.
      log(LogLevel::kError, "saga=" + answer.saga_id + " event=lock_answer_not_applied reason=\"" +
                                s.message() + "\"");
    }
  }
  answers.clear();
}

Status Engine::Impl::stage_release_lock(PendingBatch& batch, const std::string& key,
                                        const std::string& expected_holder, std::string reason) {
  const HeldLock* held = locks_.holder(key);
  if (held == nullptr) return not_found("no saga holds lock " + key);
  const std::string holder = held->saga_id;
  if (!expected_holder.empty() && holder != expected_holder) {
    return failed_precondition("lock " + key + " is held by " + holder + ", not " +
                               expected_holder);
  }
  std::vector<LockAnswer> answers;
  Input input;
  input.kind = InputKind::kOperatorReleasedLock;
  input.now = now();
  input.reason = std::move(reason) + " (lock " + key + ")";
  if (Status s = stage_one(batch, holder, std::move(input), answers); !s) {
    // The holder is not a running saga with its definition (ended, or unresolved): there is
    // no history to write to, but the key must not stay stuck. The operator asked for it.
    log(LogLevel::kWarning, "saga=" + holder + " event=lock_released_without_history key=\"" + key +
                                "\" reason=\"" + s.message() + "\"");
  }
  locks_.release_key(key, now(), answers);
  ++lock_metrics_.released_by_operator;
  log(LogLevel::kWarning,
      "saga=" + holder + " event=lock_released_by_operator key=\"" + key + "\"");
  settle(batch, answers);
  return Status::ok();
}

Millis Engine::Impl::last_progress(const HeldLock& lock) const {
  auto it = running_.find(lock.saga_id);
  return it == running_.end() ? lock.acquired_at
                              : std::max(lock.acquired_at, it->second.updated_at);
}

std::vector<LockInfo> Engine::Impl::lock_infos() const {
  std::vector<LockInfo> out;
  const Millis t = now();
  for (const HeldLock& l : locks_.locks()) {
    LockInfo info{l.key, l.saga_id, l.acquired_at, l.lease, last_progress(l), false, {}};
    info.past_lease = t - info.last_progress > l.lease;
    info.waiting = locks_.queue(l.key);
    out.push_back(std::move(info));
  }
  return out;
}

// Every operator_poll_interval, over every held lock: no copies, no sorting (lock_infos() does
// both, for the API). A lock acquired less than a lease ago cannot be past its lease (progress
// only moves last_progress later), so most locks cost one comparison.
void Engine::Impl::check_leases() {
  const Millis t = now();
  std::set<std::pair<std::string, std::string>> past;
  locks_.for_each_lock([&](const HeldLock& l) {
    if (t - l.acquired_at <= l.lease) return;
    const Millis progress = last_progress(l);
    if (t - progress <= l.lease) return;
    std::pair<std::string, std::string> id{l.key, l.saga_id};
    if (!past_lease_reported_.count(id)) {
      log(LogLevel::kWarning, "saga=" + l.saga_id + " event=lock_past_lease key=\"" + l.key +
                                  "\" idle_ms=" + std::to_string((t - progress).count()) +
                                  " lease_ms=" + std::to_string(l.lease.count()) +
                                  " waiting=" + std::to_string(locks_.queue_length(l.key)) +
                                  " hint=\"sagactl release-lock " + l.key + " --reason ...\"");
    }
    past.insert(std::move(id));
  });
  past_lease_reported_ = std::move(past);
  lock_metrics_.past_lease = past_lease_reported_.size();
}

void Engine::Impl::apply_reply(PendingBatch& batch, const Envelope& reply) {
  if (reply.kind != MessageKind::kReply) return;
  if (auto sent = sent_to_.find(reply.correlation_id); sent != sent_to_.end()) {
    if (gate(sent->second).on_reply(reply.correlation_id)) {
      log(LogLevel::kWarning, "participant=" + sent->second + " event=breaker_closed");
    }
    sent_to_.erase(sent);
  }
  const SagaInstance* instance = current(batch, reply.saga_id);
  if (instance == nullptr) {
    ++stats_.unknown_replies;
    log(LogLevel::kWarning, "saga=" + reply.saga_id + " trace_id=" + reply.trace_id +
                                " event=unknown_reply_dropped message_id=" + reply.message_id +
                                " reason=\"no running saga with this id\"");
    return;
  }
  Input input;
  input.kind = InputKind::kReply;
  input.now = now();
  input.random = random();
  input.reply = &reply;
  Status s = stage_input(batch, reply.saga_id, std::move(input));
  if (s) {
    ++stats_.replies_applied;
  } else {
    ++stats_.stale_replies;
    if (log_enabled(LogLevel::kWarning)) {
      log(LogLevel::kWarning,
          saga_fields(*instance) + " event=stale_reply_dropped message_id=" + reply.message_id +
              " correlation_id=" + reply.correlation_id + " reason=\"" + s.message() + "\"");
    }
  }
}

void Engine::Impl::collect_due_timers(PendingBatch& batch, std::size_t budget) {
  const Millis t = now();
  while (!timers_.empty() && timers_.top().at <= t && budget > 0) {
    Timer timer = timers_.top();
    timers_.pop();
    const SagaInstance* instance = current(batch, timer.saga_id);
    // A timer is current only if the instance still waits for exactly this moment.
    if (instance == nullptr || instance->wait == Wait::kNone || instance->deadline != timer.at) {
      continue;
    }
    if (instance->wait == Wait::kReply && held_ids_.count(instance->last_request_id)) continue;
    Input input;
    input.kind = instance->wait == Wait::kReply ? InputKind::kDeadline : InputKind::kRetryDue;
    input.now = t;
    input.random = random();
    if (input.kind == InputKind::kDeadline) {
      auto sent = sent_to_.find(instance->last_request_id);
      if (sent != sent_to_.end()) {
        if (gate(sent->second).on_timeout(sent->first, t)) {
          log(LogLevel::kWarning, "participant=" + sent->second + " event=breaker_opened");
        }
        sent_to_.erase(sent);
      }
    }
    const std::string id = timer.saga_id;
    if (Status s = stage_input(batch, id, std::move(input)); !s) {
      log(LogLevel::kWarning, "timer for saga " + id + ": " + s.message());
    }
    --budget;
  }
}

bool Engine::Impl::commit(PendingBatch& batch) {
  StoreBatch out;
  out.definitions = batch.definitions;
  // The staged instances and their commands' envelopes are moved into `out` for the store and
  // moved back right after (copying them was about 2 % of the CPU per saga at W=4096).
  out.inserts.reserve(batch.inserted.size());
  out.updates.reserve(batch.staged.size() - std::min(batch.staged.size(), batch.inserted.size()));
  out.outbox_put.reserve(batch.commands.size());
  for (auto& [id, instance] : batch.staged) {
    const bool inserted = batch.inserted.count(id) > 0;
    if (auto cmd = batch.commands.find(id); cmd != batch.commands.end()) {
      out.outbox_put.push_back(
          OutboxEntry{id, cmd->second.participant, std::move(cmd->second.envelope)});
    } else if (instance.last_request_id.empty() && !inserted) {
      out.outbox_delete.push_back(id);
    }
    if (inserted) {
      out.inserts.push_back(std::move(instance));
    } else {
      const std::int64_t row_version = running_.at(id).row_version;
      out.updates.push_back(std::move(instance));
      out.updates.back().row_version = row_version;
    }
  }
  // Same iteration order: nothing above changed the maps' contents.
  auto move_back = [&] {
    std::size_t inserts = 0, updates = 0, outbox = 0;
    for (auto& [id, instance] : batch.staged) {
      if (auto cmd = batch.commands.find(id); cmd != batch.commands.end()) {
        cmd->second.envelope = std::move(out.outbox_put[outbox++].envelope);
      }
      instance =
          std::move(batch.inserted.count(id) ? out.inserts[inserts++] : out.updates[updates++]);
    }
  };
  out.history = std::move(batch.history);
  out.request_outcomes = batch.request_outcomes;
  out.locks = locks_.changes();
  if (out.empty()) {
    move_back();
    for (auto& answer : batch.on_commit) answer(Status::ok());
    return false;
  }
  // Wall time, for the latency metric only; the engine's decisions use clock_.
  const auto started = std::chrono::steady_clock::now();
  Status s = store_->commit(out);
  const auto elapsed = std::chrono::steady_clock::now() - started;
  move_back();
  if (!s) {
    locks_.rollback();  // the table matches the database again
    ++stats_.commit_failures;
    log(LogLevel::kError,
        "commit of " + std::to_string(batch.inputs) + " inputs failed: " + s.to_string());
    for (auto& answer : batch.on_commit) answer(s);
    // Give the definitions another chance with the next batch.
    std::lock_guard lock(definitions_mutex_);
    for (auto& d : batch.definitions) unrecorded_definitions_.push_back(d);
    return false;
  }
  locks_.commit_changes();
  ++stats_.commits;
  stats_.inputs_committed += batch.inputs;
  commit_batch_size_.add(batch.inputs);
  commit_latency_us_.add(static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::microseconds>(elapsed).count()));
  for (const RequestOutcome& o : batch.request_outcomes) {
    ++(o.state == RequestState::kApplied ? stats_.operator_requests_applied
                                         : stats_.operator_requests_rejected);
  }
  log_events(batch, out.history);
  return true;
}

void Engine::Impl::after_commit(PendingBatch& batch) {
  std::vector<SagaInstance> ended;
  for (auto& [id, instance] : batch.staged) {
    const bool inserted = batch.inserted.count(id) > 0;
    instance.row_version = inserted ? 1 : running_.at(id).row_version + 1;
    if (inserted) {
      ++stats_.sagas_started;
      SagaTypeMetrics& t = type_metrics_[instance.type];
      t.type = instance.type;
      ++t.started;
    }
    const bool ends = is_terminal(instance.phase) || instance.phase == Phase::kFailed;
    auto was = running_.find(id);
    const bool was_failed = was != running_.end() && was->second.phase == Phase::kFailed;
    if (ends && !was_failed) {
      ended.push_back(instance);
      count_end(instance);
    }
    if (is_terminal(instance.phase)) {
      running_.erase(id);
    } else {
      SagaInstance& kept = running_[id];
      kept = std::move(instance);
      if (kept.wait == Wait::kRetry) arm(kept);
    }
  }
  for (auto& answer : batch.on_commit) answer(Status::ok());
  if (crash_here(CrashPoint::kAfterCommitBeforeSend)) return;
  bool first = true;
  for (auto& [id, command] : batch.commands) {
    dispatch(std::move(command));
    if (first && crash_here(CrashPoint::kAfterFirstSend)) return;
    first = false;
  }
  if (crash_here(CrashPoint::kAfterSendBeforeNotify)) return;
  publish();  // whoever is woken below sees counters that include this batch
  std::vector<std::function<void(const SagaInstance&)>> listeners;
  {
    std::lock_guard lock(observers_mutex_);
    listeners = end_listeners_;
  }
  for (const SagaInstance& instance : ended) {
    for (auto& listener : listeners) listener(instance);
    if (auto w = waiters_.find(instance.id); w != waiters_.end()) {
      for (auto& p : w->second) p->set_value(instance);
      waiters_.erase(w);
    }
  }
}

// --- sending and timers -----------------------------------------------------------------------

ParticipantGate& Engine::Impl::gate(const std::string& participant) {
  auto it = gates_.find(participant);
  if (it == gates_.end()) {
    auto limits = options_.participant_limits.find(participant);
    ParticipantLimits l = limits == options_.participant_limits.end()
                              ? options_.participant_defaults
                              : limits->second;
    it = gates_.emplace(participant, ParticipantGate(participant, l)).first;
  }
  return it->second;
}

void Engine::Impl::dispatch(OutgoingCommand command, bool released) {
  ParticipantGate& g = gate(command.participant);
  const std::string& id = command.envelope.message_id;
  // A new command queues behind held ones (order); one just released from the queue must not,
  // or release_held() would move it to the back forever.
  if ((!released && !g.held().empty()) || !g.may_send(now())) {
    held_ids_.insert(id);
    g.hold(std::move(command));
    return;
  }
  Status s = options_.transport->send(command.participant, command.envelope);
  if (!s) {
    log(LogLevel::kWarning, "send " + id + " to " + command.participant + ": " + s.message());
  }
  ++stats_.commands_sent;
  g.on_sent(id);
  sent_to_[id] = command.participant;
  held_ids_.erase(id);
  // The reply deadline runs from the real send.
  auto it = running_.find(command.envelope.saga_id);
  if (it != running_.end() && it->second.last_request_id == id) {
    std::shared_ptr<const SagaDefinition> definition = definition_for(it->second);
    const StepDefinition* step =
        definition ? definition->find_step(command.envelope.step) : nullptr;
    const Millis timeout = step ? step->reply_timeout : Millis{10'000};
    it->second.deadline = std::max(it->second.deadline, now() + timeout);
    arm(it->second);
  }
}

void Engine::Impl::release_held() {
  for (auto& [name, g] : gates_) {
    while (!g.held().empty() && g.may_send(now())) {
      OutgoingCommand command = std::move(g.held().front());
      g.held().pop_front();
      auto it = running_.find(command.envelope.saga_id);
      // Drop commands whose saga moved on while they waited.
      if (it == running_.end() || it->second.last_request_id != command.envelope.message_id) {
        held_ids_.erase(command.envelope.message_id);
        continue;
      }
      dispatch(std::move(command), /*released=*/true);
    }
  }
}

void Engine::Impl::arm(const SagaInstance& instance) {
  if (instance.wait != Wait::kNone) timers_.push(Timer{instance.deadline, instance.id});
}

// --- reads and observers ----------------------------------------------------------------------

Result<SagaInstance> Engine::Impl::read_instance(const std::string& id) {
  if (auto it = running_.find(id); it != running_.end()) return it->second;
  Result<std::optional<SagaInstance>> stored = store_->load(id);
  if (!stored) return stored.status();
  if (!stored->has_value()) return not_found("saga " + id + " not found");
  return std::move(stored->value());
}

void Engine::Impl::add_waiter(const std::string& id,
                              std::shared_ptr<std::promise<Result<SagaInstance>>> promise) {
  auto it = running_.find(id);
  if (it != running_.end() && it->second.phase != Phase::kFailed) {
    waiters_[id].push_back(std::move(promise));
    return;
  }
  promise->set_value(read_instance(id));
}

std::string Engine::Impl::new_id() {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id(32, '0');
  std::uint64_t a = rng_(), b = rng_();
  for (int i = 0; i < 16; ++i) {
    id[static_cast<std::size_t>(i)] = kHex[(a >> (4 * i)) & 0xf];
    id[static_cast<std::size_t>(16 + i)] = kHex[(b >> (4 * i)) & 0xf];
  }
  return id;
}

void Engine::Impl::on_end(std::function<void(const SagaInstance&)> listener) {
  std::lock_guard lock(observers_mutex_);
  end_listeners_.push_back(std::move(listener));
}

std::vector<SagaInstance> Engine::Impl::unresolved() const {
  std::lock_guard lock(observers_mutex_);
  return unresolved_;
}

EngineStats Engine::Impl::stats() const {
  std::lock_guard lock(observers_mutex_);
  return published_stats_;
}

MetricsSnapshot Engine::Impl::metrics() const {
  std::lock_guard lock(observers_mutex_);
  MetricsSnapshot m = published_metrics_;
  const EngineStats& s = published_stats_;
  m.steps_retried = s.retries;
  m.timeouts = s.timeouts;
  m.stale_replies = s.stale_replies;
  m.unknown_replies = s.unknown_replies;
  m.commands_sent = s.commands_sent;
  m.commit_failures = s.commit_failures;
  m.operator_requests_applied = s.operator_requests_applied;
  m.operator_requests_rejected = s.operator_requests_rejected;
  return m;
}

std::vector<ParticipantState> Engine::Impl::participants() const {
  std::lock_guard lock(observers_mutex_);
  return participant_states_;
}

}  // namespace saga
