// ZmqRouter: the participant's ROUTER socket (and ZAP handler under CURVE), without zmq types.
//
// zmq_router.cpp is the one file of the participant library that includes zmq.hpp; every
// zmq::error_t is caught there and becomes a Status.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "saga/clock.h"
#include "saga/curve.h"
#include "saga/status.h"

namespace saga::detail {

struct RouterOptions {
  std::string endpoint;
  std::size_t max_frame_bytes = 0;  // ZMQ_MAXMSGSIZE: larger frames drop the connection
  int send_hwm = 1000;
  int recv_hwm = 1000;
  Millis linger{100};
  std::optional<CurveServerKeys> curve;
};

// One multipart message as the ROUTER saw it, routing-id frame removed.
struct InboundMessage {
  std::string routing_id;
  std::vector<std::string> frames;  // at most kMaxFramesKept; the rest are counted only
  std::size_t frame_count = 0;      // how many frames the message had (without routing id)
};

inline constexpr std::size_t kMaxFramesKept = 4;

class ZmqRouter {
 public:
  // Creates a context, the ZAP handler (when curve is set) and the bound ROUTER.
  static Result<std::unique_ptr<ZmqRouter>> bind(const RouterOptions& options);
  ~ZmqRouter();
  ZmqRouter(const ZmqRouter&) = delete;
  ZmqRouter& operator=(const ZmqRouter&) = delete;

  // The endpoint actually bound (real port).
  const std::string& endpoint() const;

  // Waits at most `timeout` for the first message, then takes what is ready without waiting,
  // up to `max` messages, appended to `out`. ZAP requests are answered while waiting.
  Status receive(Millis timeout, std::size_t max, std::vector<InboundMessage>& out);

  // Sends [routing_id, frames...] without blocking. kUnavailable when the peer is gone or its
  // queue is full.
  Status send(const std::string& routing_id, std::string_view tag, std::string_view header,
              std::string_view body);

  // CURVE handshakes refused so far (client key not listed). Thread-safe.
  std::uint64_t clients_refused() const;

 private:
  struct Impl;
  explicit ZmqRouter(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace saga::detail
