// Participant: dispatch, idempotent inbox and barrier. No third-party includes here: the socket
// is zmq_router.cpp, the database sqlite_inbox.cpp or pg_inbox.cpp (inbox.h).
#include "saga/participant.h"

#include <atomic>
#include <chrono>
#include <map>
#include <set>
#include <utility>
#include <vector>

#include "handler_context_access.h"
#include "inbox.h"
#include "inbox_retention.h"
#include "zmq_router.h"

namespace saga {
namespace {

// Header frames are small; a larger one is refused before it is parsed.
constexpr std::size_t kMaxHeaderBytes = 64 * 1024;
constexpr Millis kRunPollInterval{100};
// Held commands run again after the commands that free their keys, at most this many per
// transaction; the rest run at the next run_once().
constexpr std::size_t kMaxWakesPerBatch = 1024;

using detail::HeldCommand;
using detail::StoredReply;

struct Counters {
  std::atomic<std::uint64_t> handled{0}, duplicates{0}, null_compensations{0},
      refused_compensated{0}, handler_errors{0}, unknown_commands{0}, malformed_commands{0},
      malformed_dropped{0}, oversized_dropped{0}, replies_dropped{0}, send_failures{0},
      store_errors{0}, lock_refusals{0}, held_commands{0}, held_resends{0}, inbox_pruned{0},
      sagas_started{0}, events_signalled{0};
};

// Logs the first few events of a kind, then every 1000th, so garbage cannot flood the log.
void log_counted(const LogSink& log, std::uint64_t count, const std::string& message,
                 LogLevel level = LogLevel::kWarning) {
  if (count <= 10 || count % 1000 == 0) {
    log(level, "participant: " + message + " (#" + std::to_string(count) + ")");
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
  std::optional<StoredReply> reply;   // nothing: no reply (held, or a resend of a held command)
  bool from_held = false;             // taken from saga_held_commands to run again
  std::string wake_key;               // from_held: the free key it was held on
  std::vector<std::string> released;  // keys its handler released (committed or not)
  OutboxWrites outbox{};              // saga starts and events its handler wrote (committed or not)
};

// What a handler run came to: a reply, or held on a key.
struct HandlerRun {
  std::optional<StoredReply> reply;
  std::string held_on;
  std::vector<std::string> released;
  OutboxWrites outbox{};
};

}  // namespace

struct Participant::Impl {
  ParticipantOptions options;
  std::unique_ptr<detail::ZmqRouter> router;
  std::unique_ptr<detail::Inbox> inbox;  // SQLite or PostgreSQL (inbox.h)
  detail::InboxPruner pruner{options};   // reads `options` as open() leaves it
  std::map<std::string, HandlerEntry, std::less<>> handlers;
  std::atomic<bool> stopping{false};
  Counters counters;
  // Held commands may be ready to run (at start, or more than one batch could take): run_once()
  // runs them before it receives.
  bool held_recheck = true;
  // saga_held_commands may have rows: deliveries are checked against it. Refreshed per batch.
  bool maybe_held = true;

