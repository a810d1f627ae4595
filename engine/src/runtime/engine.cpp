// Engine's public API: each call hands its work to the engine thread (engine_loop.cpp).
#include "saga/engine.h"

#include <algorithm>
#include <chrono>
#include <thread>

#include "runtime/engine_impl.h"
#include "saga/metrics.h"

namespace saga {

Result<std::unique_ptr<Engine>> Engine::open(EngineOptions options) {
  if (!options.transport) return invalid_argument("engine: options.transport is required");
  if (options.database_path.empty()) return invalid_argument("engine: database_path is empty");
  if (options.max_batch == 0) return invalid_argument("engine: max_batch must be at least 1");
  if (options.commit_retry_initial <= Millis{0} ||
      options.commit_retry_max < options.commit_retry_initial) {
    return invalid_argument(
        "engine: commit_retry_initial must be > 0 and commit_retry_max >= commit_retry_initial");
  }
  if (!options.clock) options.clock = std::make_shared<SystemClock>();
  if (!options.log) options.log = make_stderr_log_sink();  // never stdout
  if (options.lease < Millis{100}) return invalid_argument("engine: lease must be >= 100 ms");
  Result<std::unique_ptr<SagaStore>> store = open_store(
      {options.database_path, options.synchronous, options.busy_timeout, StoreAccess::kEngine,
       options.store_vfs, options.shared_database, options.instance_name, options.lease});
  if (!store) return store.status().with_context("engine: open " + options.database_path);
  auto impl = std::make_unique<Impl>(std::move(options), std::move(store).value());
  return std::unique_ptr<Engine>(new Engine(std::move(impl)));
}

Engine::Engine(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Engine::~Engine() { impl_->stop(); }

Status Engine::register_definition(std::shared_ptr<const SagaDefinition> definition) {
  return impl_->register_definition(std::move(definition));
}

Status Engine::start() { return impl_->start(); }
void Engine::stop() { impl_->stop(); }

Result<std::string> Engine::start_saga(std::string_view type, std::string data,
                                       const StartOptions& options) {
  return start_saga_async(type, std::move(data), options).get();
}

std::future<Result<std::string>> Engine::start_saga_async(std::string_view type, std::string data,
                                                          const StartOptions& options) {
  auto promise = std::make_shared<std::promise<Result<std::string>>>();
  std::future<Result<std::string>> future = promise->get_future();
  SagaInstance instance;
  instance.id = options.id;
  instance.type = std::string(type);
  instance.version = options.version;
  instance.trace_id = options.trace_id;
  instance.data = std::move(data);
  instance.saga_deadline = options.deadline;
  Impl* impl = impl_.get();
  bool posted = impl->post([impl, promise, instance = std::move(instance),
                            not_before = options.not_before](PendingBatch& batch) {
    SagaInstance copy = instance;
    if (copy.saga_deadline.count() > 0 && copy.saga_deadline <= std::max(impl->now(), not_before)) {
      promise->set_value(invalid_argument("start: the deadline (" +
                                          std::to_string(copy.saga_deadline.count()) +
                                          ") must be later than now and than not_before"));
      return;
    }
    const bool caller_id = !copy.id.empty();
    if (!caller_id) copy.id = impl->new_id();
    if (copy.trace_id.empty()) copy.trace_id = impl->new_id();
    std::string id = copy.id;
    Status staged = impl->stage_start(
        batch, std::move(copy), caller_id ? Impl::StoredId::kUnknown : Impl::StoredId::kAbsent,
        not_before);
    if (!staged) {
      promise->set_value(staged);
      return;
    }
    batch.on_commit.push_back([promise, id](const Status& committed) {
      if (committed) {
        promise->set_value(id);
      } else {
        promise->set_value(committed);
      }
    });
  });
  if (!posted) {
    std::promise<Result<std::string>> refused;
    refused.set_value(unavailable("engine is not running (call start())"));
    return refused.get_future();
  }
  return future;
}

Result<SagaInstance> Engine::get(std::string_view id) {
  Impl* impl = impl_.get();
  return impl->call<SagaInstance>(
      [impl, key = std::string(id)]() { return impl->read_instance(key); });
}

Result<std::vector<HistoryEntry>> Engine::history(std::string_view id) {
  Impl* impl = impl_.get();
  return impl->call<std::vector<HistoryEntry>>(
      [impl, key = std::string(id)]() -> Result<std::vector<HistoryEntry>> {
        Result<SagaInstance> instance = impl->read_instance(key);
        if (!instance) return instance.status();
        return impl->store().history(key);
      });
}

Result<std::vector<SagaInstance>> Engine::list(std::optional<Phase> phase, std::size_t limit) {
  Impl* impl = impl_.get();
  return impl->call<std::vector<SagaInstance>>(
      [impl, phase, limit]() { return impl->store().list(phase, limit); });
}

std::vector<SagaInstance> Engine::unresolved() const { return impl_->unresolved(); }

Result<SagaInstance> Engine::wait(std::string_view id, Millis timeout) {
  auto promise = std::make_shared<std::promise<Result<SagaInstance>>>();
  std::future<Result<SagaInstance>> future = promise->get_future();
  Impl* impl = impl_.get();
  if (!impl->post([impl, promise, key = std::string(id)](PendingBatch&) {
        impl->add_waiter(key, promise);
      })) {
    return unavailable("engine is not running (call start())");
  }
  if (future.wait_for(timeout) != std::future_status::ready) {
    return Status(StatusCode::kTimeout, "saga " + std::string(id) + " did not end in time");
  }
  return future.get();
}

void Engine::on_end(std::function<void(const SagaInstance&)> listener) {
  impl_->on_end(std::move(listener));
}

namespace {
// Runs `stage` on the engine thread: its error, or once staged, the outcome of the commit.
Status stage_and_commit(Engine::Impl* impl, std::function<Status(PendingBatch&)> stage) {
  auto promise = std::make_shared<std::promise<Status>>();
  std::future<Status> future = promise->get_future();
  bool posted = impl->post([promise, stage = std::move(stage)](PendingBatch& batch) {
    Status staged = stage(batch);
    if (!staged) {
      promise->set_value(staged);
      return;
    }
    batch.on_commit.push_back(
        [promise](const Status& committed) { promise->set_value(committed); });
  });
  if (!posted) return unavailable("engine is not running (call start())");
  return future.get();
}

// Several instances on one database: an action for a saga another instance runs goes to that
// instance as an operator request (docs/scale-out.md); waits for the outcome. Nothing when the
// action is this instance's to apply.
std::optional<Status> forwarded(Engine::Impl* impl, OperatorRequest request) {
  Result<std::int64_t> id =
      impl->call<std::int64_t>([impl, request]() { return impl->forward_if_elsewhere(request); });
  if (!id) return id.status();
  if (*id == 0) return std::nullopt;
  const auto until = std::chrono::steady_clock::now() + impl->forward_timeout();
  while (std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    Result<std::optional<OperatorRequest>> r = impl->call<std::optional<OperatorRequest>>(
        [impl, n = *id]() { return impl->store().operator_request(n); });
    if (!r) return r.status();
    if (!r->has_value() || (*r)->state == RequestState::kPending) continue;
    if ((*r)->state == RequestState::kApplied) return Status::ok();
    return failed_precondition((*r)->result);
  }
  return Status(StatusCode::kTimeout,
                "operator request " + std::to_string(*id) + " for saga " + request.saga_id +
                    " (run by another instance) was not applied in time; it stays pending");
}

std::optional<OperatorAction> action_of(InputKind kind) {
  switch (kind) {
    case InputKind::kOperatorRetry:
      return OperatorAction::kRetry;
    case InputKind::kOperatorCompensate:
      return OperatorAction::kCompensate;
    case InputKind::kOperatorSkip:
      return OperatorAction::kSkip;
    case InputKind::kCancel:
      return OperatorAction::kCancel;
    default:
      return std::nullopt;
  }
}

Status operator_action(Engine::Impl* impl, std::string_view id, InputKind kind,
                       std::string reason) {
  if (reason.empty()) return invalid_argument("operator actions need a reason");
  if (std::optional<OperatorAction> action = action_of(kind)) {
    OperatorRequest request;
    request.saga_id = std::string(id);
    request.action = *action;
    request.reason = reason;
    if (std::optional<Status> s = forwarded(impl, std::move(request))) return *s;
  }
  return stage_and_commit(
      impl, [impl, kind, key = std::string(id), reason = std::move(reason)](PendingBatch& batch) {
        Input input;
        input.kind = kind;
        input.now = impl->now();
        input.random = impl->random();
        input.reason = reason;
        return impl->stage_input(batch, key, std::move(input));
      });
}
}  // namespace

Status Engine::retry(std::string_view id, std::string reason) {
  return operator_action(impl_.get(), id, InputKind::kOperatorRetry, std::move(reason));
}
Status Engine::compensate(std::string_view id, std::string reason) {
  return operator_action(impl_.get(), id, InputKind::kOperatorCompensate, std::move(reason));
}
Status Engine::skip(std::string_view id, std::string reason) {
  return operator_action(impl_.get(), id, InputKind::kOperatorSkip, std::move(reason));
}

Status Engine::cancel(std::string_view id, std::string reason, std::string_view requested_by) {
  if (reason.empty()) return invalid_argument("cancel needs a reason");
  if (!requested_by.empty()) reason = std::string(requested_by) + ": " + reason;
  return operator_action(impl_.get(), id, InputKind::kCancel, std::move(reason));
}

Status Engine::release_lock(std::string_view key, std::string reason) {
  if (reason.empty()) return invalid_argument("operator actions need a reason");
  Impl* impl = impl_.get();
  OperatorRequest request;
  request.action = OperatorAction::kReleaseLock;
  request.reason = reason;
  request.lock_key = std::string(key);
  if (std::optional<Status> s = forwarded(impl, std::move(request))) return *s;
  return stage_and_commit(
      impl, [impl, key = std::string(key), reason = std::move(reason)](PendingBatch& batch) {
        return impl->stage_release_lock(batch, key, "", reason);
      });
}

Result<std::vector<LockInfo>> Engine::locks() {
  Impl* impl = impl_.get();
  return impl->call<std::vector<LockInfo>>(
      [impl]() -> Result<std::vector<LockInfo>> { return impl->lock_infos(); });
}

void Engine::tick() { impl_->tick(); }
void Engine::notify_starts() { impl_->notify_starts(); }
bool Engine::run_once(Millis max_wait) { return impl_->run_once(max_wait); }
EngineStats Engine::stats() const { return impl_->stats(); }
StoreHealth Engine::store_health() const { return impl_->store_health(); }
bool Engine::running() const { return impl_->running(); }
MetricsSnapshot Engine::metrics() const { return impl_->metrics(); }
std::vector<ParticipantState> Engine::participants() const { return impl_->participants(); }

}  // namespace saga
