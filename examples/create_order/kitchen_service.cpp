#include "kitchen_service.h"

#include <string>

#include "messages.h"
#include "seed_data.h"
#include "service_support.h"

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
)sql";

saga::Reply reject(std::string reason) { return saga::failure(reason, TicketRejected{reason}); }

saga::Reply create_ticket(const CreateTicket& c, saga::HandlerContext& context) {
  saga::Sql& db = context.db();
  auto open = db.query_one("SELECT open FROM restaurants WHERE id = ?", {c.restaurant_id});
  throw_on_error(open);
  if (!open.value() || as_int((*open.value())[0]) == 0) return reject("restaurant_closed");
  std::string items;
  for (const LineItem& item : c.line_items) {
    auto sold = db.query_one("SELECT 1 FROM menu_items WHERE id = ? AND restaurant_id = ?",
                             {item.menu_item_id, c.restaurant_id});
    throw_on_error(sold);
    if (!sold.value() || item.quantity <= 0) return reject("unknown_menu_item");
    items += (items.empty() ? "" : ",") + item.menu_item_id + "x" + std::to_string(item.quantity);
  }
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
    throw_on_error(context.db().exec(
        "UPDATE tickets SET state = 'AWAITING_ACCEPTANCE' WHERE id = ?", {c.ticket_id}));
  } else if (current != "AWAITING_ACCEPTANCE") {
    return saga::failure("ticket_" + current);
  }
  return saga::success(TicketConfirmed{});
}

}  // namespace

saga::Result<std::unique_ptr<saga::Participant>> open_kitchen_service(
    const ServiceOptions& options) {
  auto participant = open_participant(options, kSchema, kKitchenSeed);
  if (!participant) return participant.status();
  saga::Participant& p = *participant.value();
  p.on<CreateTicket>(wrap<CreateTicket>(options, &create_ticket));
  p.on_compensation<CancelCreateTicket>(wrap<CancelCreateTicket>(options, &cancel_ticket));
  p.on<ConfirmCreateTicket>(wrap<ConfirmCreateTicket>(options, &confirm_ticket));
  return participant;
}

}  // namespace ftgo