  void log_event(std::uint64_t count, const std::string& message,
                 LogLevel level = LogLevel::kWarning) const {
    log_counted(options.log, count, message, level);
  }
  std::vector<Pending> parse(std::vector<detail::InboundMessage>& inbound);
  Status handle_batch(std::vector<Pending>& batch, bool ready_held_first);
  Status handle_all(std::vector<Pending>& batch);
  Status wake(std::vector<Pending>& batch, std::size_t after, std::set<std::string>& queued,
              std::size_t& woken);
  std::optional<Pending> to_pending(const HeldCommand& held);
  Status handle(Pending& pending);
  Result<HandlerRun> run_handler(const Envelope& command, const BoundHandler& bound);
  Result<HandlerRun> run_in_savepoint(const Envelope& command, const BoundHandler& bound);
  Status hold(Pending& pending, const std::string& key);
  void send(const Pending& pending);
  void committed(const std::vector<Pending>& batch);
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
      const bool body = m.frames[2].size() > options.max_message_bytes;
      log_event(++counters.oversized_dropped,
                "dropped an oversized message: " + std::string(body ? "body" : "header") + " of " +
                    std::to_string((body ? m.frames[2] : m.frames[1]).size()) +
                    " bytes exceeds the limit of " +
                    std::to_string(body ? options.max_message_bytes : kMaxHeaderBytes) + " bytes" +
                    (body ? " (max_message_bytes)" : ""));
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
    out.push_back(
        Pending{std::move(m.routing_id), std::move(decoded).value(), std::nullopt, false, {}, {}});
  }
  return out;
}

// One transaction for the batch, a savepoint around each handler run (run_handler). Replies are
// kept in `batch` and sent by the caller after the commit; on any store error nothing is sent. With
// `ready_held_first`, the held commands whose key is free run first (at start).
Status Participant::Impl::handle_batch(std::vector<Pending>& batch, bool ready_held_first) {
  if (Status s = inbox->begin(); !s) return s;
  Status s = Status::ok();
  if (ready_held_first) {
    held_recheck = false;
    Result<std::vector<HeldCommand>> ready = inbox->ready_held(options.max_batch);
    if (ready) {
      if (ready.value().size() == options.max_batch) held_recheck = true;  // maybe more
      std::vector<Pending> first;
      for (const HeldCommand& h : ready.value()) {
        if (std::optional<Pending> p = to_pending(h)) first.push_back(std::move(*p));
      }
      for (Pending& p : batch) first.push_back(std::move(p));
      batch = std::move(first);
    } else {
      s = ready.status();
    }
  }
  if (s) s = handle_all(batch);
  if (s) s = inbox->commit();
  if (!s) {
    inbox->rollback();
    maybe_held = true;
    if (ready_held_first) held_recheck = true;
  }
  return s;
}

Status Participant::Impl::handle_all(std::vector<Pending>& batch) {
  if (maybe_held) {
    Result<bool> any = inbox->any_held();
    if (!any) return any.status();
    maybe_held = any.value();
  }
  std::set<std::string> queued;  // held message_ids in `batch` that have not run yet
  for (const Pending& p : batch) {
    if (p.from_held) queued.insert(p.command.message_id);
  }
  std::size_t woken = 0;
  for (std::size_t i = 0; i < batch.size(); ++i) {
    if (Status s = handle(batch[i]); !s) return s;
    if (batch[i].from_held) queued.erase(batch[i].command.message_id);
    if (Status s = wake(batch, i, queued, woken); !s) return s;
  }
  return Status::ok();
}

// After batch[after] is done: for each key it freed, the oldest command held on that key runs
// next, in this transaction, so no later command can take the key first.
Status Participant::Impl::wake(std::vector<Pending>& batch, std::size_t after,
                               std::set<std::string>& queued, std::size_t& woken) {
  std::vector<std::string> keys = std::move(batch[after].released);
  if (batch[after].from_held) keys.push_back(batch[after].wake_key);
  std::size_t at = after + 1;
  for (const std::string& key : keys) {
    Result<bool> free = inbox->lock_free(key);
    if (!free) return free.status();
    if (!free.value()) continue;
    Result<std::optional<HeldCommand>> next = inbox->first_held(key);
    if (!next) return next.status();
    if (!next.value() || queued.contains(next.value()->message_id)) continue;
    if (woken == kMaxWakesPerBatch) {
      held_recheck = true;
      continue;
    }
    std::optional<Pending> pending = to_pending(*next.value());
    if (!pending) continue;
    ++woken;
    queued.insert(pending->command.message_id);
    batch.insert(batch.begin() + static_cast<std::ptrdiff_t>(at++), std::move(*pending));
  }
  return Status::ok();
}

// A held command, decoded to run again. A row that no longer decodes is dropped (and deleted).
std::optional<Pending> Participant::Impl::to_pending(const HeldCommand& held) {
  Result<Envelope> decoded = decode(kProtocolTag, held.header, held.body,
                                    DecodeLimits{kMaxHeaderBytes, options.max_message_bytes});
  if (!decoded) {
    log_event(++counters.malformed_dropped,
              "dropped held command " + held.message_id + ": " + decoded.status().message());
    (void)inbox->delete_held(held.message_id);
    return std::nullopt;
  }
  Pending p{held.routing_id, std::move(decoded).value(), std::nullopt, true, held.lock_key, {}};
  return p;
}

// Decides the reply for one command (its handler runs in a savepoint), or holds it (no reply). An
// error is a store error.
Status Participant::Impl::handle(Pending& p) {
  const Envelope& command = p.command;
  // The command gets `reply`: stored in the inbox when `store`; a held row is done with.
  auto answer = [&](StoredReply reply, bool store) -> Status {
    if (p.from_held) {
      if (Status s = inbox->delete_held(command.message_id); !s) return s;
    }
    if (store) {
      if (Status s = inbox->store_reply(command, reply, options.clock->now().count()); !s) return s;
    }
    p.reply = std::move(reply);
    return Status::ok();
  };

  Result<std::optional<StoredReply>> stored = inbox->find_reply(command.message_id);
  if (!stored) return stored.status();
  if (stored.value()) {
    ++counters.duplicates;
    return answer(std::move(*stored.value()), false);
  }
  if (maybe_held && !p.from_held) {
    Result<bool> held = inbox->redeliver_held(command.message_id, p.routing_id);
    if (!held) return held.status();
    if (held.value()) {
      log_event(++counters.held_resends,
                "message " + command.message_id + " is held: not run again, no reply");
      return Status::ok();
    }
  }
  auto it = handlers.find(command.name);
  if (it == handlers.end()) {
    log_event(++counters.unknown_commands, "unknown command '" + command.name + "'");
    return answer(library_failure(kReasonUnknownCommand, command.content_type), false);
  }
  const HandlerEntry& entry = it->second;
  if (entry.compensation != command.compensation) {
    log_event(++counters.malformed_commands,
              "command '" + command.name + "': compensation flag does not match its handler");
    return answer(library_failure(kReasonMalformedCommand, command.content_type), false);
  }
  Result<BoundHandler> bound = entry.handler(command);
  if (!bound) {
    log_event(++counters.malformed_commands, "command '" + command.name + "' (message " +
                                                 command.message_id +
                                                 "): " + bound.status().message());
    return answer(library_failure(kReasonMalformedCommand, command.content_type), false);
  }

  StoredReply reply;
  if (entry.mode == BarrierMode::kNone) {
    Result<HandlerRun> r = run_handler(command, bound.value());
    if (!r) return r.status();
    if (!r.value().reply) return hold(p, r.value().held_on);
    p.released = std::move(r.value().released);
    p.outbox = r.value().outbox;
    reply = std::move(*r.value().reply);
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
      Result<HandlerRun> r = run_handler(command, bound.value());
      if (!r) return r.status();
      if (!r.value().reply) return hold(p, r.value().held_on);
      p.released = std::move(r.value().released);
      p.outbox = r.value().outbox;
      reply = std::move(*r.value().reply);
      if (reply.outcome == Outcome::kSuccess) {
        Status s = inbox->mark_barrier(command.saga_id, command.step, command.compensation);
        if (!s) return s;
      }
    }
  }
  return answer(std::move(reply), true);
}

