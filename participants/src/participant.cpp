// Participant: dispatch, idempotent inbox and barrier. No third-party includes here: the socket
// is zmq_router.cpp, the database sqlite_inbox.cpp.
#include "saga/participant.h"

#include <atomic>
#include <cstdio>
#include <map>
#include <utility>
#include <vector>

#include "sqlite_inbox.h"
#include "zmq_router.h"

namespace saga {
namespace {

// Header frames are small; a larger one is refused before it is parsed.
constexpr std::size_t kMaxHeaderBytes = 64 * 1024;
constexpr Millis kRunPollInterval{100};

using detail::StoredReply;

struct Counters {
  std::atomic<std::uint64_t> handled{0}, duplicates{0}, null_compensations{0},
      refused_compensated{0}, handler_errors{0}, unknown_commands{0}, malformed_commands{0},
      malformed_dropped{0}, oversized_dropped{0}, replies_dropped{0}, send_failures{0},
      store_errors{0};
};

// Logs the first few events of a kind, then every 1000th, so garbage cannot flood stderr.
void log_event(std::uint64_t count, const std::string& message) {
  if (count <= 10 || count % 1000 == 0) {
    std::fprintf(stderr, "saga participant: %s (#%llu)\n", message.c_str(),
                 static_cast<unsigned long long>(count));
  }
}

StoredReply library_failure(std::string_view reason, ContentType type) {
  return StoredReply{std::string(kFailureReply), Outcome::kFailure, std::string(reason), type, {}};
}

struct HandlerEntry {
  bool compensation = false;
  BarrierMode mode = BarrierMode::kEnforce;
  Participant::ErasedHandler handler;
};

// One decoded command of the batch and what to send back for it.
struct Pending {
  std::string routing_id;
  Envelope command;
  std::optional<StoredReply> reply;
};

}  // namespace

struct Participant::Impl {
  ParticipantOptions options;
  std::unique_ptr<detail::ZmqRouter> router;
  std::unique_ptr<detail::SqliteInbox> inbox;
  std::map<std::string, HandlerEntry, std::less<>> handlers;
  std::atomic<bool> stopping{false};
  Counters counters;

