// The typed saga-definition DSL: one include for everything a saga author writes.
//
//   saga/dsl/endpoint.h   Channel, Command, command<C>(channel).replies<R...>()
//   saga/dsl/callbacks.h  encode_data / decode_data, the function concepts
//   saga/dsl/builder.h    define<Data>(name, version) ... .build()
//   saga/diagram.h        to_dot / to_mermaid of a built definition
//
// docs/dsl.md teaches it from a two-step saga to the full FTGO Create Order saga.
#pragma once

#include "saga/diagram.h"        // IWYU pragma: export
#include "saga/dsl/builder.h"    // IWYU pragma: export
#include "saga/dsl/callbacks.h"  // IWYU pragma: export
#include "saga/dsl/endpoint.h"   // IWYU pragma: export
