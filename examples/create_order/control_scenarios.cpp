#include "control_scenarios.h"

#include <chrono>
#include <thread>

#include "create_order_cancel.h"
#include "ftgo/create_order_saga.h"
#include "ftgo/ticket_acceptance.h"
#include "kitchen_service.h"
#include "scenarios.h"
#include "seed_data.h"

namespace ftgo {
namespace {

constexpr std::string_view kAccepted = TicketAccepted::kMessageName;
constexpr saga::Millis kScheduledIn{600};  // the scheduled order's saga starts this much later

saga::Millis wall_now() {
  return std::chrono::duration_cast<saga::Millis>(
      std::chrono::system_clock::now().time_since_epoch());
}

OrderRequest curry_night(std::int64_t id) {
  OrderRequest r;
  r.order_id = id;
  r.consumer_id = kConsumerAda;
  r.restaurant_id = kRestaurantAjanta;
  r.line_items = {{"vindaloo", 2}, {"naan", 1}};
  r.total_cents = 2940;
  return r;
}

std::string saga_of(std::int64_t order_id) { return saga_id_of_order(order_id); }

// Reads `what` until `done` says so or `timeout` passes; the last value read.
template <typename Read, typename Done>
auto poll(Read read, Done done, saga::Millis timeout) {
  const auto until = std::chrono::steady_clock::now() + timeout;
  auto value = read();
  while (!done(value) && std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    value = read();
  }
  return value;
}

}  // namespace

std::vector<ControlScenario> control_scenarios(saga::Millis accept_within) {
  const std::string limit = std::to_string(accept_within.count());
  const std::string late = std::to_string(accept_within.count() + 300);
  std::vector<ControlScenario> all;
  auto add = [&](std::int64_t id, std::string name, std::string explanation) -> ControlScenario& {
    ControlScenario s;
    s.name = std::move(name);
    s.explanation = std::move(explanation);
    s.order = curry_night(id);
    s.expected_state = "APPROVED";
    s.expected_ticket = "ACCEPTED";
    s.expected_acceptance = "SENT";
    all.push_back(std::move(s));
    return all.back();
  };
  auto rejected = [](ControlScenario& s, std::string reason, std::string acceptance) {
    s.expected_phase = saga::Phase::kCompensated;
    s.expected_reason = std::move(reason);
    s.expected_state = "REJECTED";
    s.expected_ticket = "CREATE_REJECTED";
    s.expected_acceptance = std::move(acceptance);
  };
  const std::string timed_out = "event_timeout: " + std::string(kAccepted);
  add(16, "accepted in time",
      "The restaurant accepts the ticket a moment after it was created: the TicketAccepted "
      "event reaches the saga's wait step (or comes before it, and is kept until the saga "
      "waits), the card is charged and the ticket goes straight to ACCEPTED.");
  {
    ControlScenario& s = add(17, "never accepted",
                             "The restaurant never answers: after " + limit +
                                 " ms the wait step's limit passes and the saga compensates; "
                                 "no card is charged.");
    s.injections = {{"--fail", std::string(kAccepted) + ":always@" + saga_of(17)}};
    rejected(s, timed_out, "IGNORED");
  }
  {
    ControlScenario& s = add(18, "accepted too late",
                             "The restaurant accepts " + late +
                                 " ms after the ticket was created, past the limit: the saga "
                                 "compensated already and the engine refuses the late event.");
    s.injections = {{"--delay-ms", std::string(kAccepted) + ":" + late + "@" + saga_of(18)}};
    rejected(s, timed_out, "REFUSED");
    s.expected_answer = "not_found";
  }
  {
    ControlScenario& s = add(19, "accepted twice",
                             "The answer to the restaurant's event is lost, so it sends the same "
                             "event again: the engine answers 'duplicate' and takes it once.");
    s.injections = {{"--drop-replies", std::string(kAccepted) + ":1@" + saga_of(19)}};
    s.expected_answer = "; duplicate";
  }
  {
    ControlScenario& s =
        add(20, "cancelled while waiting",
            "Ada cancels while the saga waits for the restaurant: the Order service cancels the "
            "running Create Order (Engine::cancel), which compensates; the restaurant's event, "
            "when it comes, is refused.");
    s.action = ControlAction::kCancelWhileWaiting;
    s.injections = {{"--delay-ms", std::string(kAccepted) + ":" + limit + "@" + saga_of(20)}};
    rejected(s, "cancelled: " + std::string(kOrderServiceRequester), "REFUSED");
    s.expected_answer = "not_found";
  }
  {
    ControlScenario& s =
        add(21, "cancelled after the pivot",
            "Ada cancels while the card is being charged (AuthorizeCard is slow): past its pivot "
            "the engine refuses to cancel Create Order, so the Order service starts Cancel "
            "Order, which waits for the order's lock and cancels the approved order.");
    s.action = ControlAction::kCancelAfterPivot;
    s.injections = {{"--delay-ms", "AuthorizeCard:400@" + saga_of(21)}};
    s.expected_state = "CANCELLED";
    s.expected_ticket = "CANCELLED";
  }
  {
    ControlScenario& s = add(22, "scheduled order",
                             "Ada orders for later: the order is placed now, its saga is "
                             "scheduled (phase scheduled, also across a restart) and runs at the "
                             "chosen time, " +
                                 std::to_string(kScheduledIn.count()) + " ms later.");
    s.action = ControlAction::kScheduled;
  }
  return all;
}

saga::Status add_control_injections(const std::vector<ControlScenario>& scenarios,
                                    FailurePlan& plan) {
  for (const ControlScenario& s : scenarios) {
    for (const auto& [flag, value] : s.injections) {
      if (saga::Status st = plan.apply_flag(flag, value); !st) return st;
    }
  }
  return saga::Status::ok();
}

std::string expected_text(const ControlScenario& s) {
  std::string text = s.expected_state;
  if (!s.expected_reason.empty()) text += " (" + s.expected_reason + ")";
  text += ", ticket " + s.expected_ticket + ", event " + s.expected_acceptance;
  return text;
}

std::string actual_text(const ControlResult& r) {
  std::string text = r.order_state;
  const std::string reason = business_reason(r.saga.last_reason);
  if (r.saga.phase == saga::Phase::kCompensated) {
    const std::string& expected = r.scenario.expected_reason;
    text += " (" + (!expected.empty() && reason.starts_with(expected) ? expected : reason) + ")";
  } else if (r.saga.phase != saga::Phase::kCompleted) {
    text += ", saga " + std::string(to_string(r.saga.phase));
  }
  text += ", ticket " + r.ticket_state + ", event " + r.acceptance.state;
  if (r.scenario.action == ControlAction::kScheduled && !r.seen_scheduled) {
    text += ", never seen scheduled";
  }
  return text;
}

saga::Status wait_until_at_step(saga::Engine& engine, const saga::SagaDefinition& definition,
                                const std::string& id, std::string_view step_name,
                                saga::Millis timeout) {
  std::int32_t index = -1;
  for (std::size_t i = 0; i < definition.steps.size(); ++i) {
    if (definition.steps[i].name == step_name) index = static_cast<std::int32_t>(i);
  }
  if (index < 0) return saga::invalid_argument("no step '" + std::string(step_name) + "'");
  auto at_step = [&](const saga::Result<saga::SagaInstance>& s) {
    return s && s->phase == saga::Phase::kExecuting && s->step == index &&
           (s->wait == saga::Wait::kEvent || !s->last_request_id.empty());
  };
  auto last = poll([&] { return engine.get(id); }, at_step, timeout);
  if (at_step(last)) return saga::Status::ok();
  return saga::Status(saga::StatusCode::kTimeout,
                      id + " did not reach step '" + std::string(step_name) + "'");
}

saga::Result<std::vector<ControlResult>> run_control_scenarios(
    OrderService& service, const std::string& kitchen_db,
    const std::vector<ControlScenario>& scenarios, saga::Millis wait_timeout) {
  std::vector<ControlResult> results;
  KitchenService kitchen(kitchen_db);
  for (const ControlScenario& s : scenarios) {
    ControlResult r;
    r.scenario = s;
    OrderRequest request = s.order;
    if (s.action == ControlAction::kScheduled) request.not_before = wall_now() + kScheduledIn;
    auto created = service.create_order(request);
    if (!created && created.status().code() != saga::StatusCode::kAlreadyExists) {
      return created.status();
    }
    r.saga_id = saga_of(s.order.order_id);
    bool cancel_ended = true;
    if (s.action == ControlAction::kScheduled) {
      // Once the engine took the start, the saga is there, scheduled.
      auto seen =
          poll([&] { return service.engine().get(r.saga_id); },
               [](const saga::Result<saga::SagaInstance>& x) { return x.is_ok(); }, wait_timeout);
      r.seen_scheduled = seen && seen->phase == saga::Phase::kScheduled;
    } else if (s.action != ControlAction::kNone) {
      const char* step =
          s.action == ControlAction::kCancelWhileWaiting ? "await_acceptance" : "authorize_card";
      if (saga::Status st = wait_until_at_step(service.engine(), service.definition(), r.saga_id,
                                               step, wait_timeout);
          !st) {
        return st;
      }
      auto cancelled = service.cancel_order(s.order.order_id);
      if (!cancelled) return cancelled.status();
      r.cancel_saga_id = cancelled.value();
      if (r.cancel_saga_id != r.saga_id) {
        cancel_ended = service.engine().wait(r.cancel_saga_id, wait_timeout).is_ok();
      }
    }
    auto ended = service.engine().wait(r.saga_id, wait_timeout);
    auto now = ended ? std::move(ended) : service.engine().get(r.saga_id);
    if (!now) return now.status();
    r.saga = std::move(now).value();
    // The restaurant's event is settled once it was sent and answered (or is never sent).
    r.acceptance = poll(
        [&] {
          auto a = read_acceptance(kitchen_db, s.order.order_id);
          return a ? a.value() : AcceptanceRecord{"none", ""};
        },
        [](const AcceptanceRecord& a) { return a.state != "DUE"; }, wait_timeout);
    auto order = service.order_state(s.order.order_id);
    if (!order) return order.status();
    r.order_state = order.value();
    auto ticket = kitchen.ticket_state(s.order.order_id);
    r.ticket_state = ticket ? ticket.value() : "none";
    r.ended = saga::is_terminal(r.saga.phase) && cancel_ended && r.acceptance.state != "DUE";
    const std::string reason = business_reason(r.saga.last_reason);
    r.ok = r.ended && r.saga.phase == s.expected_phase && reason.starts_with(s.expected_reason) &&
           r.order_state == s.expected_state && r.ticket_state == s.expected_ticket &&
           r.acceptance.state == s.expected_acceptance &&
           (s.expected_answer.empty() ||
            r.acceptance.answer.find(s.expected_answer) != std::string::npos) &&
           (s.action != ControlAction::kScheduled || r.seen_scheduled);
    results.push_back(std::move(r));
  }
  return results;
}

}  // namespace ftgo
