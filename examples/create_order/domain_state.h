// The services' domain state, read straight from their databases, and the invariants that must
// hold between them whatever crashed and whatever was resent.
//
// Invariants (checked by the demo and the tests):
//   I1  no ticket is left CREATE_PENDING for a REJECTED order (its CancelCreateTicket ran);
//   I2  no APPROVED order lacks an AUTHORIZED card authorization;
//   I3  no REJECTED order has an authorization. AuthorizeCard is the pivot: a declined card
//       writes no authorization, and once a card is authorized the saga only moves forward;
//   I4  an APPROVED order's ticket is AWAITING_ACCEPTANCE (ConfirmCreateTicket ran);
// and once every saga has ended (`all_ended`):
//   I5  no order is left APPROVAL_PENDING, and no ticket CREATE_PENDING.
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
  std::string orders_db() const { return dir + "/orders.db"; }        // orders + inbox
  std::string engine_db() const { return dir + "/orchestrator.db"; }  // the engine's own
};

struct TicketRow {
  std::int64_t id = 0;
  std::string state;
};

struct AuthorizationRow {
  std::int64_t amount_cents = 0;
  std::string state;
  std::string transaction_id;
};

// Everything keyed by order id.
struct DomainState {
  std::map<std::int64_t, std::string> orders;       // state
  std::map<std::int64_t, std::string> validations;  // consumer validation outcome
  std::map<std::int64_t, TicketRow> tickets;
  std::map<std::int64_t, AuthorizationRow> authorizations;
};

// Reads every service's tables (read-only connections, closed before returning). A database
// that does not exist yet reads as empty.
saga::Result<DomainState> read_domain_state(const DataPaths& paths);

// The invariants above; one line per violation, empty when all hold.
std::vector<std::string> check_invariants(const DomainState& state, bool all_ended);

// One order's state in every service, as a few indented lines.
void print_order_state(std::ostream& out, const DomainState& state, std::int64_t order_id);

}  // namespace ftgo
