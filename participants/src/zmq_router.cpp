// The participant's ZeroMQ adapter: the one file of the library that includes zmq.hpp.
//
// A ROUTER socket bound on the participant's endpoint receives [routing-id, tag, header, body]
// and replies with the routing id first. Under CURVE a ZAP handler (a REP socket on
// inproc://zeromq.zap.01 in the participant's own context) is answered from receive(), so a
// handshake completes only while the participant is polling, and only for listed client keys.
#include "zmq_router.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cstring>
#include <set>
#include <utility>
#include <zmq.hpp>

namespace saga::detail {
namespace {

Status from_zmq(const zmq::error_t& e, std::string_view what) {
  StatusCode code = StatusCode::kInternal;
  switch (e.num()) {
    case EINVAL:
    case EPROTONOSUPPORT:
    case ENOCOMPATPROTO:
      code = StatusCode::kInvalidArgument;
      break;
    case EADDRINUSE:
    case EADDRNOTAVAIL:
    case ENODEV:
    case EHOSTUNREACH:
    case EAGAIN:
      code = StatusCode::kUnavailable;
      break;
    default:
      break;
  }
  return Status(code, "participant socket: " + std::string(what) + ": " + e.what());
}

std::string to_string(const zmq::message_t& m) { return std::string(m.to_string_view()); }

}  // namespace

struct ZmqRouter::Impl {
  zmq::context_t context;
  zmq::socket_t zap;  // bound only under CURVE
  zmq::socket_t router;
  std::string endpoint;
  std::set<std::string> allowed_keys;
  bool curve = false;
  std::atomic<std::uint64_t> clients_refused{0};

  Impl() : context(1), router(context, zmq::socket_type::router) {}

  ~Impl() {
    // Close sockets before the context; linger is bounded so this never hangs.
    router.close();
    if (zap) zap.close();
    context.close();
  }

