#include "order_service.h"

#include <SQLiteCpp/SQLiteCpp.h>

#include <charconv>
#include <utility>

#include "ftgo/delivery_saga.h"
#include "ftgo/ticket_acceptance.h"
#include "order_feeder.h"
#include "order_writer.h"
#include "saga/transactional_start.h"
#include "saga/zmq_transport.h"
#include "service_support.h"

namespace ftgo {
namespace {

saga::Reply approve(const ApproveOrder& c, saga::HandlerContext& context) {
  auto state = context.db().query_one("SELECT state FROM orders WHERE id = ?", {c.order_id});
  throw_on_error(state);
  if (!state.value()) return saga::failure("unknown_order");
  const std::string current = as_text((*state.value())[0]);
  if (current == "REJECTED") return saga::failure("order_rejected");
  throw_on_error(
      context.db().exec("UPDATE orders SET state = 'APPROVED' WHERE id = ?", {c.order_id}));
  return saga::success(OrderApproved{});
}

saga::Reply reject(const RejectOrder& c, saga::HandlerContext& context) {
  auto state = context.db().query_one("SELECT state FROM orders WHERE id = ?", {c.order_id});
  throw_on_error(state);
  if (!state.value()) return saga::failure("unknown_order");
  if (as_text((*state.value())[0]) == "APPROVED") return saga::failure("order_approved");
  throw_on_error(
      context.db().exec("UPDATE orders SET state = 'REJECTED' WHERE id = ?", {c.order_id}));
  return saga::success(OrderRejected{});
}

}  // namespace

saga::Result<std::unique_ptr<saga::Participant>> open_order_participant(
    const ServiceOptions& options) {
  auto participant = open_participant(options, kOrdersTableSql, "");
  if (!participant) return participant.status();
  (*participant)->on<ApproveOrder>(wrap<ApproveOrder>(options, &approve));
  // RejectOrder's "action" (creating the order) happened before the saga started, so the
  // barrier would take every RejectOrder for a null compensation: no barrier here.
  (*participant)
      ->on_compensation<RejectOrder>(wrap<RejectOrder>(options, &reject), saga::BarrierMode::kNone);
  // Cancel Order and Revise Order (order_changes.h).
  if (saga::Status s = add_order_change_handlers(**participant, options); !s) return s;
  return participant;
}

saga::Result<std::unique_ptr<OrderService>> OrderService::open(OrderServiceOptions options) {
  if (options.engine_database_path.empty()) {
    options.engine_database_path = options.participant.database_path;
  }
  if (options.engine_database_path != options.participant.database_path) {
    return saga::invalid_argument(
        "order service: the engine's tables go into the orders database (one transaction "
        "creates an order and starts its saga); engine_database_path must be empty or " +
        options.participant.database_path);
  }
  std::unique_ptr<OrderService> service(new OrderService());
  if (options.delivery && options.accept_within.count() > 0) {
    return saga::invalid_argument(
        "order service: delivery (Create Order version 5) does not go with accept_within");
  }
  auto definition = options.delivery   ? create_order_delivery_definition(options.timing)
                    : options.parallel ? create_order_parallel_definition(options.timing)
                                       : create_order_definition(options.timing);
  if (!definition) return definition.status();
  service->definition_ = std::move(definition).value();
  // Saga control: version 4 waits for the restaurant's TicketAccepted (ticket_acceptance.h). It
  // replaces the sequential (2) or parallel (3) definition for new orders; the replaced one stays
  // registered for the sagas a resumed run left.
  std::shared_ptr<const saga::SagaDefinition> replaced;
  if (options.accept_within.count() > 0) {
    if (options.events_endpoint.empty()) {
      return saga::invalid_argument(
          "order service: accept_within needs an events_endpoint (where the Kitchen service "
          "sends TicketAccepted)");
    }
    auto accepting = accepting_create_order_definition(options.timing, options.accept_within);
    if (!accepting) return accepting.status();
    replaced = std::move(service->definition_);
    service->definition_ = std::move(accepting).value();
  }

  auto participant = open_order_participant(options.participant);
  if (!participant) return participant.status();
  service->participant_ = std::move(participant).value();

  try {
    service->orders_ = std::make_unique<SQLite::Database>(
        options.participant.database_path, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE, 5'000);
    service->orders_->exec("PRAGMA synchronous=" +
                           std::to_string(static_cast<int>(options.synchronous)));
  } catch (const std::exception& e) {
    return orders_error(e, "open");
  }

  if (!options.registry.find("order")) {
    if (saga::Status s = options.registry.add("order", service->participant_->endpoint()); !s) {
      return s;
    }
  }
  saga::ZmqTransportOptions transport_options;
  transport_options.registry = options.registry;
  transport_options.curve = options.curve;
  transport_options.events_endpoint = options.events_endpoint;
  auto transport = saga::make_zmq_transport(std::move(transport_options));
  if (!transport) return transport.status();

  saga::EngineOptions engine_options;
  engine_options.database_path = options.engine_database_path;
  engine_options.transport = std::move(transport).value();
  engine_options.synchronous = options.synchronous;
  engine_options.log_level = options.log_level;
  engine_options.max_poll_wait = saga::Millis{10};
  engine_options.shared_database = true;  // orders, inbox and saga_* tables in one file
  auto engine = saga::Engine::open(std::move(engine_options));
  if (!engine) return engine.status();
  service->engine_ = std::move(engine).value();
  if (saga::Status s = service->register_change_sagas(options.timing); !s) return s;
  if (options.delivery) {  // the child saga of version 5 (ftgo/delivery_saga.h)
    auto delivery = delivery_definition(options.timing);
    if (!delivery) return delivery.status();
    service->delivery_definition_ = std::move(delivery).value();
    if (saga::Status s = service->engine_->register_definition(service->delivery_definition_); !s) {
      return s;
    }
  }
  if (saga::Status s = service->engine_->register_definition(service->definition_); !s) return s;
  // New orders take the highest version; the replaced version's sagas (a resumed run) still run.
  if (replaced) {
    if (saga::Status s = service->engine_->register_definition(replaced); !s) return s;
  }
  service->options_ = std::move(options);
  OrderService* self = service.get();
  service->writer_ = std::make_unique<OrderWriter>(
      [self](const std::vector<OrderRequest>& requests,
             std::vector<saga::Result<std::string>>& out) {
        return self->insert_orders(requests, out);
      },
      [self] { self->engine_->notify_starts(); });
  return service;
}

OrderService::~OrderService() {
  writer_.reset();  // answers every queued order first
  stop();
}

void OrderService::stop() {
  if (!started_) return;
  started_ = false;
  engine_->stop();
  participant_->stop();
  if (participant_thread_.joinable()) participant_thread_.join();
}

saga::Status OrderService::start() {
  participant_thread_ = std::thread([this] { participant_->run(); });
  started_ = true;
  return engine_->start();
}

saga::Result<std::string> OrderService::create_order(const OrderRequest& request) {
  return create_order_async(request).get();
}

std::future<saga::Result<std::string>> OrderService::create_order_async(
    const OrderRequest& request) {
  return writer_->submit(request);
}

saga::Status OrderService::insert_orders(const std::vector<OrderRequest>& requests,
                                         std::vector<saga::Result<std::string>>& out) {
  out.clear();
  try {
    std::lock_guard lock(orders_mutex_);
    // One transaction for the whole batch, order rows and saga starts. A SQLite error throws
    // and rolls all of it back; only an order id that exists is that order's own error.
    SQLite::Transaction transaction(*orders_, SQLite::TransactionBehavior::IMMEDIATE);
    SQLite::Statement next_id(*orders_, "SELECT COALESCE(MAX(id), 0) + 1 FROM orders");
    SQLite::Statement exists(*orders_, "SELECT 1 FROM orders WHERE id = ?");
    SQLite::Statement insert(*orders_, kInsertOrderSql);
    saga::TransactionalStarts starts(*orders_);  // prepares once per batch
    for (const OrderRequest& request : requests) {
      std::int64_t id = request.order_id;
      if (id == 0) {
        next_id.executeStep();
        id = next_id.getColumn(0).getInt64();
        next_id.reset();
      }
      exists.bind(1, id);
      const bool taken = exists.executeStep();
      exists.reset();
      if (taken) {
        out.emplace_back(saga::already_exists("order " + std::to_string(id) + " exists"));
        continue;
      }
      saga::Result<std::string> started = write_order(starts, insert, id, request);
      if (!started) throw std::runtime_error(started.status().to_string());
      out.emplace_back(std::move(started));
    }
    transaction.commit();
  } catch (const std::exception& e) {
    out.clear();
    return orders_error(e, "insert");
  }
  return saga::Status::ok();
}

saga::Result<std::string> OrderService::order_state(std::int64_t order_id) {
  try {
    std::lock_guard lock(orders_mutex_);
    SQLite::Statement q(*orders_, "SELECT state FROM orders WHERE id = ?");
    q.bind(1, order_id);
    if (!q.executeStep()) return saga::not_found("order " + std::to_string(order_id));
    return q.getColumn(0).getString();
  } catch (const std::exception& e) {
    return orders_error(e, "read");
  }
}

}  // namespace ftgo
