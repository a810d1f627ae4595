// LockTable: the engine's semantic locks, in memory, on the engine thread (internal).
//
// A key is held by at most one saga. A saga that asks for a held key in kWait mode queues for
// it, first come first served; kFailFast refuses. Keys are taken in the order of the claims, and
// a saga keeps the keys it got while it waits for the next one (so deadlocks are possible, and
// detected: a saga whose wait would close a cycle of waiting sagas is refused instead, reason
// "deadlock: a -> b -> a"). Releasing a key hands it to the first saga queued for it, which then
// goes on with the rest of its claims.
//
// Every change is journaled since the last commit: changes() lists what the store must write,
// and rollback() undoes them when the commit fails, so the table always matches the database.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "saga/clock.h"
#include "saga/decide.h"
#include "saga/store_records.h"

namespace saga {

enum class LockOutcome : std::uint8_t { kGranted, kWaiting, kRefused };

// What to tell a saga about its LockRequest.
struct LockAnswer {
  std::string saga_id;
  LockOutcome outcome = LockOutcome::kGranted;
  std::string reason;  // granted: the keys; waiting: what for; refused: why
  bool deadlock = false;
};

class LockTable {
 public:
  LockTable() = default;
  LockTable(const LockTable&) = delete;  // by_saga_ points into locks_
  LockTable& operator=(const LockTable&) = delete;
  // Replaces the contents (recovery). Not journaled.
  void load(std::vector<HeldLock> locks, std::vector<LockWait> waits);

  // Takes `claims` for `saga_id` in order (keys it holds already count as taken) and appends
  // the answer for it, plus answers for sagas that got a key it gave back after a refusal.
  void acquire(const std::string& saga_id, std::int32_t step, const std::vector<LockClaim>& claims,
               Millis now, std::vector<LockAnswer>& answers);

  // The saga ended: releases its keys and drops its wait. Appends what the sagas queued for
  // those keys must be told.
  void release_saga(const std::string& saga_id, Millis now, std::vector<LockAnswer>& answers);
  // Releases the saga's keys whose release_after step is below `step` (it moved past them).
  void release_passed(const std::string& saga_id, std::int32_t step, Millis now,
                      std::vector<LockAnswer>& answers);
  // An operator's release of one key, whoever holds it. False when nobody holds it.
  bool release_key(const std::string& key, Millis now, std::vector<LockAnswer>& answers);

  // Several instances on one database: `stored` is key's row as committed now. A key held in
  // this table by another saga than the row says takes the row's holder, not journaled (the
  // database has it); a key the row shows free is released here (journaled) and goes to the
  // first saga queued for it, whose answer is appended. Keys changed since the last commit are
  // left alone (the commit checks them).
  void observe(const std::string& key, const std::optional<HeldLock>& stored, Millis now,
               std::vector<LockAnswer>& answers);
  // The keys some saga of this table is queued for.
  std::vector<std::string> waited_keys() const;

  const HeldLock* holder(const std::string& key) const;
  std::vector<HeldLock> locks() const;  // sorted by key
  std::vector<LockWait> waits() const;  // in queue order
  // Saga ids queued for `key`, in order.
  std::vector<std::string> queue(const std::string& key) const;
  std::size_t queue_length(const std::string& key) const;
  // Calls f(const HeldLock&) for every held lock, in no particular order, without copying.
  template <typename F>
  void for_each_lock(F&& f) const {
    for (const HeldLock& l : locks_) f(l);
  }
  std::size_t lock_count() const { return locks_.size(); }
  std::size_t wait_count() const { return waits_.size(); }

  LockChanges changes() const;
  void commit_changes();  // the store has them: forget the journal
  void rollback();        // the store refused them: undo every change since the last commit

 private:
  void set_lock(const std::string& key, std::optional<HeldLock> value);
  void set_wait(const std::string& saga_id, std::optional<LockWait> value);
  LockAnswer take(const std::string& saga_id, std::int32_t step,
                  const std::vector<LockClaim>& claims, Millis now,
                  std::vector<LockAnswer>& answers);
  void free_key(const std::string& key, Millis now, std::vector<LockAnswer>& answers);
  // The chain of waits from `holder` back to `saga_id`, if `saga_id` waiting on `holder`
  // would close a cycle: "a -> b -> a".
  std::optional<std::string> cycle(const std::string& saga_id, const std::string& holder) const;

  // Held locks by key: a set keyed by HeldLock::key (found by a key alone), so that the key is
  // stored once per lock.
  struct KeyHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view key) const {
      return std::hash<std::string_view>{}(key);
    }
    std::size_t operator()(const HeldLock& l) const { return (*this)(std::string_view(l.key)); }
  };
  struct KeyEqual {
    using is_transparent = void;
    static std::string_view key_of(std::string_view key) { return key; }
    static std::string_view key_of(const HeldLock& l) { return l.key; }
    template <typename A, typename B>
    bool operator()(const A& a, const B& b) const {
      return key_of(a) == key_of(b);
    }
  };
  std::unordered_set<HeldLock, KeyHash, KeyEqual> locks_;
  // saga -> a key it holds, one entry per key (a multimap: one node per lock, where a map of
  // sets took two; it is most of the table's memory per in-flight saga)
  // The locks each saga holds: its id (a view of the lock's saga_id) to the lock in locks_, whose
  // nodes stay put until erased (set_lock drops the entry here first).
  std::unordered_multimap<std::string_view, const HeldLock*> by_saga_;
  std::unordered_map<std::string, LockWait> waits_;                               // by saga
  std::unordered_map<std::string, std::map<std::uint64_t, std::string>> queues_;  // key -> seq
  std::uint64_t next_seq_ = 1;
  // Held locks with a release_after step: while there are none (locks held until the saga
  // ends, the common case), release_passed() has nothing to look at.
  std::size_t step_scoped_ = 0;

  // Values before the first change since the last commit.
  std::map<std::string, std::optional<HeldLock>> old_locks_;
  std::map<std::string, std::optional<LockWait>> old_waits_;
};

}  // namespace saga
