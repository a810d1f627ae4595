// The Order service: owns the orders, embeds the saga orchestrator, and is the participant for
// ApproveOrder and RejectOrder.
//
// Atomic start. Creating an order in APPROVAL_PENDING and starting its saga must be one act:
// an order without a saga would wait forever, a saga without an order would approve nothing.
// The order's row and the engine's instance live in two SQLite files (the engine owns its own
// file), so the service uses the documented equivalent of one transaction:
//   1. insert the order (APPROVAL_PENDING) with its saga id "order-<id>" and commit;
//   2. start the saga with that caller-chosen id (start_saga returns once it is committed);
//   3. at start-up, the saga of every APPROVAL_PENDING order is started again (all at once):
//      starting an id that did commit is kAlreadyExists, which counts as done.
// A crash between 1 and 2 therefore only delays the saga until the next start-up.
//
// Databases: `orders_database_path` holds the orders table and, being the participant's
// database, its inbox and barrier (so ApproveOrder/RejectOrder change the order in the inbox's
// transaction). `engine_database_path` is a separate file, owned by the engine.
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
  ServiceOptions participant;        // the Order participant: endpoint + orders database
  std::string engine_database_path;  // must differ from participant.database_path
  // Where "consumer", "kitchen" and "accounting" listen. "order" is added (this service's own
  // participant endpoint) when missing.
  saga::ParticipantRegistry registry;
  SagaTiming timing;
  // Create Order version 3 (create_order_parallel_definition: verify_consumer and create_ticket
  // sent together) instead of version 2.
  bool parallel = false;
  saga::Synchronous synchronous = saga::Synchronous::kFull;  // engine and orders database
  saga::LogLevel log_level = saga::LogLevel::kError;
  // CURVE client keys of the engine's transport (one server key for every participant, as
  // curve_keys.h makes them); none: plain connections. Give participant.curve too, for the
  // Order service's own participant.
  std::optional<saga::CurveClientKeys> curve;
};

struct OrderRequest {
  std::int64_t order_id = 0;  // 0: the next free id
  std::int64_t consumer_id = 0;
  std::int64_t restaurant_id = 0;
  std::vector<LineItem> line_items;
  std::int64_t total_cents = 0;
};

class OrderService {
 public:
  // Opens the participant (binding its endpoint), the orders table and the engine. Does not
  // start anything.
  static saga::Result<std::unique_ptr<OrderService>> open(OrderServiceOptions options);
  ~OrderService();

  // Starts the participant thread and the engine, then restarts the sagas of APPROVAL_PENDING
  // orders that have none (see above). Returns how many it started.
  saga::Result<std::size_t> start();

  // Inserts the order (APPROVAL_PENDING) and starts its saga; returns the saga id.
  // kAlreadyExists when an order with request.order_id exists already.
  saga::Result<std::string> create_order(const OrderRequest& request);

  // The same without waiting: the future gets the saga id once the order row and then the
  // saga's start are committed (or the error). Lets one thread keep many orders in flight;
  // concurrent orders share one transaction for their rows (group commit, order_writer.h).
  std::future<saga::Result<std::string>> create_order_async(const OrderRequest& request);

  // The order's state ("APPROVAL_PENDING", "APPROVED", "REJECTED"); kNotFound when unknown.
  saga::Result<std::string> order_state(std::int64_t order_id);

  // Cancel Order and Revise Order (cancel_order_saga.h, revise_order_saga.h, order_changes.h).
  // Each starts its saga, "cancel-<order>-<n>" / "revise-<order>-<n>" (n = 1, 2, ... per
  // order), and returns its id once the start is committed; kNotFound for an unknown order.
  // The saga decides the rest: an order that is not APPROVED (still being created, already
  // being cancelled or revised, rejected...) is refused by its first step and the saga ends
  // compensated. Wait for the outcome with engine().wait(id, timeout).
  saga::Result<std::string> cancel_order(std::int64_t order_id);
  saga::Result<std::string> revise_order(std::int64_t order_id, std::vector<LineItem> line_items,
                                         std::int64_t total_cents);
  // The order's row, with its version and lock holder; kNotFound when unknown.
  saga::Result<OrderRecord> order(std::int64_t order_id);
  // The registered definition of "create_order", "cancel_order" or "revise_order"; null for
  // another name.
  const saga::SagaDefinition* definition_of(std::string_view saga_type) const;

  saga::Engine& engine() { return *engine_; }
  const OrderWriter& order_writer() const { return *writer_; }
  const saga::SagaDefinition& definition() const { return *definition_; }
  std::string participant_endpoint() const { return participant_->endpoint(); }

  // Stops the engine, then the participant. Idempotent.
  void stop();

 private:
  OrderService() = default;
  // Inserts the orders (APPROVAL_PENDING) in one transaction and commits; `out` gets each
  // one's saga data (with its id) or its own error (kAlreadyExists). Called by writer_.
  saga::Status insert_orders(const std::vector<OrderRequest>& requests,
                             std::vector<saga::Result<CreateOrderData>>& out);
  std::future<saga::Result<std::string>> start_saga_async_for(const CreateOrderData& data);

  OrderServiceOptions options_;
  std::shared_ptr<const saga::SagaDefinition> definition_;
  std::shared_ptr<const saga::SagaDefinition> cancel_definition_;
  std::shared_ptr<const saga::SagaDefinition> revise_definition_;
  std::mutex change_mutex_;  // one cancel/revise start at a time: numbers the saga ids
  // Builds and registers Cancel Order and Revise Order (order_changes.cpp).
  saga::Status register_change_sagas(const SagaTiming& timing);
  // Starts `type` with the first id of make_id(1), make_id(2), ... that is not taken.
  template <typename Data, typename MakeId>
  saga::Result<std::string> start_change_saga(std::string_view type, const Data& data,
                                              MakeId make_id);
  std::unique_ptr<saga::Participant> participant_;
  std::unique_ptr<saga::Engine> engine_;
  std::mutex orders_mutex_;  // guards orders_
  std::unique_ptr<SQLite::Database> orders_;
  std::thread participant_thread_;
  bool started_ = false;
  std::unique_ptr<OrderWriter> writer_;  // group commit of order rows; destroyed first
};

}  // namespace ftgo
