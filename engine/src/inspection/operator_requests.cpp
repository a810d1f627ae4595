// Inspector (saga/inspection.h): queueing operator requests for the engine, and waiting for
// its verdict. The engine applies them (engine/src/runtime); this side only checks and inserts.
#include <algorithm>
#include <chrono>
#include <thread>
#include <utility>

#include "saga/inspection.h"
#include "store/saga_store.h"

namespace saga {

Result<std::int64_t> Inspector::add(OperatorRequest request, const Audit& audit) {
  if (access_ != StoreAccess::kOperator) {
    return failed_precondition("inspector: opened read-only; operator requests need kOperator");
  }
  if (audit.reason.empty()) {
    return invalid_argument(std::string(to_string(request.action)) +
                            " needs a reason (kept in the history)");
  }
  request.reason = audit.reason;
  request.requested_by = audit.by.empty() ? "unknown" : audit.by;
  request.requested_at = audit.at;
  if (request.requested_at == Millis{0}) {
    request.requested_at =
        std::chrono::duration_cast<Millis>(std::chrono::system_clock::now().time_since_epoch());
  }
  return store_->add_operator_request(request);
}

Result<std::int64_t> Inspector::act_on_failed(const std::string& saga_id, OperatorAction action,
                                              const Audit& audit) {
  Result<std::optional<SagaInstance>> instance = store_->load(saga_id);
  if (!instance) return instance.status();
  if (!instance->has_value()) return not_found("no saga with id '" + saga_id + "'");
  const Phase phase = instance->value().phase;
  // A saga stuck compensating (a compensation failing without limit) takes retry and skip.
  const bool compensating = phase == Phase::kCompensating && action != OperatorAction::kCompensate;
  if (phase != Phase::kFailed && !compensating) {
    return failed_precondition("saga " + saga_id + " is " + std::string(to_string(phase)) + ": " +
                               std::string(to_string(action)) +
                               (action == OperatorAction::kCompensate
                                    ? " applies only to failed sagas"
                                    : " applies only to failed or compensating sagas"));
  }
  OperatorRequest request;
  request.saga_id = saga_id;
  request.action = action;
  return add(std::move(request), audit);
}

Result<std::int64_t> Inspector::retry(const std::string& saga_id, const Audit& audit) {
  return act_on_failed(saga_id, OperatorAction::kRetry, audit);
}

Result<std::int64_t> Inspector::compensate(const std::string& saga_id, const Audit& audit) {
  return act_on_failed(saga_id, OperatorAction::kCompensate, audit);
}

Result<std::int64_t> Inspector::skip(const std::string& saga_id, const Audit& audit) {
  return act_on_failed(saga_id, OperatorAction::kSkip, audit);
}

Result<std::int64_t> Inspector::release_lock(const std::string& key, const std::string& holder,
                                             const Audit& audit) {
  Result<std::vector<HeldLock>> held = store_->load_locks();
  if (!held) return held.status();
  for (const HeldLock& l : held.value()) {
    if (l.key != key) continue;
    if (!holder.empty() && l.saga_id != holder) {
      return failed_precondition("lock " + key + " is held by " + l.saga_id + ", not " + holder);
    }
    OperatorRequest request;
    request.saga_id = holder;
    request.lock_key = key;
    request.action = OperatorAction::kReleaseLock;
    return add(std::move(request), audit);
  }
  return not_found("no saga holds lock '" + key + "'");
}

Result<std::int64_t> Inspector::cancel(const std::string& saga_id, const Audit& audit) {
  Result<std::optional<SagaDetail>> found = saga(saga_id);
  if (!found) return found.status();
  if (!found->has_value()) return not_found("no saga with id '" + saga_id + "'");
  const SagaInstance& i = found->value().instance;
  if (i.phase != Phase::kExecuting && i.phase != Phase::kScheduled) {
    return failed_precondition("saga " + saga_id + " is " + std::string(to_string(i.phase)) +
                               ": cancel applies only to executing or scheduled sagas");
  }
  // The recorded steps tell where the point of no return is (point_of_no_return, decide.h);
  // the engine checks again when it applies the request.
  const std::optional<DefinitionRecord>& definition = found->value().definition;
  if (i.phase == Phase::kExecuting && definition && definition->steps) {
    const std::vector<StepRecord>& steps = *definition->steps;
    std::size_t p = 0;
    while (p < steps.size() && steps[p].kind == StepKind::kCompensatable) ++p;
    const auto at = static_cast<std::size_t>(std::max(i.step, 0));
    if (p < steps.size() && i.step >= 0 && (at > p || (at == p && i.wait != Wait::kLock))) {
      return failed_precondition("saga " + saga_id + " is past its pivot (step '" + steps[p].name +
                                 "'): it is bound to finish and cannot be cancelled");
    }
  }
  OperatorRequest request;
  request.saga_id = saga_id;
  request.action = OperatorAction::kCancel;
  return add(std::move(request), audit);
}

Result<OperatorRequest> Inspector::wait_for(std::int64_t id, Millis timeout) {
  const auto give_up = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    Result<std::optional<OperatorRequest>> r = store_->operator_request(id);
    if (!r) return r.status();
    if (!r->has_value()) return not_found("no operator request " + std::to_string(id));
    if (r->value().state != RequestState::kPending || std::chrono::steady_clock::now() >= give_up) {
      return std::move(r->value());
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

}  // namespace saga
