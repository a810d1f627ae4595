#include "inbox_retention.h"

#include <string>

namespace saga::detail {

namespace {
std::string ms(Millis m) { return std::to_string(m.count()) + " ms"; }
constexpr std::size_t kMaxPruneBatch = 100'000;
}  // namespace

Status check_inbox_retention(const ParticipantOptions& o) {
  if (o.inbox_keep.count() == 0) return Status::ok();
  if (o.inbox_keep.count() < 0) return invalid_argument("participant: inbox_keep is negative");
  if (o.resend_horizon.count() <= 0) {
    return invalid_argument(
        "participant: inbox_keep needs resend_horizon, the longest resend horizon of the sagas "
        "that send here (saga::resend_horizon(definition)); a row pruned before the last resend "
        "of its message would let that resend run its handler again");
  }
  if (o.inbox_keep <= o.resend_horizon) {
    return invalid_argument("participant: inbox_keep (" + ms(o.inbox_keep) +
                            ") must exceed the longest resend horizon (" + ms(o.resend_horizon) +
                            "): a resend arriving after its row was pruned would run its "
                            "handler again");
  }
  if (o.inbox_prune_interval.count() <= 0) {
    return invalid_argument("participant: inbox_prune_interval must be positive");
  }
  if (o.inbox_prune_batch == 0 || o.inbox_prune_batch > kMaxPruneBatch) {
    return invalid_argument("participant: inbox_prune_batch must be 1..100000");
  }
  return Status::ok();
}

void InboxPruner::maybe_prune(Inbox& inbox, Millis now, std::atomic<std::uint64_t>& pruned) {
  if (options_.inbox_keep.count() == 0 || now < next_round_) return;
  Result<std::size_t> deleted =
      inbox.prune((now - options_.inbox_keep).count(), now.count(), options_.inbox_prune_batch);
  if (!deleted) {
    options_.log(LogLevel::kWarning, "participant: inbox pruning failed (retried next round): " +
                                         deleted.status().to_string());
    next_round_ = now + options_.inbox_prune_interval;
    return;
  }
  pruned += *deleted;
  const bool full = *deleted == options_.inbox_prune_batch;
  next_round_ = full ? now : now + options_.inbox_prune_interval;
  if (*deleted > 0) {
    options_.log(LogLevel::kDebug,
                 "participant: event=inbox_pruned rows=" + std::to_string(*deleted));
  }
}

}  // namespace saga::detail
