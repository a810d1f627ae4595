// Inspector (saga/inspection.h): opening a database, and the queries.
#include <algorithm>
#include <filesystem>
#include <utility>

#include "saga/inspection.h"
#include "store/saga_store.h"

namespace saga {

std::string SagaDetail::step_name(std::int32_t step) const {
  if (step < 0) return "";
  const auto index = static_cast<std::size_t>(step);
  if (definition && definition->steps && index < definition->steps->size()) {
    return (*definition->steps)[index].name;
  }
  if (outstanding_command && step == instance.step) return outstanding_command->envelope.step;
  return "";
}

std::uint64_t InspectionStats::count(Phase phase, std::string_view type) const {
  std::uint64_t n = 0;
  for (const SagaCount& c : counts) {
    if (c.phase == phase && (type.empty() || c.type == type)) n += c.count;
  }
  return n;
}

std::uint64_t InspectionStats::events_of(std::initializer_list<Event> wanted) const {
  std::uint64_t n = 0;
  for (Event e : wanted) {
    auto it = events.find(e);
    if (it != events.end()) n += it->second;
  }
  return n;
}

Result<std::unique_ptr<Inspector>> Inspector::open(const InspectorOptions& options) {
  if (options.access == StoreAccess::kEngine) {
    return invalid_argument("inspector: open " + options.path +
                            ": kEngine access is the engine's; use kReadOnly or kOperator");
  }
  if (options.path.empty()) return invalid_argument("inspector: no database path");
  std::error_code ec;
  // A PostgreSQL URI names a server's database (docs/scale-out.md); anything else a file.
  if (!is_postgres_url(options.path) && !std::filesystem::is_regular_file(options.path, ec)) {
    return not_found("no such database file: " + options.path);
  }
  StoreOptions store_options;
  store_options.path = options.path;
  store_options.access = options.access;
  store_options.busy_timeout = options.busy_timeout;
  Result<std::unique_ptr<SagaStore>> store = open_store(store_options);
  if (!store) return store.status();
  return std::unique_ptr<Inspector>(new Inspector(std::move(store).value(), options.access));
}

Inspector::Inspector(std::unique_ptr<SagaStore> store, StoreAccess access)
    : store_(std::move(store)), access_(access) {}
Inspector::~Inspector() = default;

Result<std::vector<SagaInstance>> Inspector::list(const SagaQuery& query) {
  return store_->query(query);
}

Result<std::optional<SagaDetail>> Inspector::saga(const std::string& id) {
  Result<std::optional<SagaInstance>> instance = store_->load(id);
  if (!instance) return instance.status();
  if (!instance->has_value()) return std::optional<SagaDetail>();
  SagaDetail d;
  d.instance = std::move(instance->value());
  Result<std::optional<OutboxEntry>> command = store_->outbox_entry(id);
  if (!command) return command.status();
  d.outstanding_command = std::move(command).value();
  Result<std::vector<HistoryEntry>> history = store_->history(id);
  if (!history) return history.status();
  d.history = std::move(history).value();
  Result<std::optional<DefinitionRecord>> definition =
      this->definition(d.instance.type, d.instance.version);
  if (!definition) return definition.status();
  if (definition->has_value() && definition->value().fingerprint == d.instance.fingerprint) {
    d.definition = std::move(definition).value();
  }
  Result<std::vector<HeldLock>> held = store_->load_locks();
  if (!held) return held.status();
  Result<std::vector<LockWait>> waits = store_->load_lock_waits();
  if (!waits) return waits.status();
  for (const LockWait& w : waits.value()) {
    if (w.saga_id == id) d.waiting_for_lock = w.claims.front().key;
  }
  for (const HeldLock& l : held.value()) {
    if (l.saga_id == id) d.locks_held.push_back(l.key);
    if (!d.waiting_for_lock.empty() && l.key == d.waiting_for_lock) d.waiting_behind = l.saga_id;
  }
  return std::optional<SagaDetail>(std::move(d));
}

Result<InspectionStats> Inspector::stats() {
  InspectionStats out;
  Result<std::vector<SagaCount>> counts = store_->counts();
  if (!counts) return counts.status();
  out.counts = std::move(counts).value();
  Result<std::map<Event, std::uint64_t>> events = store_->event_counts();
  if (!events) return events.status();
  out.events = std::move(events).value();
  Result<std::optional<SagaInstance>> oldest = store_->oldest_unfinished();
  if (!oldest) return oldest.status();
  out.oldest_unfinished = std::move(oldest).value();
  Result<std::vector<OperatorRequest>> pending =
      store_->operator_requests(RequestState::kPending, 0);
  if (!pending) return pending.status();
  out.pending_requests = pending->size();
  return out;
}

Result<std::vector<DefinitionInfo>> Inspector::definitions() {
  Result<std::vector<DefinitionRecord>> records = store_->definitions();
  if (!records) return records.status();
  Result<std::vector<SagaCount>> counts = store_->counts();
  if (!counts) return counts.status();
  std::vector<DefinitionInfo> out;
  for (DefinitionRecord& r : records.value()) {
    DefinitionInfo info{std::move(r), 0};
    for (const SagaCount& c : counts.value()) {
      if (c.type == info.record.name && c.version == info.record.version &&
          c.fingerprint == info.record.fingerprint && !is_terminal(c.phase)) {
        info.running += c.count;
      }
    }
    out.push_back(std::move(info));
  }
  return out;
}

Result<std::optional<DefinitionRecord>> Inspector::definition(const std::string& name,
                                                              std::uint32_t version) {
  Result<std::vector<DefinitionRecord>> records = store_->definitions();
  if (!records) return records.status();
  std::optional<DefinitionRecord> found;
  for (DefinitionRecord& r : records.value()) {  // by name, then version
    if (r.name == name && (version == 0 || r.version == version)) found = std::move(r);
  }
  return found;
}

Result<std::vector<LockReport>> Inspector::locks(Millis now) {
  Result<std::vector<HeldLock>> held = store_->load_locks();
  if (!held) return held.status();
  Result<std::vector<LockWait>> waits = store_->load_lock_waits();
  if (!waits) return waits.status();
  std::vector<LockReport> out;
  for (const HeldLock& l : held.value()) {
    LockReport r{l, l.acquired_at, false, {}};
    Result<std::optional<SagaInstance>> holder = store_->load(l.saga_id);
    if (!holder) return holder.status();
    if (holder->has_value())
      r.last_progress = std::max(r.last_progress, holder->value().updated_at);
    r.past_lease = now - r.last_progress > l.lease;
    for (const LockWait& w : waits.value()) {  // in queue order
      if (w.claims.front().key == l.key) r.waiting.push_back(w.saga_id);
    }
    out.push_back(std::move(r));
  }
  return out;
}

Result<std::optional<OperatorRequest>> Inspector::request(std::int64_t id) {
  return store_->operator_request(id);
}

Result<std::vector<OperatorRequest>> Inspector::requests(std::optional<RequestState> state,
                                                         std::size_t limit) {
  return store_->operator_requests(state, limit);
}

Result<std::vector<EventRequest>> Inspector::refused_events(std::size_t limit) {
  return store_->refused_event_requests(limit);
}

}  // namespace saga
