// Child sagas in the engine (docs/dsl.md, "Child sagas"): a parent's child start, a child's end
// and a parent's compensation or end reach the other saga inside the batch that decided them,
// so one commit writes both sides and a crash loses nothing.
#include <algorithm>

#include "runtime/engine_impl.h"

namespace saga {
namespace {

bool recorded(const Decision& decision, Event event) {
  return std::any_of(decision.history.begin(), decision.history.end(),
                     [event](const HistoryEntry& h) { return h.event == event; });
}

}  // namespace

void Engine::Impl::stage_children(PendingBatch& batch, const std::string& id,
                                  const SagaDefinition& definition, const Decision& decision,
                                  std::vector<LockAnswer>& answers) {
  const SagaInstance* found = batch.current(id, running_);
  if (found == nullptr) return;
  const SagaInstance next = *found;  // staging others may move the batch's entries
  if (decision.child_start) start_child(batch, next, *decision.child_start, answers);
  if (!decision.child_compensate.empty()) {
    const SagaInstance* child = batch.current(decision.child_compensate, running_);
    Input input = fresh_input()();
    input.kind = InputKind::kParentCompensates;
    if (child != nullptr && child->wait != Wait::kParent) {
      // Still running: the parent's cancel reaches it. Past its pivot it refuses and finishes;
      // its kChildDone then makes the parent ask again (decide_child.cpp), and it compensates.
      input.kind = InputKind::kCancel;
      input.reason = "parent saga " + id + " compensates: " + next.last_reason;
    }
    tell(batch, decision.child_compensate, std::move(input), answers);
  }
  if (!next.parent_id.empty() &&
      (recorded(decision, Event::kChildDone) || recorded(decision, Event::kCompensated))) {
    child_ended(batch, next.parent_id, next, answers);
  }
  if (!is_terminal(next.phase)) return;
  for (const StepDefinition& step : definition.steps) {  // its children waiting for its end
    if (!step.child) continue;
    const std::string child = child_saga_id(id, step.name);
    const SagaInstance* c = batch.current(child, running_);
    if (c == nullptr || c->wait != Wait::kParent) continue;
    Input input = fresh_input()();
    input.kind = InputKind::kParentEnded;
    tell(batch, child, std::move(input), answers);
  }
}

void Engine::Impl::start_child(PendingBatch& batch, const SagaInstance& parent,
                               const ChildStart& start, std::vector<LockAnswer>& answers) {
  int depth = 1;  // of the new child
  for (const SagaInstance* p = &parent; p != nullptr && !p->parent_id.empty(); ++depth) {
    p = batch.current(p->parent_id, running_);
  }
  Status s = Status::ok();
  if (depth > kMaxChildDepth) {
    s = failed_precondition("children nest at most " + std::to_string(kMaxChildDepth) + " deep");
  } else {
    SagaInstance child;
    child.id = start.id;
    child.type = start.type;
    child.version = start.version;
    child.trace_id = parent.trace_id;
    child.data = start.data;
    child.parent_id = parent.id;
    s = stage_start(batch, std::move(child), StoredId::kUnknown);
  }
  if (s) return;
  log(LogLevel::kWarning, "saga=" + parent.id + " event=child_not_started child=" + start.id +
                              " reason=\"" + s.message() + "\"");
  SagaInstance refused;  // the step fails as if the child had compensated
  refused.id = start.id;
  refused.phase = Phase::kCompensated;
  refused.last_reason = "not started: " + s.message();
  child_ended(batch, parent.id, refused, answers);
}

void Engine::Impl::child_ended(PendingBatch& batch, const std::string& parent_id,
                               const SagaInstance& child, std::vector<LockAnswer>& answers) {
  Input input = fresh_input()();
  input.kind = InputKind::kChildEnded;
  input.child = &child;
  tell(batch, parent_id, std::move(input), answers);
}

void Engine::Impl::tell(PendingBatch& batch, const std::string& id, Input input,
                        std::vector<LockAnswer>& answers) {
  const InputKind kind = input.kind;
  if (Status s = stage_one(batch, id, std::move(input), answers); !s) {
    log(LogLevel::kDebug, "saga=" + id + " event=child_input_ignored input=" +
                              std::to_string(static_cast<int>(kind)) + " reason=\"" + s.message() +
                              "\"");
  }
}

}  // namespace saga
