// The saga-control scenarios (orders 16..22): Create Order version 4, which waits for the
// restaurant's TicketAccepted event (ftgo/ticket_acceptance.h, ticket_acceptance_desk.h), and a
// consumer's cancel of a running Create Order (create_order_cancel.h). The demo runs them after
// the walkthrough when it is given --accept-within-ms; shared with the integration test.
//
//   16 accepted in time      the event comes (maybe before the saga waits: kept, then taken)
//   17 never accepted        the restaurant does not answer: rejected when the limit passes
//   18 accepted too late     the limit passed first: rejected, the late event refused
//   19 accepted twice        the answer to the event is lost, the restaurant sends it again:
//                            a duplicate, taken once
//   20 cancelled while waiting  the consumer cancels during the wait: Engine::cancel, the
//                            saga compensates; the restaurant's later event is refused
//   21 cancelled after the pivot  Create Order is at AuthorizeCard: the engine refuses, the
//                            Order service runs Cancel Order once the order is approved
//   22 scheduled order       placed for later: its saga is kScheduled until then, then runs
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "domain_state.h"
#include "failure_injection.h"
#include "order_service.h"
#include "saga/instance.h"
#include "ticket_acceptance_desk.h"

namespace ftgo {

enum class ControlAction : std::uint8_t {
  kNone = 0,
  kCancelWhileWaiting = 1,  // cancel_order once Create Order waits for TicketAccepted
  kCancelAfterPivot = 2,    // cancel_order once Create Order's AuthorizeCard is out
  kScheduled = 3,           // the order is placed for later (OrderRequest::not_before)
};

struct ControlScenario {
  std::string name;
  std::string explanation;
  OrderRequest order;
  ControlAction action = ControlAction::kNone;
  std::vector<std::pair<std::string, std::string>> injections;  // failure flags and values
  // Expected: Create Order's end and the start of its reason, the order's and the ticket's
  // final states, and what became of the restaurant's event (ticket_acceptances.state, and
  // the start of its answer when not empty).
  saga::Phase expected_phase = saga::Phase::kCompleted;
  std::string expected_reason;
  std::string expected_state;
  std::string expected_ticket;
  std::string expected_acceptance;
  std::string expected_answer;
};

// The scenarios for a time limit of `accept_within` (the restaurant answers after
// ServiceOptions::accept_after, which must be well under it).
std::vector<ControlScenario> control_scenarios(saga::Millis accept_within);

// Their failure injection, added to `plan`.
saga::Status add_control_injections(const std::vector<ControlScenario>& scenarios,
                                    FailurePlan& plan);

struct ControlResult {
  ControlScenario scenario;
  std::string saga_id;         // Create Order's
  std::string cancel_saga_id;  // what cancel_order returned (Create Order's own id or Cancel
                               // Order's), when the scenario cancels
  saga::SagaInstance saga;     // Create Order as it ended
  std::string order_state;
  std::string ticket_state;
  AcceptanceRecord acceptance;
  bool seen_scheduled = false;  // kScheduled: the saga was seen in phase kScheduled
  bool ended = false;
  bool ok = false;
};

std::string expected_text(const ControlScenario& scenario);
std::string actual_text(const ControlResult& result);

// Waits (real time, at most `timeout`) until saga `id` is executing at step `step_name` of
// `definition` (for a wait step: waiting for its event; otherwise its command sent).
saga::Status wait_until_at_step(saga::Engine& engine, const saga::SagaDefinition& definition,
                                const std::string& id, std::string_view step_name,
                                saga::Millis timeout = saga::Millis{30'000});

// Runs each scenario: creates the order, acts, waits for every saga involved and for the
// restaurant's event to be settled, reads the order, the ticket and the event's record.
// `kitchen_db`: the Kitchen service's database.
saga::Result<std::vector<ControlResult>> run_control_scenarios(
    OrderService& service, const std::string& kitchen_db,
    const std::vector<ControlScenario>& scenarios,
    saga::Millis wait_timeout = saga::Millis{60'000});

// The demo's report (control_report.cpp): each scenario's timeline, the restaurant's event and
// the final state in each service; then one summary line per scenario.
void print_control_walkthrough(OrderService& service, const std::vector<ControlResult>& results,
                               const DomainState& state);
void print_control_summary(const std::vector<ControlResult>& results);

}  // namespace ftgo
