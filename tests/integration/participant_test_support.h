// Test support for the participant library: a temp dir, a participant running on its own
// thread, a raw cppzmq DEALER client that speaks saga/1, and the command types the tests use.
#pragma once

#include <gtest/gtest.h>
#include <saga/body_codec.h>
#include <saga/envelope.h>
#include <saga/participant.h>
#include <saga/zmq_transport.h>
#include <stdlib.h>

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>
#include <zmq.hpp>

namespace saga::test {

// The tests' own commands and replies, not FTGO's (examples/ftgo): shaped to show what the
// participant did (the reply echoes the order id, a void reports the rows it changed, the items
// text picks a failure).
struct OpenTicket {
  static constexpr std::string_view kMessageName = "OpenTicket";
  std::int64_t order_id = 0;
  std::string items;
  template <class A>
  void serialize(A& a) {
    a(CEREAL_NVP(order_id), CEREAL_NVP(items));
  }
};

struct TicketOpened {
  static constexpr std::string_view kMessageName = "TicketOpened";
  std::int64_t ticket_id = 0;
  std::int64_t order_id = 0;
  template <class A>
  void serialize(A& a) {
    a(CEREAL_NVP(ticket_id), CEREAL_NVP(order_id));
  }
};

struct PaymentRefused {
  static constexpr std::string_view kMessageName = "PaymentRefused";
  std::string card;
  template <class A>
  void serialize(A& a) {
    a(CEREAL_NVP(card));
  }
};

struct VoidTicket {
  static constexpr std::string_view kMessageName = "VoidTicket";
  std::int64_t order_id = 0;
  template <class A>
  void serialize(A& a) {
    a(CEREAL_NVP(order_id));
  }
};

struct TicketVoided {
  static constexpr std::string_view kMessageName = "TicketVoided";
  std::int64_t rows = 0;
  template <class A>
  void serialize(A& a) {
    a(CEREAL_NVP(rows));
  }
};

struct CountTickets {
  static constexpr std::string_view kMessageName = "CountTickets";
  std::string state;
  template <class A>
  void serialize(A& a) {
    a(CEREAL_NVP(state));
  }
};

struct TicketCount {
  static constexpr std::string_view kMessageName = "TicketCount";
  std::int64_t count = 0;
  template <class A>
  void serialize(A& a) {
    a(CEREAL_NVP(count));
  }
};

// A fresh directory under the system temp dir, removed at the end.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "saga_participant_XXXXXX");
    char* made = mkdtemp(pattern.data());
    EXPECT_NE(made, nullptr);
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  std::string file(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

// How many times each handler ran; shared with the handlers' lambdas.
struct HandlerRuns {
  std::atomic<int> create{0};
  std::atomic<int> cancel{0};
};

// The Kitchen participant of the tests: a ticket table, OpenTicket (items "explode" throws
// after writing, items "declined" fails with a payload), VoidTicket, CountTickets.
inline void install_kitchen(Participant& p, HandlerRuns& runs) {
  ASSERT_TRUE(p.exec_schema("CREATE TABLE IF NOT EXISTS ticket (id INTEGER PRIMARY KEY, "
                            "order_id INTEGER NOT NULL, items TEXT NOT NULL, state TEXT NOT NULL)")
                  .is_ok());
  p.on<OpenTicket>([&runs](const OpenTicket& c, HandlerContext& ctx) {
    ++runs.create;
    auto inserted =
        ctx.db().exec("INSERT INTO ticket (order_id, items, state) VALUES (?, ?, 'created')",
                      {c.order_id, c.items});
    if (!inserted) throw std::runtime_error(inserted.status().to_string());
    if (c.items == "explode") throw std::runtime_error("kitchen on fire");
    if (c.items == "declined") return failure("card_declined", PaymentRefused{"4111"});
    auto id = ctx.db().query_one("SELECT last_insert_rowid()");
    if (!id || !id.value()) throw std::runtime_error("no rowid");
    return success(TicketOpened{std::get<std::int64_t>((*id.value())[0]), c.order_id});
  });
  p.on_compensation<VoidTicket>([&runs](const VoidTicket& c, HandlerContext& ctx) {
    ++runs.cancel;
    auto updated =
        ctx.db().exec("UPDATE ticket SET state = 'cancelled' WHERE order_id = ?", {c.order_id});
    if (!updated) throw std::runtime_error(updated.status().to_string());
    return success(TicketVoided{updated.value()});
  });
  p.on<CountTickets>([](const CountTickets& c, HandlerContext& ctx) {
    auto rows =
        ctx.db().query("SELECT count(*) FROM ticket WHERE state = ? OR ? = ''", {c.state, c.state});
    if (!rows) throw std::runtime_error(rows.status().to_string());
    return success(TicketCount{std::get<std::int64_t>(rows.value().at(0).at(0))});
  });
}

// Runs a participant's run() on a thread until destroyed.
class Running {
 public:
  explicit Running(Participant& p) : p_(p), thread_([this] { p_.run(); }) {}
  ~Running() {
    p_.stop();
    thread_.join();
  }

 private:
  Participant& p_;
  std::thread thread_;
};

inline Envelope command(std::string name, std::string message_id, std::string saga_id = "saga-1",
                        std::string step = "create_ticket", bool compensation = false) {
  Envelope e;
  e.kind = MessageKind::kCommand;
  e.message_id = std::move(message_id);
  e.saga_id = std::move(saga_id);
  e.saga_type = "create_order";
  e.step = std::move(step);
  e.name = std::move(name);
  e.compensation = compensation;
  return e;
}

template <typename T>
Envelope typed_command(const T& payload, std::string message_id, ContentType type,
                       std::string saga_id = "saga-1", std::string step = "create_ticket",
                       bool compensation = false) {
  Envelope e = command(std::string(T::kMessageName), std::move(message_id), std::move(saga_id),
                       std::move(step), compensation);
  e.content_type = type;
  e.body = encode_body(payload, type).value();
  return e;
}

// A raw DEALER, as the orchestrator's transport would use.
class Client {
 public:
  explicit Client(const std::string& endpoint, const CurveClientKeys* curve = nullptr)
      : context_(1), dealer_(context_, zmq::socket_type::dealer) {
    dealer_.set(zmq::sockopt::linger, 0);
    if (curve != nullptr) {
      dealer_.set(zmq::sockopt::curve_serverkey, curve->server_public_key);
      dealer_.set(zmq::sockopt::curve_publickey, curve->public_key);
      dealer_.set(zmq::sockopt::curve_secretkey, curve->secret_key);
    }
    dealer_.connect(endpoint);
  }

  void send_frames(const std::vector<std::string>& frames) {
    for (std::size_t i = 0; i < frames.size(); ++i) {
      dealer_.send(zmq::buffer(frames[i]),
                   i + 1 < frames.size() ? zmq::send_flags::sndmore : zmq::send_flags::none);
    }
  }

  void send(const Envelope& e) {
    send_frames({std::string(kProtocolTag), encode_header(e).value(), e.body});
  }

  // The next reply, or nothing when none arrives within `timeout`.
  std::optional<Envelope> receive(std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    std::vector<zmq_pollitem_t> items{{dealer_.handle(), 0, ZMQ_POLLIN, 0}};
    if (zmq::poll(items, timeout) == 0) return std::nullopt;
    std::vector<std::string> frames;
    while (true) {
      zmq::message_t part;
      if (!dealer_.recv(part)) break;
      frames.push_back(part.to_string());
      if (!part.more()) break;
    }
    std::vector<std::string_view> views(frames.begin(), frames.end());
    auto decoded = decode(views);
    EXPECT_TRUE(decoded.is_ok()) << decoded.status().to_string();
    if (!decoded) return std::nullopt;
    return std::move(decoded).value();
  }

  // The reply to `message_id`, skipping replies to other commands.
  std::optional<Envelope> receive_reply_to(const std::string& message_id) {
    for (int i = 0; i < 10'000; ++i) {
      std::optional<Envelope> r = receive();
      if (!r || r->correlation_id == message_id) return r;
    }
    return std::nullopt;
  }

  // Sends and waits for the answer.
  std::optional<Envelope> call(const Envelope& e) {
    send(e);
    return receive_reply_to(e.message_id);
  }

 private:
  zmq::context_t context_;
  zmq::socket_t dealer_;
};

inline std::unique_ptr<Participant> open_participant(const std::string& endpoint,
                                                     const std::string& db,
                                                     ParticipantOptions options = {}) {
  options.endpoint = endpoint;
  options.database_path = db;
  auto opened = Participant::open(std::move(options));
  EXPECT_TRUE(opened.is_ok()) << opened.status().to_string();
  if (!opened) return nullptr;
  return std::move(opened).value();
}

}  // namespace saga::test