  void answer_zap();
  bool receive_one(std::vector<InboundMessage>& out);
};

// ZAP (RFC 27): [version, request_id, domain, address, identity, mechanism, credentials...]
// answered with [version, request_id, status_code, status_text, user_id, metadata].
void ZmqRouter::Impl::answer_zap() {
  std::vector<zmq::message_t> request;
  while (true) {
    zmq::message_t part;
    if (!zap.recv(part, zmq::recv_flags::dontwait)) break;
    const bool more = part.more();
    if (request.size() < 16) request.push_back(std::move(part));
    if (!more) break;
  }
  if (request.size() < 2) return;  // not a ZAP request we can answer
  bool allowed = false;
  if (request.size() >= 7 && request[5].to_string_view() == "CURVE") {
    const std::string client_key = curve_key_to_z85(request[6].to_string_view());
    allowed = !client_key.empty() && allowed_keys.count(client_key) > 0;
  }
  if (!allowed) ++clients_refused;
  const std::string request_id = to_string(request[1]);
  zap.send(zmq::buffer(std::string_view("1.0")), zmq::send_flags::sndmore);
  zap.send(zmq::buffer(request_id), zmq::send_flags::sndmore);
  zap.send(zmq::buffer(std::string_view(allowed ? "200" : "400")), zmq::send_flags::sndmore);
  zap.send(zmq::buffer(std::string_view(allowed ? "OK" : "client key not allowed")),
           zmq::send_flags::sndmore);
  zap.send(zmq::buffer(std::string_view("")), zmq::send_flags::sndmore);
  zap.send(zmq::buffer(std::string_view("")), zmq::send_flags::none);
}

// Takes one whole multipart message off the ROUTER (all its frames, kept or not); false when
// none is ready (EAGAIN). libzmq delivers a message's frames together: once the first frame is
// read, the others are there.
bool ZmqRouter::Impl::receive_one(std::vector<InboundMessage>& out) {
  zmq::message_t part;
  if (!router.recv(part, zmq::recv_flags::dontwait)) return false;
  InboundMessage message;
  message.frames.reserve(kMaxFramesKept);  // not grown frame by frame
  message.routing_id = to_string(part);
  bool more = part.more();
  while (more) {
    zmq::message_t frame;
    if (!router.recv(frame, zmq::recv_flags::dontwait)) break;  // atomic delivery: not expected
    more = frame.more();
    ++message.frame_count;
    if (message.frames.size() < kMaxFramesKept) message.frames.push_back(to_string(frame));
  }
  out.push_back(std::move(message));
  return true;
}

ZmqRouter::ZmqRouter(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
ZmqRouter::~ZmqRouter() = default;

Result<std::unique_ptr<ZmqRouter>> ZmqRouter::bind(const RouterOptions& options) {
  if (options.endpoint.empty()) return invalid_argument("participant socket: empty endpoint");
  if (options.curve) {
    if (Status s = check_curve_keys(*options.curve); !s) return s.with_context("participant");
  }
  try {
    auto impl = std::make_unique<Impl>();
    zmq::socket_t& r = impl->router;
    r.set(zmq::sockopt::linger, static_cast<int>(options.linger.count()));
    r.set(zmq::sockopt::sndhwm, options.send_hwm);
    r.set(zmq::sockopt::rcvhwm, options.recv_hwm);
    r.set(zmq::sockopt::maxmsgsize, static_cast<std::int64_t>(options.max_frame_bytes));
    r.set(zmq::sockopt::router_mandatory, true);
    if (options.curve) {
      // The ZAP handler must exist before the first handshake.
      impl->zap = zmq::socket_t(impl->context, zmq::socket_type::rep);
      impl->zap.set(zmq::sockopt::linger, 0);
      impl->zap.bind("inproc://zeromq.zap.01");
      impl->curve = true;
      impl->allowed_keys.insert(options.curve->allowed_client_public_keys.begin(),
                                options.curve->allowed_client_public_keys.end());
      r.set(zmq::sockopt::zap_domain, "saga");
      r.set(zmq::sockopt::curve_server, true);
      r.set(zmq::sockopt::curve_secretkey, options.curve->secret_key);
    }
    r.bind(options.endpoint);
    impl->endpoint = r.get(zmq::sockopt::last_endpoint);
    return std::unique_ptr<ZmqRouter>(new ZmqRouter(std::move(impl)));
  } catch (const zmq::error_t& e) {
    return from_zmq(e, "bind '" + options.endpoint + "'");
  }
}

const std::string& ZmqRouter::endpoint() const { return impl_->endpoint; }

Status ZmqRouter::receive(Millis timeout, std::size_t max, std::vector<InboundMessage>& out) {
  using SteadyClock = std::chrono::steady_clock;
  const auto deadline = SteadyClock::now() + timeout;
  try {
    // Wait for the first message, answering ZAP requests meanwhile.
    while (true) {
      std::array<zmq::pollitem_t, 2> items{{
          {impl_->router.handle(), 0, ZMQ_POLLIN, 0},
          {impl_->curve ? impl_->zap.handle() : nullptr, 0, ZMQ_POLLIN, 0},
      }};
      const auto left = std::chrono::duration_cast<Millis>(deadline - SteadyClock::now());
      zmq::poll(items.data(), impl_->curve ? 2 : 1, std::max(left, Millis{0}));
      if (impl_->curve && (items[1].revents & ZMQ_POLLIN)) impl_->answer_zap();
      if (items[0].revents & ZMQ_POLLIN) break;
      if (SteadyClock::now() >= deadline) return Status::ok();
    }
    // Then take what is ready, without waiting, until the socket has nothing (EAGAIN). Not by
    // asking ZMQ_EVENTS before each message: that getsockopt processes the socket's command
    // mailbox (a poll syscall) every time.
    const std::size_t first = out.size();
    while (out.size() - first < max) {
      if (!impl_->receive_one(out)) break;
    }
    return Status::ok();
  } catch (const zmq::error_t& e) {
    if (e.num() == EINTR) return Status::ok();  // a signal: the caller's loop decides
    return from_zmq(e, "receive");
  }
}

Status ZmqRouter::send(const std::string& routing_id, std::string_view tag, std::string_view header,
                       std::string_view body) {
  try {
    zmq::socket_t& r = impl_->router;
    // With router_mandatory, an unknown peer fails here, before any frame is queued.
    if (!r.send(zmq::buffer(routing_id), zmq::send_flags::sndmore | zmq::send_flags::dontwait)) {
      return unavailable("participant socket: send: peer queue full");
    }
    r.send(zmq::buffer(tag), zmq::send_flags::sndmore);
    r.send(zmq::buffer(header), zmq::send_flags::sndmore);
    r.send(zmq::buffer(body), zmq::send_flags::none);
    return Status::ok();
  } catch (const zmq::error_t& e) {
    return from_zmq(e, "send");
  }
}

std::uint64_t ZmqRouter::clients_refused() const { return impl_->clients_refused.load(); }

}  // namespace saga::detail

namespace saga {}  // namespace saga
