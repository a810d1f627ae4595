// Engine::Impl: the engine thread. A thin coordinator of the runtime's parts, each in its own
// files: DefinitionRegistry (definitions), Dispatcher (sending behind participant gates),
// TimerQueue (deadlines and retries), LockCoordinator (semantic locks) and the commit batch
// (PendingBatch, commit_batch, apply_committed). It owns the sagas in memory, runs `decide`
// and the loop, and publishes counters. Internal; see engine.h for the contract.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "runtime/commit_batch.h"
#include "runtime/definition_registry.h"
#include "runtime/dispatcher.h"
#include "runtime/engine_log.h"
#include "runtime/lock_coordinator.h"
#include "runtime/store_health.h"
#include "runtime/timer_queue.h"
#include "saga/decide.h"
#include "saga/engine.h"
#include "saga/metrics.h"
#include "store/saga_store.h"

namespace saga {

class Engine::Impl {
 public:
  explicit Impl(EngineOptions options, std::unique_ptr<SagaStore> store);
  ~Impl();

  // --- called from API threads -------------------------------------------------------------
  Status register_definition(std::shared_ptr<const SagaDefinition> definition);
  Status start();
  void stop();
  // Runs `task` on the engine thread inside the next batch; it may stage changes. False when
  // the engine thread is not running (the task is dropped).
  bool post(std::function<void(PendingBatch&)> task);
  // Runs `task` on the engine thread and returns its result (kUnavailable when not running).
  template <typename T>
  Result<T> call(std::function<Result<T>()> task);

  void on_end(std::function<void(const SagaInstance&)> listener);
  std::vector<SagaInstance> unresolved() const;
  EngineStats stats() const;
  std::vector<ParticipantState> participants() const;
  MetricsSnapshot metrics() const;
  StoreHealth store_health() const;
  void tick() { options_.transport->wake(); }
  void notify_starts() {
    starts_woken_ = true;
    options_.transport->wake();
  }
  bool run_once(Millis max_wait);

  // --- engine thread only --------------------------------------------------------------------
  // Whether the store may already hold a new saga's id.
  enum class StoredId {
    kAbsent,   // the engine made the id, or the store said it has no such saga
    kUnknown,  // the caller chose it: stage_start reads the store
    kPresent,  // the store said it has it: kAlreadyExists
  };
  // not_before: StartOptions::not_before (later than now: the saga is scheduled).
  Status stage_start(PendingBatch& batch, SagaInstance instance, StoredId stored,
                     Millis not_before = Millis{0});
  // Applies `input` to the saga, then settles what it changed about locks: grants, waits and
  // refusals for it and for the sagas queued behind the keys it released, in the same batch.
  Status stage_input(PendingBatch& batch, const std::string& id, Input input);
  // An operator's release of `key` (expected_holder: empty for whoever holds it).
  Status stage_release_lock(PendingBatch& batch, const std::string& key,
                            const std::string& expected_holder, std::string reason);
  std::vector<LockInfo> lock_infos() const { return locks_.infos(now(), running_); }
  // engine_events.cpp: external events. Stages `event` (validated, resolved to its saga, and
  // taken by the saga when it waits for it); `receipt` is filled once staged.
  Status stage_event(PendingBatch& batch, const EventDelivery& event, EventReceipt& receipt);
  Result<SagaInstance> read_instance(const std::string& id);
  void add_waiter(const std::string& id, std::shared_ptr<std::promise<Result<SagaInstance>>> p);
  Millis now() const { return clock_->now(); }
  std::uint32_t random() { return static_cast<std::uint32_t>(rng_()); }
  std::string new_id();
  SagaStore& store() { return *store_; }
  // engine_shared_locks.cpp: an operator action for a saga another instance runs (or a key its
  // saga holds), written as an operator request for that instance to apply: its id, or 0 to
  // apply the action here.
  Result<std::int64_t> forward_if_elsewhere(OperatorRequest request);
  Millis forward_timeout() const { return options_.lease * 3 + options_.operator_poll_interval; }
  bool running() const { return running_flag_.load(); }

