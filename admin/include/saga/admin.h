// The admin HTTP server: /metrics, /healthz, /readyz, a JSON API over the inspection API
// (saga/inspection.h) and the web console, turned on by a service with one call. Off unless a
// service starts it; library saga::admin (docs/operations.md, "Admin server and console").
//
//   AdminOptions admin;
//   admin.address = "127.0.0.1:9464";
//   admin.database_path = engine_options.database_path;
//   admin.engine = engine.get();                       // optional: metrics and readiness
//   auto read = load_token("file:/etc/orders/admin-read.token");
//   auto write = load_token("env:ORDERS_ADMIN_WRITE_TOKEN");
//   if (!read || !write) ...;
//   admin.read_token = *read;
//   admin.write_token = *write;
//   Result<std::unique_ptr<AdminServer>> server = AdminServer::start(std::move(admin));
//
// Endpoints (every response is JSON unless said otherwise; errors are
// {"error": "...", "status": N}):
//   GET  /healthz                     200 "ok" while the server runs; no token
//   GET  /readyz                      200 when the engine runs, its last commit succeeded
//                                     (Engine::store_health) and the store answers a probe
//                                     query, else 503; no token; JSON body says which failed
//   GET  /metrics                     Prometheus text (read token): the engine's counters
//                                     (saga/metrics.h) plus gauges read from the store
//   GET  /api/sagas                   ?type= &state= &older_than= &stuck= &id= &limit= &offset=
//   GET  /api/sagas/{id}              the saga, its history (?history_offset= &history_limit=),
//                                     its outstanding command, its definition's steps
//   GET  /api/definitions             the recorded definitions, their steps, DOT and Mermaid
//   GET  /api/stats                   counts by type and phase, events, blocked sagas
//   GET  /api/participants            the engine's flow control per participant (engine only)
//   GET  /api/requests/{id}           an operator request and the engine's answer
//   POST /api/sagas/{id}/retry|compensate|skip   (write token) form or query parameters
//                                     `by` and `reason`, both required; queues the same
//                                     operator request as `sagactl retry`; 202 with the request
//   GET  /                            the web console (HTML, JS and CSS built into the library)
//
// Security: every /api and /metrics request needs a token in the `Authorization: Bearer T`
// header (or `X-Saga-Token: T`); the read token reads, the write token reads and acts. Tokens
// are compared in constant time and never logged. Actions are POST only. Every parameter is
// validated: unknown parameters, malformed values and bad ids get a 4xx with a message and
// change nothing. Missing or wrong token: 401; the read token on an action: 403.
//
// Threads: the HTTP library serves on its own threads; each request opens the database through
// one shared Inspector under a mutex (reads are short queries; WAL never blocks the engine).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "saga/clock.h"
#include "saga/log.h"
#include "saga/status.h"

namespace saga {

class Engine;

struct AdminOptions {
  // "host:port" to bind; port 0 picks a free one (AdminServer::port() says which). Bind to
  // 127.0.0.1 unless a proxy in front provides TLS.
  std::string address = "127.0.0.1:0";
  std::string database_path;  // the engine's database file (EngineOptions::database_path)
  // The engine of this process, if any: /metrics serves its counters, /readyz checks it runs,
  // /api/participants its breakers. Not owned; it must outlive the server. Null: the server
  // reads the database only (a console beside a service in another process).
  const Engine* engine = nullptr;
  // Required, at least 16 characters each, and different: kInvalidArgument otherwise.
  std::string read_token;
  std::string write_token;
  LogSink log;  // default: make_spdlog_sink(); one line per action, never a token
  LogLevel log_level = LogLevel::kInfo;
  // Wall clock for ages ("older_than", "stuck") and audit times; default SystemClock.
  std::shared_ptr<Clock> clock;
};

// A token from "file:PATH" (the file's first line, trailing white space removed) or
// "env:NAME" (the variable's value). kInvalidArgument for another form or an empty token,
// kNotFound for a missing file or variable. The token is never part of an error message.
Result<std::string> load_token(std::string_view source);

// True when a and b are equal; the time taken depends on the lengths only, not on where they
// differ.
bool constant_time_equal(std::string_view a, std::string_view b);

class AdminServer {
 public:
  // Checks the options, opens the database (kNotFound when it does not exist yet: open the
  // engine first), binds the address and starts serving. kUnavailable when the address cannot
  // be bound.
  static Result<std::unique_ptr<AdminServer>> start(AdminOptions options);
  // Stops serving (stop()).
  ~AdminServer();
  AdminServer(const AdminServer&) = delete;
  AdminServer& operator=(const AdminServer&) = delete;

  std::uint16_t port() const;
  // "http://host:port/", the console's address.
  std::string url() const;
  // Stops accepting requests and waits for those in progress. Idempotent.
  void stop();

  class Impl;

 private:
  explicit AdminServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace saga
