#include "runtime/commit_batch.h"

#include <algorithm>

namespace saga {

const SagaInstance* PendingBatch::current(const std::string& id,
                                          const RunningSagas& running) const {
  if (auto it = staged.find(id); it != staged.end()) return &it->second;
  if (auto it = running.find(id); it != running.end()) return &it->second;
  return nullptr;
}

SagaInstance& PendingBatch::stage(const std::string& id, Decision& decision) {
  ++inputs;
  for (HistoryEntry& entry : decision.history) history.emplace_back(id, std::move(entry));
  if (decision.command) commands[id] = std::move(*decision.command);
  for (OutgoingCommand& c : decision.branch_commands)
    branch_commands.emplace_back(id, std::move(c));
  return staged[id] = std::move(decision.next);
}

void PendingBatch::answer(const Status& committed) {
  for (auto& a : on_commit) a(committed);
}

CommitResult commit_batch(PendingBatch& batch, const RunningSagas& running, LockTable& locks,
                          const std::function<Status(const StoreBatch&)>& write) {
  StoreBatch out;
  out.definitions = batch.definitions;
  out.start_requests_done = batch.start_requests_done;
  // The staged instances and their commands' envelopes are moved into `out` for the store and
  // moved back right after (copying them was about 2 % of the CPU per saga at W=4096).
  out.inserts.reserve(batch.inserted.size());
  out.updates.reserve(batch.staged.size() - std::min(batch.staged.size(), batch.inserted.size()));
  out.updates_stored_phase.reserve(out.updates.capacity());
  out.outbox_put.reserve(batch.commands.size());
  for (auto& [id, instance] : batch.staged) {
    const bool inserted = batch.inserted.count(id) > 0;
    if (auto cmd = batch.commands.find(id); cmd != batch.commands.end()) {
      out.outbox_put.push_back(
          OutboxEntry{id, cmd->second.participant, std::move(cmd->second.envelope)});
    } else if (instance.last_request_id.empty() && !inserted) {
      out.outbox_delete.push_back(id);
    }
    if (auto was = running.find(id); was != running.end()) {
      for (const Branch& b : was->second.branches) {
        if (!b.message_id.empty() && !awaits(instance, b.message_id)) {
          out.branch_outbox_delete.push_back(b.message_id);
        }
      }
    }
    if (inserted) {
      out.inserts.push_back(std::move(instance));
    } else {
      const SagaInstance& was = running.at(id);
      out.updates_stored_phase.push_back(was.phase);
      out.updates.push_back(std::move(instance));
      out.updates.back().row_version = was.row_version;
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
    batch.history = std::move(out.history);
  };
  out.history = std::move(batch.history);
  for (const auto& [id, command] : batch.branch_commands) {
    out.branch_outbox_put.push_back(OutboxEntry{id, command.participant, command.envelope});
  }
  out.request_outcomes = batch.request_outcomes;
  out.events_put = batch.events_put;
  out.events_consumed = batch.events_consumed;
  out.event_keys_put = batch.event_keys_put;
  out.event_keys_delete = batch.event_keys_delete;
  out.event_requests_done = batch.event_requests_done;
  out.event_requests_refused = batch.event_requests_refused;
  out.locks = locks.changes();
  CommitResult result;
  if (out.empty()) {
    move_back();
    return result;
  }
  // Wall time, for the latency metric only; the engine's decisions use its clock.
  const auto started = std::chrono::steady_clock::now();
  result.status = write(out);
  result.elapsed = std::chrono::duration_cast<std::chrono::microseconds>(
      std::chrono::steady_clock::now() - started);
  move_back();
  if (!result.status) {
    locks.rollback();  // the table matches the database again
    return result;
  }
  locks.commit_changes();
  result.written = true;
  return result;
}

AppliedBatch apply_committed(PendingBatch& batch, RunningSagas& running, TimerQueue& timers) {
  AppliedBatch applied;
  for (auto& [id, instance] : batch.staged) {
    const bool inserted = batch.inserted.count(id) > 0;
    instance.row_version = inserted ? 1 : running.at(id).row_version + 1;
    if (inserted) applied.started_types.push_back(instance.type);
    const bool ends = is_terminal(instance.phase) || instance.phase == Phase::kFailed;
    auto was = running.find(id);
    const bool was_failed = was != running.end() && was->second.phase == Phase::kFailed;
    if (ends && !was_failed) applied.ended.push_back(instance);
    if (is_terminal(instance.phase)) {
      running.erase(id);
    } else {
      SagaInstance& kept = running[id];
      kept = std::move(instance);
      // A parallel group's deadline moves with every branch's answer.
      if (kept.wait == Wait::kRetry || kept.wait == Wait::kStart || kept.wait == Wait::kEvent ||
          !kept.branches.empty()) {
        timers.arm(kept);
      }
      if (inserted) timers.arm_saga_deadline(kept);
    }
  }
  return applied;
}

}  // namespace saga
