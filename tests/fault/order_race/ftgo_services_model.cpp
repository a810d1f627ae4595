#include "ftgo_services_model.h"

#include "saga/body_codec.h"

namespace ftgo_model {
namespace {

using ftgo::LineItem;
using Reply = FtgoServices::Reply;

template <typename R>
Reply success(R payload) {
  return Reply{saga::Outcome::kSuccess, std::string(R::kMessageName), "",
               [p = std::move(payload)](saga::ContentType t) { return saga::encode_body(p, t); }};
}
template <typename R>
Reply failure(std::string reason, R payload) {
  return Reply{saga::Outcome::kFailure, std::string(R::kMessageName), std::move(reason),
               [p = std::move(payload)](saga::ContentType t) { return saga::encode_body(p, t); }};
}
// saga::failure(reason): no payload, reply name "Failure".
Reply failure(std::string reason) {
  return Reply{saga::Outcome::kFailure, "Failure", std::move(reason), nullptr};
}

std::string lower(std::string text) {
  for (char& c : text) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  return text;
}

bool pending(const std::string& state) { return state.ends_with("_PENDING"); }

// Restaurant 1 (Ajanta, open) sells these; restaurant 2 is closed.
const std::map<std::string, std::int64_t>& menu() {
  static const std::map<std::string, std::int64_t> items{
      {"vindaloo", 1295}, {"naan", 350}, {"samosa", 495}};
  return items;
}

bool all_sold(std::int64_t restaurant_id, const std::vector<LineItem>& items) {
  if (restaurant_id != 1) return false;
  for (const LineItem& item : items) {
    if (!menu().contains(item.menu_item_id) || item.quantity <= 0) return false;
  }
  return !items.empty();
}

// Accounting's card rule (accounting_service.cpp card_refusal).
std::optional<std::string> card_refusal(std::int64_t consumer_id, std::int64_t amount_cents) {
  if (consumer_id < 1 || consumer_id > 4) return "card_declined";
  if (consumer_id == 4) return "card_expired";
  if (amount_cents > card_limit_cents(consumer_id)) return "card_declined";
  return std::nullopt;
}

}  // namespace

std::int64_t price_cents(const std::string& menu_item) {
  auto it = menu().find(menu_item);
  return it == menu().end() ? 0 : it->second;
}

std::int64_t total_cents(const std::vector<LineItem>& items) {
  std::int64_t total = 0;
  for (const LineItem& item : items) total += price_cents(item.menu_item_id) * item.quantity;
  return total;
}

std::int64_t card_limit_cents(std::int64_t consumer_id) {
  return consumer_id == 2 ? 2'000 : 50'000;  // Bob's card has a low limit
}

void FtgoServices::insert_order(std::int64_t order_id, const ftgo::CreateOrderData& data) {
  orders[order_id] = Order{data.consumer_id,
                           data.restaurant_id,
                           data.order_total_cents,
                           data.line_items,
                           "APPROVAL_PENDING",
                           1,
                           ""};
}

bool FtgoServices::accept_ticket(std::int64_t order_id) {
  auto t = tickets.find(order_id);
  if (t == tickets.end() || t->second.state != "AWAITING_ACCEPTANCE") return false;
  t->second.state = "ACCEPTED";
  return true;
}

bool FtgoServices::start_preparing(std::int64_t order_id) {
  auto t = tickets.find(order_id);
  if (t == tickets.end()) return false;
  if (t->second.state != "AWAITING_ACCEPTANCE" && t->second.state != "ACCEPTED") return false;
  t->second.state = "PREPARING";
  prepared.insert(order_id);
  return true;
}

template <typename Cmd, typename F>
void FtgoServices::on(const std::string& service, F handler, bool compensation, bool barrier) {
  services_[service].handlers[std::string(Cmd::kMessageName)] =
      Handler{compensation, barrier,
              [handler = std::move(handler)](const saga::Envelope& e) -> std::optional<Reply> {
                saga::Result<Cmd> c = saga::decode_body<Cmd>(e.body, e.content_type);
                if (!c) return std::nullopt;
                return handler(c.value(), e.saga_id);
              }};
}

void FtgoServices::register_handlers() {
  using S = const std::string&;
  on<ftgo::RejectOrder>(
      "order", [this](const ftgo::RejectOrder& c, S) { return reject_order(c); }, true, false);
  on<ftgo::ApproveOrder>("order",
                         [this](const ftgo::ApproveOrder& c, S) { return approve_order(c); });
  on<ftgo::BeginCancelOrder>(
      "order", [this](const ftgo::BeginCancelOrder& c, S s) { return begin_cancel(c, s); });
  on<ftgo::UndoBeginCancelOrder>(
      "order", [this](const ftgo::UndoBeginCancelOrder& c, S s) { return undo_begin_cancel(c, s); },
      true);
  on<ftgo::ConfirmCancelOrder>(
      "order", [this](const ftgo::ConfirmCancelOrder& c, S s) { return confirm_cancel(c, s); });
  on<ftgo::BeginReviseOrder>(
      "order", [this](const ftgo::BeginReviseOrder& c, S s) { return begin_revise(c, s); });
  on<ftgo::UndoBeginReviseOrder>(
      "order", [this](const ftgo::UndoBeginReviseOrder& c, S s) { return undo_begin_revise(c, s); },
      true);
  on<ftgo::ConfirmReviseOrder>(
      "order", [this](const ftgo::ConfirmReviseOrder& c, S s) { return confirm_revise(c, s); });
  on<ftgo::ValidateOrderByConsumer>(
      "consumer", [this](const ftgo::ValidateOrderByConsumer& c, S) { return validate(c); });
  on<ftgo::CreateTicket>("kitchen",
                         [this](const ftgo::CreateTicket& c, S) { return create_ticket(c); });
  on<ftgo::CancelCreateTicket>(
      "kitchen", [this](const ftgo::CancelCreateTicket& c, S) { return cancel_create_ticket(c); },
      true);
  on<ftgo::ConfirmCreateTicket>("kitchen", [this](const ftgo::ConfirmCreateTicket& c, S) {
    return confirm_create_ticket(c);
  });
  on<ftgo::BeginCancelTicket>("kitchen", [this](const ftgo::BeginCancelTicket& c, S s) {
    return begin_ticket_change(c.order_id, "CANCEL_PENDING", s, nullptr, 0);
  });
  on<ftgo::UndoBeginCancelTicket>(
      "kitchen",
      [this](const ftgo::UndoBeginCancelTicket& c, S s) {
        return undo_ticket_change(c.order_id, "CANCEL_PENDING", s);
      },
      true);
  on<ftgo::ConfirmCancelTicket>("kitchen", [this](const ftgo::ConfirmCancelTicket& c, S s) {
    return confirm_cancel_ticket(c, s);
  });
  on<ftgo::BeginReviseTicket>("kitchen", [this](const ftgo::BeginReviseTicket& c, S s) {
    return begin_ticket_change(c.order_id, "REVISION_PENDING", s, &c.line_items, c.restaurant_id);
  });
  on<ftgo::UndoBeginReviseTicket>(
      "kitchen",
      [this](const ftgo::UndoBeginReviseTicket& c, S s) {
        return undo_ticket_change(c.order_id, "REVISION_PENDING", s);
      },
      true);
  on<ftgo::ConfirmReviseTicket>("kitchen", [this](const ftgo::ConfirmReviseTicket& c, S s) {
    return confirm_revise_ticket(c, s);
  });
  on<ftgo::AuthorizeCard>("accounting",
                          [this](const ftgo::AuthorizeCard& c, S) { return authorize(c); });
  on<ftgo::ReverseAuthorization>(
      "accounting", [this](const ftgo::ReverseAuthorization& c, S) { return reverse(c); });
  on<ftgo::ReviseAuthorization>(
      "accounting", [this](const ftgo::ReviseAuthorization& c, S) { return revise(c); });
}

saga::Envelope FtgoServices::handle(const std::string& participant, const saga::Envelope& command) {
  if (services_.empty()) register_handlers();
  Service& service = services_[participant];
  saga::Envelope reply = saga::make_reply_to(command);
  reply.message_id = participant + "-reply-" + std::to_string(++reply_seq_);
  if (auto stored = service.inbox.find(command.message_id); stored != service.inbox.end()) {
    ++duplicates;
    reply = stored->second;
    return reply;
  }
  auto set = [&](const Reply& r) {
    reply.outcome = r.outcome;
    reply.name = r.name;
    reply.reason = r.reason;
    reply.body.clear();
    if (r.body) {
      saga::Result<std::string> body = r.body(command.content_type);
      if (body) {
        reply.body = std::move(body).value();
      } else {
        reply.outcome = saga::Outcome::kFailure;
        reply.name = "Failure";
        reply.reason = "handler_error";
      }
    }
  };
  auto handler = service.handlers.find(command.name);
  if (handler == service.handlers.end() || handler->second.compensation != command.compensation) {
    // unknown_command / malformed_command: not stored, a resend is handled afresh.
    set(failure(handler == service.handlers.end() ? "unknown_command" : "malformed_command"));
    return reply;
  }
  const Handler& h = handler->second;
  Barrier& barrier = service.barrier[{command.saga_id, command.step}];
  if (h.barrier && command.compensation && !barrier.action_done) {
    ++null_compensations;
    barrier.compensation_done = true;
    set(Reply{saga::Outcome::kSuccess, "NullCompensation", "", nullptr});
  } else if (h.barrier && command.compensation && barrier.compensation_done) {
    ++duplicates;
    set(Reply{saga::Outcome::kSuccess, "NullCompensation", "", nullptr});
  } else if (h.barrier && !command.compensation && barrier.compensation_done) {
    ++refused_compensated;
    set(failure("compensated"));
  } else {
    std::optional<Reply> r = h.run(command);
    if (!r) {
      set(failure("malformed_command"));
      return reply;
    }
    set(*r);
    if (h.barrier && reply.outcome == saga::Outcome::kSuccess) {
      (command.compensation ? barrier.compensation_done : barrier.action_done) = true;
    }
  }
  service.inbox[command.message_id] = reply;
  return reply;
}

// ---- Order service (order_service.cpp, order_changes.cpp) -----------------------------------

Reply FtgoServices::reject_order(const ftgo::RejectOrder& c) {
  auto o = orders.find(c.order_id);
  if (o == orders.end()) return failure("unknown_order");
  if (o->second.state == "APPROVED") return failure("order_approved");
  o->second.state = "REJECTED";
  return success(ftgo::OrderRejected{});
}

Reply FtgoServices::approve_order(const ftgo::ApproveOrder& c) {
  auto o = orders.find(c.order_id);
  if (o == orders.end()) return failure("unknown_order");
  if (o->second.state == "REJECTED") return failure("order_rejected");
  o->second.state = "APPROVED";
  return success(ftgo::OrderApproved{});
}

namespace {

// Why a Cancel or Revise cannot take the order; empty when it can (order_changes.cpp).
std::string lock_refusal(const std::map<std::int64_t, Order>& orders, std::int64_t order_id,
                         Breakage breakage) {
  auto o = orders.find(order_id);
  if (o == orders.end()) return "unknown_order";
  if (o->second.state == "APPROVED") return "";
  if (pending(o->second.state)) {
    return breakage == Breakage::kOrderIgnoresLock ? "" : "order_locked";
  }
  return "order_" + lower(o->second.state);
}

bool holds_lock(const Order& o, const std::string& pending_state, const std::string& saga) {
  return o.state == pending_state && o.locked_by == saga;
}

}  // namespace

Reply FtgoServices::begin_cancel(const ftgo::BeginCancelOrder& c, const std::string& saga) {
  if (std::string why = lock_refusal(orders, c.order_id, breakage_); !why.empty()) {
    return failure(why);
  }
  Order& o = orders[c.order_id];
  o.state = "CANCEL_PENDING";
  o.locked_by = saga;
  return success(ftgo::OrderCancelBegun{});
}

Reply FtgoServices::undo_begin_cancel(const ftgo::UndoBeginCancelOrder& c,
                                      const std::string& saga) {
  auto o = orders.find(c.order_id);
  if (o != orders.end() && holds_lock(o->second, "CANCEL_PENDING", saga)) {
    o->second.state = "APPROVED";
    o->second.locked_by.clear();
  }
  return success(ftgo::OrderCancelUndone{});
}

Reply FtgoServices::confirm_cancel(const ftgo::ConfirmCancelOrder& c, const std::string& saga) {
  auto o = orders.find(c.order_id);
  if (o != orders.end() && holds_lock(o->second, "CANCEL_PENDING", saga)) {
    o->second.state = "CANCELLED";
    o->second.locked_by.clear();
    ++o->second.version;
  } else if (o == orders.end() || o->second.state != "CANCELLED") {
    return failure("order_not_locked");
  }
  return success(ftgo::OrderCancelled{});
}

Reply FtgoServices::begin_revise(const ftgo::BeginReviseOrder& c, const std::string& saga) {
  if (std::string why = lock_refusal(orders, c.order_id, breakage_); !why.empty()) {
    return failure(why);
  }
  Order& o = orders[c.order_id];
  o.state = "REVISION_PENDING";
  o.locked_by = saga;
  return success(ftgo::OrderRevisionBegun{o.version, o.total_cents});
}

Reply FtgoServices::undo_begin_revise(const ftgo::UndoBeginReviseOrder& c,
                                      const std::string& saga) {
  auto o = orders.find(c.order_id);
  if (o != orders.end() && holds_lock(o->second, "REVISION_PENDING", saga)) {
    o->second.state = "APPROVED";
    o->second.locked_by.clear();
  }
  return success(ftgo::OrderRevisionUndone{});
}

Reply FtgoServices::confirm_revise(const ftgo::ConfirmReviseOrder& c, const std::string& saga) {
  auto o = orders.find(c.order_id);
  if (o == orders.end() || !holds_lock(o->second, "REVISION_PENDING", saga) ||
      o->second.version != c.expected_version) {
    return failure("order_changed");
  }
  o->second.items = c.line_items;
  o->second.total_cents = c.total_cents;
  o->second.state = "APPROVED";
  o->second.locked_by.clear();
  ++o->second.version;
  return success(ftgo::OrderRevised{o->second.version});
}

// ---- Consumer service (consumer_service.cpp, seed_data.h) -----------------------------------

Reply FtgoServices::validate(const ftgo::ValidateOrderByConsumer& c) {
  std::string outcome = "verified";
  if (c.consumer_id < 1 || c.consumer_id > 4) {
    outcome = "consumer_invalid";
  } else if (c.consumer_id == 3) {
    outcome = "consumer_disabled";
  } else if (c.order_total_cents > 100'000) {
    outcome = "consumer_limit_exceeded";
  }
  validations[c.order_id] = outcome;
  if (outcome != "verified") return failure(outcome);
  return success(ftgo::ConsumerVerified{});
}

// ---- Kitchen service (kitchen_service.cpp) ---------------------------------------------------

Reply FtgoServices::create_ticket(const ftgo::CreateTicket& c) {
  if (c.restaurant_id != 1) {
    return failure("restaurant_closed", ftgo::TicketRejected{"restaurant_closed"});
  }
  if (!all_sold(c.restaurant_id, c.line_items)) {
    return failure("unknown_menu_item", ftgo::TicketRejected{"unknown_menu_item"});
  }
  // tickets.order_id is UNIQUE: a second insert throws, which the library answers so.
  if (tickets.contains(c.order_id)) return failure("handler_error");
  const std::int64_t id = next_ticket_id_++;
  tickets[c.order_id] = Ticket{id, "CREATE_PENDING", c.line_items, "", ""};
  return success(ftgo::TicketCreated{id});
}

Reply FtgoServices::cancel_create_ticket(const ftgo::CancelCreateTicket& c) {
  auto t = tickets.find(c.order_id);
  if (t != tickets.end() && t->second.state == "CREATE_PENDING")
    t->second.state = "CREATE_REJECTED";
  return success(ftgo::TicketCancelled{});
}

Reply FtgoServices::confirm_create_ticket(const ftgo::ConfirmCreateTicket& c) {
  for (auto& [order, t] : tickets) {
    if (t.id != c.ticket_id) continue;
    if (t.state == "CREATE_PENDING") {
      t.state = "AWAITING_ACCEPTANCE";
    } else if (t.state != "AWAITING_ACCEPTANCE") {
      return failure("ticket_" + t.state);
    }
    return success(ftgo::TicketConfirmed{});
  }
  return failure("unknown_ticket");
}

Reply FtgoServices::begin_ticket_change(std::int64_t order_id, const std::string& pending_state,
                                        const std::string& saga, const std::vector<LineItem>* items,
                                        std::int64_t restaurant_id) {
  auto t = tickets.find(order_id);
  if (t == tickets.end()) return failure("unknown_ticket");
  const std::string& state = t->second.state;
  const bool preparing_ok =
      breakage_ == Breakage::kKitchenCancelsPreparingTicket && pending_state == "CANCEL_PENDING";
  if (state == "PREPARING" && !preparing_ok) return failure("ticket_being_prepared");
  if (state == "CANCEL_PENDING" || state == "REVISION_PENDING") return failure("ticket_locked");
  if (state != "AWAITING_ACCEPTANCE" && state != "ACCEPTED" && state != "PREPARING") {
    return failure("ticket_" + lower(state));
  }
  if (items && !all_sold(restaurant_id, *items)) return failure("unknown_menu_item");
  t->second.previous_state = state;
  t->second.state = pending_state;
  t->second.locked_by = saga;
  if (items) return success(ftgo::TicketRevisionBegun{});
  return success(ftgo::TicketCancelBegun{});
}

Reply FtgoServices::undo_ticket_change(std::int64_t order_id, const std::string& pending_state,
                                       const std::string& saga) {
  auto t = tickets.find(order_id);
  if (t != tickets.end() && t->second.state == pending_state && t->second.locked_by == saga) {
    t->second.state = t->second.previous_state;
    t->second.locked_by.clear();
  }
  if (pending_state == "REVISION_PENDING") return success(ftgo::TicketRevisionUndone{});
  return success(ftgo::TicketCancelUndone{});
}

Reply FtgoServices::confirm_cancel_ticket(const ftgo::ConfirmCancelTicket& c,
                                          const std::string& saga) {
  auto t = tickets.find(c.order_id);
  if (t != tickets.end() && t->second.state == "CANCELLED") {
    return success(ftgo::TicketCancelled{});
  }
  if (t == tickets.end() || t->second.state != "CANCEL_PENDING" || t->second.locked_by != saga) {
    return failure("ticket_not_locked");
  }
  t->second.state = "CANCELLED";
  t->second.locked_by.clear();
  return success(ftgo::TicketCancelled{});
}

Reply FtgoServices::confirm_revise_ticket(const ftgo::ConfirmReviseTicket& c,
                                          const std::string& saga) {
  auto t = tickets.find(c.order_id);
  if (t == tickets.end() || t->second.state != "REVISION_PENDING" || t->second.locked_by != saga) {
    // Applied already (the lock is gone and the items are the new ones), or not this saga's.
    if (t != tickets.end() && t->second.locked_by.empty() && t->second.items == c.line_items) {
      return success(ftgo::TicketRevised{});
    }
    return failure("ticket_not_locked");
  }
  t->second.state = t->second.previous_state;
  t->second.items = c.line_items;
  t->second.locked_by.clear();
  return success(ftgo::TicketRevised{});
}

// ---- Accounting service (accounting_service.cpp) --------------------------------------------

Reply FtgoServices::authorize(const ftgo::AuthorizeCard& c) {
  if (auto why = card_refusal(c.consumer_id, c.amount_cents)) {
    return failure(*why, ftgo::CardDeclined{*why});
  }
  // authorizations.order_id is the primary key: a second insert throws.
  if (authorizations.contains(c.order_id)) return failure("handler_error");
  authorizations[c.order_id] = Authorization{c.consumer_id, c.amount_cents, "AUTHORIZED"};
  balances[c.consumer_id] += c.amount_cents;
  return success(ftgo::CardAuthorized{"txn-" + std::to_string(c.order_id)});
}

Reply FtgoServices::reverse(const ftgo::ReverseAuthorization& c) {
  auto a = authorizations.find(c.order_id);
  if (a == authorizations.end()) return failure("no_authorization");
  if (a->second.state != "AUTHORIZED") return failure("authorization_" + a->second.state);
  a->second.state = "REVERSED";
  balances[a->second.consumer_id] -= a->second.amount_cents;
  return success(
      ftgo::AuthorizationReversed{"txn-" + std::to_string(c.order_id), a->second.amount_cents});
}

Reply FtgoServices::revise(const ftgo::ReviseAuthorization& c) {
  auto a = authorizations.find(c.order_id);
  if (a == authorizations.end()) return failure("no_authorization");
  if (a->second.state != "AUTHORIZED") return failure("authorization_" + a->second.state);
  if (auto why = card_refusal(c.consumer_id, c.amount_cents)) {
    return failure(*why, ftgo::CardDeclined{*why});
  }
  const std::int64_t previous = a->second.amount_cents;
  a->second.amount_cents = c.amount_cents;
  if (breakage_ != Breakage::kReviseSkipsBalance) {
    balances[a->second.consumer_id] += c.amount_cents - previous;
  }
  return success(ftgo::AuthorizationRevised{"txn-" + std::to_string(c.order_id), previous});
}

}  // namespace ftgo_model
