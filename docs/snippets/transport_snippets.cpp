// docs/transport.md: configuring the orchestrator's ZeroMQ transport with CURVE.
#include <memory>
#include <utility>

#include "saga/zmq_transport.h"

namespace snippets {

saga::Result<std::unique_ptr<saga::Transport>> curve_transport() {
  saga::ZmqTransportOptions options;
  options.registry = saga::load_participant_registry("participants.conf").value();
  options.curve = saga::CurveClientKeys{
      .public_key = "<40 Z85 characters>",  // the orchestrator's key pair
      .secret_key = "<40 Z85 characters>",
      .server_public_key = "<40 Z85 characters>"};  // the participants' server key
  auto transport = saga::make_zmq_transport(std::move(options));
  return transport;
}

}  // namespace snippets
