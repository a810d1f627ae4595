#include "order_changes.h"

#include <SQLiteCpp/SQLiteCpp.h>

#include <charconv>
#include <optional>
#include <utility>

#include "create_order_cancel.h"
#include "ftgo/cancel_order_saga.h"
#include "ftgo/revise_order_saga.h"
#include "order_service.h"
#include "saga/transactional_start.h"
#include "service_support.h"

namespace ftgo {

std::string encode_items(const std::vector<LineItem>& items) {
  std::string text;
  for (const LineItem& i : items) {
    text += (text.empty() ? "" : ",") + i.menu_item_id + ":" + std::to_string(i.quantity);
  }
  return text;
}

std::vector<LineItem> decode_items(std::string_view text) {
  std::vector<LineItem> items;
  while (!text.empty()) {
    const std::size_t comma = text.find(',');
    std::string_view one = text.substr(0, comma);
    text = comma == std::string_view::npos ? std::string_view() : text.substr(comma + 1);
    const std::size_t colon = one.rfind(':');
    LineItem item;
    item.menu_item_id = std::string(one.substr(0, colon));
    if (colon != std::string_view::npos) {
      std::from_chars(one.data() + colon + 1, one.data() + one.size(), item.quantity);
    }
    items.push_back(std::move(item));
  }
  return items;
}

namespace {

constexpr std::string_view kSchema = R"sql(
CREATE TABLE IF NOT EXISTS order_versions (
  order_id INTEGER PRIMARY KEY, version INTEGER NOT NULL, locked_by TEXT NOT NULL);
)sql";

// The order with its version and lock (no order_versions row: version 1, no lock).
constexpr std::string_view kSelectOrder =
    "SELECT o.id, o.consumer_id, o.restaurant_id, o.total_cents, o.line_items, o.state, "
    "COALESCE(v.version, 1), COALESCE(v.locked_by, '') "
    "FROM orders o LEFT JOIN order_versions v ON v.order_id = o.id WHERE o.id = ?";

std::optional<OrderRecord> read_order(saga::Sql& db, std::int64_t order_id) {
  auto row = db.query_one(kSelectOrder, {order_id});
  throw_on_error(row);
  if (!row.value()) return std::nullopt;
  const saga::SqlRow& r = *row.value();
  return OrderRecord{
      as_int(r[0]),  as_int(r[1]), as_int(r[2]), as_int(r[3]), decode_items(as_text(r[4])),
      as_text(r[5]), as_int(r[6]), as_text(r[7])};
}

std::string lower(std::string text) {
  for (char& c : text) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  return text;
}

// The semantic lock's rule: why `order` cannot be taken by a Cancel or a Revise; empty when
// it can (it is APPROVED, so no other saga holds it).
std::string lock_refusal(const std::optional<OrderRecord>& order) {
  if (!order) return "unknown_order";
  if (order->state == "APPROVED") return "";
  if (order->state.ends_with("_PENDING")) return "order_locked";
  return "order_" + lower(order->state);
}

// Takes the order's lock for the command's saga: APPROVED -> `pending`.
void lock_order(saga::HandlerContext& context, const OrderRecord& order, std::string_view pending) {
  throw_on_error(context.db().exec("UPDATE orders SET state = ? WHERE id = ?",
                                   {std::string(pending), order.order_id}));
  throw_on_error(context.db().exec(
      "INSERT INTO order_versions (order_id, version, locked_by) VALUES (?, ?, ?) "
      "ON CONFLICT (order_id) DO UPDATE SET locked_by = excluded.locked_by",
      {order.order_id, order.version, context.saga_id()}));
}

bool holds_lock(const saga::HandlerContext& context, const std::optional<OrderRecord>& order,
                std::string_view pending) {
  return order && order->state == pending && order->locked_by == context.saga_id();
}

// Releases this saga's lock: the order goes to `state`, its version moves by `version_step`.
void unlock_order(saga::HandlerContext& context, const OrderRecord& order, std::string_view state,
                  std::int64_t version_step) {
  throw_on_error(context.db().exec("UPDATE orders SET state = ? WHERE id = ?",
                                   {std::string(state), order.order_id}));
  throw_on_error(context.db().exec(
      "UPDATE order_versions SET locked_by = '', version = version + ? WHERE order_id = ?",
      {version_step, order.order_id}));
}

saga::Reply begin_cancel(const BeginCancelOrder& c, saga::HandlerContext& context) {
  const auto order = read_order(context.db(), c.order_id);
  if (std::string why = lock_refusal(order); !why.empty()) return saga::failure(why);
  lock_order(context, *order, "CANCEL_PENDING");
  return saga::success(OrderCancelBegun{});
}

saga::Reply undo_begin_cancel(const UndoBeginCancelOrder& c, saga::HandlerContext& context) {
  const auto order = read_order(context.db(), c.order_id);
  if (holds_lock(context, order, "CANCEL_PENDING")) unlock_order(context, *order, "APPROVED", 0);
  return saga::success(OrderCancelUndone{});
}

saga::Reply confirm_cancel(const ConfirmCancelOrder& c, saga::HandlerContext& context) {
  const auto order = read_order(context.db(), c.order_id);
  if (holds_lock(context, order, "CANCEL_PENDING")) {
    unlock_order(context, *order, "CANCELLED", 1);
  } else if (!order || order->state != "CANCELLED") {
    return saga::failure("order_not_locked");
  }
  return saga::success(OrderCancelled{});
}

saga::Reply begin_revise(const BeginReviseOrder& c, saga::HandlerContext& context) {
  const auto order = read_order(context.db(), c.order_id);
  if (std::string why = lock_refusal(order); !why.empty()) return saga::failure(why);
  lock_order(context, *order, "REVISION_PENDING");
  // The version read now is what ConfirmReviseOrder will expect (reread value).
  return saga::success(OrderRevisionBegun{order->version, order->total_cents});
}

saga::Reply undo_begin_revise(const UndoBeginReviseOrder& c, saga::HandlerContext& context) {
  const auto order = read_order(context.db(), c.order_id);
  if (holds_lock(context, order, "REVISION_PENDING")) unlock_order(context, *order, "APPROVED", 0);
  return saga::success(OrderRevisionUndone{});
}

saga::Reply confirm_revise(const ConfirmReviseOrder& c, saga::HandlerContext& context) {
  // Reread value: look at the order again, in this transaction, and write only if it is still
  // what the saga saw when it took the lock. The semantic lock should make this always true;
  // the reread is what catches the case where it did not (a bug, an operator's hand edit, a
  // saga that skipped the lock) before a blind overwrite makes it invisible.
  const auto order = read_order(context.db(), c.order_id);
  if (!holds_lock(context, order, "REVISION_PENDING") || order->version != c.expected_version) {
    return saga::failure(std::string(kOrderChanged));
  }
  throw_on_error(context.db().exec("UPDATE orders SET line_items = ?, total_cents = ? WHERE id = ?",
                                   {encode_items(c.line_items), c.total_cents, c.order_id}));
  unlock_order(context, *order, "APPROVED", 1);
  return saga::success(OrderRevised{order->version + 1});
}

}  // namespace

