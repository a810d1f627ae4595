// External events on the engine thread: delivery (API, wire and transactional events), correlation
// keys, and the pending events a saga takes when it reaches its wait step
// (saga/event_delivery.h, saga/transactional_event.h).
#include <algorithm>
#include <memory>

#include "core/decide_events.h"
#include "runtime/engine_impl.h"

namespace saga {

std::string_view to_string(EventDisposition disposition) {
  switch (disposition) {
    case EventDisposition::kConsumed:
      return "consumed";
    case EventDisposition::kPending:
      return "pending";
    case EventDisposition::kDuplicate:
      return "duplicate";
  }
  return "unknown";
}

namespace {

Status check_delivery(const EventDelivery& e) {
  if (e.event_id.empty()) return invalid_argument("event: event_id is empty");
  if (e.name.empty()) return invalid_argument("event " + e.event_id + ": name is empty");
  if (e.saga_id.empty() == e.key.empty()) {
    return invalid_argument("event " + e.event_id + ": give exactly one of saga_id and key");
  }
  return Status::ok();
}

bool has_keyed_wait(const SagaDefinition& definition) {
  return std::any_of(definition.steps.begin(), definition.steps.end(),
                     [](const StepDefinition& s) { return s.wait && s.wait->key; });
}

// A refusal that depends on the event, not on the store: the sender should not send it again.
bool refusal(const Status& s) {
  switch (s.code()) {
    case StatusCode::kInvalidArgument:
    case StatusCode::kNotFound:
    case StatusCode::kAlreadyExists:
    case StatusCode::kFailedPrecondition:
      return true;
    default:
      return false;
  }
}

}  // namespace

Status Engine::Impl::stage_event(PendingBatch& batch, const EventDelivery& e,
                                 EventReceipt& receipt) {
  if (Status s = check_delivery(e); !s) return s;
  // The same event id again: in this batch, or committed before.
  std::optional<StoredEvent> earlier;
  for (const StoredEvent& x : batch.events_put) {
    if (x.event_id == e.event_id) earlier = x;
  }
  if (!earlier) {
    Result<std::optional<StoredEvent>> stored = store_->load_event(e.event_id);
    if (!stored) return stored.status();
    earlier = std::move(stored).value();
  }
  if (earlier) {
    if (earlier->name != e.name || (!e.saga_id.empty() && earlier->saga_id != e.saga_id) ||
        (!e.key.empty() && earlier->key != e.key)) {
      return already_exists("event " + e.event_id + " was delivered before as '" + earlier->name +
                            "' for saga " + earlier->saga_id);
    }
    receipt = EventReceipt{EventDisposition::kDuplicate, earlier->saga_id};
    return Status::ok();
  }
  std::string saga_id = e.saga_id;
  if (saga_id.empty()) {
    Result<std::vector<std::string>> ids = store_->sagas_for_event_key(e.name, e.key);
    if (!ids) return ids.status();
    std::vector<std::string> found = std::move(ids).value();
    for (const EventKeyRecord& k : batch.event_keys_put) {
      if (k.name == e.name && k.key == e.key) found.push_back(k.saga_id);
    }
    std::sort(found.begin(), found.end());
    found.erase(std::unique(found.begin(), found.end()), found.end());
    if (found.empty()) {
      return not_found("event '" + e.name + "': no running saga has the key '" + e.key + "'");
    }
    if (found.size() > 1) {
      return failed_precondition("event '" + e.name + "': the key '" + e.key + "' matches " +
                                 std::to_string(found.size()) + " sagas (" + found[0] + ", " +
                                 found[1] + ", ...)");
    }
    saga_id = found.front();
  }
  const SagaInstance* instance = batch.current(saga_id, running_);
  if (instance == nullptr) {
    Result<std::optional<SagaInstance>> stored = store_->load(saga_id);
    if (!stored) return stored.status();
    if (!stored->has_value()) return not_found("event '" + e.name + "': no saga " + saga_id);
    return failed_precondition("event '" + e.name + "': saga " + saga_id + " is " +
                               std::string(to_string(stored->value().phase)) +
                               ": it waits for no event any more");
  }
  std::shared_ptr<const SagaDefinition> definition = definition_for(*instance);
  if (!definition) {
    return failed_precondition("event '" + e.name + "': the definition of saga " + saga_id +
                               " is not registered");
  }
  std::string why;
  const events::EventFit fit = events::event_fit(*definition, *instance, e.name, &why);
  if (fit == events::EventFit::kNever) return failed_precondition("event '" + e.name + "': " + why);
  StoredEvent row;
  row.event_id = e.event_id;
  row.saga_id = saga_id;
  row.name = e.name;
  row.key = e.key;
  row.content_type = e.content_type;
  row.body = e.body;
  row.received_at = now();
  batch.events_put.push_back(row);
  receipt = EventReceipt{EventDisposition::kPending, saga_id};
  if (fit == events::EventFit::kNow) {
    std::vector<LockAnswer> answers;
    if (feed_event(batch, saga_id, row, answers)) receipt.disposition = EventDisposition::kConsumed;
    locks_.settle(answers, fresh_input(), stage_fn(batch));
  }
  return Status::ok();
}

bool Engine::Impl::feed_event(PendingBatch& batch, const std::string& id, const StoredEvent& event,
                              std::vector<LockAnswer>& answers) {
  const SagaInstance* before = batch.current(id, running_);
  if (before == nullptr) return false;
  const std::int32_t step = before->step;
  const EventView view{event.name, event.event_id, event.content_type, event.body};
  Input input;
  input.kind = InputKind::kEvent;
  input.now = now();
  input.random = random();
  input.event = &view;
  if (!stage_one(batch, id, std::move(input), answers)) return false;
  for (StoredEvent& put : batch.events_put) {
    if (put.event_id != event.event_id) continue;
    put.state = EventState::kConsumed;
    put.consumed_step = step;
    put.consumed_at = now();
    return true;
  }
  batch.events_consumed.push_back(EventConsumption{event.event_id, step, now()});
  return true;
}

void Engine::Impl::after_staged(PendingBatch& batch, const std::string& id,
                                const SagaDefinition& definition, const Decision& decision,
                                bool started, std::vector<LockAnswer>& answers) {
  stage_children(batch, id, definition, decision, answers);  // engine_children.cpp
  const SagaInstance* next = batch.current(id, running_);
  if (next == nullptr) return;
  const bool ends = is_terminal(next->phase);
  if (has_keyed_wait(definition)) {
    if (started && !ends) {
      for (auto& [name, key] : events::event_keys(definition, next->data)) {
        batch.event_keys_put.push_back(EventKeyRecord{std::move(name), std::move(key), id});
      }
    }
    if (ends && !started) batch.event_keys_delete.push_back(id);
  }
  const bool awaited =
      std::any_of(decision.history.begin(), decision.history.end(),
                  [](const HistoryEntry& h) { return h.event == Event::kEventAwaited; });
  if (!awaited || next->wait != Wait::kEvent) return;
  // The saga starts waiting: an event that came before it is taken now, in this batch.
  const std::string name = events::awaited_event(definition, *next);
  for (const StoredEvent& put : batch.events_put) {
    if (put.saga_id == id && put.name == name && put.state == EventState::kPending) {
      const StoredEvent copy = put;
      feed_event(batch, id, copy, answers);
      return;
    }
  }
  Result<std::vector<StoredEvent>> pending = store_->saga_events(id, EventState::kPending);
  if (!pending) {
    log(LogLevel::kWarning, "saga=" + id + " event=event_check_failed reason=\"" +
                                pending.status().message() + "\" (looked at again next batch)");
    event_checks_.push_back(id);
    return;
  }
  for (const StoredEvent& e : pending.value()) {
    const bool taken =
        std::any_of(batch.events_consumed.begin(), batch.events_consumed.end(),
                    [&](const EventConsumption& c) { return c.event_id == e.event_id; });
    if (e.name != name || taken) continue;
    feed_event(batch, id, e, answers);
    return;
  }
}

void Engine::Impl::stage_event_checks(PendingBatch& batch) {
  std::vector<std::string> ids;
  ids.swap(event_checks_);
  for (const std::string& id : ids) {
    const SagaInstance* instance = batch.current(id, running_);
    if (instance == nullptr || instance->wait != Wait::kEvent) continue;
    std::shared_ptr<const SagaDefinition> definition = definition_for(*instance);
    if (!definition) continue;
    // As if the saga had just begun to wait.
    Decision waiting;
    waiting.history.push_back(HistoryEntry{Event::kEventAwaited, instance->step, 0, now(), {}, {}});
    std::vector<LockAnswer> answers;
    after_staged(batch, id, *definition, waiting, false, answers);
    locks_.settle(answers, fresh_input(), stage_fn(batch));
  }
}

void Engine::Impl::apply_wire_event(PendingBatch& batch, const Envelope& message) {
  const EventDelivery delivery{message.message_id, message.name,         message.saga_id,
                               message.event_key,  message.content_type, message.body};
  auto receipt = std::make_shared<EventReceipt>();
  Envelope reply;
  reply.kind = MessageKind::kReply;
  reply.message_id = "ack/" + message.message_id;
  reply.correlation_id = message.message_id;
  reply.saga_id = message.saga_id.empty() ? "-" : message.saga_id;
  reply.trace_id = message.trace_id;
  reply.route = message.route;
  reply.content_type = ContentType::kJson;
  const Status staged = stage_event(batch, delivery, *receipt);
  if (!staged) {
    if (!refusal(staged)) return;  // a store fault: unanswered, so the sender sends it again
    reply.name = "EventRefused";
    reply.outcome = Outcome::kFailure;
    reply.reason = std::string(to_string(staged.code())) + ": " + staged.message();
    if (Status s = options_.transport->answer(reply); !s) log(LogLevel::kWarning, s.message());
    return;
  }
  batch.on_commit.push_back([this, reply, receipt](const Status& committed) mutable {
    if (!committed) return;  // unanswered: the sender sends it again
    reply.name = "EventAccepted";
    reply.saga_id = receipt->saga_id;
    reply.body = "{\"disposition\":\"" + std::string(to_string(receipt->disposition)) +
                 "\",\"saga_id\":\"" + receipt->saga_id + "\"}";
    if (Status s = options_.transport->answer(reply); !s) log(LogLevel::kWarning, s.message());
  });
}

void Engine::Impl::apply_event_requests(PendingBatch& batch) {
  constexpr std::size_t kEventsPerBatch = 256;
  Result<std::vector<EventRequest>> pending =
      store_->event_requests(event_cursor_, kEventsPerBatch);
  if (!pending) {
    log(health_.health().ok ? LogLevel::kError : LogLevel::kDebug,
        "event requests: " + pending.status().to_string());
    return;  // events_unread_ stays set: read again at the next poll
  }
  events_unread_ = pending->size() == kEventsPerBatch;  // a full page: read on next iteration
  if (pending->empty()) return;
  if (!batch.event_cursor_before) batch.event_cursor_before = event_cursor_;
  for (EventRequest& request : pending.value()) {
    const EventDelivery delivery{request.event_id, request.name,         request.saga_id,
                                 request.key,      request.content_type, std::move(request.body)};
    const std::string what = "event request " + std::to_string(request.seq) + " (event " +
                             request.event_id + " '" + request.name +
                             "', trace_id=" + request.trace_id + ")";
    EventReceipt receipt;
    const Status staged = stage_event(batch, delivery, receipt);
    if (staged) {
      batch.event_requests_done.push_back(request.seq);
      if (log_enabled(LogLevel::kDebug)) {
        log(LogLevel::kDebug, what + ": " + std::string(to_string(receipt.disposition)) +
                                  " by saga " + receipt.saga_id);
      }
    } else if (refusal(staged)) {
      // Kept, marked refused, so that it is neither lost nor blocking the ones behind it.
      const std::string reason = std::string(to_string(staged.code())) + ": " + staged.message();
      batch.event_requests_refused.push_back(EventRequestRefusal{request.seq, now(), reason});
      log(LogLevel::kError, what + " refused (kept in saga_event_requests): " + reason);
    } else {
      // A store error: this one and those behind it are read again at the next poll.
      log(LogLevel::kError, what + ": " + staged.to_string());
      events_unread_ = true;
      return;
    }
    event_cursor_ = request.seq;
  }
}

// --- the public API ------------------------------------------------------------------------------

Result<EventReceipt> Engine::deliver_event(EventDelivery event) {
  auto promise = std::make_shared<std::promise<Result<EventReceipt>>>();
  std::future<Result<EventReceipt>> future = promise->get_future();
  Impl* impl = impl_.get();
  const bool posted = impl->post([impl, promise, event = std::move(event)](PendingBatch& batch) {
    auto receipt = std::make_shared<EventReceipt>();
    Status staged = impl->stage_event(batch, event, *receipt);
    if (!staged) {
      promise->set_value(staged);
      return;
    }
    batch.on_commit.push_back([promise, receipt](const Status& committed) {
      if (committed) {
        promise->set_value(*receipt);
      } else {
        promise->set_value(committed);
      }
    });
  });
  if (!posted) return unavailable("engine is not running (call start())");
  return future.get();
}

Result<std::vector<StoredEvent>> Engine::events(std::string_view saga_id) {
  Impl* impl = impl_.get();
  return impl->call<std::vector<StoredEvent>>(
      [impl, id = std::string(saga_id)]() -> Result<std::vector<StoredEvent>> {
        Result<SagaInstance> instance = impl->read_instance(id);
        if (!instance) return instance.status();
        return impl->store().saga_events(id, std::nullopt);
      });
}

}  // namespace saga
