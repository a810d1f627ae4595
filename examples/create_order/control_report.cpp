// The demo's report of the saga-control scenarios (control_scenarios.h).
#include <cstdio>
#include <iostream>

#include "control_scenarios.h"
#include "scenario_runner.h"
#include "timeline.h"

namespace ftgo {

void print_control_walkthrough(OrderService& service, const std::vector<ControlResult>& results,
                               const DomainState& state) {
  std::printf(
      "=== Saga control: the restaurant's acceptance, cancelling a running saga ===\n\n"
      "  Create Order version 4 waits, after CreateTicket and before the pivot, for the\n"
      "  restaurant's TicketAccepted event (sent by the Kitchen service over the wire,\n"
      "  correlated by the key order:<id>); when the time limit passes first it compensates.\n"
      "  A cancel of an order whose Create Order runs cancels that saga (Engine::cancel) while\n"
      "  it is before its pivot; after it, Cancel Order runs once the order is approved.\n\n");
  for (const ControlResult& r : results) {
    const ControlScenario& s = r.scenario;
    std::printf("=== Order %lld: %s ===\n  %s\n  Expected: %s\n\n",
                static_cast<long long>(s.order.order_id), s.name.c_str(), s.explanation.c_str(),
                expected_text(s).c_str());
    std::vector<TimelineSaga> sagas;
    for (const std::string& id : {r.saga_id, r.cancel_saga_id}) {
      if (id.empty() || (!sagas.empty() && sagas.front().saga_id == id)) continue;
      auto saga = service.engine().get(id);
      auto history = service.engine().history(id);
      const saga::SagaDefinition* definition = saga ? service.definition_of(saga->type) : nullptr;
      if (history && definition != nullptr) sagas.push_back({id, definition, history.value()});
    }
    std::printf("  Timeline:\n");
    print_timelines(std::cout, sagas);
    if (s.action == ControlAction::kScheduled) {
      std::printf("  Right after the order was placed its saga was %s.\n",
                  r.seen_scheduled ? "in phase scheduled" : "NOT seen scheduled");
    }
    std::printf("\n  The restaurant's TicketAccepted: %s%s%s\n", r.acceptance.state.c_str(),
                r.acceptance.answer.empty() ? "" : ", answered: ", r.acceptance.answer.c_str());
    std::printf("\n  Final state in each service:\n");
    print_order_state(std::cout, state, s.order.order_id);
    std::printf("\n");
  }
}

void print_control_summary(const std::vector<ControlResult>& results) {
  std::printf("\n=== Summary: saga control ===\n");
  std::printf("  %-6s %-26s %-58s %-58s %s\n", "order", "scenario", "expected", "actual", "result");
  for (const ControlResult& r : results) {
    std::printf("  %-6lld %-26s %-58s %-58s %s\n",
                static_cast<long long>(r.scenario.order.order_id), r.scenario.name.c_str(),
                expected_text(r.scenario).c_str(), actual_text(r).c_str(), verdict(r.ok, r.ended));
  }
}

}  // namespace ftgo
