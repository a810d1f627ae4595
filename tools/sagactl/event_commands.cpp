// sagactl refused-events: the transactional events (saga/transactional_event.h) the engine
// refused, with why. Their rows stay in saga_event_requests; nothing here changes them.
#include <ostream>
#include <string>

#include "command_support.h"

namespace sagactl {

using saga::JsonWriter;

int refused_events(Context& c, std::size_t limit) {
  auto inspector = open(c, saga::StoreAccess::kReadOnly);
  if (!inspector) return fail(c, inspector.status().message());
  auto rows = (*inspector)->refused_events(limit);
  if (!rows) return fail(c, rows.status().to_string());
  if (c.json) {
    JsonWriter j;
    j.begin_object().key("refused_events").begin_array();
    for (const saga::EventRequest& r : rows.value()) {
      j.begin_object().field("seq", r.seq).field("event_id", r.event_id).field("name", r.name);
      j.field("saga", r.saga_id).field("key", r.key).field("trace_id", r.trace_id);
      j.field("requested_at_ms", static_cast<std::int64_t>(r.requested_at.count()));
      j.field("refused_at_ms", static_cast<std::int64_t>(r.refused_at.count()));
      j.field("reason", r.refusal).end_object();
    }
    j.end_array().end_object();
    return print(c, j);
  }
  if (rows->empty()) {
    *c.out << "no refused events\n";
    return kExitOk;
  }
  Table t({"seq", "event", "name", "for", "refused", "reason"});
  for (const saga::EventRequest& r : rows.value()) {
    t.row({std::to_string(r.seq), r.event_id, r.name,
           r.saga_id.empty() ? "key " + r.key : r.saga_id, format_time(r.refused_at), r.refusal});
  }
  t.print(*c.out, c.style);
  return kExitOk;
}

}  // namespace sagactl
