// The demo's CURVE keys (create_order_demo --curve / --curve-keys DIR, README.md).
//
// Two key pairs: one for the participant services, the CURVE servers (the orchestrator's
// transport takes one server public key for every participant, so they share it), and one for
// the orchestrator, the client, whose public key is the only one the services accept.
// On disk: DIR/participants.secret and DIR/orchestrator.secret, each the Z85 secret key on one
// line, mode 0600; the public keys are derived from them.
#pragma once

#include <string>

#include "saga/curve.h"
#include "saga/status.h"

namespace ftgo {

struct DemoCurveKeys {
  saga::CurveKeyPair participants;
  saga::CurveKeyPair orchestrator;

  // What a participant service serves with: its pair, the orchestrator's key allowed.
  saga::CurveServerKeys server() const;
  // What the orchestrator's transport connects with.
  saga::CurveClientKeys client() const;
};

// Reads the keys from `dir`; when neither file exists, generates both and writes them there
// (creating `dir`). Errors name the file: kNotFound when only one of the two exists,
// kInvalidArgument for a file that is not a 40-character Z85 key, kIoError when a file cannot
// be read or written, kUnavailable when libzmq has no CURVE.
saga::Result<DemoCurveKeys> load_or_create_curve_keys(const std::string& dir);

}  // namespace ftgo
