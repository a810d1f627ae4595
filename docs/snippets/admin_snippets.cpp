// docs/operations.md: turning on the admin server and retention beside an engine.
#include <chrono>
#include <memory>
#include <utility>

#include "saga/admin.h"
#include "saga/engine.h"
#include "saga/retention.h"

namespace snippets {

saga::Result<std::unique_ptr<saga::AdminServer>> admin_server(
    const saga::EngineOptions& engine_options, const std::unique_ptr<saga::Engine>& engine) {
  saga::AdminOptions admin;
  admin.address = "127.0.0.1:9464";  // port 0: any free port
  admin.database_path = engine_options.database_path;
  admin.engine = engine.get();  // optional: metrics, readiness, breakers
  auto read = saga::load_token("file:/etc/orders/admin-read.token");
  auto write = saga::load_token("env:ORDERS_ADMIN_WRITE_TOKEN");
  if (!read || !write) return !read ? read.status() : write.status();
  admin.read_token = *read;
  admin.write_token = *write;
  auto server = saga::AdminServer::start(std::move(admin));  // serves until destroyed
  return server;
}

saga::Result<std::unique_ptr<saga::RetentionWorker>> retention_worker(
    const saga::EngineOptions& engine_options) {
  saga::RetentionOptions retention;
  retention.database_path = engine_options.database_path;
  retention.keep_finished = std::chrono::hours(24 * 30);
  retention.archive_path = "/var/lib/orders/archive.jsonl";  // optional
  auto worker = saga::RetentionWorker::start(retention);     // runs until destroyed
  return worker;
}

}  // namespace snippets
