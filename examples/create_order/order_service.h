// The Order service: owns the orders, embeds the saga orchestrator, and is the participant for
// ApproveOrder and RejectOrder.
//
// Atomic start. Creating an order in APPROVAL_PENDING and starting its saga must be one act:
// an order without a saga would wait forever, a saga without an order would approve nothing.
// So both are ONE SQLite transaction: the orders database also holds the engine's tables
// (EngineOptions::shared_database), and create_order inserts the order row and the saga's start
// (saga/transactional_start.h) in one transaction, then wakes the engine, which starts the saga
// from that committed row. After a crash at any moment the file has both or neither; there is
// nothing to reconcile at start-up. Cancel Order and Revise Order start the same way: the read
// of the order and the saga's start in one transaction. Another process may write orders and
// their starts into the same file (examples/create_order/order_feeder.h): the engine finds
// them by polling (docs/embedding.md).
//
// Database: `participant.database_path` holds the orders table, the participant's inbox and
// barrier (so ApproveOrder/RejectOrder change the order in the inbox's transaction) and the
// engine's saga_* tables.
//
// Threads: start() runs the participant on its own thread and the engine on its thread; the
// order writer (order_writer.h) commits order rows on its own. create_order() and the accessors
// are thread-safe.
#pragma once

#include <atomic>
#include <cstdint>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "ftgo/create_order_saga.h"
#include "ftgo/messages.h"
#include "order_changes.h"
#include "saga/engine.h"
#include "saga/participant.h"
#include "saga/participant_registry.h"
#include "service_options.h"

namespace SQLite {
class Database;
}

namespace ftgo {

class OrderWriter;

struct OrderServiceOptions {
  ServiceOptions participant;  // the Order participant: endpoint + orders database
  // Empty or participant.database_path: the engine's tables share the orders database (the
  // only way create_order can be one transaction). Another file is refused.
  std::string engine_database_path;
  // Where "consumer", "kitchen" and "accounting" listen. "order" is added (this service's own
  // participant endpoint) when missing.
  saga::ParticipantRegistry registry;
  SagaTiming timing;
  // Create Order version 3 (create_order_parallel_definition: verify_consumer and create_ticket
  // sent together) instead of version 2.
  bool parallel = false;
  // Create Order version 5 (ftgo/delivery_saga.h): version 3 with the child step "deliver",
  // which runs the Delivery saga (registered too). Implies parallel; not with accept_within.
  bool delivery = false;
  saga::Synchronous synchronous = saga::Synchronous::kFull;  // engine and orders database
  saga::LogLevel log_level = saga::LogLevel::kError;
  // CURVE client keys of the engine's transport (one server key for every participant, as
  // curve_keys.h makes them); none: plain connections. Give participant.curve too, for the
  // Order service's own participant.
  std::optional<saga::CurveClientKeys> curve;
  // Saga control (control_scenarios.h). accept_within > 0: new orders run Create Order version
  // 3 (ftgo/ticket_acceptance.h), which waits that long for the restaurant's TicketAccepted
  // event before it charges the card (version 2 stays registered, for the sagas it started).
  // events_endpoint: where the engine's transport binds its events ROUTER (needed with
  // accept_within; not with curve); the Kitchen service sends its events there.
  saga::Millis accept_within{0};
  std::string events_endpoint;
};

struct OrderRequest {
  std::int64_t order_id = 0;  // 0: the next free id
  std::int64_t consumer_id = 0;
  std::int64_t restaurant_id = 0;
  std::vector<LineItem> line_items;
  std::int64_t total_cents = 0;
  // A scheduled order (a pickup time): its Create Order saga starts at this time (system
  // clock, ms since the Unix epoch; StartOptions::not_before) and is kScheduled until then,
  // also across restarts; 0: now.
  saga::Millis not_before{0};
};

// The Order service's participant alone: the orders table, ApproveOrder, RejectOrder and the
// Cancel and Revise Order handlers, without the engine. For orchestrators that run in other
// processes (the demo's --store mode, scale_out_runner.h); OrderService::open uses it too.
saga::Result<std::unique_ptr<saga::Participant>> open_order_participant(
    const ServiceOptions& options);

class OrderService {
 public:
  // Opens the participant (binding its endpoint), the orders table and the engine. Does not
  // start anything.
  static saga::Result<std::unique_ptr<OrderService>> open(OrderServiceOptions options);
  ~OrderService();

