// Create Order as choreography: no orchestrator. Each service reacts to the others' events and
// publishes its own; nobody holds the saga's state, each service knows only its reactions:
//
//   Order       PlaceOrder            -> order APPROVAL_PENDING, publishes OrderCreated
//   Consumer    OrderCreated          -> validates the consumer: ConsumerVerified, or
//                                        OrderNotPossible
//   Kitchen     ConsumerVerified      -> creates the ticket: TicketCreatedEvent, or
//                                        OrderNotPossible
//   Accounting  TicketCreatedEvent    -> authorizes the card: CardAuthorizedEvent, or
//                                        CardDeclinedEvent
//   Kitchen     CardAuthorizedEvent   -> confirms the ticket
//               CardDeclinedEvent     -> cancels the ticket (its compensation, decided here)
//   Order       CardAuthorizedEvent   -> APPROVED;  CardDeclinedEvent, OrderNotPossible ->
//                                        REJECTED
//   Order       CancelOrder           -> CANCELLED, publishes OrderCancelled
//   Kitchen     OrderCancelled        -> cancels the ticket
//   Accounting  OrderCancelled        -> reverses the authorization
//
// The domain work is the orchestrated example's Consumer, Kitchen and Accounting participants,
// unchanged (examples/create_order): each service's event side (event_service.h) calls its own
// domain participant with the same FTGO commands the orchestrator would send, on the same
// files, so both versions end in the same domain state (tests/integration/choreography_test.cpp).
//
// Nothing orders events from different publishers: a cancel can reach Accounting before the
// TicketCreatedEvent of the same order. Accounting's event side keeps a version file
// (saga/version_file.h) of "authorize" then "reverse" per order, so a late authorize is a
// no-op (`accounting_version_file`; off only to show the anomaly).
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "domain_state.h"
#include "event_service.h"
#include "order_service.h"
#include "service_host.h"

namespace ftgo::choreography {

struct ChoreographyOptions {
  std::string dir;  // the databases: DataPaths(dir) for the domain, <name>-events.db for the rest
  bool accounting_version_file = true;
  // Events held back on the wire by their publisher ("TicketCreatedEvent@order-16").
  std::map<std::string, saga::Millis, std::less<>> delays;
};

// The four services, each with its event side, on threads of this process, over tcp on
// 127.0.0.1.
class ChoreographedCreateOrder {
 public:
  static saga::Result<std::unique_ptr<ChoreographedCreateOrder>> start(ChoreographyOptions options);
  ~ChoreographedCreateOrder() { stop(); }

  // Sends PlaceOrder / CancelOrder to the Order service and returns once it is accepted.
  saga::Status place_order(const OrderRequest& request);
  saga::Status cancel_order(std::int64_t order_id);

  // Waits until no service has an event left to deliver (twice in a row, 50 ms apart): the
  // choreography has settled. kTimeout after `timeout`.
  saga::Status wait_until_settled(saga::Millis timeout = saga::Millis{20'000});

  // Waits until `publisher` ("order-events") has delivered its `event` to `subscriber`
  // ("accounting-events"): the subscriber handled it and committed. kTimeout.
  saga::Status wait_until_delivered(std::string_view publisher, std::string_view event,
                                    std::string_view subscriber,
                                    saga::Millis timeout = saga::Millis{20'000});

  // Ends the delays: every held-back event goes out now.
  void release_delayed();

  // Waits until the services' domain state satisfies `done` (read every 20 ms). kTimeout.
  saga::Status wait_for(const std::function<bool(const DomainState&)>& done,
                        saga::Millis timeout = saga::Millis{20'000});

  DataPaths paths() const { return DataPaths{options_.dir}; }
  void stop();

 private:
  explicit ChoreographedCreateOrder(ChoreographyOptions options) : options_(std::move(options)) {}
  // Sends PlaceOrder or CancelOrder to the Order service (message id "order-N/<verb>").
  template <saga::Message Request>
  saga::Status tell_orders(const Request& request, std::string_view verb);
  std::string events_db(std::string_view service) const;
  std::int64_t count_events(std::string_view service, const std::string& where,
                            const std::vector<std::string>& values) const;
  static saga::Status poll_until(const std::function<bool()>& done, saga::Millis timeout,
                                 const char* what);
  ChoreographyOptions options_;
  ServiceThreads domain_;
  std::vector<std::unique_ptr<EventService>> events_;  // order, consumer, kitchen, accounting
  std::unique_ptr<CommandClient> client_;
};

}  // namespace ftgo::choreography
