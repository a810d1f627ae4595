// The services' domain state, read straight from their databases, and the invariants that must
// hold between them whatever crashed and whatever was resent.
//
// Invariants (checked by the demo and the tests):
//   I1  no ticket is left CREATE_PENDING for a REJECTED order (its CancelCreateTicket ran);
//   I2  no APPROVED order lacks an AUTHORIZED card authorization;
//   I3  no REJECTED order has an authorization. AuthorizeCard is the pivot: a declined card
//       writes no authorization, and once a card is authorized the saga only moves forward;
//   I4  an APPROVED order's ticket is confirmed: AWAITING_ACCEPTANCE (ConfirmCreateTicket ran),
//       or ACCEPTED or PREPARING (the restaurant moved it on since);
// Cancel Order and Revise Order:
//   I6  a CANCELLED order's ticket is CANCELLED and its authorization REVERSED; a REVERSED
//       authorization belongs to a CANCELLED or CANCEL_PENDING order;
//   I7  an APPROVED order's total is its authorization's amount (a revision changes both or
//       neither);
//   I8  each consumer's authorized balance (Accounting's consumer_balances, kept by deltas) is
//       the sum of that consumer's AUTHORIZED amounts;
// Create Order version 5 (its child, the Delivery saga, ftgo/delivery_saga.h), when
// `deliveries_expected` is set:
//   I9  an APPROVED order has exactly one delivery, SCHEDULED with a courier; a REJECTED order
//       has no SCHEDULED delivery (one the saga scheduled before it compensated is CANCELLED);
// and once every saga has ended (`all_ended`):
//   I5  no order is left APPROVAL_PENDING, CANCEL_PENDING or REVISION_PENDING, no ticket
//       CREATE_PENDING, CANCEL_PENDING or REVISION_PENDING, and no semantic lock is held.
#pragma once

#include <cstdint>
#include <map>
#include <ostream>
#include <string>
#include <vector>

#include "saga/status.h"

namespace ftgo {

// Where each service keeps its database, inside one data directory.
struct DataPaths {
  std::string dir;
  std::string consumer_db() const { return dir + "/consumer.db"; }
  std::string kitchen_db() const { return dir + "/kitchen.db"; }
  std::string accounting_db() const { return dir + "/accounting.db"; }
  // The Order service's one file: orders, its inbox, and the engine's tables (create_order is
  // one transaction there, order_service.h).
  std::string orders_db() const { return dir + "/orchestrator.db"; }
  std::string engine_db() const { return orders_db(); }
};

struct OrderRow {
  std::string state;
  std::int64_t consumer_id = 0;
  std::int64_t total_cents = 0;
  std::string line_items;  // "vindaloo:2,naan:1"
  std::int64_t version = 1;
  std::string locked_by;  // the saga holding a cancel/revise lock, or empty
};

struct TicketRow {
  std::int64_t id = 0;
  std::string state;
  std::string line_items;  // "vindaloox2,naanx1"
  std::string locked_by;   // the saga holding its cancel/revise lock, or empty
};

struct AuthorizationRow {
  std::int64_t amount_cents = 0;
  std::string state;
  std::string transaction_id;
  std::int64_t consumer_id = 0;
};

struct DeliveryRow {
  std::int64_t id = 0;
  std::string state;    // SCHEDULED or CANCELLED
  std::string courier;  // empty until AssignCourier
};

// Everything keyed by order id.
struct DomainState {
  std::map<std::int64_t, std::string> orders;       // state
  std::map<std::int64_t, OrderRow> order_rows;      // the whole row
  std::map<std::int64_t, std::string> validations;  // consumer validation outcome
  std::map<std::int64_t, TicketRow> tickets;
  std::map<std::int64_t, AuthorizationRow> authorizations;
  // Accounting's consumer_balances, by consumer id; has_balances: the table exists (a
  // participant in another language may not keep it).
  std::map<std::int64_t, std::int64_t> balances;
  bool has_balances = false;
  // The Kitchen's deliveries (one per order at most: order_id is unique there).
  std::map<std::int64_t, DeliveryRow> deliveries;
  // Set by the caller when the orders ran Create Order version 5 (invariant I9).
  bool deliveries_expected = false;
};

// Reads every service's tables (read-only connections, closed before returning). A database
// that does not exist yet reads as empty.
saga::Result<DomainState> read_domain_state(const DataPaths& paths);

// The invariants above; one line per violation, empty when all hold.
std::vector<std::string> check_invariants(const DomainState& state, bool all_ended);

// "29.40".
std::string money(std::int64_t cents);

// One order's state in every service, as a few indented lines.
void print_order_state(std::ostream& out, const DomainState& state, std::int64_t order_id);

}  // namespace ftgo
