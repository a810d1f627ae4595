#include "event_service.h"

#include <SQLiteCpp/SQLiteCpp.h>

#include <chrono>
#include <stdexcept>
#include <thread>
#include <unordered_map>
#include <vector>

#include "ftgo/create_order_saga.h"
#include "saga/zmq_transport.h"

namespace ftgo::choreography {
namespace {

constexpr std::string_view kOutboxSchema =
    "CREATE TABLE IF NOT EXISTS events_out ("
    "  seq INTEGER PRIMARY KEY AUTOINCREMENT, message_id TEXT NOT NULL UNIQUE,"
    "  subscriber TEXT NOT NULL, name TEXT NOT NULL, saga_id TEXT NOT NULL,"
    "  body TEXT NOT NULL, acked INTEGER NOT NULL DEFAULT 0)";

using SteadyClock = std::chrono::steady_clock;

}  // namespace

// The sending side of the outbox: its own connection to the service's file and its own
// transport, used on the service's thread only.
struct EventService::Outbox {
  struct InFlight {
    SteadyClock::time_point not_before;
    SteadyClock::time_point last_sent;
    std::uint32_t attempt = 0;
  };
  std::unique_ptr<SQLite::Database> db;
  std::unique_ptr<saga::Transport> transport;
  std::unordered_map<std::string, InFlight> in_flight;  // by message id
};

saga::Result<std::unique_ptr<EventService>> EventService::open(EventServiceOptions options) {
  saga::ParticipantOptions p;
  p.endpoint = options.endpoint;
  p.database_path = options.database_path;
  p.synchronous = saga::Synchronous::kNormal;
  p.log = [](saga::LogLevel, std::string_view) {};
  auto participant = saga::Participant::open(std::move(p));
  if (!participant) return participant.status();
  if (saga::Status s = participant.value()->exec_schema(kOutboxSchema); !s) return s;
  std::unique_ptr<EventService> service(new EventService(std::move(options)));
  service->participant_ = std::move(participant).value();
  return service;
}

EventService::EventService(EventServiceOptions options) : options_(std::move(options)) {}

EventService::~EventService() { stop(); }

void EventService::add_to_outbox(saga::HandlerContext& context, std::string_view subscriber,
                                 std::string_view name, std::int64_t order_id, std::string body) {
  // Derived from the event being handled: a re-run after a crash writes the same id.
  const std::string id =
      context.message_id() + ">" + std::string(name) + ">" + std::string(subscriber);
  auto inserted = context.db().exec(
      "INSERT INTO events_out (message_id, subscriber, name, saga_id, body) "
      "VALUES (?, ?, ?, ?, ?)",
      {id, std::string(subscriber), std::string(name), saga_id_of_order(order_id),
       std::move(body)});
  if (!inserted) throw std::runtime_error(inserted.status().to_string());
}

saga::Result<saga::Envelope> EventService::call(std::string_view service, saga::Envelope command) {
  if (!domain_) return saga::failed_precondition("event service not started");
  return domain_->call(service, std::move(command));
}

void EventService::start(saga::ParticipantRegistry registry) {
  options_.registry = registry;
  auto client = CommandClient::open(registry);
  if (!client) throw std::runtime_error(client.status().to_string());
  domain_ = std::move(client).value();
  outbox_ = std::make_unique<Outbox>();
  outbox_->db =
      std::make_unique<SQLite::Database>(options_.database_path, SQLite::OPEN_READWRITE, 5'000);
  saga::ZmqTransportOptions t;
  t.registry = std::move(registry);
  t.log = [](saga::LogLevel, std::string_view) {};
  auto transport = saga::make_zmq_transport(std::move(t));
  if (!transport) throw std::runtime_error(transport.status().to_string());
  outbox_->transport = std::move(transport).value();
  thread_ = std::thread([this] { run(); });
}

void EventService::stop() {
  stopping_ = true;
  if (thread_.joinable()) thread_.join();
}

void EventService::run() {
  std::vector<saga::Envelope> replies;
  while (!stopping_) {
    try {
      flush_round(replies);
    } catch (const std::exception&) {
      // A busy or failing outbox read: nothing is lost (the rows stay), try again shortly.
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }
}

void EventService::flush_round(std::vector<saga::Envelope>& replies) {
  Outbox& out = *outbox_;
  (void)participant_->run_once(saga::Millis{10});
  const auto now = SteadyClock::now();
  SQLite::Statement pending(*out.db,
                            "SELECT message_id, subscriber, name, saga_id, body FROM events_out "
                            "WHERE acked = 0 ORDER BY seq LIMIT 256");
  while (pending.executeStep()) {
    saga::Envelope e;
    e.message_id = pending.getColumn(0).getString();
    const std::string subscriber = pending.getColumn(1).getString();
    e.name = pending.getColumn(2).getString();
    e.saga_id = pending.getColumn(3).getString();
    auto [it, first] = out.in_flight.try_emplace(e.message_id);
    Outbox::InFlight& f = it->second;
    if (first) {
      auto delay = options_.delays.find(e.name + "@" + e.saga_id);
      f.not_before = now + (delay == options_.delays.end() ? saga::Millis{0} : delay->second);
    }
    if (now < f.not_before && !released_) continue;
    if (f.attempt > 0 && now - f.last_sent < options_.resend_after) continue;
    e.kind = saga::MessageKind::kCommand;
    e.saga_type = "create_order_choreography";
    e.step = e.name;
    e.content_type = saga::ContentType::kJson;
    e.body = pending.getColumn(4).getString();
    e.attempt = ++f.attempt;
    f.last_sent = now;
    (void)out.transport->send(subscriber, e);  // a failed send is retried next round
  }
  replies.clear();
  out.transport->poll(saga::Millis{0}, replies, 256);
  for (const saga::Envelope& reply : replies) {
    // A failure is stored in the subscriber's inbox: resending would get it again. It stays
    // in the outbox as acked = 2 for someone to look at.
    SQLite::Statement ack(*out.db, "UPDATE events_out SET acked = ? WHERE message_id = ?");
    ack.bind(1, reply.outcome == saga::Outcome::kSuccess ? 1 : 2);
    ack.bind(2, reply.correlation_id);
    ack.exec();
    out.in_flight.erase(reply.correlation_id);
  }
}

}  // namespace ftgo::choreography