// Queues the command behind `key` (its handler's writes are already rolled back); no reply.
Status Participant::Impl::hold(Pending& p, const std::string& key) {
  Result<std::string> header = encode_header(p.command);
  if (!header) return header.status();
  HeldCommand held{p.command.message_id, key,          p.command.saga_id,
                   p.command.name,       p.routing_id, header.value(),
                   p.command.body};
  if (Status s = inbox->hold(held, options.clock->now().count()); !s) return s;
  maybe_held = true;
  if (!p.from_held) {
    log_event(++counters.held_commands, "held message " + p.command.message_id + " of saga " +
                                            p.command.saga_id + ": lock '" + key +
                                            "' is held by another saga");
  }
  return Status::ok();
}

// Runs the user's handler inside a savepoint of its own, released after. Only the handler's
// writes need one: the library's own rows (inbox, barrier, held) are written outside it, so
// SQLite does not copy their pages into the statement journal, and a store error there fails
// the whole batch anyway.
Result<HandlerRun> Participant::Impl::run_handler(const Envelope& command,
                                                  const BoundHandler& bound) {
  if (Status s = inbox->savepoint(); !s) return s;
  Result<HandlerRun> run = run_in_savepoint(command, bound);
  if (!run) return run;
  if (Status s = inbox->release_savepoint(); !s) return s;
  return run;
}