saga::Status add_order_change_handlers(saga::Participant& p, const ServiceOptions& options) {
  if (saga::Status s = p.exec_schema(kSchema); !s) return s;
  p.on<BeginCancelOrder>(wrap<BeginCancelOrder>(options, &begin_cancel));
  p.on_compensation<UndoBeginCancelOrder>(wrap<UndoBeginCancelOrder>(options, &undo_begin_cancel));
  p.on<ConfirmCancelOrder>(wrap<ConfirmCancelOrder>(options, &confirm_cancel));
  p.on<BeginReviseOrder>(wrap<BeginReviseOrder>(options, &begin_revise));
  p.on_compensation<UndoBeginReviseOrder>(wrap<UndoBeginReviseOrder>(options, &undo_begin_revise));
  p.on<ConfirmReviseOrder>(wrap<ConfirmReviseOrder>(options, &confirm_revise));
  return saga::Status::ok();
}

// ---- OrderService: Cancel Order and Revise Order --------------------------------------------

saga::Status OrderService::register_change_sagas(const SagaTiming& timing) {
  auto cancel = cancel_order_definition(timing);
  if (!cancel) return cancel.status();
  auto revise = revise_order_definition(timing);
  if (!revise) return revise.status();
  cancel_definition_ = std::move(cancel).value();
  revise_definition_ = std::move(revise).value();
  if (saga::Status s = engine_->register_definition(cancel_definition_); !s) return s;
  return engine_->register_definition(revise_definition_);
}

