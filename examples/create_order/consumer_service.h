// The Consumer service: verifies that a consumer may place an order (ValidateOrderByConsumer).
//
// Tables (in its own database): consumers(id, name, enabled, limit_cents) and
// consumer_validations(order_id, consumer_id, outcome), an audit row per validation written in
// the handler's transaction. Rules, in order: an unknown consumer fails with "consumer_invalid",
// a disabled one with "consumer_disabled", an order total above the consumer's limit with
// "consumer_limit_exceeded". The step is read-only for the saga: it has no compensation.
#pragma once

#include <memory>

#include "saga/participant.h"
#include "service_options.h"

namespace ftgo {

// Opens the participant, creates and seeds the tables, registers the handler. The caller runs
// it (run() on a thread, or run_once()).
saga::Result<std::unique_ptr<saga::Participant>> open_consumer_service(
    const ServiceOptions& options);

}  // namespace ftgo
