// What every participant service of the example is opened with.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "failure_injection.h"
#include "saga/clock.h"
#include "saga/curve.h"
#include "saga/log.h"
#include "saga/synchronous.h"

namespace ftgo {

struct ServiceOptions {
  // Where the service's ROUTER binds ("ipc:///tmp/x/kitchen.sock", "tcp://127.0.0.1:*").
  std::string endpoint;
  // The service's own SQLite file: its domain tables, its inbox and its barrier.
  std::string database_path;
  // Failures to inject in front of its handlers; null: none.
  std::shared_ptr<FailureInjector> failures;
  // FULL costs an fsync per batch; the demo's throughput run may prefer NORMAL.
  saga::Synchronous synchronous = saga::Synchronous::kFull;
  // CURVE server keys for the service's socket (curve_keys.h); none: plain connections.
  std::optional<saga::CurveServerKeys> curve = std::nullopt;
  // The participant library's lines below this level are dropped (--log-level, --verbose).
  saga::LogLevel log_level = saga::LogLevel::kWarning;
  // Inbox retention (ParticipantOptions::inbox_keep, resend_horizon, inbox_prune_interval);
  // inbox_keep 0: off.
  saga::Millis inbox_keep{0};
  saga::Millis resend_horizon{0};
  saga::Millis inbox_prune_interval{60'000};
  // The Kitchen service only: the restaurant accepts each ticket `accept_after` after
  // CreateTicket and tells the orchestrator with the TicketAccepted event, sent to
  // `events_endpoint` (ticket_acceptance_desk.h). Empty: no events (the default).
  std::string events_endpoint{};
  saga::Millis accept_after{100};
};

}  // namespace ftgo