// A throw or an unencodable reply rolls the handler's writes back and becomes the failure
// "handler_error"; so does a LockResult::refusal() (as "locked"). A kHold lock that met another
// saga's lock rolls the writes back and returns no reply; a lock table error is a store error.
Result<HandlerRun> Participant::Impl::run_in_savepoint(const Envelope& command,
                                                       const BoundHandler& bound) {
  using Access = detail::HandlerContextAccess;
  HandlerContext context(command, inbox->sql(), options.clock.get());
  inbox->attach(context);
  std::optional<Reply> reply;
  std::string error;
  try {
    reply.emplace(bound(context));
  } catch (const HandlerInterrupted&) {
    error = "handler threw HandlerInterrupted outside a lock call";
  } catch (const std::exception& e) {
    error = std::string("handler threw: ") + e.what();
  } catch (...) {
    error = "handler threw a non-std exception";
  }
  if (const Status& s = Access::store_error(context); !s) return s;
  if (const std::optional<std::string>& key = Access::held_on(context)) {
    // Held, whatever the handler did after lock() (it may have caught HandlerInterrupted).
    if (Status s = inbox->rollback_to_savepoint(); !s) return s;
    return HandlerRun{std::nullopt, *key, {}};
  }
  if (reply) {
    Result<std::string> body = reply->encode(command.content_type);
    if (body) {
      ++counters.handled;
      HandlerRun run{StoredReply{reply->name(), reply->outcome(), reply->reason(),
                                 command.content_type, std::move(body).value()},
                     {},
                     std::move(Access::released(context)),
                     Access::outbox_writes(context)};
      if (reply->rolls_back_writes()) {
        ++counters.lock_refusals;
        if (Status s = inbox->rollback_to_savepoint(); !s) return s;
        run.released.clear();
        run.outbox = {};
      }
      return run;
    }
    error = "reply does not encode: " + body.status().message();
  }
  log_event(++counters.handler_errors,
            "command '" + command.name + "' (message " + command.message_id + "): " + error);
  if (Status s = inbox->rollback_to_savepoint(); !s) return s;
  return HandlerRun{library_failure(kReasonHandlerError, command.content_type), {}, {}};
}

void Participant::Impl::send(const Pending& p) {
  if (!p.reply) return;  // held
  Envelope reply = make_reply_to(p.command);
  reply.message_id = p.command.message_id + ":reply";
  reply.name = p.reply->name;
  reply.outcome = p.reply->outcome;
  reply.reason = p.reply->reason;
  reply.content_type = p.reply->content_type;
  // The body goes out as stored, not copied into `reply`: the header does not carry it.
  Result<std::string> header = encode_header(reply);
  Status s = header ? router->send(p.routing_id, kProtocolTag, header.value(), p.reply->body)
                    : header.status();
  if (!s) log_event(++counters.send_failures, "reply not sent: " + s.message());
}

