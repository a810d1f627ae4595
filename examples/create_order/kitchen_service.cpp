#include "kitchen_service.h"

#include <SQLiteCpp/SQLiteCpp.h>

#include <string>

#include "delivery_desk.h"
#include "ftgo/messages.h"
#include "seed_data.h"
#include "service_support.h"
#include "ticket_acceptance_desk.h"

namespace ftgo {
namespace {

constexpr std::string_view kSchema = R"sql(
CREATE TABLE IF NOT EXISTS restaurants (
  id INTEGER PRIMARY KEY, name TEXT NOT NULL, open INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS menu_items (
  id TEXT PRIMARY KEY, restaurant_id INTEGER NOT NULL, name TEXT NOT NULL,
  price_cents INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS tickets (
  id INTEGER PRIMARY KEY AUTOINCREMENT, order_id INTEGER NOT NULL UNIQUE,
  restaurant_id INTEGER NOT NULL, state TEXT NOT NULL, line_items TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS ticket_locks (
  order_id INTEGER PRIMARY KEY, saga_id TEXT NOT NULL, previous_state TEXT NOT NULL);
)sql";

saga::Reply reject(std::string reason) { return saga::failure(reason, TicketRejected{reason}); }

// "vindaloox2,naanx1", as the tickets table keeps line items.
std::string ticket_items(const std::vector<LineItem>& items) {
  std::string text;
  for (const LineItem& item : items) {
    text += (text.empty() ? "" : ",") + item.menu_item_id + "x" + std::to_string(item.quantity);
  }
  return text;
}

// Whether the restaurant sells every item (and every quantity is positive).
bool all_sold(saga::Sql& db, std::int64_t restaurant_id, const std::vector<LineItem>& items) {
  for (const LineItem& item : items) {
    auto sold = db.query_one("SELECT 1 FROM menu_items WHERE id = ? AND restaurant_id = ?",
                             {item.menu_item_id, restaurant_id});
    throw_on_error(sold);
    if (!sold.value() || item.quantity <= 0) return false;
  }
  return !items.empty();
}

saga::Reply create_ticket(const CreateTicket& c, saga::HandlerContext& context) {
  saga::Sql& db = context.db();
  auto open = db.query_one("SELECT open FROM restaurants WHERE id = ?", {c.restaurant_id});
  throw_on_error(open);
  if (!open.value() || as_int((*open.value())[0]) == 0) return reject("restaurant_closed");
  if (!all_sold(db, c.restaurant_id, c.line_items)) return reject("unknown_menu_item");
  const std::string items = ticket_items(c.line_items);
  throw_on_error(
      db.exec("INSERT INTO tickets (order_id, restaurant_id, state, line_items) "
              "VALUES (?, ?, 'CREATE_PENDING', ?)",
              {c.order_id, c.restaurant_id, items}));
  auto id = db.query_one("SELECT id FROM tickets WHERE order_id = ?", {c.order_id});
  throw_on_error(id);
  return saga::success(TicketCreated{as_int((*id.value())[0])});
}

saga::Reply cancel_ticket(const CancelCreateTicket& c, saga::HandlerContext& context) {
  throw_on_error(context.db().exec(
      "UPDATE tickets SET state = 'CREATE_REJECTED' WHERE order_id = ? AND state = "
      "'CREATE_PENDING'",
      {c.order_id}));
  return saga::success(TicketCancelled{});
}

saga::Reply confirm_ticket(const ConfirmCreateTicket& c, saga::HandlerContext& context) {
  auto state = context.db().query_one("SELECT state FROM tickets WHERE id = ?", {c.ticket_id});
  throw_on_error(state);
  if (!state.value()) return saga::failure("unknown_ticket");
  const std::string current = as_text((*state.value())[0]);
  if (current == "CREATE_PENDING") {
    // Accepted already when the restaurant sent TicketAccepted (ticket_acceptance_desk.h).
    const std::string next =
        acceptance_sent(context.db(), c.ticket_id) ? "ACCEPTED" : "AWAITING_ACCEPTANCE";
    throw_on_error(
        context.db().exec("UPDATE tickets SET state = ? WHERE id = ?", {next, c.ticket_id}));
  } else if (current != "AWAITING_ACCEPTANCE" && current != "ACCEPTED") {
    return saga::failure("ticket_" + current);
  }
  return saga::success(TicketConfirmed{});
}

// ---- Cancel Order and Revise Order -----------------------------------------------------------
//
// The kitchen's semantic lock: BeginCancelTicket / BeginReviseTicket move the ticket to
// CANCEL_PENDING / REVISION_PENDING and remember, in ticket_locks, which saga holds it and the
// state to go back to. While it is held, neither another saga nor the restaurant
// (KitchenService::start_preparing) may change the ticket; only the holder's confirm or undo
// releases it.

struct TicketNow {
  bool exists = false;
  std::string state;
  std::string line_items;
  std::string locked_by;  // saga id holding the ticket's lock, or empty
  std::string previous_state;
};

TicketNow read_ticket(saga::Sql& db, std::int64_t order_id) {
  auto row = db.query_one(
      "SELECT t.state, t.line_items, COALESCE(l.saga_id, ''), COALESCE(l.previous_state, '') "
      "FROM tickets t LEFT JOIN ticket_locks l ON l.order_id = t.order_id WHERE t.order_id = ?",
      {order_id});
  throw_on_error(row);
  TicketNow t;
  if (!row.value()) return t;
  const saga::SqlRow& r = *row.value();
  t = {true, as_text(r[0]), as_text(r[1]), as_text(r[2]), as_text(r[3])};
  return t;
}

std::string lower(std::string text) {
  for (char& c : text) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  return text;
}

// Why a ticket in `state` cannot be locked for a cancel or a revision; empty when it can.
// AWAITING_ACCEPTANCE and ACCEPTED can (FTGO's Ticket.cancel / Ticket.reviseOrder); once the
// restaurant is PREPARING the food it is too late.
std::string lock_refusal(const TicketNow& t) {
  if (!t.exists) return "unknown_ticket";
  if (t.state == "AWAITING_ACCEPTANCE" || t.state == "ACCEPTED") return "";
  if (t.state == "PREPARING") return "ticket_being_prepared";
  if (t.state == "CANCEL_PENDING" || t.state == "REVISION_PENDING") return "ticket_locked";
  return "ticket_" + lower(t.state);
}

// Takes the ticket's lock for `context`'s saga: state -> `pending`.
void lock_ticket(saga::HandlerContext& context, std::int64_t order_id, const std::string& pending,
                 const TicketNow& t) {
  throw_on_error(
      context.db().exec("UPDATE tickets SET state = ? WHERE order_id = ?", {pending, order_id}));
  throw_on_error(context.db().exec("INSERT OR REPLACE INTO ticket_locks VALUES (?, ?, ?)",
                                   {order_id, context.saga_id(), t.state}));
}

// Gives the ticket back its state from before the lock, if this saga holds it (an undo that
// finds nothing of its own to undo succeeds: it is idempotent).
void unlock_ticket(saga::HandlerContext& context, std::int64_t order_id, const TicketNow& t,
                   const std::string& pending) {
  if (t.state != pending || t.locked_by != context.saga_id()) return;
  throw_on_error(context.db().exec("UPDATE tickets SET state = ? WHERE order_id = ?",
                                   {t.previous_state, order_id}));
  throw_on_error(context.db().exec("DELETE FROM ticket_locks WHERE order_id = ?", {order_id}));
}

saga::Reply begin_cancel_ticket(const BeginCancelTicket& c, saga::HandlerContext& context) {
  const TicketNow t = read_ticket(context.db(), c.order_id);
  if (std::string why = lock_refusal(t); !why.empty()) return saga::failure(why);
  lock_ticket(context, c.order_id, "CANCEL_PENDING", t);
  return saga::success(TicketCancelBegun{});
}

saga::Reply undo_begin_cancel_ticket(const UndoBeginCancelTicket& c,
                                     saga::HandlerContext& context) {
  unlock_ticket(context, c.order_id, read_ticket(context.db(), c.order_id), "CANCEL_PENDING");
  return saga::success(TicketCancelUndone{});
}

saga::Reply confirm_cancel_ticket(const ConfirmCancelTicket& c, saga::HandlerContext& context) {
  const TicketNow t = read_ticket(context.db(), c.order_id);
  if (t.state == "CANCELLED") return saga::success(TicketCancelled{});
  if (t.state != "CANCEL_PENDING" || t.locked_by != context.saga_id()) {
    return saga::failure("ticket_not_locked");
  }
  throw_on_error(
      context.db().exec("UPDATE tickets SET state = 'CANCELLED' WHERE order_id = ?", {c.order_id}));
  throw_on_error(context.db().exec("DELETE FROM ticket_locks WHERE order_id = ?", {c.order_id}));
  return saga::success(TicketCancelled{});
}

saga::Reply begin_revise_ticket(const BeginReviseTicket& c, saga::HandlerContext& context) {
  const TicketNow t = read_ticket(context.db(), c.order_id);
  if (std::string why = lock_refusal(t); !why.empty()) return saga::failure(why);
  if (!all_sold(context.db(), c.restaurant_id, c.line_items)) {
    return saga::failure("unknown_menu_item");
  }
  // Only the lock now; the new items are written by ConfirmReviseTicket, after the pivot, so
  // the kitchen never shows a revision that is then rolled back.
  lock_ticket(context, c.order_id, "REVISION_PENDING", t);
  return saga::success(TicketRevisionBegun{});
}

saga::Reply undo_begin_revise_ticket(const UndoBeginReviseTicket& c,
                                     saga::HandlerContext& context) {
  unlock_ticket(context, c.order_id, read_ticket(context.db(), c.order_id), "REVISION_PENDING");
  return saga::success(TicketRevisionUndone{});
}

saga::Reply confirm_revise_ticket(const ConfirmReviseTicket& c, saga::HandlerContext& context) {
  const TicketNow t = read_ticket(context.db(), c.order_id);
  const std::string items = ticket_items(c.line_items);
  if (t.state != "REVISION_PENDING" || t.locked_by != context.saga_id()) {
    // Applied already (this saga's lock is gone and the items are the new ones), or not ours.
    if (t.exists && t.locked_by.empty() && t.line_items == items) {
      return saga::success(TicketRevised{});
    }
    return saga::failure("ticket_not_locked");
  }
  throw_on_error(
      context.db().exec("UPDATE tickets SET state = ?, line_items = ? WHERE order_id = ?",
                        {t.previous_state, items, c.order_id}));
  throw_on_error(context.db().exec("DELETE FROM ticket_locks WHERE order_id = ?", {c.order_id}));
  return saga::success(TicketRevised{});
}

saga::Status sqlite_status(const std::exception& e) {
  return saga::Status(saga::StatusCode::kIoError, std::string("kitchen: ") + e.what());
}

}  // namespace

// ---- KitchenService: the restaurant's side --------------------------------------------------

saga::Result<std::string> KitchenService::ticket_state(std::int64_t order_id) const {
  try {
    SQLite::Database db(database_path_, SQLite::OPEN_READONLY, 5'000);
    SQLite::Statement q(db, "SELECT state FROM tickets WHERE order_id = ?");
    q.bind(1, order_id);
    if (!q.executeStep()) return saga::not_found("no ticket for order " + std::to_string(order_id));
    return q.getColumn(0).getString();
  } catch (const std::exception& e) {
    return sqlite_status(e);
  }
}

saga::Status KitchenService::accept_ticket(std::int64_t order_id) {
  return move_ticket(order_id, {"AWAITING_ACCEPTANCE"}, "ACCEPTED");
}

saga::Status KitchenService::start_preparing(std::int64_t order_id) {
  return move_ticket(order_id, {"AWAITING_ACCEPTANCE", "ACCEPTED"}, "PREPARING");
}

saga::Status KitchenService::move_ticket(std::int64_t order_id,
                                         std::initializer_list<std::string_view> from,
                                         std::string_view to) {
  try {
    SQLite::Database db(database_path_, SQLite::OPEN_READWRITE, 5'000);
    SQLite::Transaction transaction(db, SQLite::TransactionBehavior::IMMEDIATE);
    SQLite::Statement q(db, "SELECT state FROM tickets WHERE order_id = ?");
    q.bind(1, order_id);
    if (!q.executeStep()) return saga::not_found("no ticket for order " + std::to_string(order_id));
    const std::string state = q.getColumn(0).getString();
    bool allowed = false;
    for (std::string_view f : from) allowed = allowed || state == f;
    if (!allowed) {
      // CANCEL_PENDING / REVISION_PENDING: a saga holds the ticket's semantic lock.
      return saga::Status(saga::StatusCode::kFailedPrecondition,
                          "ticket of order " + std::to_string(order_id) + " is " + state);
    }
    SQLite::Statement update(db, "UPDATE tickets SET state = ? WHERE order_id = ?");
    update.bind(1, std::string(to));
    update.bind(2, order_id);
    update.exec();
    transaction.commit();
    return saga::Status::ok();
  } catch (const std::exception& e) {
    return sqlite_status(e);
  }
}

saga::Result<std::unique_ptr<saga::Participant>> open_kitchen_service(
    const ServiceOptions& options) {
  auto participant = open_participant(
      options,
      std::string(kSchema) + std::string(kTicketAcceptanceSchema) + std::string(kDeliverySchema),
      kKitchenSeed);
  if (!participant) return participant.status();
  saga::Participant& p = *participant.value();
  p.on<CreateTicket>(
      wrap<CreateTicket>(options, [options](const CreateTicket& c, saga::HandlerContext& context) {
        saga::Reply reply = create_ticket(c, context);
        schedule_acceptance(context, options, c.order_id);  // when events are on
        return reply;
      }));
  p.on_compensation<CancelCreateTicket>(wrap<CancelCreateTicket>(options, &cancel_ticket));
  p.on<ConfirmCreateTicket>(wrap<ConfirmCreateTicket>(options, &confirm_ticket));
  p.on<BeginCancelTicket>(wrap<BeginCancelTicket>(options, &begin_cancel_ticket));
  p.on_compensation<UndoBeginCancelTicket>(
      wrap<UndoBeginCancelTicket>(options, &undo_begin_cancel_ticket));
  p.on<ConfirmCancelTicket>(wrap<ConfirmCancelTicket>(options, &confirm_cancel_ticket));
  p.on<BeginReviseTicket>(wrap<BeginReviseTicket>(options, &begin_revise_ticket));
  p.on_compensation<UndoBeginReviseTicket>(
      wrap<UndoBeginReviseTicket>(options, &undo_begin_revise_ticket));
  p.on<ConfirmReviseTicket>(wrap<ConfirmReviseTicket>(options, &confirm_revise_ticket));
  add_delivery_handlers(p, options);  // the Delivery saga's commands (delivery_desk.h)
  return participant;
}

}  // namespace ftgo
