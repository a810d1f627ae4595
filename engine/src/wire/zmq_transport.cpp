// The one engine file that includes zmq.hpp: every zmq::error_t is caught here and becomes a
// Status (or, inside poll(), a log line). See zmq_transport.h for the contract.
#include "saga/zmq_transport.h"

#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <map>
#include <optional>
#include <string_view>
#include <utility>
#include <vector>
#include <zmq.hpp>

namespace saga {
namespace {

// One log line per this many dropped messages: a peer spraying garbage must not flood the log.
constexpr std::uint64_t kLogEvery = 100;
// Frames kept of one incoming message; further frames are read and discarded (saga/1 has 3).
constexpr std::size_t kFramesKept = 4;
// Messages read from one participant per pass of poll(), dropped ones included, so that a peer
// flooding garbage cannot keep poll() past its timeout.
constexpr std::size_t kReadsPerPass = 1024;
// libzmq reconnects by itself after a connection error, but not after a protocol error (a
// frame over ZMQ_MAXMSGSIZE, a failed CURVE handshake): then the socket is left with no
// connection to that participant, for good. The transport watches each socket's monitor and,
// when a disconnect is not followed by libzmq's own retry within kRepairGrace, reconnects the
// endpoint itself, backing off from kRepairGrace to kRepairBackoffMax while it keeps failing.
constexpr Millis kRepairGrace{500};
constexpr Millis kRepairBackoffMax{10'000};
constexpr int kMonitorEvents =
    ZMQ_EVENT_DISCONNECTED | ZMQ_EVENT_CONNECT_RETRIED | ZMQ_EVENT_HANDSHAKE_SUCCEEDED;

Status from_zmq(const zmq::error_t& e, std::string_view context) {
  const StatusCode code = e.num() == EINVAL ? StatusCode::kInvalidArgument : StatusCode::kInternal;
  return Status(code, "zmq transport: " + std::string(context) + ": " + e.what());
}

Status check_options(const ZmqTransportOptions& o) {
  if (o.max_message_bytes == 0) return invalid_argument("zmq transport: max_message_bytes is 0");
  if (o.send_hwm < 0 || o.recv_hwm < 0) return invalid_argument("zmq transport: negative HWM");
  if (o.linger.count() < 0) {
    return invalid_argument("zmq transport: linger must be >= 0 so that shutdown cannot hang");
  }
  if (o.curve) {
    if (Status s = check_curve_keys(*o.curve); !s) return s.with_context("zmq transport");
    if (!o.events_endpoint.empty()) {
      return invalid_argument("zmq transport: events_endpoint is not available with CURVE yet");
    }
  }
  return Status::ok();
}

class ZmqTransport final : public Transport {
 public:
  explicit ZmqTransport(ZmqTransportOptions options) : options_(std::move(options)) {
    if (!options_.log) options_.log = make_stderr_log_sink();
  }

  ~ZmqTransport() override {
    // Sockets close with their linger (>= 0), so the context's termination cannot hang.
    peers_.clear();
    events_.reset();
    context_.close();
    if (wake_fd_ >= 0) ::close(wake_fd_);
  }

  ZmqTransport(const ZmqTransport&) = delete;
  ZmqTransport& operator=(const ZmqTransport&) = delete;

  Status start();

  Status send(std::string_view participant, const Envelope& command) override;
  Status answer(const Envelope& reply) override;
  void poll(Millis timeout, std::vector<Envelope>& out, std::size_t max) override;
  void wake() override;
  TransportStats stats() const override;

 private:
  using SteadyTime = std::chrono::steady_clock::time_point;

  struct Peer {
    std::string endpoint;
    zmq::socket_t socket;
    zmq::socket_t monitor;                 // PAIR reading the socket's monitor events
    std::optional<SteadyTime> repair_at;   // set by a disconnect libzmq will not retry
    Millis repair_backoff = kRepairGrace;  // grows while repairs do not reach a handshake
  };

  Status connect(const std::string& endpoint, std::size_t& index);
  zmq::socket_t make_socket();
  // Reads `peer`'s monitor events and schedules or cancels a repair.
  void read_monitor(Peer& peer);
  // Reconnects every peer whose repair is due; returns the time until the next one is.
  Millis repair_due_peers(Millis wait);
  void drain_wake_fd();
  // Reads ready messages from `peer` until none is left, `out` holds `limit` or
  // kReadsPerPass were read.
  void read_peer(Peer& peer, std::vector<Envelope>& out, std::size_t limit);
  // Reads one whole message; false when none was ready.
  bool read_message(Peer& peer, std::vector<Envelope>& out);
  void drop(std::atomic<std::uint64_t>& counter, std::string_view what, const Peer& peer,
            std::string_view why);
  // One line to options_.log, prefixed "zmq transport: ".
  void log(LogLevel level, const std::string& line) {
    options_.log(level, "zmq transport: " + line);
  }
  Status fail_send(Status status) {
    send_failures_.fetch_add(1, std::memory_order_relaxed);
    return status;
  }

  ZmqTransportOptions options_;
  zmq::context_t context_;
  std::vector<Peer> peers_;                                // one per distinct endpoint
  std::map<std::string, std::size_t, std::less<>> route_;  // participant -> index in peers_
  std::vector<zmq_pollitem_t> items_;    // [0] wake fd, then peers_, their monitors, events
  std::optional<zmq::socket_t> events_;  // the events ROUTER, when events_endpoint is set
  void read_events(std::vector<Envelope>& out, std::size_t limit);
  std::size_t next_peer_ = 0;  // round-robin start of reads
  int wake_fd_ = -1;

  std::atomic<std::uint64_t> sent_{0};
  std::atomic<std::uint64_t> received_{0};
  std::atomic<std::uint64_t> malformed_dropped_{0};
  std::atomic<std::uint64_t> oversized_dropped_{0};
  std::atomic<std::uint64_t> send_failures_{0};
};

Status ZmqTransport::start() {
  wake_fd_ = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (wake_fd_ < 0) {
    return Status(StatusCode::kIoError,
                  std::string("zmq transport: eventfd: ") + std::strerror(errno));
  }
  std::map<std::string, std::size_t, std::less<>> by_endpoint;
  for (const auto& [name, endpoint] : options_.registry.entries()) {
    auto it = by_endpoint.find(endpoint);
    if (it == by_endpoint.end()) {
      std::size_t index = 0;
      if (Status s = connect(endpoint, index); !s) return s.with_context("participant " + name);
      it = by_endpoint.emplace(endpoint, index).first;
    }
    route_.emplace(name, it->second);
  }
  items_.push_back(zmq_pollitem_t{nullptr, wake_fd_, ZMQ_POLLIN, 0});
  for (Peer& peer : peers_) {
    items_.push_back(zmq_pollitem_t{peer.socket.handle(), 0, ZMQ_POLLIN, 0});
  }
  for (Peer& peer : peers_) {
    items_.push_back(zmq_pollitem_t{peer.monitor.handle(), 0, ZMQ_POLLIN, 0});
  }
  if (!options_.events_endpoint.empty()) {
    try {
      events_.emplace(context_, zmq::socket_type::router);
      events_->set(zmq::sockopt::linger, static_cast<int>(options_.linger.count()));
      events_->set(zmq::sockopt::maxmsgsize, static_cast<std::int64_t>(options_.max_message_bytes));
      events_->bind(options_.events_endpoint);
    } catch (const zmq::error_t& e) {
      return from_zmq(e, "bind events endpoint '" + options_.events_endpoint + "'");
    }
    items_.push_back(zmq_pollitem_t{events_->handle(), 0, ZMQ_POLLIN, 0});
  }
  return Status::ok();
}

zmq::socket_t ZmqTransport::make_socket() {
  zmq::socket_t socket(context_, zmq::socket_type::dealer);
  socket.set(zmq::sockopt::linger, static_cast<int>(options_.linger.count()));
  socket.set(zmq::sockopt::sndhwm, options_.send_hwm);
  socket.set(zmq::sockopt::rcvhwm, options_.recv_hwm);
  socket.set(zmq::sockopt::maxmsgsize, static_cast<std::int64_t>(options_.max_message_bytes));
  // immediate=0: commands for a participant that is not connected yet queue up (to the HWM)
  // instead of failing; the engine's deadline resend covers those lost with a connection.
  socket.set(zmq::sockopt::immediate, false);
  if (options_.curve) {
    socket.set(zmq::sockopt::curve_serverkey, options_.curve->server_public_key);
    socket.set(zmq::sockopt::curve_publickey, options_.curve->public_key);
    socket.set(zmq::sockopt::curve_secretkey, options_.curve->secret_key);
  }
  return socket;
}

Status ZmqTransport::connect(const std::string& endpoint, std::size_t& index) {
  try {
    zmq::socket_t socket = make_socket();
    const std::string monitor_endpoint = "inproc://saga-monitor-" + std::to_string(peers_.size());
    if (zmq_socket_monitor(socket.handle(), monitor_endpoint.c_str(), kMonitorEvents) != 0) {
      throw zmq::error_t();
    }
    zmq::socket_t monitor(context_, zmq::socket_type::pair);
    monitor.set(zmq::sockopt::linger, 0);
    monitor.connect(monitor_endpoint);
    socket.connect(endpoint);
    peers_.push_back(Peer{endpoint, std::move(socket), std::move(monitor), {}, kRepairGrace});
  } catch (const zmq::error_t& e) {
    return from_zmq(e, "connect '" + endpoint + "'");
  }
  index = peers_.size() - 1;
  return Status::ok();
}

void ZmqTransport::read_monitor(Peer& peer) {
  try {
    for (;;) {
      // An event is two frames: 6 bytes (uint16 event, uint32 value), then the endpoint.
      zmq::message_t event;
      if (!peer.monitor.recv(event, zmq::recv_flags::dontwait)) return;
      std::uint16_t id = 0;
      if (event.size() >= sizeof id) std::memcpy(&id, event.data(), sizeof id);
      while (event.more()) {
        if (!peer.monitor.recv(event, zmq::recv_flags::dontwait)) break;
      }
      if (id == ZMQ_EVENT_DISCONNECTED && !peer.repair_at) {
        peer.repair_at = std::chrono::steady_clock::now() + peer.repair_backoff;
      } else if (id == ZMQ_EVENT_CONNECT_RETRIED) {
        peer.repair_at.reset();  // libzmq is reconnecting by itself
      } else if (id == ZMQ_EVENT_HANDSHAKE_SUCCEEDED) {
        peer.repair_backoff = kRepairGrace;
      }
    }
  } catch (const zmq::error_t& e) {
    log(LogLevel::kError, "monitor of " + peer.endpoint + ": " + e.what());
  }
}

Millis ZmqTransport::repair_due_peers(Millis wait) {
  const SteadyTime now = std::chrono::steady_clock::now();
  for (Peer& peer : peers_) {
    if (!peer.repair_at) continue;
    if (*peer.repair_at > now) {
      wait = std::min(wait, std::chrono::ceil<Millis>(*peer.repair_at - now));
      continue;
    }
    peer.repair_at.reset();
    peer.repair_backoff = std::min(peer.repair_backoff * 2, kRepairBackoffMax);
    log(LogLevel::kWarning, "connection to " + peer.endpoint + " lost for good; reconnecting");
    try {
      try {
        peer.socket.disconnect(peer.endpoint);
      } catch (const zmq::error_t& e) {
        if (e.num() != ENOENT) throw;
      }
      peer.socket.connect(peer.endpoint);
    } catch (const zmq::error_t& e) {
      log(LogLevel::kError, "reconnect " + peer.endpoint + ": " + e.what());
      peer.repair_at = now + peer.repair_backoff;
    }
  }
  return wait;
}

Status ZmqTransport::send(std::string_view participant, const Envelope& command) {
  auto route = route_.find(participant);
  if (route == route_.end()) {
    return fail_send(not_found("zmq transport: no participant '" + std::string(participant) +
                               "' in the registry"));
  }
  if (command.kind != MessageKind::kCommand) {
    return fail_send(invalid_argument("zmq transport: the orchestrator sends commands only"));
  }
  Result<std::string> header = encode_header(command);
  if (!header) return fail_send(header.status().with_context("zmq transport: encode"));
  const std::size_t total = kProtocolTag.size() + header->size() + command.body.size();
  if (total > options_.max_message_bytes) {
    return fail_send(invalid_argument("zmq transport: command of " + std::to_string(total) +
                                      " bytes exceeds max_message_bytes (" +
                                      std::to_string(options_.max_message_bytes) + " bytes)"));
  }
  Peer& peer = peers_[route->second];
  try {
    // The first frame decides: a full queue refuses it, and then nothing was sent. Once it is
    // accepted, libzmq takes the remaining frames of the message whatever the HWM.
    if (!peer.socket.send(zmq::buffer(kProtocolTag),
                          zmq::send_flags::sndmore | zmq::send_flags::dontwait)) {
      return fail_send(unavailable("zmq transport: queue for '" + std::string(participant) + "' (" +
                                   peer.endpoint + ") is full"));
    }
    const bool header_sent =
        peer.socket
            .send(zmq::buffer(header.value()), zmq::send_flags::sndmore | zmq::send_flags::dontwait)
            .has_value();
    const bool body_sent =
        peer.socket.send(zmq::buffer(command.body), zmq::send_flags::dontwait).has_value();
    if (!header_sent || !body_sent) {
      return fail_send(internal_error("zmq transport: libzmq refused a frame after the first"));
    }
  } catch (const zmq::error_t& e) {
    return fail_send(from_zmq(e, "send to '" + std::string(participant) + "'"));
  }
  sent_.fetch_add(1, std::memory_order_relaxed);
  return Status::ok();
}

void ZmqTransport::poll(Millis timeout, std::vector<Envelope>& out, std::size_t max) {
  const std::size_t start_size = out.size();
  const std::size_t limit = start_size + max;
  const SteadyTime deadline = std::chrono::steady_clock::now() + std::max(timeout, Millis{0});
  const std::size_t n = peers_.size();
  // Each pass waits, then returns or waits again; dropped messages alone do not end the wait.
  for (;;) {
    const Millis left = std::chrono::ceil<Millis>(deadline - std::chrono::steady_clock::now());
    const Millis wait = repair_due_peers(std::max(left, Millis{0}));
    try {
      zmq::poll(items_, wait);
    } catch (const zmq::error_t& e) {
      if (e.num() != EINTR) {
        log(LogLevel::kError, std::string("poll: ") + e.what());
        return;
      }
    }
    bool woken = false;
    if ((items_[0].revents & ZMQ_POLLIN) != 0) {
      drain_wake_fd();
      woken = true;
    }
    for (std::size_t p = 0; p < n; ++p) {
      if ((items_[1 + n + p].revents & ZMQ_POLLIN) != 0) read_monitor(peers_[p]);
    }
    // Start at a different peer each call so that a busy participant cannot starve the others.
    for (std::size_t i = 0; i < n && out.size() < limit; ++i) {
      const std::size_t p = (next_peer_ + i) % n;
      if ((items_[1 + p].revents & ZMQ_POLLIN) != 0) read_peer(peers_[p], out, limit);
    }
    if (n > 0) next_peer_ = (next_peer_ + 1) % n;
    if (events_ && (items_.back().revents & ZMQ_POLLIN) != 0) read_events(out, limit);
    if (woken || out.size() > start_size || max == 0 ||
        std::chrono::steady_clock::now() >= deadline) {
      return;
    }
  }
}

// Events: [routing id, tag, header, body] from DEALER senders; anything else is dropped.
void ZmqTransport::read_events(std::vector<Envelope>& out, std::size_t limit) {
  try {
    for (std::size_t reads = 0; reads < kReadsPerPass && out.size() < limit; ++reads) {
      std::vector<zmq::message_t> frames;
      zmq::message_t frame;
      if (!events_->recv(frame, zmq::recv_flags::dontwait)) return;
      bool more = frame.more();
      frames.push_back(std::move(frame));
      while (more && frames.size() <= kFramesKept) {
        zmq::message_t next;
        if (!events_->recv(next, zmq::recv_flags::dontwait)) break;
        more = next.more();
        frames.push_back(std::move(next));
      }
      while (more) {  // a message with too many frames: read the rest and drop it
        zmq::message_t rest;
        if (!events_->recv(rest, zmq::recv_flags::dontwait)) break;
        more = rest.more();
      }
      Result<Envelope> e = frames.size() == 4
                               ? decode(frames[1].to_string_view(), frames[2].to_string_view(),
                                        frames[3].to_string_view())
                               : Result<Envelope>(malformed("an event is 3 frames after the id"));
      if (!e || e->kind != MessageKind::kEvent) {
        malformed_dropped_.fetch_add(1, std::memory_order_relaxed);
        log(LogLevel::kWarning, "dropped message on the events endpoint: " +
                                    (e ? std::string("not an event") : e.status().message()));
        continue;
      }
      e->route = frames[0].to_string();
      received_.fetch_add(1, std::memory_order_relaxed);
      out.push_back(std::move(e).value());
    }
  } catch (const zmq::error_t& e) {
    log(LogLevel::kError, std::string("receive on the events endpoint: ") + e.what());
  }
}

Status ZmqTransport::answer(const Envelope& reply) {
  if (!events_) return failed_precondition("zmq transport: no events endpoint");
  Result<std::string> header = encode_header(reply);
  if (!header) return fail_send(header.status().with_context("zmq transport: encode answer"));
  try {
    const bool sent =
        events_
            ->send(zmq::buffer(reply.route), zmq::send_flags::sndmore | zmq::send_flags::dontwait)
            .has_value() &&
        events_->send(zmq::buffer(kProtocolTag), zmq::send_flags::sndmore).has_value() &&
        events_->send(zmq::buffer(header.value()), zmq::send_flags::sndmore).has_value() &&
        events_->send(zmq::buffer(reply.body), zmq::send_flags::none).has_value();
    if (!sent) return fail_send(unavailable("zmq transport: answer to an event not sent"));
  } catch (const zmq::error_t& e) {
    return fail_send(from_zmq(e, "answer an event"));
  }
  sent_.fetch_add(1, std::memory_order_relaxed);
  return Status::ok();
}

void ZmqTransport::read_peer(Peer& peer, std::vector<Envelope>& out, std::size_t limit) {
  try {
    for (std::size_t reads = 0; reads < kReadsPerPass && out.size() < limit; ++reads) {
      if (!read_message(peer, out)) return;
    }
  } catch (const zmq::error_t& e) {
    log(LogLevel::kError, "receive from " + peer.endpoint + ": " + e.what());
  }
}

bool ZmqTransport::read_message(Peer& peer, std::vector<Envelope>& out) {
  std::array<zmq::message_t, kFramesKept> frames;
  std::size_t count = 0;
  std::size_t total_bytes = 0;
  bool more = true;
  while (more) {
    zmq::message_t frame;
    // Frames of one message arrive together, so only the first read can find nothing.
    if (!peer.socket.recv(frame, zmq::recv_flags::dontwait)) {
      if (count == 0) return false;
      drop(malformed_dropped_, "malformed", peer, "message ended early");
      return true;
    }
    more = frame.more();
    total_bytes += frame.size();
    if (count < kFramesKept) frames[count] = std::move(frame);
    ++count;
  }
  if (total_bytes > options_.max_message_bytes) {
    drop(oversized_dropped_, "oversized", peer,
         "message of " + std::to_string(total_bytes) + " bytes exceeds max_message_bytes (" +
             std::to_string(options_.max_message_bytes) + " bytes)");
    return true;
  }
  std::array<std::string_view, kFramesKept> views;
  for (std::size_t i = 0; i < std::min(count, kFramesKept); ++i)
    views[i] = frames[i].to_string_view();
  DecodeLimits limits;
  limits.max_body_bytes = options_.max_message_bytes;
  Result<Envelope> envelope =
      decode(std::span<const std::string_view>(views.data(), std::min(count, kFramesKept)), limits);
  if (!envelope) {
    drop(malformed_dropped_, "malformed", peer,
         count > kFramesKept ? std::to_string(count) + " frames" : envelope.status().to_string());
    return true;
  }
  if (envelope->kind != MessageKind::kReply) {
    drop(malformed_dropped_, "malformed", peer, "a command sent to the orchestrator");
    return true;
  }
  received_.fetch_add(1, std::memory_order_relaxed);
  out.push_back(std::move(envelope).value());
  return true;
}

void ZmqTransport::drop(std::atomic<std::uint64_t>& counter, std::string_view what,
                        const Peer& peer, std::string_view why) {
  const std::uint64_t n = counter.fetch_add(1, std::memory_order_relaxed) + 1;
  if ((n - 1) % kLogEvery == 0) {
    log(LogLevel::kWarning, "dropped " + std::string(what) + " message from " + peer.endpoint +
                                ": " + std::string(why) + " (" + std::to_string(n) + " so far)");
  }
}

void ZmqTransport::wake() {
  const std::uint64_t one = 1;
  // EAGAIN means the counter is saturated: a wake-up is pending anyway.
  [[maybe_unused]] const ssize_t written = ::write(wake_fd_, &one, sizeof one);
}

void ZmqTransport::drain_wake_fd() {
  std::uint64_t value = 0;
  // One read resets an eventfd counter; it is non-blocking, so a race with wake() is harmless.
  [[maybe_unused]] const ssize_t n = ::read(wake_fd_, &value, sizeof value);
}

TransportStats ZmqTransport::stats() const {
  TransportStats s;
  s.sent = sent_.load(std::memory_order_relaxed);
  s.received = received_.load(std::memory_order_relaxed);
  s.malformed_dropped = malformed_dropped_.load(std::memory_order_relaxed);
  s.oversized_dropped = oversized_dropped_.load(std::memory_order_relaxed);
  s.send_failures = send_failures_.load(std::memory_order_relaxed);
  return s;
}

}  // namespace

Result<std::unique_ptr<Transport>> make_zmq_transport(ZmqTransportOptions options) {
  if (Status s = check_options(options); !s) return s;
  try {
    auto transport = std::make_unique<ZmqTransport>(std::move(options));
    if (Status s = transport->start(); !s) return s;
    return std::unique_ptr<Transport>(std::move(transport));
  } catch (const zmq::error_t& e) {
    return from_zmq(e, "create");
  }
}

}  // namespace saga