// After the batch's commit: the replies, and the saga starts the handlers committed.
void Participant::Impl::committed(const std::vector<Pending>& batch) {
  OutboxWrites w;
  for (const Pending& p : batch) {
    w.starts += p.reply ? p.outbox.starts : 0;
    w.events += p.reply ? p.outbox.events : 0;
  }
  counters.sagas_started += w.starts;
  counters.events_signalled += w.events;
  if (w.starts + w.events > 0 && options.outbox_committed)
    options.outbox_committed(w.starts + w.events);
  for (const Pending& p : batch) send(p);
}

Participant::Participant(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Participant::~Participant() = default;

Result<std::unique_ptr<Participant>> Participant::open(ParticipantOptions options) {
  if (options.max_batch == 0) return invalid_argument("participant: max_batch must be >= 1");
  if (Status s = detail::check_inbox_retention(options); !s) return s;
  if (!options.clock) options.clock = std::make_shared<SystemClock>();
  if (!options.log) options.log = make_stderr_log_sink();
  auto impl = std::make_unique<Impl>();
  Result<std::unique_ptr<detail::Inbox>> inbox = detail::open_inbox(options);
  if (!inbox) return inbox.status();
  impl->inbox = std::move(inbox).value();
  if (options.engine_tables) {
    if (Status s = impl->inbox->prepare_engine_tables(); !s) return s;
  }
  detail::RouterOptions router_options;
  router_options.endpoint = options.endpoint;
  // The socket's own limit is per frame: the body limit plus room for a header frame. A body
  // between the two limits is received and counted as oversized; a larger frame makes libzmq
  // drop the connection before we see it.
  router_options.max_frame_bytes = options.max_message_bytes + kMaxHeaderBytes;
  router_options.send_hwm = options.send_hwm;
  router_options.recv_hwm = options.recv_hwm;
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
  if (impl_->held_recheck) {
    std::vector<Pending> ready;
    if (Status s = impl_->handle_batch(ready, true); !s) {
      impl_->log_event(++impl_->counters.store_errors, "held commands rolled back: " + s.message(),
                       LogLevel::kError);
      return s;
    }
    impl_->committed(ready);
  }
  impl_->pruner.maybe_prune(*impl_->inbox, impl_->options.clock->now(),
                            impl_->counters.inbox_pruned);
  std::vector<detail::InboundMessage> inbound;
  if (Status s = impl_->router->receive(timeout, impl_->options.max_batch, inbound); !s) return s;
  std::vector<Pending> batch = impl_->parse(inbound);
  if (batch.empty()) return Status::ok();
  if (Status s = impl_->handle_batch(batch, false); !s) {
    impl_->log_event(++impl_->counters.store_errors,
                     "batch of " + std::to_string(batch.size()) + " rolled back: " + s.message(),
                     LogLevel::kError);
    return s;
  }
  impl_->committed(batch);
  return Status::ok();
}

void Participant::run() {
  while (!impl_->stopping.load()) {
    if (Status s = run_once(kRunPollInterval); !s) {
      impl_->options.log(LogLevel::kError, "participant: " + s.to_string());
    }
  }
}

void Participant::stop() { impl_->stopping.store(true); }

ParticipantStats Participant::stats() const {
  const Counters& c = impl_->counters;  // each std::atomic reads as its load()
  return ParticipantStats{.handled = c.handled,
                          .duplicates = c.duplicates,
                          .null_compensations = c.null_compensations,
                          .refused_compensated = c.refused_compensated,
                          .handler_errors = c.handler_errors,
                          .unknown_commands = c.unknown_commands,
                          .malformed_commands = c.malformed_commands,
                          .malformed_dropped = c.malformed_dropped,
                          .oversized_dropped = c.oversized_dropped,
                          .replies_dropped = c.replies_dropped,
                          .send_failures = c.send_failures,
                          .store_errors = c.store_errors,
                          .clients_refused = impl_->router->clients_refused(),
                          .lock_refusals = c.lock_refusals,
                          .held_commands = c.held_commands,
                          .held_resends = c.held_resends,
                          .inbox_pruned = c.inbox_pruned,
                          .sagas_started = c.sagas_started,
                          .events_signalled = c.events_signalled};
}

}  // namespace saga
