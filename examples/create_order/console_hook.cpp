#include "console_hook.h"

#include <sys/stat.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <random>
#include <thread>

namespace ftgo {

namespace {

std::atomic<bool> g_stop{false};
extern "C" void on_console_stop(int) { g_stop = true; }

// A random token in a new file only its owner can read; returns the "file:PATH" source.
saga::Result<std::string> make_token_file(const std::string& path) {
  std::random_device random;
  std::string token;
  const char* hex = "0123456789abcdef";
  for (int k = 0; k < 40; ++k) token += hex[random() % 16];
  {
    std::ofstream out(path, std::ios::trunc);
    if (!out) return saga::unavailable("cannot write " + path);
    out << token << '\n';
  }
  chmod(path.c_str(), S_IRUSR | S_IWUSR);
  return "file:" + path;
}

}  // namespace

saga::Result<std::unique_ptr<DemoConsole>> DemoConsole::start(const ConsoleOptions& options,
                                                              const std::string& data_dir,
                                                              const std::string& engine_db,
                                                              const saga::Engine& engine) {
  saga::AdminOptions admin;
  admin.address = options.address;
  admin.database_path = engine_db;
  admin.engine = &engine;
  std::string sources[2] = {options.read_token, options.write_token};
  const char* names[2] = {"read", "write"};
  std::string tokens[2];
  for (int k = 0; k < 2; ++k) {
    if (sources[k].empty()) {
      auto made = make_token_file(data_dir + "/console-" + names[k] + ".token");
      if (!made) return made.status();
      sources[k] = *made;
    }
    auto token = saga::load_token(sources[k]);
    if (!token) return token.status().with_context(std::string(names[k]) + " token");
    tokens[k] = std::move(token).value();
  }
  admin.read_token = tokens[0];
  admin.write_token = tokens[1];
  auto server = saga::AdminServer::start(std::move(admin));
  if (!server) return server.status();
  std::printf("console: %s (read token from %s, write token from %s)\n",
              server.value()->url().c_str(), sources[0].c_str(), sources[1].c_str());
  std::fflush(stdout);
  return std::unique_ptr<DemoConsole>(new DemoConsole(std::move(server).value()));
}

void DemoConsole::hold() {
  std::signal(SIGINT, on_console_stop);
  std::signal(SIGTERM, on_console_stop);
  std::printf("console: the demo is done; still serving %s until SIGINT or SIGTERM\n",
              server_->url().c_str());
  std::fflush(stdout);
  while (!g_stop) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  server_->stop();
}

}  // namespace ftgo