const saga::SagaDefinition* OrderService::definition_of(std::string_view saga_type) const {
  for (const auto* d :
       {&definition_, &cancel_definition_, &revise_definition_, &delivery_definition_}) {
    if (*d && (*d)->name == saga_type) return d->get();
  }
  return nullptr;
}

namespace {

// The order's row through the service's own connection; kNotFound when unknown.
saga::Result<OrderRecord> select_order(SQLite::Database& db, std::int64_t order_id) {
  // order_versions is created by the participant at open(); read it through this connection.
  SQLite::Statement q(db, std::string(kSelectOrder));
  q.bind(1, order_id);
  if (!q.executeStep()) return saga::not_found("order " + std::to_string(order_id));
  return OrderRecord{q.getColumn(0).getInt64(),
                     q.getColumn(1).getInt64(),
                     q.getColumn(2).getInt64(),
                     q.getColumn(3).getInt64(),
                     decode_items(q.getColumn(4).getString()),
                     q.getColumn(5).getString(),
                     q.getColumn(6).getInt64(),
                     q.getColumn(7).getString()};
}

}  // namespace

saga::Result<OrderRecord> OrderService::order(std::int64_t order_id) {
  try {
    std::lock_guard lock(orders_mutex_);
    return select_order(*orders_, order_id);
  } catch (const std::exception& e) {
    return orders_error(e, "read");
  }
}

template <typename MakeData, typename MakeId>
saga::Result<std::string> OrderService::start_change_saga(std::string_view type,
                                                          std::int64_t order_id, MakeData make_data,
                                                          MakeId make_id) {
  saga::Result<std::string> id = saga::internal_error("no start");
  try {
    std::lock_guard lock(orders_mutex_);
    // The order as read and the saga's start commit together (or not at all).
    SQLite::Transaction transaction(*orders_, SQLite::TransactionBehavior::IMMEDIATE);
    saga::Result<OrderRecord> o = select_order(*orders_, order_id);
    if (!o) return o.status();
    const auto data = make_data(o.value());
    for (int n = 1;; ++n) {
      saga::StartOptions start;
      start.id = make_id(n);
      id = saga::start_saga_in_transaction_with(*orders_, type, data, start);
      if (id || id.status().code() != saga::StatusCode::kAlreadyExists) break;
    }
    if (!id) return id.status();
    transaction.commit();
  } catch (const std::exception& e) {
    return orders_error(e, "start " + std::string(type));
  }
  engine_->notify_starts();
  return id;
}

saga::Result<std::string> OrderService::cancel_order(std::int64_t order_id) {
  // Create Order still running before its pivot: cancel that saga (create_order_cancel.h).
  saga::Result<bool> cancelled = cancel_running_create_order(*engine_, order_id);
  if (!cancelled) return cancelled.status();
  if (cancelled.value()) return saga_id_of_order(order_id);
  return start_change_saga(
      kCancelOrderSaga, order_id,
      [&](const OrderRecord& o) {
        CancelOrderData data;
        data.order_id = order_id;
        data.consumer_id = o.consumer_id;
        data.order_total_cents = o.total_cents;
        return data;
      },
      [&](int n) { return cancel_saga_id(order_id, n); });
}

saga::Result<std::string> OrderService::revise_order(std::int64_t order_id,
                                                     std::vector<LineItem> line_items,
                                                     std::int64_t total_cents) {
  return start_change_saga(
      kReviseOrderSaga, order_id,
      [&](const OrderRecord& o) {
        ReviseOrderData data;
        data.order_id = order_id;
        data.consumer_id = o.consumer_id;
        data.restaurant_id = o.restaurant_id;
        data.line_items = std::move(line_items);
        data.order_total_cents = total_cents;
        // The total now, for the lock's mode (by value); BeginReviseOrder replies the one it
        // locked.
        data.previous_total_cents = o.total_cents;
        return data;
      },
      [&](int n) { return revise_saga_id(order_id, n); });
}

}  // namespace ftgo
