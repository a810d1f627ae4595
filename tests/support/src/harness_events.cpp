// SagaHarness: external events for wait steps, with the engine's rules (Engine::deliver_event).
#include <algorithm>

#include "core/decide_events.h"
#include "saga/testing/harness.h"

namespace saga::testing {

Result<EventDisposition> SagaHarness::deliver_event(const std::string& name,
                                                    const std::string& event_id,
                                                    ContentType content_type, std::string body) {
  if (std::find(event_ids_.begin(), event_ids_.end(), event_id) != event_ids_.end()) {
    return EventDisposition::kDuplicate;
  }
  std::string why;
  const events::EventFit fit = events::event_fit(*definition_, instance_, name, &why);
  if (fit == events::EventFit::kNever) return failed_precondition("event '" + name + "': " + why);
  event_ids_.push_back(event_id);
  StoredEvent e;
  e.event_id = event_id;
  e.saga_id = instance_.id;
  e.name = name;
  e.content_type = content_type;
  e.body = std::move(body);
  e.received_at = now_;
  if (fit == events::EventFit::kLater) {
    pending_events_.push_back(std::move(e));
    return EventDisposition::kPending;
  }
  const EventView view{e.name, e.event_id, e.content_type, e.body};
  Input input;
  input.kind = InputKind::kEvent;
  input.event = &view;
  Delivery d = feed(std::move(input));
  if (!d.applied) return failed_precondition("event '" + name + "': " + d.ignored_reason);
  return EventDisposition::kConsumed;
}

void SagaHarness::take_pending_event() {
  const std::string awaited = events::awaited_event(*definition_, instance_);
  auto it = std::find_if(pending_events_.begin(), pending_events_.end(),
                         [&](const StoredEvent& e) { return e.name == awaited; });
  if (it == pending_events_.end()) return;
  const StoredEvent e = std::move(*it);
  pending_events_.erase(it);
  const EventView view{e.name, e.event_id, e.content_type, e.body};
  Input input;
  input.kind = InputKind::kEvent;
  input.event = &view;
  feed(std::move(input));
}

}  // namespace saga::testing
