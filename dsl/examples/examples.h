// The sagas of docs/dsl.md, built by the example files (dsl/examples/*.cpp).
#pragma once

#include "saga/dsl.h"

namespace examples {

// "A first saga": reserve credit, then place the order.
saga::DefinitionResult place_order_saga();

// "The Create Order saga": FTGO's CreateOrderSaga.
saga::DefinitionResult create_order_saga();

}  // namespace examples
