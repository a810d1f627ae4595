#include "command_support.h"

#include <ostream>

namespace sagactl {

int fail(Context& c, const std::string& message) {
  *c.err << "sagactl: error: " << message << '\n';
  return kExitError;
}

saga::Result<std::unique_ptr<saga::Inspector>> open(Context& c, saga::StoreAccess access) {
  if (c.database.empty()) return saga::invalid_argument("no database: pass --db PATH (or SAGA_DB)");
  saga::InspectorOptions options;
  options.path = c.database;
  options.access = access;
  auto inspector = saga::Inspector::open(options);
  if (!inspector && inspector.status().message().find("failed quick_check") != std::string::npos) {
    return saga::Status(saga::StatusCode::kCorrupt,
                        c.database + " is damaged (" + inspector.status().message() +
                            "); sagactl check " + c.database + " lists the problems");
  }
  if (!inspector && inspector.status().code() == saga::StatusCode::kCorrupt) {
    return saga::Status(
        saga::StatusCode::kCorrupt,
        c.database + " is not a saga engine database (" + inspector.status().message() + ")");
  }
  return inspector;
}

std::optional<saga::Phase> parse_phase(std::string_view name) {
  for (int p = 1; p <= static_cast<int>(saga::Phase::kScheduled); ++p) {
    if (saga::to_string(static_cast<saga::Phase>(p)) == name) return static_cast<saga::Phase>(p);
  }
  return std::nullopt;
}

std::string_view wait_name(saga::Wait w) {
  switch (w) {
    case saga::Wait::kReply:
      return "reply";
    case saga::Wait::kRetry:
      return "retry";
    case saga::Wait::kLock:
      return "lock";
    case saga::Wait::kStart:
      return "start";
    case saga::Wait::kEvent:
      return "event";
    case saga::Wait::kChild:
      return "child";
    case saga::Wait::kParent:
      return "parent";
    case saga::Wait::kNone:
      break;
  }
  return "none";
}

std::string step_label(std::int32_t step, const std::string& name) {
  if (step < 0) return "-";
  std::string out = std::to_string(step + 1);
  if (!name.empty()) out += " " + name;
  return out;
}

int print(Context& c, const saga::JsonWriter& j) {
  *c.out << j.str();
  return kExitOk;
}

void instance_json(saga::JsonWriter& j, const saga::SagaInstance& i) {
  j.field("id", i.id).field("type", i.type).field("version", i.version);
  j.field("phase", saga::to_string(i.phase)).field("step", i.step);
  j.field("attempt", i.attempt).field("last_reason", i.last_reason);
  j.field("trace_id", i.trace_id);
  if (!i.parent_id.empty()) j.field("parent_id", i.parent_id);  // a child saga
  j.field("created_at_ms", static_cast<std::int64_t>(i.created_at.count()));
  j.field("updated_at_ms", static_cast<std::int64_t>(i.updated_at.count()));
}

}  // namespace sagactl
