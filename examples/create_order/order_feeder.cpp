#include "order_feeder.h"

#include <SQLiteCpp/SQLiteCpp.h>

#include <cstdio>

#include "ftgo/create_order_saga.h"
#include "order_changes.h"
#include "saga/transactional_start.h"
#include "scenarios.h"
#include "service_support.h"

namespace ftgo {

CreateOrderData order_saga_data(std::int64_t id, const OrderRequest& request) {
  CreateOrderData data;
  data.order_id = id;
  data.consumer_id = request.consumer_id;
  data.restaurant_id = request.restaurant_id;
  data.order_total_cents = request.total_cents;
  data.line_items = request.line_items;
  return data;
}

void insert_order_row(SQLite::Statement& insert, const CreateOrderData& data) {
  insert.bind(1, data.order_id);
  insert.bind(2, saga_id_of_order(data.order_id));
  insert.bind(3, data.consumer_id);
  insert.bind(4, data.restaurant_id);
  insert.bind(5, data.order_total_cents);
  insert.bind(6, encode_items(data.line_items));
  insert.exec();
  insert.reset();
}

saga::Result<std::string> write_order(saga::TransactionalStarts& starts, SQLite::Statement& insert,
                                      std::int64_t id, const OrderRequest& request) {
  const CreateOrderData data = order_saga_data(id, request);
  insert_order_row(insert, data);
  saga::StartOptions start;
  start.id = saga_id_of_order(id);
  start.not_before = request.not_before;
  return starts.start_with(kCreateOrderSaga, data, start);
}

saga::Result<std::vector<std::string>> feed_orders(const FeederOptions& options) {
  const OrderRequest model = demo_scenarios()[0].order;
  std::vector<std::string> ids;
  try {
    SQLite::Database db(options.database_path, SQLite::OPEN_READWRITE, 10'000);
    if (!db.tableExists("orders")) {
      return saga::failed_precondition("feeder: " + options.database_path +
                                       " has no orders table: start the Order service on it first");
    }
    SQLite::Statement insert(db, kInsertOrderSql);
    saga::TransactionalStarts starts(db);
    for (std::size_t i = 0; i < options.orders; ++i) {
      // IMMEDIATE: the write lock first, so the id read below cannot go stale (docs/embedding.md).
      SQLite::Transaction transaction(db, SQLite::TransactionBehavior::IMMEDIATE);
      const std::int64_t id =
          db.execAndGet("SELECT COALESCE(MAX(id), 0) + 1 FROM orders").getInt64();
      saga::Result<std::string> started = write_order(starts, insert, id, model);
      if (!started) return started.status().with_context("feeder");
      transaction.commit();
      ids.push_back(std::move(started).value());
    }
  } catch (const std::exception& e) {
    return orders_error(e, "feeder");
  }
  return ids;
}

int run_feeder_process(const FeederOptions& options) {
  saga::Result<std::vector<std::string>> ids = feed_orders(options);
  if (!ids) {
    std::fprintf(stderr, "feeder: %s\n", ids.status().to_string().c_str());
    return 1;
  }
  std::printf("feeder: wrote %zu orders", ids->size());
  if (!ids->empty()) std::printf(": %s..%s", ids->front().c_str(), ids->back().c_str());
  std::printf("\n");
  return 0;
}

}  // namespace ftgo
