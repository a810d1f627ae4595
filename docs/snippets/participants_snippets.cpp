// docs/participants.md: CURVE keys for a participant.
#include "saga/curve.h"
#include "saga/participant.h"

namespace snippets {

saga::ParticipantOptions curve_participant() {
  saga::CurveKeyPair server = saga::generate_curve_keypair().value();
  saga::CurveKeyPair orchestrator = saga::generate_curve_keypair().value();  // on the other side

  saga::ParticipantOptions options;
  options.endpoint = "tcp://0.0.0.0:7001";
  options.database_path = "kitchen.db";
  options.curve =
      saga::CurveServerKeys{server.public_key, server.secret_key, {orchestrator.public_key}};
  return options;
}

}  // namespace snippets