  std::vector<Pending> parse(std::vector<detail::InboundMessage>& inbound);
  Status handle_batch(std::vector<Pending>& batch);
  Result<StoredReply> handle(const Envelope& command);
  Result<StoredReply> run_handler(const Envelope& command, const BoundHandler& bound);
  void send(const Pending& pending);
};

// Drops (and counts) what is not a saga/1 command; keeps the rest in arrival order.
std::vector<Pending> Participant::Impl::parse(std::vector<detail::InboundMessage>& inbound) {
  std::vector<Pending> out;
  for (detail::InboundMessage& m : inbound) {
    if (m.frame_count != 3) {
      log_event(++counters.malformed_dropped,
                "dropped a message of " + std::to_string(m.frame_count) + " frames (want 3)");
      continue;
    }
    if (m.frames[2].size() > options.max_message_bytes || m.frames[1].size() > kMaxHeaderBytes) {
      log_event(
          ++counters.oversized_dropped,
          "dropped an oversized message (" + std::to_string(m.frames[2].size()) + " body bytes)");
      continue;
    }
    Result<Envelope> decoded = decode(m.frames[0], m.frames[1], m.frames[2],
                                      DecodeLimits{kMaxHeaderBytes, options.max_message_bytes});
    if (!decoded) {
      log_event(++counters.malformed_dropped, "dropped: " + decoded.status().message());
      continue;
    }
    if (decoded.value().kind != MessageKind::kCommand) {
      log_event(++counters.replies_dropped, "dropped a reply sent to a participant");
      continue;
    }
    out.push_back(Pending{std::move(m.routing_id), std::move(decoded).value(), std::nullopt});
  }
  return out;
}

// One transaction for the batch, one savepoint per command. Replies are kept in `batch` and
// sent by the caller after the commit; on any store error nothing is sent.
Status Participant::Impl::handle_batch(std::vector<Pending>& batch) {
  if (Status s = inbox->begin(); !s) return s;
  for (Pending& p : batch) {
    if (Status s = inbox->savepoint(); !s) {
      inbox->rollback();
      return s;
    }
    Result<StoredReply> reply = handle(p.command);
    Status s = reply ? inbox->release_savepoint() : reply.status();
    if (!s) {
      inbox->rollback();
      return s;
    }
    p.reply = std::move(reply).value();
  }
  if (Status s = inbox->commit(); !s) {
    inbox->rollback();
    return s;
  }
  return Status::ok();
}

// Decides the reply for one command inside its savepoint. An error is a store error.
Result<StoredReply> Participant::Impl::handle(const Envelope& command) {
  Result<std::optional<StoredReply>> stored = inbox->find_reply(command.message_id);
  if (!stored) return stored.status();
  if (stored.value()) {
    ++counters.duplicates;
    return std::move(*stored.value());
  }
  auto it = handlers.find(command.name);
  if (it == handlers.end()) {
    log_event(++counters.unknown_commands, "unknown command '" + command.name + "'");
    return library_failure(kReasonUnknownCommand, command.content_type);
  }
  const HandlerEntry& entry = it->second;
  if (entry.compensation != command.compensation) {
    log_event(++counters.malformed_commands,
              "command '" + command.name + "': compensation flag does not match its handler");
    return library_failure(kReasonMalformedCommand, command.content_type);
  }
  Result<BoundHandler> bound = entry.handler(command);
  if (!bound) {
    log_event(++counters.malformed_commands, "command '" + command.name + "' (message " +
                                                 command.message_id +
                                                 "): " + bound.status().message());
    return library_failure(kReasonMalformedCommand, command.content_type);
  }

  StoredReply reply;
  if (entry.mode == BarrierMode::kNone) {
    Result<StoredReply> r = run_handler(command, bound.value());
    if (!r) return r.status();
    reply = std::move(r).value();
  } else {
    Result<detail::BarrierState> barrier = inbox->barrier(command.saga_id, command.step);
    if (!barrier) return barrier.status();
    if (command.compensation && !barrier.value().action_done) {
      ++counters.null_compensations;
      if (Status s = inbox->mark_barrier(command.saga_id, command.step, true); !s) return s;
      reply = StoredReply{
          std::string(kNullCompensationReply), Outcome::kSuccess, {}, command.content_type, {}};
    } else if (command.compensation && barrier.value().compensation_done) {
      // Already compensated under another message_id: the effect is done, answer success.
      ++counters.duplicates;
      reply = StoredReply{
          std::string(kNullCompensationReply), Outcome::kSuccess, {}, command.content_type, {}};
    } else if (!command.compensation && barrier.value().compensation_done) {
      log_event(++counters.refused_compensated, "refused action of saga " + command.saga_id +
                                                    " step " + command.step +
                                                    ": already compensated");
      reply = library_failure(kReasonCompensated, command.content_type);
    } else {
      Result<StoredReply> r = run_handler(command, bound.value());
      if (!r) return r.status();
      reply = std::move(r).value();
      if (reply.outcome == Outcome::kSuccess) {
        Status s = inbox->mark_barrier(command.saga_id, command.step, command.compensation);
        if (!s) return s;
      }
    }
  }
  if (Status s = inbox->store_reply(command, reply); !s) return s;
  return reply;
}

// Runs the user's handler. A throw or an unencodable reply rolls its writes back and becomes
// the failure "handler_error".
Result<StoredReply> Participant::Impl::run_handler(const Envelope& command,
                                                   const BoundHandler& bound) {
  std::string error;
  try {
    HandlerContext context(command, inbox->sql());
    Reply reply = bound(context);
    Result<std::string> body = reply.encode(command.content_type);
    if (body) {
      ++counters.handled;
      return StoredReply{reply.name(), reply.outcome(), reply.reason(), command.content_type,
                         std::move(body).value()};
    }
    error = "reply does not encode: " + body.status().message();
  } catch (const std::exception& e) {
    error = std::string("handler threw: ") + e.what();
  } catch (...) {
    error = "handler threw a non-std exception";
  }
  log_event(++counters.handler_errors,
            "command '" + command.name + "' (message " + command.message_id + "): " + error);
  if (Status s = inbox->rollback_to_savepoint(); !s) return s;
  return library_failure(kReasonHandlerError, command.content_type);
}

void Participant::Impl::send(const Pending& p) {
  Envelope reply = make_reply_to(p.command);
  reply.message_id = p.command.message_id + ":reply";
  reply.name = p.reply->name;
  reply.outcome = p.reply->outcome;
  reply.reason = p.reply->reason;
  reply.content_type = p.reply->content_type;
  reply.body = p.reply->body;
  Result<std::string> header = encode_header(reply);
  Status s = header ? router->send(p.routing_id, kProtocolTag, header.value(), reply.body)
                    : header.status();
  if (!s) log_event(++counters.send_failures, "reply not sent: " + s.message());
}

Participant::Participant(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Participant::~Participant() = default;

Result<std::unique_ptr<Participant>> Participant::open(ParticipantOptions options) {
  if (options.batch_max == 0) return invalid_argument("participant: batch_max must be >= 1");
  auto impl = std::make_unique<Impl>();
  Result<std::unique_ptr<detail::SqliteInbox>> inbox = detail::SqliteInbox::open(
      options.database_path, options.synchronous_full, options.busy_timeout);
  if (!inbox) return inbox.status();
  impl->inbox = std::move(inbox).value();
  detail::RouterOptions router_options;
  router_options.endpoint = options.endpoint;
  // The socket's own limit is per frame: the body limit plus room for a header frame. A body
  // between the two limits is received and counted as oversized; a larger frame makes libzmq
  // drop the connection before we see it.
  router_options.max_frame_bytes = options.max_message_bytes + kMaxHeaderBytes;
  router_options.send_queue_max = options.send_queue_max;
  router_options.receive_queue_max = options.receive_queue_max;
  router_options.linger = options.linger;
  router_options.curve = options.curve;
  Result<std::unique_ptr<detail::ZmqRouter>> router = detail::ZmqRouter::bind(router_options);
  if (!router) return router.status();
  impl->router = std::move(router).value();
  impl->options = std::move(options);
  return std::unique_ptr<Participant>(new Participant(std::move(impl)));
}

std::string Participant::endpoint() const { return impl_->router->endpoint(); }

Status Participant::exec_schema(std::string_view sql) { return impl_->inbox->exec_script(sql); }

void Participant::add_handler(std::string name, bool compensation, BarrierMode mode,
                              ErasedHandler handler) {
  impl_->handlers[std::move(name)] = HandlerEntry{compensation, mode, std::move(handler)};
}

Status Participant::run_once(Millis timeout) {
  std::vector<detail::InboundMessage> inbound;
  if (Status s = impl_->router->receive(timeout, impl_->options.batch_max, inbound); !s) return s;
  std::vector<Pending> batch = impl_->parse(inbound);
  if (batch.empty()) return Status::ok();
  if (Status s = impl_->handle_batch(batch); !s) {
    log_event(++impl_->counters.store_errors,
              "batch of " + std::to_string(batch.size()) + " rolled back: " + s.message());
    return s;
  }
  for (const Pending& p : batch) impl_->send(p);
  return Status::ok();
}

void Participant::run() {
  while (!impl_->stopping.load()) {
    if (Status s = run_once(kRunPollInterval); !s) {
      std::fprintf(stderr, "saga participant: %s\n", s.to_string().c_str());
    }
  }
}

void Participant::stop() { impl_->stopping.store(true); }

ParticipantStats Participant::stats() const {
  const Counters& c = impl_->counters;
  ParticipantStats s;
  s.handled = c.handled.load();
  s.duplicates = c.duplicates.load();
  s.null_compensations = c.null_compensations.load();
  s.refused_compensated = c.refused_compensated.load();
  s.handler_errors = c.handler_errors.load();
  s.unknown_commands = c.unknown_commands.load();
  s.malformed_commands = c.malformed_commands.load();
  s.malformed_dropped = c.malformed_dropped.load();
  s.oversized_dropped = c.oversized_dropped.load();
  s.replies_dropped = c.replies_dropped.load();
  s.send_failures = c.send_failures.load();
  s.store_errors = c.store_errors.load();
  s.clients_refused = impl_->router->clients_refused();
  return s;
}

}  // namespace saga
