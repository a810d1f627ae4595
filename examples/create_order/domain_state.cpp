#include "domain_state.h"

#include <SQLiteCpp/SQLiteCpp.h>

#include <filesystem>
#include <functional>

namespace ftgo {
namespace {

// Runs `sql` on the file at `path` (if it exists and has the table) and feeds each row to `row`.
void read_rows(const std::string& path, const std::string& table, const std::string& sql,
               const std::function<void(SQLite::Statement&)>& row) {
  if (!std::filesystem::exists(path)) return;
  SQLite::Database db(path, SQLite::OPEN_READONLY, 5'000);
  if (!db.tableExists(table)) return;
  SQLite::Statement q(db, sql);
  while (q.executeStep()) row(q);
}

}  // namespace

saga::Result<DomainState> read_domain_state(const DataPaths& paths) {
  DomainState s;
  try {
    read_rows(paths.orders_db(), "orders", "SELECT id, state FROM orders",
              [&](SQLite::Statement& q) {
                s.orders[q.getColumn(0).getInt64()] = q.getColumn(1).getString();
              });
    read_rows(paths.consumer_db(), "consumer_validations",
              "SELECT order_id, outcome FROM consumer_validations", [&](SQLite::Statement& q) {
                s.validations[q.getColumn(0).getInt64()] = q.getColumn(1).getString();
              });
    read_rows(paths.kitchen_db(), "tickets", "SELECT order_id, id, state FROM tickets",
              [&](SQLite::Statement& q) {
                s.tickets[q.getColumn(0).getInt64()] =
                    TicketRow{q.getColumn(1).getInt64(), q.getColumn(2).getString()};
              });
    read_rows(paths.accounting_db(), "authorizations",
              "SELECT order_id, amount_cents, state, transaction_id FROM authorizations",
              [&](SQLite::Statement& q) {
                s.authorizations[q.getColumn(0).getInt64()] =
                    AuthorizationRow{q.getColumn(1).getInt64(), q.getColumn(2).getString(),
                                     q.getColumn(3).getString()};
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
    if (state == "APPROVED" &&
        (ticket == s.tickets.end() || ticket->second.state != "AWAITING_ACCEPTANCE")) {
      violation(order, "I4 approved, but its ticket is not AWAITING_ACCEPTANCE");
    }
    if (all_ended && state == "APPROVAL_PENDING") violation(order, "I5 still APPROVAL_PENDING");
  }
  for (const auto& [order, ticket] : s.tickets) {
    if (!s.orders.contains(order)) violation(order, "ticket for an unknown order");
    if (all_ended && ticket.state == "CREATE_PENDING") {
      violation(order, "I5 ticket still CREATE_PENDING");
    }
  }
  for (const auto& [order, authorization] : s.authorizations) {
    if (!s.orders.contains(order)) violation(order, "authorization for an unknown order");
  }
  return violations;
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
  out << "    Order service       order " << order_id << ": " << (order ? *order : "(none)")
      << "\n";
  out << "    Consumer service    validation: " << (validation ? *validation : "(none)") << "\n";
  out << "    Kitchen service     ticket: ";
  if (ticket) {
    out << "#" << ticket->id << " " << ticket->state << "\n";
  } else {
    out << "(none)\n";
  }
  out << "    Accounting service  authorization: ";
  if (authorization) {
    out << authorization->state << " " << authorization->amount_cents / 100 << "."
        << (authorization->amount_cents % 100 < 10 ? "0" : "") << authorization->amount_cents % 100
        << " (" << authorization->transaction_id << ")\n";
  } else {
    out << "(none)\n";
  }
}

}  // namespace ftgo
