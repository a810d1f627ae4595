#include "domain_state.h"

#include <SQLiteCpp/SQLiteCpp.h>

#include <filesystem>
#include <functional>

namespace ftgo {
namespace {

// Runs `sql` on the file at `path` (if it exists and has the table) and feeds each row to `row`.
// Returns whether the table exists.
bool read_rows(const std::string& path, const std::string& table, const std::string& sql,
               const std::function<void(SQLite::Statement&)>& row) {
  if (!std::filesystem::exists(path)) return false;
  // Read-write though it only reads: right after a service was killed with SIGKILL, its WAL
  // index may need rebuilding, which a read-only connection refuses ("attempt to write a
  // readonly database", SQLITE_READONLY_RECOVERY). Nothing else is written.
  SQLite::Database db(path, SQLite::OPEN_READWRITE, 5'000);
  if (!db.tableExists(table)) return false;
  SQLite::Statement q(db, sql);
  while (q.executeStep()) row(q);
  return true;
}

bool is_pending(const std::string& state) { return state.ends_with("_PENDING"); }

// I9: the order's delivery (Create Order version 5's child saga).
template <typename Violation>
void check_delivery(const DomainState& s, std::int64_t order, const std::string& state,
                    Violation& violation) {
  auto delivery = s.deliveries.find(order);
  const bool scheduled = delivery != s.deliveries.end() && delivery->second.state == "SCHEDULED";
  if (!s.deliveries_expected) return;
  if (state == "APPROVED" && (!scheduled || delivery->second.courier.empty())) {
    violation(order, "I9 approved, but no delivery scheduled with a courier");
  }
  if (state == "REJECTED" && scheduled)
    violation(order, "I9 rejected, but its delivery is SCHEDULED");
}

}  // namespace

saga::Result<DomainState> read_domain_state(const DataPaths& paths) {
  DomainState s;
  try {
    read_rows(paths.orders_db(), "orders",
              "SELECT id, state, consumer_id, total_cents, line_items FROM orders",
              [&](SQLite::Statement& q) {
                const std::int64_t id = q.getColumn(0).getInt64();
                s.orders[id] = q.getColumn(1).getString();
                s.order_rows[id] = OrderRow{q.getColumn(1).getString(),
                                            q.getColumn(2).getInt64(),
                                            q.getColumn(3).getInt64(),
                                            q.getColumn(4).getString(),
                                            1,
                                            ""};
              });
    read_rows(paths.orders_db(), "order_versions",
              "SELECT order_id, version, locked_by FROM order_versions", [&](SQLite::Statement& q) {
                auto it = s.order_rows.find(q.getColumn(0).getInt64());
                if (it == s.order_rows.end()) return;
                it->second.version = q.getColumn(1).getInt64();
                it->second.locked_by = q.getColumn(2).getString();
              });
    read_rows(paths.consumer_db(), "consumer_validations",
              "SELECT order_id, outcome FROM consumer_validations", [&](SQLite::Statement& q) {
                s.validations[q.getColumn(0).getInt64()] = q.getColumn(1).getString();
              });
    read_rows(paths.kitchen_db(), "tickets", "SELECT order_id, id, state, line_items FROM tickets",
              [&](SQLite::Statement& q) {
                s.tickets[q.getColumn(0).getInt64()] =
                    TicketRow{q.getColumn(1).getInt64(), q.getColumn(2).getString(),
                              q.getColumn(3).getString(), ""};
              });
    read_rows(paths.kitchen_db(), "ticket_locks", "SELECT order_id, saga_id FROM ticket_locks",
              [&](SQLite::Statement& q) {
                auto it = s.tickets.find(q.getColumn(0).getInt64());
                if (it != s.tickets.end()) it->second.locked_by = q.getColumn(1).getString();
              });
    read_rows(paths.kitchen_db(), "deliveries",
              "SELECT order_id, id, state, courier FROM deliveries", [&](SQLite::Statement& q) {
                s.deliveries[q.getColumn(0).getInt64()] =
                    DeliveryRow{q.getColumn(1).getInt64(), q.getColumn(2).getString(),
                                q.getColumn(3).getString()};
              });
    read_rows(paths.accounting_db(), "authorizations",
              "SELECT order_id, amount_cents, state, transaction_id, consumer_id "
              "FROM authorizations",
              [&](SQLite::Statement& q) {
                s.authorizations[q.getColumn(0).getInt64()] =
                    AuthorizationRow{q.getColumn(1).getInt64(), q.getColumn(2).getString(),
                                     q.getColumn(3).getString(), q.getColumn(4).getInt64()};
              });
    s.has_balances = read_rows(paths.accounting_db(), "consumer_balances",
                               "SELECT consumer_id, authorized_cents FROM consumer_balances",
                               [&](SQLite::Statement& q) {
                                 s.balances[q.getColumn(0).getInt64()] = q.getColumn(1).getInt64();
                               });
  } catch (const std::exception& e) {
    return saga::Status(saga::StatusCode::kIoError, std::string("domain state: ") + e.what());
  }
  return s;
}

std::vector<std::string> check_invariants(const DomainState& s, bool all_ended) {
  std::vector<std::string> violations;
  auto violation = [&](std::int64_t order, const std::string& what) {
    violations.push_back("order " + std::to_string(order) + ": " + what);
  };
  for (const auto& [order, state] : s.orders) {
    auto ticket = s.tickets.find(order);
    auto authorization = s.authorizations.find(order);
    const bool authorized =
        authorization != s.authorizations.end() && authorization->second.state == "AUTHORIZED";
    if (state == "REJECTED" && ticket != s.tickets.end() &&
        ticket->second.state == "CREATE_PENDING") {
      violation(order, "I1 rejected, but its ticket is still CREATE_PENDING");
    }
    if (state == "APPROVED" && !authorized) violation(order, "I2 approved without authorization");
    if (state == "REJECTED" && authorization != s.authorizations.end()) {
      violation(order, "I3 rejected, but has a card authorization");
    }
    const std::string ticket_state = ticket == s.tickets.end() ? "" : ticket->second.state;
    if (state == "APPROVED" && ticket_state != "AWAITING_ACCEPTANCE" &&
        ticket_state != "ACCEPTED" && ticket_state != "PREPARING") {
      violation(order, "I4 approved, but its ticket is not confirmed");
    }
    if (state == "CANCELLED" &&
        (ticket_state != "CANCELLED" || authorization == s.authorizations.end() ||
         authorization->second.state != "REVERSED")) {
      violation(order, "I6 cancelled, but its ticket or its authorization is not");
    }
    if (state == "APPROVED" && authorized) {
      auto row = s.order_rows.find(order);
      if (row != s.order_rows.end() &&
          row->second.total_cents != authorization->second.amount_cents) {
        violation(order, "I7 total " + money(row->second.total_cents) + " but authorized " +
                             money(authorization->second.amount_cents));
      }
    }
    check_delivery(s, order, state, violation);
    if (all_ended && is_pending(state)) violation(order, "I5 still " + state);
    auto row = s.order_rows.find(order);
    if (all_ended && row != s.order_rows.end() && !row->second.locked_by.empty()) {
      violation(order, "I5 still locked by " + row->second.locked_by);
    }
  }
  for (const auto& [order, delivery] : s.deliveries) {
    if (!s.orders.contains(order)) violation(order, "delivery for an unknown order");
  }
  for (const auto& [order, ticket] : s.tickets) {
    if (!s.orders.contains(order)) violation(order, "ticket for an unknown order");
    if (all_ended && is_pending(ticket.state)) violation(order, "I5 ticket still " + ticket.state);
    if (all_ended && !ticket.locked_by.empty()) {
      violation(order, "I5 ticket still locked by " + ticket.locked_by);
    }
  }
  std::map<std::int64_t, std::int64_t> authorized_by_consumer;
  for (const auto& [order, authorization] : s.authorizations) {
    auto state = s.orders.find(order);
    if (state == s.orders.end()) {
      violation(order, "authorization for an unknown order");
    } else if (authorization.state == "REVERSED" && state->second != "CANCELLED" &&
               state->second != "CANCEL_PENDING") {
      violation(order, "I6 authorization reversed, but the order is " + state->second);
    }
    if (authorization.state == "AUTHORIZED") {
      authorized_by_consumer[authorization.consumer_id] += authorization.amount_cents;
    }
  }
  if (s.has_balances) {
    std::map<std::int64_t, std::int64_t> balances = s.balances;
    for (const auto& [consumer, cents] : authorized_by_consumer) balances.try_emplace(consumer, 0);
    for (const auto& [consumer, balance] : balances) {
      const std::int64_t expected = authorized_by_consumer[consumer];
      if (balance != expected) {
        violations.push_back("consumer " + std::to_string(consumer) + ": I8 balance " +
                             money(balance) + ", but authorizations add up to " + money(expected));
      }
    }
  }
  return violations;
}

std::string money(std::int64_t cents) {
  const std::int64_t whole = (cents < 0 ? -cents : cents) / 100;
  const std::int64_t part = (cents < 0 ? -cents : cents) % 100;
  return (cents < 0 ? "-" : "") + std::to_string(whole) + "." + (part < 10 ? "0" : "") +
         std::to_string(part);
}

void print_order_state(std::ostream& out, const DomainState& s, std::int64_t order_id) {
  auto find = [](const auto& map, std::int64_t key) -> const auto* {
    auto it = map.find(key);
    return it == map.end() ? nullptr : &it->second;
  };
  const std::string* order = find(s.orders, order_id);
  const std::string* validation = find(s.validations, order_id);
  const TicketRow* ticket = find(s.tickets, order_id);
  const AuthorizationRow* authorization = find(s.authorizations, order_id);
  out << "    Order service       order " << order_id << ": " << (order ? *order : "(none)");
  if (const OrderRow* row = find(s.order_rows, order_id)) {
    out << " " << money(row->total_cents) << " [" << row->line_items << "] v" << row->version;
    if (!row->locked_by.empty()) out << ", locked by " << row->locked_by;
  }
  out << "\n";
  out << "    Consumer service    validation: " << (validation ? *validation : "(none)") << "\n";
  out << "    Kitchen service     ticket: ";
  if (ticket) {
    out << "#" << ticket->id << " " << ticket->state << " [" << ticket->line_items << "]";
    if (!ticket->locked_by.empty()) out << ", locked by " << ticket->locked_by;
    out << "\n";
  } else {
    out << "(none)\n";
  }
  if (const DeliveryRow* delivery = find(s.deliveries, order_id)) {
    out << "    Kitchen service     delivery: #" << delivery->id << " " << delivery->state
        << (delivery->courier.empty() ? "" : ", " + delivery->courier) << "\n";
  }
  out << "    Accounting service  authorization: ";
  if (authorization) {
    out << authorization->state << " " << money(authorization->amount_cents) << " ("
        << authorization->transaction_id << ")";
    if (auto balance = s.balances.find(authorization->consumer_id); balance != s.balances.end()) {
      out << "; consumer " << authorization->consumer_id << " has " << money(balance->second)
          << " authorized in all";
    }
    out << "\n";
  } else {
    out << "(none)\n";
  }
}

}  // namespace ftgo
