#include "order_service.h"

#include <SQLiteCpp/SQLiteCpp.h>

#include <charconv>
#include <utility>

#include "order_writer.h"
#include "saga/zmq_transport.h"
#include "service_support.h"

namespace ftgo {
namespace {

constexpr std::string_view kSchema = R"sql(
CREATE TABLE IF NOT EXISTS orders (
  id INTEGER PRIMARY KEY, saga_id TEXT NOT NULL UNIQUE, consumer_id INTEGER NOT NULL,
  restaurant_id INTEGER NOT NULL, total_cents INTEGER NOT NULL, line_items TEXT NOT NULL,
  state TEXT NOT NULL);
)sql";

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

saga::Result<std::unique_ptr<OrderService>> OrderService::open(OrderServiceOptions options) {
  if (options.engine_database_path == options.participant.database_path) {
    return saga::invalid_argument("order service: the engine needs its own database file");
  }
  std::unique_ptr<OrderService> service(new OrderService());
  auto definition = options.parallel ? create_order_parallel_definition(options.timing)
                                     : create_order_definition(options.timing);
  if (!definition) return definition.status();
  service->definition_ = std::move(definition).value();

  auto participant = open_participant(options.participant, kSchema, "");
  if (!participant) return participant.status();
  service->participant_ = std::move(participant).value();
  service->participant_->on<ApproveOrder>(wrap<ApproveOrder>(options.participant, &approve));
  // RejectOrder's "action" (creating the order) happened before the saga started, so the
  // barrier would take every RejectOrder for a null compensation: no barrier here.
  service->participant_->on_compensation<RejectOrder>(
      wrap<RejectOrder>(options.participant, &reject), saga::BarrierMode::kNone);
  // Cancel Order and Revise Order (order_changes.h).
  if (saga::Status s = add_order_change_handlers(*service->participant_, options.participant); !s) {
    return s;
  }

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
  auto transport = saga::make_zmq_transport(std::move(transport_options));
  if (!transport) return transport.status();

  saga::EngineOptions engine_options;
  engine_options.database_path = options.engine_database_path;
  engine_options.transport = std::move(transport).value();
  engine_options.synchronous = options.synchronous;
  engine_options.log_level = options.log_level;
  engine_options.max_poll_wait = saga::Millis{10};
  auto engine = saga::Engine::open(std::move(engine_options));
  if (!engine) return engine.status();
  service->engine_ = std::move(engine).value();
  if (saga::Status s = service->register_change_sagas(options.timing); !s) return s;
  if (saga::Status s = service->engine_->register_definition(service->definition_); !s) return s;
  service->options_ = std::move(options);
  OrderService* self = service.get();
  service->writer_ = std::make_unique<OrderWriter>(
      [self](const std::vector<OrderRequest>& requests,
             std::vector<saga::Result<CreateOrderData>>& out) {
        return self->insert_orders(requests, out);
      },
      [self](const CreateOrderData& data) { return self->start_saga_async_for(data); });
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

saga::Result<std::size_t> OrderService::start() {
  participant_thread_ = std::thread([this] { participant_->run(); });
  started_ = true;
  if (saga::Status s = engine_->start(); !s) return s;
  // Orders committed whose saga never started (a crash between the two commits).
  std::vector<CreateOrderData> pending;
  try {
    std::lock_guard lock(orders_mutex_);
    SQLite::Statement q(*orders_,
                        "SELECT id, consumer_id, restaurant_id, total_cents, line_items FROM "
                        "orders WHERE state = 'APPROVAL_PENDING' ORDER BY id");
    while (q.executeStep()) {
      CreateOrderData d;
      d.order_id = q.getColumn(0).getInt64();
      d.consumer_id = q.getColumn(1).getInt64();
      d.restaurant_id = q.getColumn(2).getInt64();
      d.order_total_cents = q.getColumn(3).getInt64();
      d.line_items = decode_items(q.getColumn(4).getString());
      pending.push_back(std::move(d));
    }
  } catch (const std::exception& e) {
    return orders_error(e, "recovery");
  }
  // Start each one's saga; kAlreadyExists means it did start. All at once: the engine commits
  // the starts in batches, where one engine.get() per order would wait for one engine loop
  // iteration each (2.5 s for 10,000 pending orders in recovery_bench).
  std::vector<std::future<saga::Result<std::string>>> starts;
  starts.reserve(pending.size());
  for (const CreateOrderData& d : pending) starts.push_back(start_saga_async_for(d));
  std::size_t started = 0;
  saga::Status first_error;
  for (auto& f : starts) {
    saga::Result<std::string> r = f.get();
    if (r) {
      ++started;
    } else if (r.status().code() != saga::StatusCode::kAlreadyExists && first_error) {
      first_error = r.status();
    }
  }
  if (!first_error) return first_error;
  return started;
}

saga::Result<std::string> OrderService::create_order(const OrderRequest& request) {
  return create_order_async(request).get();
}

std::future<saga::Result<std::string>> OrderService::create_order_async(
    const OrderRequest& request) {
  return writer_->submit(request);
}

std::future<saga::Result<std::string>> OrderService::start_saga_async_for(
    const CreateOrderData& data) {
  saga::StartOptions start;
  start.id = saga_id_of_order(data.order_id);
  saga::Result<std::string> bytes = saga::encode_body(data);
  if (!bytes) {
    std::promise<saga::Result<std::string>> failed;
    failed.set_value(bytes.status());
    return failed.get_future();
  }
  return engine_->start_saga_async(kCreateOrderSaga, std::move(bytes).value(), start);
}

saga::Status OrderService::insert_orders(const std::vector<OrderRequest>& requests,
                                         std::vector<saga::Result<CreateOrderData>>& out) {
  out.clear();
  try {
    std::lock_guard lock(orders_mutex_);
    // One transaction for the whole batch. A SQLite error throws and rolls all of it back; only
    // an order id that exists is that order's own error.
    SQLite::Transaction transaction(*orders_, SQLite::TransactionBehavior::IMMEDIATE);
    SQLite::Statement next_id(*orders_, "SELECT COALESCE(MAX(id), 0) + 1 FROM orders");
    SQLite::Statement exists(*orders_, "SELECT 1 FROM orders WHERE id = ?");
    SQLite::Statement insert(*orders_,
                             "INSERT INTO orders VALUES (?, ?, ?, ?, ?, ?, 'APPROVAL_PENDING')");
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
      CreateOrderData data;
      data.order_id = id;
      data.consumer_id = request.consumer_id;
      data.restaurant_id = request.restaurant_id;
      data.order_total_cents = request.total_cents;
      data.line_items = request.line_items;
      insert.bind(1, id);
      insert.bind(2, saga_id_of_order(id));
      insert.bind(3, data.consumer_id);
      insert.bind(4, data.restaurant_id);
      insert.bind(5, data.order_total_cents);
      insert.bind(6, encode_items(data.line_items));
      insert.exec();
      insert.reset();
      out.emplace_back(std::move(data));
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