  // Starts the participant thread and the engine (which takes every start committed while it
  // was down). Returns OK or the first error.
  saga::Status start();

  // Inserts the order (APPROVAL_PENDING) and its saga's start in one transaction; returns the
  // saga id once committed (the engine runs it from there: wait with engine().wait(id)).
  // kAlreadyExists when an order with request.order_id exists already.
  saga::Result<std::string> create_order(const OrderRequest& request);

  // The same without waiting: the future gets the saga id once the order row and the saga's
  // start are committed (or the error). Lets one thread keep many orders in flight;
  // concurrent orders share one transaction (group commit, order_writer.h).
  std::future<saga::Result<std::string>> create_order_async(const OrderRequest& request);

  // The order's state ("APPROVAL_PENDING", "APPROVED", "REJECTED"); kNotFound when unknown.
  saga::Result<std::string> order_state(std::int64_t order_id);

  // Cancel Order and Revise Order (cancel_order_saga.h, revise_order_saga.h, order_changes.h).
  // cancel_order first tries the order's Create Order saga: one still running before its pivot
  // is cancelled (Engine::cancel, requested by "order-service"; it compensates and the order
  // ends REJECTED) and its id is returned. Otherwise (Create Order ended, or is past its pivot
  // and bound to approve the order) it goes on as below. Each starts its saga, "cancel-<order>-<n>"
  // / "revise-<order>-<n>" (n = 1, 2, ... per order), in one transaction with the read of the
  // order, and returns its id once committed; kNotFound for an unknown order. The saga decides the
  // rest: an order that is not APPROVED (still being created, already being cancelled or revised,
  // rejected...) is refused by its first step and the saga ends compensated. Wait for the outcome
  // with engine().wait(id, timeout).
  saga::Result<std::string> cancel_order(std::int64_t order_id);
  saga::Result<std::string> revise_order(std::int64_t order_id, std::vector<LineItem> line_items,
                                         std::int64_t total_cents);
  // The order's row, with its version and lock holder; kNotFound when unknown.
  saga::Result<OrderRecord> order(std::int64_t order_id);
  // The registered definition of "create_order", "cancel_order", "revise_order" or (with
  // delivery) "delivery"; null for another name.
  const saga::SagaDefinition* definition_of(std::string_view saga_type) const;

  saga::Engine& engine() { return *engine_; }
  const OrderWriter& order_writer() const { return *writer_; }
  const saga::SagaDefinition& definition() const { return *definition_; }
  std::string participant_endpoint() const { return participant_->endpoint(); }

  // Stops the engine, then the participant. Idempotent.
  void stop();

 private:
  OrderService() = default;
  // Inserts the orders (APPROVAL_PENDING) and their sagas' starts in one transaction and
  // commits; `out` gets each one's saga id or its own error (kAlreadyExists). Called by writer_.
  saga::Status insert_orders(const std::vector<OrderRequest>& requests,
                             std::vector<saga::Result<std::string>>& out);

  OrderServiceOptions options_;
  std::shared_ptr<const saga::SagaDefinition> definition_;
  std::shared_ptr<const saga::SagaDefinition> cancel_definition_;
  std::shared_ptr<const saga::SagaDefinition> revise_definition_;
  std::shared_ptr<const saga::SagaDefinition> delivery_definition_;  // with delivery
  std::mutex change_mutex_;  // one cancel/revise start at a time: numbers the saga ids
  // Builds and registers Cancel Order and Revise Order (order_changes.cpp).
  saga::Status register_change_sagas(const SagaTiming& timing);
  // In one transaction: reads the order (kNotFound), makes the saga data from it with
  // `make_data`, and starts `type` with the first id of make_id(1), make_id(2), ... not taken.
  template <typename MakeData, typename MakeId>
  saga::Result<std::string> start_change_saga(std::string_view type, std::int64_t order_id,
                                              MakeData make_data, MakeId make_id);
  std::unique_ptr<saga::Participant> participant_;
  std::unique_ptr<saga::Engine> engine_;
  std::mutex orders_mutex_;  // guards orders_
  std::unique_ptr<SQLite::Database> orders_;
  std::thread participant_thread_;
  bool started_ = false;
  std::unique_ptr<OrderWriter> writer_;  // group commit of order rows; destroyed first
};

}  // namespace ftgo