 private:
  void run();
  Status recover();
  // engine_lease.cpp: runs `unfinished` (loaded or claimed) and resends their outbox commands;
  // those whose definition is not registered join unresolved().
  void adopt(std::vector<SagaInstance> unfinished, std::vector<OutboxEntry> outbox);
  // Several instances (store_->shared()): renews the lease every lease/4 and takes over the
  // sagas of expired instances; a lost lease drops everything and reloads (resync).
  void tend_lease();
  // After a lost lease or a fenced commit: drops the sagas in memory and reloads those this
  // instance owns (recover), answering waiters of sagas it no longer runs.
  void resync(const Status& why);
  void iterate(Millis max_wait);
  void shut_down();  // refuses new work and answers what is queued
  void collect_due_timers(PendingBatch& batch, std::size_t budget);
  // Whether the reply was staged (false: not a reply, or dropped as stale or unknown).
  bool apply_reply(PendingBatch& batch, const Envelope& reply);
  // stage_input without settling the lock answers; appends them to `answers`.
  Status stage_one(PendingBatch& batch, const std::string& id, Input input,
                   std::vector<LockAnswer>& answers);
  // engine_events.cpp. After saga `id`'s decision was staged: its correlation keys when it
  // starts or ends, and a pending event taken when it begins to wait.
  void after_staged(PendingBatch& batch, const std::string& id, const SagaDefinition& definition,
                    const Decision& decision, bool started, std::vector<LockAnswer>& answers);
  // engine_children.cpp. After saga `id`'s decision was staged: the child it starts or
  // compensates, its end told to its parent, its own end told to its children waiting for it.
  void stage_children(PendingBatch& batch, const std::string& id, const SagaDefinition& definition,
                      const Decision& decision, std::vector<LockAnswer>& answers);
  // Creates the child in the batch (depth bounded); when it cannot, the parent's step fails.
  void start_child(PendingBatch& batch, const SagaInstance& parent, const ChildStart& start,
                   std::vector<LockAnswer>& answers);
  // Stages kChildEnded for `parent_id` with `child`.
  void child_ended(PendingBatch& batch, const std::string& parent_id, const SagaInstance& child,
                   std::vector<LockAnswer>& answers);
  // stage_one, an input that may be ignored (logged at debug).
  void tell(PendingBatch& batch, const std::string& id, Input input,
            std::vector<LockAnswer>& answers);
  // Stages kEvent for saga `id` with `event`, marks the event taken. False when ignored.
  bool feed_event(PendingBatch& batch, const std::string& id, const StoredEvent& event,
                  std::vector<LockAnswer>& answers);
  // An "event" message from the transport: delivered, and answered once committed.
  void apply_wire_event(PendingBatch& batch, const Envelope& message);
  // Transactional events (saga/transactional_event.h) above the event cursor: each staged as
  // deliver_event's (row deleted by the commit) or refused (row marked by the commit). From
  // apply_start_requests, once every start committed before them was read.
  void apply_event_requests(PendingBatch& batch);
  // After recovery: sagas waiting for an event that is already pending take it.
  void stage_event_checks(PendingBatch& batch);
  // The lock coordinator's way back in: stage_one, and fresh inputs.
  LockCoordinator::StageFn stage_fn(PendingBatch& batch);
  LockCoordinator::FreshInput fresh_input();
  // engine_commit.cpp: committing a batch, and keeping a refused one's inputs.
  // Notes the counters a refused batch gives back, and stages the gate history.
  void begin_batch(PendingBatch& batch);
  bool commit(PendingBatch& batch);
  void after_commit(PendingBatch& batch);
  // After a refused commit: keeps the batch's replies, re-arms its timers, re-reads operator
  // requests at the next attempt, gives counters back, answers its calls with `error`, and
  // starts or extends the backoff.
  void carry_over(PendingBatch& batch, const Status& error);
  // While backing off: waits until the next attempt (at most max_wait), taking replies.
  void wait_for_retry(Millis max_wait);
  // A command was sent: its saga's reply deadline runs from now (reply_deadline, decide.h).
  void on_sent(const Envelope& command);
  // A command entered or left its participant's gate: kCommandHeld / kCommandReleased for its
  // saga, kept until the next batch stages them (stage_gate_history).
  void on_gate(const Envelope& command, Dispatcher::GateChange change, std::string_view reason);
  // Moves the gate entries recorded since the last batch into `batch`'s history.
  void stage_gate_history(PendingBatch& batch);
  void publish();  // copies counters and breaker states for other threads
  std::shared_ptr<const SagaDefinition> definition_for(const SagaInstance& instance) const {
    return definitions_.find(instance);
  }
  bool crash_here(CrashPoint point);

