// Engine::Impl: the engine thread, its in-memory view of running sagas, and group commit.
// Internal to the engine; see engine.h for the contract.
#pragma once

#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <queue>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "core/lock_table.h"
#include "runtime/participant_gate.h"
#include "saga/decide.h"
#include "saga/engine.h"
#include "saga/metrics.h"
#include "store/saga_store.h"

namespace saga {

// What one loop iteration applies and commits together.
struct PendingBatch {
  std::unordered_map<std::string, SagaInstance> staged;  // latest state of each saga touched
  std::unordered_set<std::string> inserted;              // staged ids that are new sagas
  std::vector<std::pair<std::string, HistoryEntry>> history;
  std::unordered_map<std::string, OutgoingCommand> commands;  // latest command per saga
  std::vector<std::function<void(const Status&)>> on_commit;  // API requests' answers
  std::vector<DefinitionRecord> definitions;
  std::vector<RequestOutcome> request_outcomes;  // operator requests taken from the store
  std::size_t inputs = 0;
};

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
  void tick() { options_.transport->wake(); }
  bool run_once(Millis max_wait);

  // --- engine thread only --------------------------------------------------------------------
  // check_exists: the id came from the caller and may already be in the store.
  Status stage_start(PendingBatch& batch, SagaInstance instance, bool check_exists);
  // Applies `input` to the saga, then settles what it changed about locks: grants, waits and
  // refusals for it and for the sagas queued behind the keys it released, in the same batch.
  Status stage_input(PendingBatch& batch, const std::string& id, Input input);
  // An operator's release of `key` (expected_holder: empty for whoever holds it).
  Status stage_release_lock(PendingBatch& batch, const std::string& key,
                            const std::string& expected_holder, std::string reason);
  std::vector<LockInfo> lock_infos() const;
  // The later of the lock's grant and its holder's last transition: the lease runs from it.
  Millis last_progress(const HeldLock& lock) const;
  Result<SagaInstance> read_instance(const std::string& id);
  void add_waiter(const std::string& id, std::shared_ptr<std::promise<Result<SagaInstance>>> p);
  Millis now() const { return clock_->now(); }
  std::uint32_t random() { return static_cast<std::uint32_t>(rng_()); }
  std::string new_id();
  SagaStore& store() { return *store_; }
  bool running() const { return running_flag_.load(); }

 private:
  struct Timer {
    Millis at;
    std::string saga_id;
    bool operator>(const Timer& o) const { return at > o.at; }
  };
  struct Registered {
    std::shared_ptr<const SagaDefinition> definition;
    std::string fingerprint;  // computed once, at registration
  };
  using DefinitionsByVersion = std::map<std::uint32_t, Registered>;

  void run();
  Status recover();
  void iterate(Millis max_wait);
  void shut_down();  // refuses new work and answers what is queued
  void collect_due_timers(PendingBatch& batch, std::size_t budget);
  void apply_reply(PendingBatch& batch, const Envelope& reply);
  // stage_input without settling the lock answers; appends them to `answers`.
  Status stage_one(PendingBatch& batch, const std::string& id, Input input,
                   std::vector<LockAnswer>& answers);
  // Feeds each answer (and those that follow from it) to its saga.
  void settle(PendingBatch& batch, std::vector<LockAnswer>& answers);
  // Logs keys whose holder is past its lease (once per key and holder), for the gauge.
  void check_leases();
  bool commit(PendingBatch& batch);
  void after_commit(PendingBatch& batch);
  void dispatch(OutgoingCommand command, bool released = false);
  void release_held();
  void publish();  // copies counters and breaker states for other threads
  void arm(const SagaInstance& instance);
  std::shared_ptr<const SagaDefinition> definition_for(const SagaInstance& instance) const;
  ParticipantGate& gate(const std::string& participant);
  const SagaInstance* current(const PendingBatch& batch, const std::string& id) const;
  bool crash_here(CrashPoint point);

  // engine_ops.cpp: operator requests, logs and metrics of the engine thread.
  // Stages every pending operator request (at most every operator_poll_interval).
  void apply_operator_requests(PendingBatch& batch);
  bool log_enabled(LogLevel level) const { return level >= options_.log_level; }
  void log(LogLevel level, const std::string& line) const;
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

  mutable std::mutex definitions_mutex_;
  std::map<std::string, DefinitionsByVersion, std::less<>> definitions_;
  std::vector<DefinitionRecord> unrecorded_definitions_;
  std::vector<DefinitionRecord> recorded_definitions_;  // in the store when it was opened

  std::mutex tasks_mutex_;
  std::deque<std::function<void(PendingBatch&)>> tasks_;
  bool accepting_ = false;  // guarded by tasks_mutex_

  std::thread thread_;
  std::atomic<bool> stop_requested_{false};
  std::atomic<bool> running_flag_{false};
  bool crashed_ = false;

  // Engine-thread state.
  std::unordered_map<std::string, SagaInstance> running_;  // executing, compensating, failed
  std::priority_queue<Timer, std::vector<Timer>, std::greater<>> timers_;
  std::map<std::string, ParticipantGate, std::less<>> gates_;
  std::unordered_map<std::string, std::string> sent_to_;  // message_id -> participant
  std::unordered_set<std::string> held_ids_;              // message_ids held by a gate
  std::unordered_map<std::string, std::vector<std::shared_ptr<std::promise<Result<SagaInstance>>>>>
      waiters_;
  std::vector<Envelope> replies_;  // reused between iterations

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
  LockTable locks_;
  std::set<std::pair<std::string, std::string>> past_lease_reported_;  // (key, holder)
  LockMetrics lock_metrics_;
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
