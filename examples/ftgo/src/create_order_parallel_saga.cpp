// Create Order version 3: version 2 with its independent steps in parallel groups. The same
// steps, options and lock as version 2 (create_order_saga.cpp), so the definition is derived
// from it rather than written twice; docs/dsl.md shows the DSL form of such a saga
// (parallel() ... end_parallel()), and tests/unit/dsl_group_test.cpp builds one that way.
#include <memory>
#include <utility>

#include "ftgo/create_order_saga.h"

namespace ftgo {

saga::DefinitionResult create_order_parallel_definition(const SagaTiming& timing) {
  saga::DefinitionResult sequential = create_order_definition(timing);
  if (!sequential) return sequential;
  auto parallel = std::make_shared<saga::SagaDefinition>(**sequential);
  parallel->version = 3;
  for (saga::StepDefinition& step : parallel->steps) {
    // The consumer's verification and the kitchen's ticket do not depend on each other, nor do
    // confirming the ticket and approving the order.
    if (step.name == "verify_consumer" || step.name == "create_ticket") step.group = "prepare";
    if (step.name == "confirm_ticket" || step.name == "approve_order") step.group = "finish";
  }
  if (saga::Status s = saga::validate(*parallel); !s) return s;
  return std::shared_ptr<const saga::SagaDefinition>(std::move(parallel));
}

}  // namespace ftgo
