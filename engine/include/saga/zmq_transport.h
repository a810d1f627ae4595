// The orchestrator's ZeroMQ transport: saga/1 over brokerless ZeroMQ (docs/transport.md).
//
// The transport connects one DEALER socket to each distinct endpoint in the participant
// registry; each participant binds a ROUTER there (docs/protocol.md). Connections are made in
// the background: a participant that is down, or that starts after the engine, just works —
// commands wait in the socket's queue (up to send_hwm messages) and go out once it is reachable.
// Commands lost on a connection that breaks are covered by the engine's deadline and resend.
// Where libzmq gives a connection up for good (a frame over the size limit, a failed CURVE
// handshake), poll() reconnects it after a short grace, backing off while it keeps failing.
//
// send() never blocks: a full queue is an error, so the engine keeps the command in its outbox.
// poll() returns replies only. A message that is not valid saga/1, or a command sent to the
// orchestrator, is dropped, counted in malformed_dropped and logged as a warning through
// `log` (the first, then one in every 100); a message over max_message_bytes is dropped,
// counted in oversized_dropped and logged the same way. Nothing a peer sends can crash the
// transport. Socket errors and reconnects are logged too; the transport never writes to
// stdout or stderr itself.
//
// Threading: as for every Transport, send() and poll() belong to one thread (the engine's);
// wake() and stats() may be called from any thread. The destructor returns promptly even with
// commands still queued for a dead participant: they are discarded after `linger`.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string>

#include "saga/clock.h"
#include "saga/curve.h"
#include "saga/log.h"
#include "saga/participant_registry.h"
#include "saga/status.h"
#include "saga/transport.h"

namespace saga {

struct ZmqTransportOptions {
  // Where each participant listens. Names not in it are refused by send().
  ParticipantRegistry registry;
  // Largest message accepted, all three frames together. Larger ones are dropped and counted;
  // a single frame over it makes libzmq drop the connection (which then reconnects).
  std::size_t max_message_bytes = 16 * 1024 * 1024;
  // Messages queued per participant before send() fails, and received messages buffered.
  int send_hwm = 10000;
  int recv_hwm = 10000;
  // How long unsent commands are kept when the transport is destroyed. Must be >= 0, so that
  // shutdown never hangs on a dead participant.
  Millis linger{100};
  // When set, every connection is CURVE-encrypted and authenticated.
  std::optional<CurveClientKeys> curve;
  // When set, the transport binds a ROUTER here for external events (docs/protocol.md,
  // "Events"): poll() returns them (kind kEvent, `route` set) and answer() replies on their
  // connection. Plain ZeroMQ: not with `curve` (kInvalidArgument).
  std::string events_endpoint;
  // Where the transport's log lines go (warnings and errors), called on the thread that calls
  // poll(). Must not block or call the transport. Default: make_stderr_log_sink().
  LogSink log;
};

// Creates the transport and starts connecting to every participant. Fails with
// kInvalidArgument for unusable options (a zero size, a negative linger or HWM, a CURVE key
// that is not 40 Z85 characters, an endpoint libzmq rejects), kUnavailable when libzmq was
// built without CURVE but `curve` is set (both as check_curve_keys() in saga/curve.h), and
// kInternal for other libzmq failures.
Result<std::unique_ptr<Transport>> make_zmq_transport(ZmqTransportOptions options);

}  // namespace saga
