// The sagas of docs/dsl.md built by the example files (dsl/examples/*.cpp). "The Create Order
// saga" is FTGO's, ftgo::book_create_order_definition() (examples/ftgo/src/create_order_saga.cpp).
#pragma once

#include "saga/dsl.h"

namespace examples {

// "A first saga": reserve credit, then place the order.
saga::DefinitionResult place_order_saga();

}  // namespace examples
