// A hand-built (no DSL) Create Order definition for engine tests: the FTGO step shapes, with
// FTGO's participant and message names (examples/ftgo), and a string as saga data. Each
// command's body is "<data>|<step>" (JSON content type, whatever the participant's channel
// says), so payloads can be checked.
//   0 reject_order      compensatable, compensation only   order/RejectOrder
//   1 verify_consumer   compensatable, action only         consumer/ValidateOrderByConsumer
//   2 create_ticket     compensatable                      kitchen/CreateTicket, CancelCreateTicket
//   3 authorize_card    pivot                              accounting/AuthorizeCard
//   4 confirm_ticket    retriable                          kitchen/ConfirmCreateTicket
//   5 approve_order     retriable                          order/ApproveOrder
#pragma once

#include <memory>
#include <string>

#include "saga/definition.h"

namespace saga::testing {

// reply_timeout 1 s; retry fixed 100 ms x5 without jitter; compensation retry fixed 100 ms x5.
std::shared_ptr<SagaDefinition> ftgo_definition();

// ftgo_definition() named `name`, with a saga lock on `key` whatever the data (mode kWait).
std::shared_ptr<SagaDefinition> ftgo_locked_definition(const std::string& name,
                                                       const std::string& key, Millis lease);

}  // namespace saga::testing
