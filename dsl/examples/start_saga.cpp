// docs/dsl.md, "Registering and starting": hands the definition to an engine and starts one
// Create Order saga. Compiled, not run (the engine needs a database and participants).
#include <string>

#include "examples.h"
#include "ftgo/create_order_saga.h"
#include "ftgo/messages.h"
#include "saga/engine.h"

namespace examples {

// [start]
saga::Result<std::string> start_one_order(saga::Engine& engine) {
  saga::DefinitionResult definition = ftgo::book_create_order_definition();
  if (!definition) return definition.status();  // names the offending step
  if (saga::Status s = engine.register_definition(definition.value()); !s) return s;

  ftgo::CreateOrderData data;
  data.order_id = 99;
  data.consumer_id = 7;
  data.restaurant_id = 3;
  data.order_total_cents = 4250;
  data.line_items = {{"pad-thai", 2}};
  // The engine stores the data as the DSL reads it: cereal portable binary (saga::encode_data).
  return engine.start_saga_with("create_order", data);
}
// [start]

}  // namespace examples
