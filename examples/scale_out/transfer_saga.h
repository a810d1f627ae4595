// A small saga for the multi-instance tests (label postgres): reserve an amount at the bank,
// ship, confirm the reservation. Shipping refuses every order whose id is a multiple of 5 (the
// pivot fails, the reservation is released). Both participants count how often each handler
// ran, in the same transaction as its effect, so a test can check by SQL that every effect
// happened once even when an orchestrator instance died and another resent its commands.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "saga/definition.h"
#include "saga/participant.h"

namespace saga::transfer {

struct TransferData {
  std::int64_t order_id = 0;
  std::int64_t amount = 0;
  template <class A>
  void serialize(A& a) {
    a(CEREAL_NVP(order_id), CEREAL_NVP(amount));
  }
};

// Whether the saga of `order_id` ends compensated (shipping refuses it) rather than completed.
inline bool refused(std::int64_t order_id) { return order_id % 5 == 0; }

// The definition, with `timeout` for every reply and a fixed 100 ms retry.
std::shared_ptr<const SagaDefinition> definition(Millis timeout);

// The same steps as "transfer_locked", whose saga holds the semantic lock
// "account:<order_id % accounts>" (kWait) from its start to its end.
std::shared_ptr<const SagaDefinition> locked_definition(Millis timeout, std::int64_t accounts);

// The participants, serving on `endpoint` with their SQLite file `database`: the bank
// (tables reservations(order_id, amount, state, runs)) and shipping (shipments(order_id, runs)).
Result<std::unique_ptr<Participant>> open_bank(const std::string& endpoint,
                                               const std::string& database);
// Shipping takes `delay` per shipment (keeps sagas in flight under a test's load).
Result<std::unique_ptr<Participant>> open_shipping(const std::string& endpoint,
                                                   const std::string& database,
                                                   Millis delay = Millis{0});

}  // namespace saga::transfer
