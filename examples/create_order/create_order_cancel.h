// A consumer's cancel of an order whose Create Order saga is still running (order_service.h,
// OrderService::cancel_order): before the saga's pivot the engine cancels it (Engine::cancel),
// and it compensates: the ticket is cancelled and the order REJECTED, no card is charged. Past
// the pivot the engine refuses (the saga is bound to approve the order); the Order service then
// starts Cancel Order, which waits for the order's lock and cancels the approved order.
#pragma once

#include <cstdint>
#include <string>

#include "saga/engine.h"

namespace ftgo {

// Who the history says asked for the cancel.
inline constexpr std::string_view kOrderServiceRequester = "order-service";

// Cancels the running Create Order saga of `order_id`. true: the engine took the cancel (the
// saga compensates); false: there is nothing to cancel that way (no such saga, it ended, it is
// past its pivot, compensating, failed or scheduled). Errors: the engine's other errors.
saga::Result<bool> cancel_running_create_order(saga::Engine& engine, std::int64_t order_id);

}  // namespace ftgo
