#include "core/lock_table.h"

#include <algorithm>
#include <utility>

namespace saga {

void LockTable::load(std::vector<HeldLock> locks, std::vector<LockWait> waits) {
  locks_.clear();
  by_saga_.clear();
  waits_.clear();
  queues_.clear();
  old_locks_.clear();
  old_waits_.clear();
  next_seq_ = 1;
  step_scoped_ = 0;
  locks_.reserve(locks.size());
  by_saga_.reserve(locks.size());
  for (HeldLock& l : locks) {
    if (l.release_after >= 0) ++step_scoped_;
    const HeldLock& held = *locks_.emplace(std::move(l)).first;
    by_saga_.emplace(held.saga_id, &held);
  }
  for (LockWait& w : waits) {
    if (w.claims.empty()) continue;
    next_seq_ = std::max(next_seq_, w.seq + 1);
    queues_[w.claims.front().key].emplace(w.seq, w.saga_id);
    std::string id = w.saga_id;
    waits_.emplace(std::move(id), std::move(w));
  }
}

void LockTable::set_lock(const std::string& key, std::optional<HeldLock> value) {
  auto it = locks_.find(key);
  if (!old_locks_.count(key)) {
    old_locks_.emplace(key, it == locks_.end() ? std::nullopt : std::optional(*it));
  }
  if (it != locks_.end()) {
    auto [first, last] = by_saga_.equal_range(it->saga_id);
    for (auto owned = first; owned != last; ++owned) {
      if (owned->second == &*it) {
        by_saga_.erase(owned);
        break;
      }
    }
    if (it->release_after >= 0) --step_scoped_;
    locks_.erase(it);
  }
  if (value) {
    if (value->release_after >= 0) ++step_scoped_;
    const HeldLock& held = *locks_.emplace(std::move(*value)).first;  // value->key == key
    by_saga_.emplace(held.saga_id, &held);
  }
}

void LockTable::set_wait(const std::string& saga_id, std::optional<LockWait> value) {
  auto it = waits_.find(saga_id);
  if (!old_waits_.count(saga_id)) {
    old_waits_.emplace(saga_id, it == waits_.end() ? std::nullopt : std::optional(it->second));
  }
  if (it != waits_.end()) {
    const std::string& key = it->second.claims.front().key;
    auto queue = queues_.find(key);
    queue->second.erase(it->second.seq);
    if (queue->second.empty()) queues_.erase(queue);
    waits_.erase(it);
  }
  if (value) {
    queues_[value->claims.front().key].emplace(value->seq, saga_id);
    waits_.emplace(saga_id, std::move(*value));
  }
}

void LockTable::acquire(const std::string& saga_id, std::int32_t step,
                        const std::vector<LockClaim>& claims, Millis now,
                        std::vector<LockAnswer>& answers) {
  answers.push_back(take(saga_id, step, claims, now, answers));
}

LockAnswer LockTable::take(const std::string& saga_id, std::int32_t step,
                           const std::vector<LockClaim>& claims, Millis now,
                           std::vector<LockAnswer>& answers) {
  std::vector<std::string> taken;  // by this call, given back on a refusal
  std::string granted;
  for (std::size_t i = 0; i < claims.size(); ++i) {
    const LockClaim& claim = claims[i];
    auto held = locks_.find(claim.key);
    if (held == locks_.end()) {
      set_lock(claim.key, HeldLock{claim.key, saga_id, now, claim.lease, claim.release_after});
      taken.push_back(claim.key);
    } else if (held->saga_id != saga_id) {
      const std::string holder = held->saga_id;
      std::optional<std::string> loop;
      if (claim.mode == LockMode::kWait) loop = cycle(saga_id, holder);
      if (claim.mode == LockMode::kFailFast || loop) {
        // Given back: a key handed over from a queue goes to the next saga in that queue.
        for (const std::string& key : taken) free_key(key, now, answers);
        if (loop) return LockAnswer{saga_id, LockOutcome::kRefused, "deadlock: " + *loop, true};
        return LockAnswer{saga_id, LockOutcome::kRefused,
                          "lock_held: " + claim.key + " held by " + holder, false};
      }
      LockWait wait{
          saga_id, next_seq_++, now, step,
          std::vector<LockClaim>(claims.begin() + static_cast<std::ptrdiff_t>(i), claims.end())};
      set_wait(saga_id, std::move(wait));
      return LockAnswer{saga_id, LockOutcome::kWaiting, claim.key + " held by " + holder, false};
    }
    if (!granted.empty()) granted += ' ';
    granted += claim.key;
  }
  return LockAnswer{saga_id, LockOutcome::kGranted, granted, false};
}

std::optional<std::string> LockTable::cycle(const std::string& saga_id,
                                            const std::string& holder) const {
  std::string path = saga_id + " -> " + holder;
  std::set<std::string> seen{saga_id};
  std::string current = holder;
  while (seen.insert(current).second) {
    auto wait = waits_.find(current);
    if (wait == waits_.end()) return std::nullopt;  // `current` is not waiting: no cycle
    auto held = locks_.find(wait->second.claims.front().key);
    if (held == locks_.end()) return std::nullopt;
    current = held->saga_id;
    path += " -> " + current;
    if (current == saga_id) return path;
  }
  return std::nullopt;  // a cycle that does not include saga_id (cannot form, but stop)
}

void LockTable::free_key(const std::string& key, Millis now, std::vector<LockAnswer>& answers) {
  set_lock(key, std::nullopt);
  auto queue = queues_.find(key);
  if (queue == queues_.end() || queue->second.empty()) return;
  const std::string next = queue->second.begin()->second;
  LockWait wait = waits_.at(next);
  set_wait(next, std::nullopt);
  LockAnswer answer = take(next, wait.step, wait.claims, now, answers);
  answers.push_back(std::move(answer));
}

void LockTable::release_saga(const std::string& saga_id, Millis now,
                             std::vector<LockAnswer>& answers) {
  if (waits_.count(saga_id)) set_wait(saga_id, std::nullopt);
  auto [first, last] = by_saga_.equal_range(saga_id);
  if (first == last) return;
  std::vector<std::string> keys;  // copied: free_key edits by_saga_
  for (auto owned = first; owned != last; ++owned) keys.push_back(owned->second->key);
  std::sort(keys.begin(), keys.end());  // released in key order
  for (const std::string& key : keys) free_key(key, now, answers);
}

void LockTable::release_passed(const std::string& saga_id, std::int32_t step, Millis now,
                               std::vector<LockAnswer>& answers) {
  if (step_scoped_ == 0) return;  // called for every input: no lookups when nothing can pass
  std::vector<std::string> passed;
  auto [first, last] = by_saga_.equal_range(saga_id);
  for (auto owned = first; owned != last; ++owned) {
    const HeldLock& l = *owned->second;
    if (l.release_after >= 0 && l.release_after < step) passed.push_back(l.key);
  }
  std::sort(passed.begin(), passed.end());  // released in key order
  for (const std::string& key : passed) free_key(key, now, answers);
}

bool LockTable::release_key(const std::string& key, Millis now, std::vector<LockAnswer>& answers) {
  if (!locks_.count(key)) return false;
  free_key(key, now, answers);
  return true;
}

void LockTable::observe(const std::string& key, const std::optional<HeldLock>& stored, Millis now,
                        std::vector<LockAnswer>& answers) {
  if (old_locks_.count(key)) return;
  auto it = locks_.find(key);
  if (!stored) {
    if (it != locks_.end() || queues_.count(key)) free_key(key, now, answers);
    return;
  }
  if (it != locks_.end() && *stored == *it) return;
  set_lock(key, *stored);
  old_locks_.erase(key);  // what the database holds already: nothing to write
}

std::vector<std::string> LockTable::waited_keys() const {
  std::vector<std::string> out;
  out.reserve(queues_.size());
  for (const auto& [key, queue] : queues_) out.push_back(key);
  std::sort(out.begin(), out.end());
  return out;
}

const HeldLock* LockTable::holder(const std::string& key) const {
  auto it = locks_.find(key);
  return it == locks_.end() ? nullptr : &*it;
}

std::vector<HeldLock> LockTable::locks() const {
  std::vector<HeldLock> out;
  out.reserve(locks_.size());
  for (const HeldLock& l : locks_) out.push_back(l);
  std::sort(out.begin(), out.end(),
            [](const HeldLock& a, const HeldLock& b) { return a.key < b.key; });
  return out;
}

std::vector<LockWait> LockTable::waits() const {
  std::vector<LockWait> out;
  out.reserve(waits_.size());
  for (const auto& [id, w] : waits_) out.push_back(w);
  std::sort(out.begin(), out.end(),
            [](const LockWait& a, const LockWait& b) { return a.seq < b.seq; });
  return out;
}

std::vector<std::string> LockTable::queue(const std::string& key) const {
  std::vector<std::string> out;
  auto it = queues_.find(key);
  if (it == queues_.end()) return out;
  for (const auto& [seq, id] : it->second) out.push_back(id);
  return out;
}

std::size_t LockTable::queue_length(const std::string& key) const {
  auto it = queues_.find(key);
  return it == queues_.end() ? 0 : it->second.size();
}

LockChanges LockTable::changes() const {
  LockChanges out;
  for (const auto& [key, old] : old_locks_) {
    auto it = locks_.find(key);
    if (it != locks_.end()) {
      if (!old || !(*old == *it)) out.locks_put.push_back(*it);
    } else if (old) {
      out.locks_deleted.push_back(key);
    }
  }
  for (const auto& [id, old] : old_waits_) {
    auto it = waits_.find(id);
    if (it != waits_.end()) {
      if (!old || !(*old == it->second)) out.waits_put.push_back(it->second);
    } else if (old) {
      out.waits_deleted.push_back(id);
    }
  }
  return out;
}

void LockTable::commit_changes() {
  old_locks_.clear();
  old_waits_.clear();
}

void LockTable::rollback() {
  // Restoring goes through set_* (to keep the indexes right), which journals it again:
  // commit_changes() below forgets that.
  std::map<std::string, std::optional<HeldLock>> locks = std::move(old_locks_);
  std::map<std::string, std::optional<LockWait>> waits = std::move(old_waits_);
  old_locks_.clear();
  old_waits_.clear();
  // Waits first: a wait's queue entry is keyed by its own seq, independent of the locks.
  for (auto& [id, old] : waits) set_wait(id, std::move(old));
  for (auto& [key, old] : locks) set_lock(key, std::move(old));
  commit_changes();
}

}  // namespace saga
