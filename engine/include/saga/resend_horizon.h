// Resend horizon: how long after its first delivery a command message may still be delivered
// again by the engine, for a participant's inbox retention (ParticipantOptions::inbox_keep).
//
// After a reply timeout the engine resends the SAME message (same message_id) until the step's
// policy allows no more sends; a failure reply is followed by a NEW message. So one message is
// delivered at most maximum_attempts times, the last one no later than
//   maximum_attempts * reply_timeout + sum over n = 1 .. maximum_attempts-1 of base_delay(n)
// after the first (jitter only shortens a delay). A participant that deletes an inbox row
// sooner could run a late resend's handler a second time.
//
// Not covered: an operator retry of a saga that failed on a timeout resends the same message,
// whenever the operator asks (docs/operations.md, Retention). Unlimited policies
// (maximum_attempts = 0, the default for compensations) have no horizon: nothing is returned.
#pragma once

#include <optional>

#include "saga/clock.h"
#include "saga/definition.h"
#include "saga/retry_policy.h"

namespace saga {

// The horizon of one message sent under `policy` with `reply_timeout` per delivery; nothing
// when the policy is unlimited.
std::optional<Millis> resend_horizon(const RetryPolicy& policy, Millis reply_timeout);

// The longest horizon over every action and compensation of `definition`; nothing when any of
// them is unlimited. Millis{0} for a definition with no commands.
std::optional<Millis> resend_horizon(const SagaDefinition& definition);

}  // namespace saga
