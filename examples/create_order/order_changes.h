// The Order service's part in Cancel Order and Revise Order: its handlers, its extra table, and
// what OrderService::cancel_order / revise_order read (order_changes.cpp also defines those).
//
// Order states: APPROVAL_PENDING -> APPROVED | REJECTED (Create Order), then
//   BeginCancelOrder      APPROVED -> CANCEL_PENDING
//   UndoBeginCancelOrder  CANCEL_PENDING -> APPROVED (when this saga holds the lock)
//   ConfirmCancelOrder    CANCEL_PENDING -> CANCELLED, version + 1
//   BeginReviseOrder      APPROVED -> REVISION_PENDING; replies the version and total
//   UndoBeginReviseOrder  REVISION_PENDING -> APPROVED
//   ConfirmReviseOrder    REVISION_PENDING -> APPROVED with the new items and total,
//                         version + 1, if the reread finds the expected version
//
// Semantic lock. Every *_PENDING state is a lock held by one saga: APPROVAL_PENDING by Create
// Order, CANCEL_PENDING by a Cancel, REVISION_PENDING by a Revise. BeginCancelOrder and
// BeginReviseOrder take the order only from APPROVED and otherwise fail, as a business
// failure that rolls their saga back, with
//   "order_locked"      another saga holds the order (*_PENDING): e.g. a Cancel that arrives
//                       while Create Order is still running;
//   "order_<state>"     the order is REJECTED or CANCELLED ("order_rejected", "order_cancelled");
//   "unknown_order".
// Table order_versions(order_id, version, locked_by) records which saga holds the lock (only
// that saga's undo or confirm releases it) and the order's version (1 as created; every
// confirmed change adds one). It is a table of its own so the orders table and its writers stay
// as Create Order has them.
//
// Reread value. ConfirmReviseOrder carries the version BeginReviseOrder replied. The handler
// rereads the order and applies the revision only when the order is still REVISION_PENDING,
// locked by this saga, at that version; otherwise it fails with "order_changed" (not retried:
// revise_order_saga.h) rather than overwrite a change it did not see.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "ftgo/messages.h"
#include "saga/participant.h"
#include "service_options.h"

namespace ftgo {

// An order as the Order service keeps it.
struct OrderRecord {
  std::int64_t order_id = 0;
  std::int64_t consumer_id = 0;
  std::int64_t restaurant_id = 0;
  std::int64_t total_cents = 0;
  std::vector<LineItem> line_items;
  std::string state;
  std::int64_t version = 1;
  std::string locked_by;  // saga id holding a cancel/revise lock, or empty
};

// The orders table's encoding of line items: "vindaloo:2,naan:1".
std::string encode_items(const std::vector<LineItem>& items);
std::vector<LineItem> decode_items(std::string_view text);

// Creates order_versions and registers the handlers above on the Order participant.
saga::Status add_order_change_handlers(saga::Participant& participant,
                                       const ServiceOptions& options);

}  // namespace ftgo
