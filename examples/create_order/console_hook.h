// The demo's admin console (saga/admin.h): `--console HOST:PORT` turns it on beside the Order
// service's engine, prints its address, and keeps the demo serving after its sagas ended until
// SIGINT or SIGTERM, so that an operator (or the browser tests) can look and act.
#pragma once

#include <memory>
#include <string>

#include "saga/admin.h"
#include "saga/engine.h"

namespace ftgo {

struct ConsoleOptions {
  std::string address;  // empty: no console
  // Token sources (saga::load_token: "file:PATH" or "env:NAME"). Empty: a random token is
  // written to DATA_DIR/console-read.token (or -write.token), mode 0600, and its path printed.
  std::string read_token;
  std::string write_token;
};

class DemoConsole {
 public:
  // Starts the console on `engine`'s database; prints "console: URL ..." on stdout.
  static saga::Result<std::unique_ptr<DemoConsole>> start(const ConsoleOptions& options,
                                                          const std::string& data_dir,
                                                          const std::string& engine_db,
                                                          const saga::Engine& engine);
  // Prints that the demo is done and serves until SIGINT or SIGTERM.
  void hold();

 private:
  explicit DemoConsole(std::unique_ptr<saga::AdminServer> server) : server_(std::move(server)) {}
  std::unique_ptr<saga::AdminServer> server_;
};

}  // namespace ftgo
