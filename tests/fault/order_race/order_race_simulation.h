// Deterministic race simulation of the Create Order example's three sagas on one order
// (issue #11): Create Order, Cancel Order and Revise Order racing, on the REAL engine in manual
// mode (a real SQLite file in a temp dir, VirtualClock, one seeded SimRandom, no threads), with
// the example's REAL definitions (ftgo::create_order_definition, cancel_order_definition,
// revise_order_definition) registered side by side, against in-memory models of the four
// services (ftgo_services_model.h) over a simulated network.
//
// Per seed: a few independent orders. Each is placed (Create Order starts); at random times
// Cancels and Revises of it are requested (a Revise with a random new total, sometimes over
// the card's limit, sometimes with an item the kitchen does not sell); the restaurant may
// accept the ticket and start preparing it at a random time (after which a Cancel is refused).
// During the fault period messages are dropped, duplicated, delayed and reordered, services
// crash (losing replies in flight) and the orchestrator crashes, sometimes at a CrashPoint,
// and reopens the same database. A quiet period then lets everything end; an operator retries
// sagas that ended kFailed.
//
// Starts are the Order service's (examples/create_order/order_service.h): the order change and
// the saga's start commit in ONE transaction on the service's own connection to the engine's
// file (saga/transactional_start.h), whether the orchestrator is up or not; the engine takes
// the start at its next run (notify_starts()), and a crash before it commits that leaves the
// start in the file for the next engine.
//
// Invariants checked at the end (each violation is one line of the result):
//   - while the orchestrator is down, one query on the file finds every placed order's saga
//     (an instance or a pending start): no order without its saga;
//   - every saga is completed or compensated; Engine::locks() is empty (no key held, no saga
//     queued); no order or ticket is left *_PENDING or locked by a saga;
//   - the services agree with the order: CANCELLED <=> ticket CANCELLED and authorization
//     REVERSED; APPROVED => ticket confirmed (AWAITING_ACCEPTANCE, ACCEPTED or PREPARING) with
//     the order's items, and an AUTHORIZED authorization of exactly the order's total, which is
//     the price of its items; REJECTED => no live ticket and no authorization; each consumer's
//     balance is the sum of its AUTHORIZED amounts;
//   - the sagas agree with the order: Create Order completed <=> the order is not REJECTED;
//     exactly one Cancel completed <=> CANCELLED; the version counts the confirmed changes; an
//     APPROVED order has the items of the last Revise that completed (or its own);
//   - the engine lock did its job: the sagas of one order never overlapped (from a saga's first
//     command sent to its end, by the engine's clock and histories), so no Cancel or Revise step
//     ran while Create Order ran; a saga refused "lock_held" (a fail-fast Revise) ended
//     compensated without sending a command, and exactly when, at its start, another saga held
//     its key.
// The same seed gives the same run; the trace hash covers every delivery, crash and outcome.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "ftgo_services_model.h"
#include "saga/definition.h"
#include "saga/testing/sim_world.h"

namespace order_race {

struct OrderRaceConfig {
  int orders = 2;       // independent orders per seed
  int max_cancels = 2;  // per order, 0..max requested
  int max_revises = 3;
  saga::Millis request_window{12'000};     // Cancels and Revises within this of the start
  std::uint32_t kitchen_prepares = 350;    // per mille: the restaurant starts preparing
  std::uint32_t revise_waits = 400;        // per mille: a revised total of 100.00 or more
  std::uint32_t revise_over_limit = 150;   // per mille: a revised total over the card's limit
  std::uint32_t revise_unknown_item = 60;  // per mille: an item the kitchen does not sell
  std::uint32_t low_limit_consumer = 200;  // per mille: Bob (card limit 20.00) places it
  saga::testing::SimFaults faults;
  saga::Millis fault_period{15'000};
  saga::Millis quiet_limit{600'000};
  saga::Millis tick{100};
  int operator_retries_max = 3;
  ftgo_model::Breakage breakage = ftgo_model::Breakage::kNone;
  // Applied to each definition before it is registered (a test that breaks one on purpose).
  std::function<void(saga::SagaDefinition&)> modify_definition;
};

struct OrderRaceStats {
  std::uint64_t sagas = 0;
  std::uint64_t completed = 0;
  std::uint64_t compensated = 0;
  std::uint64_t cancels_completed = 0;
  std::uint64_t revises_completed = 0;
  std::uint64_t orders_rejected = 0;
  std::uint64_t lock_waits = 0;          // kLockWaiting events
  std::uint64_t lock_held_refusals = 0;  // sagas refused "lock_held"
  std::uint64_t refused_preparing = 0;   // Cancels/Revises refused "ticket_being_prepared"
  std::uint64_t revises_declined = 0;    // Revises refused by the card
  std::uint64_t orchestrator_crashes = 0;
  std::uint64_t participant_crashes = 0;
  std::uint64_t dropped = 0;
  std::uint64_t duplicated = 0;
  std::uint64_t operator_retries = 0;
  // Starts committed by the Order service and not yet taken by the engine, counted each turn
  // while the orchestrator was down (the crash between the two commits).
  std::uint64_t starts_pending_while_down = 0;
  void add(const OrderRaceStats& o);
};

struct OrderRaceResult {
  std::uint64_t seed = 0;
  std::vector<std::string> violations;
  std::uint64_t trace_hash = 0;
  OrderRaceStats stats;
  std::string final_state;  // one line per order and saga, for a failing seed
  bool ok() const { return violations.empty(); }
  std::string summary() const;
};

// Runs one seed. Never throws; engine errors become violations.
OrderRaceResult simulate_order_race(const OrderRaceConfig& config, std::uint64_t seed);

}  // namespace order_race
