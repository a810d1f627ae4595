// The engine thread's operations side: operator requests from the database, log lines about
// sagas, and the per-type counters behind Engine::metrics().
#include <algorithm>

#include "runtime/engine_impl.h"

namespace saga {
namespace {

// ` key=value`, quoting the value (logfmt) when it is empty or holds a space, '=' or '"'.
std::string field(std::string_view key, std::string_view value) {
  std::string out = " ";
  out += key;
  out += '=';
  const bool quote = value.empty() || value.find_first_of(" =\"\n") != std::string_view::npos;
  if (!quote) return out += value;
  out += '"';
  for (char c : value) {
    if (c == '"' || c == '\\') out += '\\';
    out += c == '\n' ? ' ' : c;
  }
  out += '"';
  return out;
}

InputKind input_kind(OperatorAction action) {
  switch (action) {
    case OperatorAction::kRetry:
      return InputKind::kOperatorRetry;
    case OperatorAction::kCompensate:
      return InputKind::kOperatorCompensate;
    case OperatorAction::kSkip:
      return InputKind::kOperatorSkip;
    case OperatorAction::kReleaseLock:
      return InputKind::kOperatorReleasedLock;
    case OperatorAction::kCancel:
      return InputKind::kCancel;
  }
  return InputKind::kOperatorRetry;
}

// Requests staged per batch: a bound, so that a flood of requests cannot starve replies.
constexpr std::size_t kRequestsPerBatch = 64;

}  // namespace

std::string Engine::Impl::saga_fields(const SagaInstance& instance) {
  std::string out = "saga=" + instance.id;
  out += field("type", instance.type);
  out += field("trace_id", instance.trace_id);
  return out;
}

// Every operator_poll_interval: leases are checked, and pending operator requests staged.
void Engine::Impl::apply_operator_requests(PendingBatch& batch) {
  const Millis t = now();
  if (last_request_poll_ && t - *last_request_poll_ < options_.operator_poll_interval) return;
  last_request_poll_ = t;
  locks_.check_leases(t, running_);
  poll_foreign_locks(batch);
  // One indexed read of the pending rows (usually none). A request stays pending until the
  // commit that applies it also records its outcome: after a crash it is applied then.
  Result<std::vector<OperatorRequest>> pending = store_->take_operator_requests(kRequestsPerBatch);
  if (!pending) {
    // During a store fault the health monitor reports it; read again at the next poll.
    log(health_.health().ok ? LogLevel::kError : LogLevel::kDebug,
        "operator requests: " + pending.status().to_string());
    return;
  }
  batch.took_requests = !pending->empty();
  for (const OperatorRequest& request : pending.value()) {
    Input input;
    input.kind = input_kind(request.action);
    input.now = t;
    input.random = random();
    input.reason = request.requested_by.empty() ? request.reason
                                                : request.requested_by + ": " + request.reason;
    Status s =
        request.action == OperatorAction::kReleaseLock
            ? stage_release_lock(batch, request.lock_key, request.saga_id, std::move(input.reason))
            : stage_input(batch, request.saga_id, std::move(input));
    RequestOutcome outcome{request.id, s ? RequestState::kApplied : RequestState::kRejected,
                           s ? "ok" : s.message(), t};
    auto running = running_.find(request.saga_id);
    std::string line =
        "saga=" + request.saga_id +
        field("trace_id", running == running_.end() ? "-" : running->second.trace_id) +
        field("event", s ? "operator_request_applied" : "operator_request_rejected") +
        field("request", std::to_string(request.id)) + field("action", to_string(request.action)) +
        field("requested_by", request.requested_by) + field("reason", request.reason);
    if (!request.lock_key.empty()) line += field("key", request.lock_key);
    if (!s) line += field("result", s.message());
    log(s ? LogLevel::kInfo : LogLevel::kWarning, line);
    batch.request_outcomes.push_back(std::move(outcome));
  }
}

void Engine::Impl::log_events(
    const PendingBatch& batch,
    const std::vector<std::pair<std::string, HistoryEntry>>& history) const {
  if (!log_enabled(LogLevel::kDebug)) return;
  for (const auto& [id, entry] : history) {
    auto it = batch.staged.find(id);
    if (it == batch.staged.end()) continue;
    const SagaInstance& instance = it->second;
    std::string line = saga_fields(instance);
    line += field("event", to_string(entry.event));
    line += field("step", std::to_string(entry.step));
    std::shared_ptr<const SagaDefinition> definition = definition_for(instance);
    if (definition && entry.step >= 0 &&
        static_cast<std::size_t>(entry.step) < definition->steps.size()) {
      line += field("step_name", definition->steps[static_cast<std::size_t>(entry.step)].name);
    }
    line += field("attempt", std::to_string(entry.attempt));
    if (!entry.reason.empty()) line += field("reason", entry.reason);
    if (!entry.reply_name.empty()) line += field("reply", entry.reply_name);
    line += field("phase", to_string(instance.phase));
    log(LogLevel::kDebug, line);
  }
}

void Engine::Impl::count_end(const SagaInstance& instance) {
  SagaTypeMetrics& t = type_metrics_[instance.type];
  t.type = instance.type;
  switch (instance.phase) {
    case Phase::kCompleted:
      ++stats_.sagas_completed;
      ++t.completed;
      break;
    case Phase::kCompensated:
      ++stats_.sagas_compensated;
      ++t.compensated;
      break;
    case Phase::kFailed:
      ++stats_.sagas_failed;
      ++t.failed;
      // Retries (of a retriable step or of a compensation) are exhausted: an operator must act.
      log(LogLevel::kWarning, saga_fields(instance) + field("event", "saga_failed") +
                                  field("step", std::to_string(instance.step)) +
                                  field("failed_from", to_string(instance.failed_from)) +
                                  field("reason", instance.last_reason) +
                                  field("hint", "sagactl show " + instance.id));
      break;
    default:
      break;
  }
}

}  // namespace saga
