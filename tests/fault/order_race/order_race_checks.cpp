// The order race's invariants, checked once every saga has ended (order_race_simulation.h
// lists them).
#include <iterator>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "race.h"
#include "saga/engine.h"

namespace order_race {
namespace {

using ftgo::LineItem;
using saga::Millis;
using saga::Phase;

std::string items_text(const std::vector<LineItem>& items) {
  std::string text;
  for (const LineItem& i : items) {
    text += (text.empty() ? "" : ",") + i.menu_item_id + ":" + std::to_string(i.quantity);
  }
  return text;
}

struct Observed {
  saga::SagaInstance instance;
  Millis first_send{-1};  // -1: sent nothing
  Millis end{-1};
  bool lock_held = false;  // refused "lock_held"
};

}  // namespace

void Race::check() {
  saga::Result<std::vector<saga::LockInfo>> locks = engine()->locks();
  if (!locks) {
    violation("locks(): " + locks.status().to_string());
  } else {
    for (const saga::LockInfo& l : locks.value()) {
      violation("lock " + l.key + " still held by " + l.saga_id + " (" +
                std::to_string(l.waiting.size()) + " waiting)");
    }
  }
  std::map<std::int64_t, std::vector<const SagaRecord*>> by_order;
  for (const auto& [id, record] : sagas_) by_order[record.order_id].push_back(&record);
  for (const auto& [order_id, sagas] : by_order) check_order(order_id, sagas);
  // Accounting's balances are kept by deltas; they must add up to the live authorizations.
  std::map<std::int64_t, std::int64_t> authorized;
  for (const auto& [order, a] : services_.authorizations) {
    if (a.state == "AUTHORIZED") authorized[a.consumer_id] += a.amount_cents;
  }
  for (const auto& [consumer, balance] : services_.balances) authorized.try_emplace(consumer, 0);
  for (const auto& [consumer, cents] : authorized) {
    auto b = services_.balances.find(consumer);
    const std::int64_t balance = b == services_.balances.end() ? 0 : b->second;
    if (balance != cents) {
      violation("consumer " + std::to_string(consumer) + ": balance " + std::to_string(balance) +
                " but AUTHORIZED amounts add up to " + std::to_string(cents));
    }
  }
}

void Race::check_order(std::int64_t order_id, const std::vector<const SagaRecord*>& sagas) {
  const std::string where = "order " + std::to_string(order_id) + ": ";
  std::ostringstream state;
  // What the engine says about each saga.
  std::map<std::string, Observed> seen;
  for (const SagaRecord* r : sagas) {
    saga::Result<saga::SagaInstance> instance = engine()->get(r->id);
    saga::Result<std::vector<saga::HistoryEntry>> history = engine()->history(r->id);
    if (!instance || !history) {
      violation(r->id + ": cannot read: " + instance.status().to_string());
      continue;
    }
    Observed& o = seen[r->id];
    o.instance = instance.value();
    for (const saga::HistoryEntry& h : history.value()) {
      if (h.event == saga::Event::kCompleted || h.event == saga::Event::kCompensated)
        o.end = h.time;
      if (h.event == saga::Event::kLockWaiting) ++stats_.lock_waits;
      if (h.reason.starts_with("lock_held")) o.lock_held = true;
    }
    if (auto s = sends_.find(r->id); s != sends_.end() && !s->second.empty()) {
      o.first_send = s->second.front().at;
    }
    ++stats_.sagas;
    const Phase phase = o.instance.phase;
    if (phase == Phase::kCompleted) ++stats_.completed;
    if (phase == Phase::kCompensated) ++stats_.compensated;
    if (o.lock_held) ++stats_.lock_held_refusals;
    const std::string& reason = o.instance.last_reason;
    if (phase == Phase::kCompensated && reason.ends_with(": ticket_being_prepared")) {
      ++stats_.refused_preparing;
    }
    if (r->kind == Kind::kRevise && phase == Phase::kCompensated &&
        reason.find(": card_") != std::string::npos) {
      ++stats_.revises_declined;
    }
    trace().add(r->id);
    trace().add(static_cast<std::uint64_t>(phase));
    state << "  " << r->id << ": " << saga::to_string(phase) << " (" << reason << ")";
    if (o.first_send.count() >= 0) state << " active " << at(o.first_send);
    if (o.end.count() >= 0) state << " .. " << at(o.end);
    if (r->kind == Kind::kRevise) state << " items " << items_text(r->items);
    if (r->has_lock) {
      state << " lock " << saga::to_string(r->mode)
            << (r->key_held_by_other ? " (held at start)" : "");
    }
    state << "\n";
    if (!saga::is_terminal(phase)) {
      violation(r->id + ": ended " + std::string(saga::to_string(phase)) + " at step " +
                std::to_string(o.instance.step) + " (" + reason + ")");
    }
  }

  // The engine lock: the sagas of one order never overlapped, from first command to end.
  for (auto a = seen.begin(); a != seen.end(); ++a) {
    for (auto b = std::next(a); b != seen.end(); ++b) {
      const Observed& x = a->second;
      const Observed& y = b->second;
      if (x.first_send.count() < 0 || y.first_send.count() < 0) continue;
      if (x.end.count() < 0 || y.end.count() < 0) continue;
      if (x.first_send < y.end && y.first_send < x.end) {
        violation(where + a->first + " [" + at(x.first_send) + ", " + at(x.end) + "] and " +
                  b->first + " [" + at(y.first_send) + ", " + at(y.end) + "] ran at once");
      }
    }
  }
  // Fail fast: refused exactly when another saga held the key at the start; then no command.
  for (const SagaRecord* r : sagas) {
    auto o = seen.find(r->id);
    if (o == seen.end()) continue;
    const bool expect_refusal = r->mode == saga::LockMode::kFailFast && r->key_held_by_other;
    if (o->second.lock_held && !expect_refusal) {
      violation(r->id + ": refused lock_held, but " +
                (r->key_held_by_other ? "its mode is " + std::string(saga::to_string(r->mode))
                                      : std::string("nobody held its key at its start")));
    }
    if (expect_refusal && !o->second.lock_held) {
      violation(r->id + ": fail-fast and its key was held at its start, yet not refused (" +
                o->second.instance.last_reason + ")");
    }
    if (o->second.lock_held) {
      if (o->second.instance.phase != Phase::kCompensated ||
          o->second.instance.last_reason.find("lock_held: order:") == std::string::npos) {
        violation(r->id + ": refused lock_held but ended " +
                  std::string(saga::to_string(o->second.instance.phase)) + " (" +
                  o->second.instance.last_reason + ")");
      }
      if (o->second.first_send.count() >= 0) {
        violation(r->id + ": refused lock_held, yet sent a command at " + at(o->second.first_send));
      }
    }
  }

  // The services agree with the order.
  auto order_it = services_.orders.find(order_id);
  if (order_it == services_.orders.end()) {
    violation(where + "missing in the Order service");
    return;
  }
  const ftgo_model::Order& order = order_it->second;
  auto ticket_it = services_.tickets.find(order_id);
  const ftgo_model::Ticket* ticket =
      ticket_it == services_.tickets.end() ? nullptr : &ticket_it->second;
  auto auth_it = services_.authorizations.find(order_id);
  const ftgo_model::Authorization* auth =
      auth_it == services_.authorizations.end() ? nullptr : &auth_it->second;
  const std::string ticket_state = ticket ? ticket->state : "none";
  const std::string auth_state = auth ? auth->state : "none";
  state << "  order " << order_id << ": " << order.state << " v" << order.version << " "
        << order.total_cents << " [" << items_text(order.items) << "]"
        << (order.locked_by.empty() ? "" : " locked by " + order.locked_by) << "; ticket "
        << ticket_state << (ticket ? " [" + items_text(ticket->items) + "]" : "")
        << "; authorization " << auth_state << " " << (auth ? auth->amount_cents : 0) << "\n";
  result_.final_state += state.str();

  const std::string summary =
      " (order " + order.state + ", ticket " + ticket_state + ", authorization " + auth_state + ")";
  if (order.state.ends_with("_PENDING") || !order.locked_by.empty()) {
    violation(where + "left " + order.state + " locked by '" + order.locked_by + "'");
  }
  if (ticket && (ticket->state.ends_with("_PENDING") || !ticket->locked_by.empty())) {
    violation(where + "ticket left " + ticket->state + " locked by '" + ticket->locked_by + "'");
  }
  const bool cancelled = order.state == "CANCELLED";
  if (cancelled != (ticket_state == "CANCELLED") || cancelled != (auth_state == "REVERSED")) {
    violation(where + "CANCELLED <=> ticket CANCELLED and authorization REVERSED broken" + summary);
  }
  if (cancelled && services_.prepared.contains(order_id)) {
    violation(where + "CANCELLED after the kitchen started preparing its food" + summary);
  }
  if (order.state == "APPROVED") {
    if (ticket_state != "AWAITING_ACCEPTANCE" && ticket_state != "ACCEPTED" &&
        ticket_state != "PREPARING") {
      violation(where + "APPROVED, but the ticket is not confirmed" + summary);
    } else if (ticket->items != order.items) {
      violation(where + "ticket items [" + items_text(ticket->items) + "] but order items [" +
                items_text(order.items) + "]");
    }
    if (auth_state != "AUTHORIZED" || auth->amount_cents != order.total_cents) {
      violation(where + "APPROVED with total " + std::to_string(order.total_cents) +
                ", but authorization " + auth_state + " " +
                std::to_string(auth ? auth->amount_cents : 0));
    }
    if (order.total_cents != ftgo_model::total_cents(order.items)) {
      violation(where + "total " + std::to_string(order.total_cents) + " is not its items' price");
    }
  }
  if (order.state == "REJECTED") {
    ++stats_.orders_rejected;
    if (ticket && ticket->state != "CREATE_REJECTED") {
      violation(where + "REJECTED with a live ticket" + summary);
    }
    if (auth) violation(where + "REJECTED with an authorization" + summary);
  }

  // The sagas agree with the order.
  int cancels = 0;
  int revises = 0;
  const SagaRecord* create = nullptr;
  const SagaRecord* last_revise = nullptr;
  Millis last_revise_end{-1};
  for (const SagaRecord* r : sagas) {
    auto o = seen.find(r->id);
    if (o == seen.end()) continue;
    const Phase phase = o->second.instance.phase;
    if (r->kind == Kind::kCreate) create = r;
    if (r->kind == Kind::kCreate && (phase == Phase::kCompleted) == (order.state == "REJECTED")) {
      violation(where + "Create Order " + std::string(saga::to_string(phase)) + ", order " +
                order.state);
    }
    if (phase != Phase::kCompleted) continue;
    if (r->kind == Kind::kCancel) ++cancels;
    if (r->kind == Kind::kRevise) {
      ++revises;
      if (o->second.end > last_revise_end) {
        last_revise_end = o->second.end;
        last_revise = r;
      }
    }
  }
  stats_.cancels_completed += static_cast<std::uint64_t>(cancels);
  stats_.revises_completed += static_cast<std::uint64_t>(revises);
  if (cancels != (cancelled ? 1 : 0)) {
    violation(where + std::to_string(cancels) + " Cancels completed, order " + order.state);
  }
  if (order.version != 1 + cancels + revises) {
    violation(where + "version " + std::to_string(order.version) + " after " +
              std::to_string(cancels) + " cancels and " + std::to_string(revises) + " revisions");
  }
  if (order.state == "APPROVED" && create) {
    const std::vector<LineItem>& expected = last_revise ? last_revise->items : create->items;
    if (order.items != expected) {
      violation(where + "items [" + items_text(order.items) + "], but the last change was [" +
                items_text(expected) + "]");
    }
  }
}

}  // namespace order_race
