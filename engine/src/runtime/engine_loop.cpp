// The engine thread: recovery, the group-commit loop, staging inputs through `decide`, and
// what happens after a commit. The parts it coordinates live in their own files.
#include <pthread.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <iterator>

#include "runtime/engine_impl.h"
#include "saga/check.h"

namespace saga {
namespace {

// Whether `message_id` is one `instance` sent: "<saga id>/<seq>" (message_id_for, decide.h)
// with 1 <= seq <= its message_seq.
bool sent_earlier(const SagaInstance& instance, std::string_view message_id) {
  const std::size_t prefix = instance.id.size() + 1;
  if (message_id.size() <= prefix || message_id.substr(0, instance.id.size()) != instance.id ||
      message_id[instance.id.size()] != '/') {
    return false;
  }
  std::uint64_t seq = 0;
  const char* end = message_id.data() + message_id.size();
  auto [ptr, ec] = std::from_chars(message_id.data() + prefix, end, seq);
  return ec == std::errc() && ptr == end && seq >= 1 && seq <= instance.message_seq;
}

}  // namespace

Engine::Impl::Impl(EngineOptions options, std::unique_ptr<SagaStore> store)
    : options_(std::move(options)),
      store_(std::move(store)),
      clock_(options_.clock),
      rng_(options_.random_seed != 0 ? options_.random_seed : std::random_device{}()),
      log_(options_.log, options_.log_level),
      definitions_([this] {
        Result<std::vector<DefinitionRecord>> recorded = store_->definitions();
        return recorded ? std::move(recorded).value() : std::vector<DefinitionRecord>{};
      }()),
      dispatcher_(
          *options_.transport, options_.participant_defaults, options_.participant_limits, log_,
          [this](const Envelope& sent) { on_sent(sent); },
          [this](const Envelope& command, Dispatcher::GateChange change, std::string_view reason) {
            on_gate(command, change, reason);
          }),
      locks_(log_),
      health_(log_, options_.commit_retry_initial, options_.commit_retry_max,
              options_.store_fault_log_interval, options_.on_store_health) {}

Engine::Impl::~Impl() { stop(); }

Status Engine::Impl::register_definition(std::shared_ptr<const SagaDefinition> definition) {
  return definitions_.add(std::move(definition), clock_->now());
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
  if (!options_.manual) {
    thread_ = std::thread([this] { run(); });
    // The name top -H, perf and /proc/<pid>/task/*/comm show (at most 15 characters); set
    // here, so that it is in place when start() returns.
    pthread_setname_np(thread_.native_handle(), "saga-engine");
  }
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
    begin_batch(batch);
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
  carried_replies_.clear();  // their sagas resend from the outbox
  timers_.clear();
  dispatcher_.clear();
  start_cursor_ = 0;  // every pending start is read again
  starts_unread_ = true;
  event_cursor_ = 0;  // and every pending event
  events_unread_ = true;
  last_start_poll_.reset();
  Result<std::vector<SagaInstance>> unfinished = store_->load_unfinished();
  if (!unfinished) return unfinished.status().with_context("engine: recovery");
  Result<std::vector<OutboxEntry>> outbox = store_->load_outbox();
  if (!outbox) return outbox.status().with_context("engine: recovery");
  Result<std::vector<HeldLock>> held = store_->load_locks();
  if (!held) return held.status().with_context("engine: recovery");
  Result<std::vector<LockWait>> lock_waits = store_->load_lock_waits();
  if (!lock_waits) return lock_waits.status().with_context("engine: recovery");
  locks_.load(std::move(held).value(), std::move(lock_waits).value());
  {
    std::lock_guard lock(observers_mutex_);
    unresolved_.clear();
  }
  adopt(std::move(unfinished).value(), std::move(outbox).value());
  log(LogLevel::kInfo, "recovery: " + std::to_string(running_.size()) + " sagas resumed");
  return Status::ok();
}

// --- the loop ---------------------------------------------------------------------------------

void Engine::Impl::iterate(Millis max_wait) {
  tend_lease();
  if (health_.backing_off(now())) {  // a failed commit's inputs wait for their next attempt
    wait_for_retry(max_wait);
    publish();
    return;
  }
  PendingBatch batch;
  begin_batch(batch);
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
  apply_start_requests(batch);
  if (!event_checks_.empty()) stage_event_checks(batch);

  Millis wait{0};
  if (tasks.empty() && batch.inputs == 0 && batch.history.empty() && carried_replies_.empty())
    wait = timers_.wait_before_next(now(), max_wait);
  // The replies a failed commit kept go first, in the order they came.
  replies_.clear();
  replies_.swap(carried_replies_);
  const std::size_t taken = batch.inputs + replies_.size();
  const std::size_t budget = options_.max_batch > taken ? options_.max_batch - taken : 1;
  options_.transport->poll(wait, replies_, budget);
  for (std::size_t i = 0; i < replies_.size(); ++i) {
    if (replies_[i].kind == MessageKind::kEvent) {
      apply_wire_event(batch, replies_[i]);  // unanswered if not committed: the sender resends
    } else if (apply_reply(batch, replies_[i])) {
      batch.replies.push_back(i);
    }
  }
  collect_due_timers(batch,
                     options_.max_batch > batch.inputs ? options_.max_batch - batch.inputs : 0);
  batch.definitions = definitions_.take_unrecorded();
  if (commit(batch)) after_commit(batch);
  // Held commands go out unless their saga moved on while they waited.
  dispatcher_.release_held(now(), [this](const Envelope& command) {
    auto it = running_.find(command.saga_id);
    return it != running_.end() && awaits(it->second, command.message_id);
  });
  publish();
}

void Engine::Impl::publish() {
  stats_.transport = options_.transport->stats();
  std::lock_guard lock(observers_mutex_);
  published_stats_ = stats_;
  participant_states_ = dispatcher_.states();
  MetricsSnapshot& m = published_metrics_;
  m.sagas.clear();
  for (const auto& [type, counters] : type_metrics_) m.sagas.push_back(counters);
  m.participants = participant_states_;  // sorted by name
  m.commit_batch_size = commit_batch_size_;
  m.commit_latency_us = commit_latency_us_;
  m.locks = locks_.metrics();
  m.store = health_.health();
}

Status Engine::Impl::stage_start(PendingBatch& batch, SagaInstance instance, StoredId stored,
                                 Millis not_before) {
  if (Status s = definitions_.pin(instance); !s) return s;
  if (batch.current(instance.id, running_) != nullptr || stored == StoredId::kPresent) {
    return already_exists("saga " + instance.id + " already exists");
  }
  if (stored == StoredId::kUnknown) {
    Result<std::optional<SagaInstance>> found = store_->load(instance.id);
    if (!found) return found.status();
    if (found->has_value()) return already_exists("saga " + instance.id + " already exists");
  }

  std::string id = instance.id;
  batch.staged.emplace(id, std::move(instance));
  batch.inserted.insert(id);
  Input input;
  input.kind = InputKind::kStart;
  input.now = now();
  input.random = random();
  input.not_before = not_before;
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
  locks_.settle(answers, fresh_input(), stage_fn(batch));
  return s;
}

LockCoordinator::StageFn Engine::Impl::stage_fn(PendingBatch& batch) {
  return [this, &batch](const std::string& id, Input input, std::vector<LockAnswer>& answers) {
    return stage_one(batch, id, std::move(input), answers);
  };
}

LockCoordinator::FreshInput Engine::Impl::fresh_input() {
  return [this] {
    Input input;
    input.now = now();
    input.random = random();
    return input;
  };
}

Status Engine::Impl::stage_one(PendingBatch& batch, const std::string& id, Input input,
                               std::vector<LockAnswer>& answers) {
  const SagaInstance* instance = batch.current(id, running_);
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
  for (const HistoryEntry& entry : decision->history) {
    if (entry.event == Event::kStepTimedOut || entry.event == Event::kCompensationTimedOut) {
      ++stats_.timeouts;
    }
    if (entry.event == Event::kStepRetried || entry.event == Event::kCompensationRetried) {
      ++stats_.retries;
    }
  }
  const bool started = input.kind == InputKind::kStart;
  const SagaInstance& next = batch.stage(id, *decision);
  locks_.stage(id, decision->lock_request, next, input.now, answers);
  after_staged(batch, id, *definition, *decision, started, answers);
  return Status::ok();
}

Status Engine::Impl::stage_release_lock(PendingBatch& batch, const std::string& key,
                                        const std::string& expected_holder, std::string reason) {
  return locks_.release(key, expected_holder, std::move(reason), now(), fresh_input(),
                        stage_fn(batch), running_);
}

bool Engine::Impl::apply_reply(PendingBatch& batch, const Envelope& reply) {
  if (reply.kind != MessageKind::kReply) return false;
  dispatcher_.on_reply(reply.correlation_id, now());
  const SagaInstance* instance = batch.current(reply.saga_id, running_);
  if (instance == nullptr) {
    ++stats_.unknown_replies;
    log(LogLevel::kWarning, "saga=" + reply.saga_id + " trace_id=" + reply.trace_id +
                                " event=unknown_reply_dropped message_id=" + reply.message_id +
                                " reason=\"no running saga with this id\"");
    return false;
  }
  Input input;
  input.kind = InputKind::kReply;
  input.now = now();
  input.random = random();
  input.reply = &reply;
  Status s = stage_input(batch, reply.saga_id, std::move(input));
  if (s) {
    ++stats_.replies_applied;
    return true;
  } else {
    // An answer to a command this saga sent earlier (a superseded resend, or a duplicate) is
    // normal recovery; anything else is worth a warning.
    const bool expected = sent_earlier(*instance, reply.correlation_id);
    ++stats_.stale_replies;
    if (expected) ++stats_.expected_stale_replies;
    const LogLevel level = expected ? LogLevel::kDebug : LogLevel::kWarning;
    if (log_enabled(level)) {
      log(level,
          saga_fields(*instance) + " event=stale_reply_dropped message_id=" + reply.message_id +
              " correlation_id=" + reply.correlation_id +
              " expected=" + (expected ? "true" : "false") + " reason=\"" + s.message() + "\"");
    }
  }
  return false;
}

void Engine::Impl::collect_due_timers(PendingBatch& batch, std::size_t budget) {
  const Millis t = now();
  timers_.fire_due(t, budget, [&](const std::string& id, Millis at) {
    const SagaInstance* instance = batch.current(id, running_);
    if (!timer_current(instance, at)) return false;
    Input input;
    input.kind = timer_input(*instance, at);
    // A held command's deadline runs from its real send.
    if (input.kind == InputKind::kDeadline && dispatcher_.held(instance->last_request_id)) {
      return false;
    }
    input.now = t;
    input.random = random();
    if (input.kind == InputKind::kDeadline) dispatcher_.on_deadline(instance->last_request_id, t);
    for (const Branch& b : instance->branches) {  // a parallel group's commands due now
      if (b.state == BranchState::kInFlight && b.due <= t) dispatcher_.on_deadline(b.message_id, t);
    }
    if (Status s = stage_input(batch, id, std::move(input)); !s) {
      log(LogLevel::kWarning, "timer for saga " + id + ": " + s.message());
    } else {
      batch.timers.emplace_back(id, at);  // armed again if the commit fails
    }
    return true;
  });
}

// --- sending ----------------------------------------------------------------------------------

void Engine::Impl::on_sent(const Envelope& command) {
  ++stats_.commands_sent;
  auto it = running_.find(command.saga_id);
  if (it == running_.end() || it->second.last_request_id != command.message_id) return;
  std::shared_ptr<const SagaDefinition> definition = definition_for(it->second);
  const StepDefinition* step = definition ? definition->find_step(command.step) : nullptr;
  it->second.deadline = std::max(it->second.deadline, reply_deadline(step, now()));
  timers_.arm(it->second);
}

void Engine::Impl::on_gate(const Envelope& command, Dispatcher::GateChange change,
                           std::string_view reason) {
  auto it = running_.find(command.saga_id);
  if (it == running_.end() || !awaits(it->second, command.message_id)) return;
  const Event event =
      change == Dispatcher::GateChange::kHeld ? Event::kCommandHeld : Event::kCommandReleased;
  if (!next_phase(it->second.phase, event)) return;  // only a sending saga has a command out
  HistoryEntry entry;
  entry.event = event;
  entry.step = it->second.step;
  entry.attempt = command.attempt;
  entry.time = now();
  entry.reason = std::string(reason);
  gate_history_.emplace_back(command.saga_id, std::move(entry));
}

void Engine::Impl::stage_gate_history(PendingBatch& batch) {
  batch.gate_entries = gate_history_.size();
  for (auto& entry : gate_history_) batch.history.push_back(std::move(entry));
  gate_history_.clear();
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
  Result<SagaInstance> stored = read_instance(id);
  if (stored.status().code() == StatusCode::kNotFound) {
    // A transactional start not taken yet: its saga begins at a coming poll.
    Result<bool> pending = store_->start_pending(id);
    if (pending && *pending) {
      waiters_[id].push_back(std::move(promise));
      return;
    }
  }
  promise->set_value(std::move(stored));
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
  m.expected_stale_replies = s.expected_stale_replies;
  m.unknown_replies = s.unknown_replies;
  m.commands_sent = s.commands_sent;
  m.commit_failures = s.commit_failures;
  m.operator_requests_applied = s.operator_requests_applied;
  m.operator_requests_rejected = s.operator_requests_rejected;
  return m;
}

StoreHealth Engine::Impl::store_health() const {
  std::lock_guard lock(observers_mutex_);
  return published_metrics_.store;
}

std::vector<ParticipantState> Engine::Impl::participants() const {
  std::lock_guard lock(observers_mutex_);
  return participant_states_;
}

}  // namespace saga