  // engine_shared_locks.cpp (several instances on one database). Keys this instance's sagas
  // queue for while another instance's saga holds them: read every operator_poll_interval, a
  // key found free goes to the first saga queued for it here.
  void poll_foreign_locks(PendingBatch& batch);
  // A commit refused because a key it granted is held elsewhere: the lock table is read again,
  // and the carried inputs are decided again from it at the next attempt.
  void reread_locks(const Status& why);
  // engine_ops.cpp: operator requests, logs and metrics of the engine thread.
  // Stages every pending operator request (at most every operator_poll_interval).
  void apply_operator_requests(PendingBatch& batch);
  // engine_starts.cpp: stages the starts (then the events) other connections committed (at
  // most every start_poll_interval, or at once after notify_starts()).
  void apply_start_requests(PendingBatch& batch);
  void read_start_requests(PendingBatch& batch);  // the start rows of that poll
  // After a refused commit: the batch's start and event requests are read again at the next
  // poll.
  void give_back_start_requests(const PendingBatch& batch);
  bool log_enabled(LogLevel level) const { return log_.enabled(level); }
  void log(LogLevel level, const std::string& line) const { log_(level, line); }
  // One debug line per history entry of a committed batch.
  void log_events(const PendingBatch& batch,
                  const std::vector<std::pair<std::string, HistoryEntry>>& history) const;
  // "saga=<id> type=<type> trace_id=<trace>", the prefix of every line about a saga.
  static std::string saga_fields(const SagaInstance& instance);
  void count_end(const SagaInstance& instance);

  EngineOptions options_;
  std::unique_ptr<SagaStore> store_;
  std::shared_ptr<Clock> clock_;
  std::mt19937_64 rng_;
  EngineLog log_;
  DefinitionRegistry definitions_;

  std::mutex tasks_mutex_;
  std::deque<std::function<void(PendingBatch&)>> tasks_;
  bool accepting_ = false;  // guarded by tasks_mutex_

  std::thread thread_;
  std::atomic<bool> stop_requested_{false};
  std::atomic<bool> running_flag_{false};
  bool crashed_ = false;

  // Engine-thread state.
  RunningSagas running_;  // executing, compensating, failed
  TimerQueue timers_;
  Dispatcher dispatcher_;
  LockCoordinator locks_;
  std::unordered_map<std::string, std::vector<std::shared_ptr<std::promise<Result<SagaInstance>>>>>
      waiters_;
  std::vector<Envelope> replies_;          // reused between iterations
  std::vector<Envelope> carried_replies_;  // kept from a refused commit, for the next attempt
  StoreHealthMonitor health_;
  std::vector<std::pair<std::string, HistoryEntry>> gate_history_;  // for the next batch
  std::vector<std::string> event_checks_;  // waiting sagas to look at (recovery)

  mutable std::mutex observers_mutex_;
  std::vector<std::function<void(const SagaInstance&)>> end_listeners_;
  std::vector<SagaInstance> unresolved_;
  EngineStats published_stats_;  // copies of the engine thread's, under observers_mutex_
  std::vector<ParticipantState> participant_states_;
  MetricsSnapshot published_metrics_;  // under observers_mutex_ (counters filled at publish)
  EngineStats stats_;                  // engine thread only
  std::map<std::string, SagaTypeMetrics, std::less<>> type_metrics_;
  CountSumMax commit_batch_size_;
  CountSumMax commit_latency_us_;
  std::optional<Millis> last_request_poll_;
  // Transactional starts (engine_starts.cpp): the highest seq read, whether to read again
  // without asking data_version (after a full page, an error or a refused commit), the last
  // poll, and notify_starts()'s flag.
  std::int64_t start_cursor_ = 0;
  bool starts_unread_ = true;
  std::optional<Millis> last_start_poll_;
  std::atomic<bool> starts_woken_{false};
  // The same for transactional events (engine_events.cpp), read in the same poll.
  std::int64_t event_cursor_ = 0;
  bool events_unread_ = true;
  std::optional<std::chrono::steady_clock::time_point> last_lease_renewal_;
  std::optional<Millis> last_lock_poll_;  // poll_foreign_locks
};

template <typename T>
Result<T> Engine::Impl::call(std::function<Result<T>()> task) {
  if (options_.manual) {
    if (!running()) return unavailable("engine is not running (call start())");
    return task();
  }
  auto promise = std::make_shared<std::promise<Result<T>>>();
  std::future<Result<T>> future = promise->get_future();
  if (!post([promise, task = std::move(task)](PendingBatch&) { promise->set_value(task()); })) {
    return unavailable("engine is not running (call start())");
  }
  return future.get();
}

}  // namespace saga
