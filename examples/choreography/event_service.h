// EventService: the event side of one choreographed service -- how it takes events, and how it
// publishes the events that follow, over the same brokerless saga/1 transport as the
// orchestrated example (no broker, no orchestrator).
//
// Taking events: a saga::Participant (its idempotent inbox in the service's SQLite file). An
// event arrives as a saga/1 command named after the event; its reaction (on()) runs in the
// inbox's transaction and answers EventAccepted.
//
// Publishing: publish() writes the event for one subscriber into the table events_out, in the
// reaction's transaction (a transactional outbox: the event exists if and only if the
// reaction's effects committed). The service's thread sends what is not yet acknowledged, with
// a message id derived from the event that caused it (the same after a crash and a re-run, so
// the subscriber's inbox drops a duplicate), resends it every `resend_after` until the
// subscriber answers, and marks it acknowledged then. Subscribers are registry names.
//
// Calling its domain: call() sends a command to the service's own domain participant (the
// example's Consumer, Kitchen and Accounting services, unchanged) and waits for the reply,
// with a message id derived from the event, so a re-run is answered from that inbox.
//
// Delay injection: `delays` holds events back on the wire ("TicketCreatedEvent@order-16": that
// event of that order leaves this service only after the delay, or release_delayed()), to
// produce reorderings.
#pragma once

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "command_client.h"
#include "events.h"
#include "saga/participant.h"
#include "saga/participant_registry.h"

namespace ftgo::choreography {

struct EventServiceOptions {
  std::string name;           // its registry name ("kitchen-events")
  std::string endpoint;       // where its participant binds ("tcp://127.0.0.1:*")
  std::string database_path;  // inbox, outbox and the service's own tables
  // Every event service and domain service, by name. Set before start(); open() only binds.
  saga::ParticipantRegistry registry;
  std::map<std::string, saga::Millis, std::less<>> delays;  // "Event@saga" -> hold back
  saga::Millis resend_after{300};
};

class EventService {
 public:
  static saga::Result<std::unique_ptr<EventService>> open(EventServiceOptions options);
  ~EventService();

  std::string endpoint() const { return participant_->endpoint(); }
  saga::Participant& participant() { return *participant_; }

  // The reaction to Event: runs in the inbox transaction of the event's delivery.
  template <saga::Message Event>
  void on(std::function<void(const Event&, saga::HandlerContext&)> reaction) {
    participant_->on<Event>(
        [r = std::move(reaction)](const Event& event, saga::HandlerContext& context) {
          r(event, context);
          return saga::success(EventAccepted{});
        });
  }

  // Writes `event` for `subscriber` into the outbox, in the reaction's transaction.
  template <saga::Message Event>
  void publish(saga::HandlerContext& context, std::string_view subscriber, const Event& event) {
    auto body = saga::encode_body(event, saga::ContentType::kJson);
    if (!body) throw std::runtime_error(body.status().to_string());
    add_to_outbox(context, subscriber, Event::kMessageName, event.order.order_id,
                  std::move(body).value());
  }

  // Sends the domain command (made by CommandClient::command) and waits for its reply.
  saga::Result<saga::Envelope> call(std::string_view service, saga::Envelope command);

  // Sets the registry, then runs the participant and the outbox on the service's thread.
  void start(saga::ParticipantRegistry registry);
  void stop();

  // Ends every delay now: held events go out on the next round. Thread-safe.
  void release_delayed() { released_ = true; }

 private:
  explicit EventService(EventServiceOptions options);
  void add_to_outbox(saga::HandlerContext& context, std::string_view subscriber,
                     std::string_view name, std::int64_t order_id, std::string body);
  void run();
  // One round: the events that arrived, then the outbox's sends and acknowledgements.
  void flush_round(std::vector<saga::Envelope>& replies);

  struct Outbox;
  EventServiceOptions options_;
  std::unique_ptr<saga::Participant> participant_;
  std::unique_ptr<CommandClient> domain_;
  std::unique_ptr<Outbox> outbox_;
  std::atomic<bool> stopping_{false};
  std::atomic<bool> released_{false};
  std::thread thread_;
};

}  // namespace ftgo::choreography
