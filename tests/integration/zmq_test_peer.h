// A fake participant for transport tests: a raw cppzmq ROUTER socket in its own context.
//
// Tests use it where the participant library would sit, so that they see the exact frames on
// the wire. Receives wait at most kReceiveTimeout so that a broken transport fails a test
// instead of hanging it.
#pragma once

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>
#include <zmq.hpp>
#include <zmq_addon.hpp>

#include "saga/envelope.h"

namespace saga::testing {

inline constexpr int kReceiveTimeoutMs = 10'000;

// A temp directory removed at the end of the test.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "saga-zmq-XXXXXX").string();
    const char* made = ::mkdtemp(pattern.data());
    EXPECT_NE(made, nullptr);
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

class FakeParticipant {
 public:
  struct CurveServer {
    std::string secret_key;
  };

  // Binds a ROUTER at `endpoint` (`tcp://127.0.0.1:*` picks a free port).
  explicit FakeParticipant(const std::string& endpoint,
                           std::optional<CurveServer> curve = std::nullopt)
      : socket_(context_, zmq::socket_type::router) {
    socket_.set(zmq::sockopt::linger, 0);
    socket_.set(zmq::sockopt::rcvtimeo, kReceiveTimeoutMs);
    if (curve) {
      socket_.set(zmq::sockopt::curve_server, true);
      socket_.set(zmq::sockopt::curve_secretkey, curve->secret_key);
    }
    socket_.bind(endpoint);
    endpoint_ = socket_.get(zmq::sockopt::last_endpoint);
  }

  // The bound endpoint, with the real port.
  const std::string& endpoint() const { return endpoint_; }

  void set_receive_timeout_ms(int ms) { socket_.set(zmq::sockopt::rcvtimeo, ms); }

  // Every frame of the next message, routing id first; empty on timeout.
  std::vector<std::string> receive_frames() {
    std::vector<zmq::message_t> parts;
    auto got = zmq::recv_multipart(socket_, std::back_inserter(parts));
    std::vector<std::string> frames;
    if (!got) return frames;
    for (const auto& p : parts) frames.push_back(p.to_string());
    return frames;
  }

  // Sends `frames` (routing id first) as one message.
  void send_frames(const std::vector<std::string>& frames) {
    std::vector<zmq::const_buffer> parts;
    for (const auto& f : frames) parts.push_back(zmq::buffer(f));
    ASSERT_TRUE(zmq::send_multipart(socket_, parts).has_value());
  }

  // Sends `reply` as valid saga/1 to the peer with `routing_id`.
  void send_reply(const std::string& routing_id, const Envelope& reply) {
    Result<std::string> header = encode_header(reply);
    ASSERT_TRUE(header.is_ok()) << header.status().to_string();
    send_frames({routing_id, std::string(kProtocolTag), header.value(), reply.body});
  }

 private:
  zmq::context_t context_;  // own context: destroying the participant closes its listener
  zmq::socket_t socket_;
  std::string endpoint_;
};

inline Envelope sample_command(const std::string& id = "saga-1/1") {
  Envelope e;
  e.kind = MessageKind::kCommand;
  e.message_id = id;
  e.saga_id = "saga-1";
  e.saga_type = "create_order";
  e.step = "create_ticket";
  e.name = "CreateTicket";
  e.attempt = 1;
  e.content_type = ContentType::kJson;
  e.trace_id = "trace-7";
  e.body = R"({"order_id":99})";
  return e;
}

inline Envelope sample_reply(const Envelope& command, const std::string& id = "reply-1") {
  Envelope r = make_reply_to(command);
  r.message_id = id;
  r.name = "TicketCreated";
  r.body = R"({"ticket_id":5})";
  return r;
}

}  // namespace saga::testing
