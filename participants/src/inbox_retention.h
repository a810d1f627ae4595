// Inbox retention (ParticipantOptions::inbox_keep): the check of its options at open() and the
// pruning rounds run_once() makes.
#pragma once

#include <atomic>
#include <cstdint>

#include "inbox.h"
#include "saga/participant.h"

namespace saga::detail {

// kInvalidArgument naming the option when inbox retention is on with bad settings: a
// resend_horizon of 0, an inbox_keep not above it, a non-positive interval, a batch out of
// 1..100000. OK when it is off (inbox_keep 0).
Status check_inbox_retention(const ParticipantOptions& options);

class InboxPruner {
 public:
  explicit InboxPruner(const ParticipantOptions& options) : options_(options) {}

  // Deletes one batch when a round is due by `now` (every inbox_prune_interval; at once again
  // after a full batch). Errors are logged and retried at the next round; never fatal.
  void maybe_prune(Inbox& inbox, Millis now, std::atomic<std::uint64_t>& pruned);

 private:
  const ParticipantOptions& options_;
  Millis next_round_{0};
};

}  // namespace saga::detail
