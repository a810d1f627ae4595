// The order feeder: a second process (think of a web worker) that writes orders and their
// sagas' starts into the Order service's one database file, each order and its start in one
// transaction of its own connection (saga/transactional_start.h). It runs no engine: the Order
// service's engine, polling the file, finds the starts and runs the sagas to their end.
//
//   create_order_demo --service feeder --db ORDERS.db --orders N
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "order_service.h"
#include "saga/status.h"

namespace SQLite {
class Statement;
}
namespace saga {
class TransactionalStarts;
}

namespace ftgo {

// The orders table (the Order service creates it at open; order_service.h).
inline constexpr const char* kOrdersTableSql =
    "CREATE TABLE IF NOT EXISTS orders (id INTEGER PRIMARY KEY, saga_id TEXT NOT NULL UNIQUE, "
    "consumer_id INTEGER NOT NULL, restaurant_id INTEGER NOT NULL, total_cents INTEGER NOT NULL, "
    "line_items TEXT NOT NULL, state TEXT NOT NULL)";

// The orders table's INSERT, to prepare once for write_order.
inline constexpr const char* kInsertOrderSql =
    "INSERT INTO orders VALUES (?, ?, ?, ?, ?, ?, 'APPROVAL_PENDING')";

// Inside the caller's transaction: the order's row (APPROVAL_PENDING, through `insert`,
// prepared from kInsertOrderSql) and its Create Order saga's start "order-<id>" (through
// `starts`, on the same connection). Returns the saga id. Throws SQLite::Exception. The Order
// service (create_order) and the feeder use it.
saga::Result<std::string> write_order(saga::TransactionalStarts& starts, SQLite::Statement& insert,
                                      std::int64_t id, const OrderRequest& request);

// The Create Order saga's data for order `id` as `request` places it.
CreateOrderData order_saga_data(std::int64_t id, const OrderRequest& request);
// Executes `insert` (kInsertOrderSql) for the order's row alone (APPROVAL_PENDING). Throws
// SQLite::Exception.
void insert_order_row(SQLite::Statement& insert, const CreateOrderData& data);

struct FeederOptions {
  std::string database_path;  // the Order service's file (orders + engine tables)
  std::size_t orders = 10;    // each the walkthrough's first (happy) order: approved in the end
};

// Writes the orders (ids after the file's highest), one IMMEDIATE transaction each: the row
// (APPROVAL_PENDING) and the Create Order saga's start "order-<id>". Returns their saga ids.
// kFailedPrecondition when the file has no orders table or no engine tables (start the Order
// service on it first); SQLite errors as the engine maps them.
saga::Result<std::vector<std::string>> feed_orders(const FeederOptions& options);

// The process's main: prints "feeder: wrote N orders: <first id>..<last id>" and returns 0, or
// prints the error to stderr and returns 1.
int run_feeder_process(const FeederOptions& options);

}  // namespace ftgo
