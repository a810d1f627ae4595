// The Kitchen service's delivery desk: the commands of the Delivery saga (ftgo/delivery_saga.h),
// the child saga of Create Order version 5.
//
//   deliveries(id, order_id UNIQUE, restaurant_id, consumer_id, state, courier)
//   ScheduleDelivery  -> SCHEDULED, no courier yet (the reply carries the delivery id); a
//                        resend for the same order answers with the same delivery
//   CancelDelivery    SCHEDULED -> CANCELLED (the compensation; idempotent)
//   AssignCourier     SCHEDULED -> SCHEDULED with a courier ("courier-<1..7>", from the id);
//                     fails with "delivery_cancelled" or "unknown_delivery" otherwise
#pragma once

#include <string_view>

#include "saga/participant.h"
#include "service_options.h"

namespace ftgo {

inline constexpr std::string_view kDeliverySchema = R"sql(
CREATE TABLE IF NOT EXISTS deliveries (
  id INTEGER PRIMARY KEY AUTOINCREMENT, order_id INTEGER NOT NULL UNIQUE,
  restaurant_id INTEGER NOT NULL, consumer_id INTEGER NOT NULL, state TEXT NOT NULL,
  courier TEXT NOT NULL DEFAULT '');
)sql";

// Registers the three handlers on the Kitchen's participant (its database has kDeliverySchema).
void add_delivery_handlers(saga::Participant& participant, const ServiceOptions& options);

}  // namespace ftgo
