#include "delivery_desk.h"

#include <string>

#include "ftgo/delivery_saga.h"
#include "service_support.h"

namespace ftgo {
namespace {

struct DeliveryNow {
  std::int64_t id = 0;  // 0: none
  std::string state;
};

DeliveryNow read_delivery(saga::Sql& db, std::int64_t order_id) {
  auto row = db.query_one("SELECT id, state FROM deliveries WHERE order_id = ?", {order_id});
  throw_on_error(row);
  if (!row.value()) return {};
  return {as_int((*row.value())[0]), as_text((*row.value())[1])};
}

saga::Reply schedule_delivery(const ScheduleDelivery& c, saga::HandlerContext& context) {
  throw_on_error(context.db().exec(
      "INSERT OR IGNORE INTO deliveries (order_id, restaurant_id, consumer_id, state) "
      "VALUES (?, ?, ?, 'SCHEDULED')",
      {c.order_id, c.restaurant_id, c.consumer_id}));
  return saga::success(DeliveryScheduled{read_delivery(context.db(), c.order_id).id});
}

saga::Reply cancel_delivery(const CancelDelivery& c, saga::HandlerContext& context) {
  throw_on_error(context.db().exec(
      "UPDATE deliveries SET state = 'CANCELLED' WHERE order_id = ? AND state = 'SCHEDULED'",
      {c.order_id}));
  return saga::success(DeliveryCancelled{});
}

saga::Reply assign_courier(const AssignCourier& c, saga::HandlerContext& context) {
  const DeliveryNow d = read_delivery(context.db(), c.order_id);
  if (d.id == 0 || d.id != c.delivery_id) return saga::failure("unknown_delivery");
  if (d.state != "SCHEDULED") return saga::failure("delivery_cancelled");
  const std::string courier = "courier-" + std::to_string(1 + d.id % 7);
  throw_on_error(
      context.db().exec("UPDATE deliveries SET courier = ? WHERE id = ?", {courier, d.id}));
  return saga::success(CourierAssigned{courier});
}

}  // namespace

void add_delivery_handlers(saga::Participant& p, const ServiceOptions& options) {
  p.on<ScheduleDelivery>(wrap<ScheduleDelivery>(options, &schedule_delivery));
  p.on_compensation<CancelDelivery>(wrap<CancelDelivery>(options, &cancel_delivery));
  p.on<AssignCourier>(wrap<AssignCourier>(options, &assign_courier));
}

}  // namespace ftgo
