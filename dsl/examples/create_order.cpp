// examples::create_order_saga() forwards to FTGO's book saga (saga::ftgo,
// examples/ftgo/src/create_order_saga.cpp): for tools/sagactl, which compiles this file for its
// built-in Create Order diagram. Defines no saga.
#include "examples.h"
#include "ftgo/create_order_saga.h"

namespace examples {

saga::DefinitionResult create_order_saga() { return ftgo::book_create_order_definition(); }

}  // namespace examples
