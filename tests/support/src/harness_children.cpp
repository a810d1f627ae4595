// SagaHarness: child sagas, with the inputs the engine gives (runtime/engine_children.cpp).
#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>

#include "saga/testing/harness.h"

namespace saga::testing {

Delivery SagaHarness::child_ended(Phase phase, std::string data, std::string reason) {
  const std::int32_t i = instance_.step;
  SagaInstance child;  // the child as the engine would read it
  if (i >= 0 && static_cast<std::size_t>(i) < definition_->steps.size()) {
    child.id = child_saga_id(instance_.id, definition_->steps[static_cast<std::size_t>(i)].name);
  }
  child.parent_id = instance_.id;
  child.phase = phase;
  child.wait = phase == Phase::kExecuting ? Wait::kParent : Wait::kNone;
  child.data = std::move(data);
  child.last_reason = std::move(reason);
  Input input;
  input.kind = InputKind::kChildEnded;
  input.child = &child;
  return feed(std::move(input));
}

Delivery SagaHarness::child_done(std::string child_data) {
  return child_ended(Phase::kExecuting, std::move(child_data), {});
}

Delivery SagaHarness::child_compensated(std::string reason) {
  return child_ended(Phase::kCompensated, {}, std::move(reason));
}

Delivery SagaHarness::parent_ended() {
  Input input;
  input.kind = InputKind::kParentEnded;
  return feed(std::move(input));
}

Delivery SagaHarness::parent_compensates() {
  Input input;
  input.kind = InputKind::kParentCompensates;
  return feed(std::move(input));
}

}  // namespace saga::testing
