// Saga starts per second and their p50 latency, three ways, on one shared SQLite file (orders
// table + engine tables, synchronous FULL): Engine::start_saga from a thread of the engine's
// process; start_saga_in_transaction (an order row + the start in one IMMEDIATE transaction of
// the service's own connection, then Engine::notify_starts) from a thread of the engine's
// process; and the same from a second process (no notify: the engine's poll finds them).
// Latency: from before the call (or BEGIN) until the start is committed by the engine
// (start_saga returned; the start's row is gone, seen from the writer's own connection, polled
// every 0.1 ms). One writer, one start per transaction, closed loop (the next start after the
// previous one was taken). The transport keeps commands in
// memory (no participant answers): this measures starting only.
//
//   build/bench/transactional_start_bench [N]      (figures in docs/performance.md)
#include <SQLiteCpp/SQLiteCpp.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "saga/engine.h"
#include "saga/testing/ftgo_definition.h"
#include "saga/testing/in_memory_transport.h"
#include "saga/transactional_start.h"

namespace {

using Clock = std::chrono::steady_clock;

[[noreturn]] void die(const std::string& what) {
  std::fprintf(stderr, "transactional_start_bench: %s\n", what.c_str());
  std::exit(1);
}

std::int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch())
      .count();
}

std::unique_ptr<SQLite::Database> service_db(const std::string& path) {
  auto db = std::make_unique<SQLite::Database>(path, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE,
                                               10'000);
  db->exec("PRAGMA journal_mode = WAL");
  db->exec("PRAGMA synchronous = FULL");
  db->exec(
      "CREATE TABLE IF NOT EXISTS orders (id INTEGER PRIMARY KEY, saga_id TEXT NOT NULL); "
      "CREATE TABLE IF NOT EXISTS latencies (ns INTEGER NOT NULL)");
  return db;
}

// One order row and its saga's start per IMMEDIATE transaction, then (closed loop, like
// start_saga) waits on its own connection until the engine took the start (its row is gone).
// The latencies go into the `latencies` table in one transaction at the end.
void write_starts(SQLite::Database& db, int n, saga::Engine* engine) {
  std::vector<std::int64_t> latencies;
  SQLite::Statement pending(db, "SELECT 1 FROM saga_start_requests WHERE saga_id = ?");
  for (int i = 0; i < n; ++i) {
    const std::int64_t began = now_ns();
    const std::string id = "s" + std::to_string(i);
    {
      SQLite::Transaction tx(db, SQLite::TransactionBehavior::IMMEDIATE);
      db.exec("INSERT INTO orders VALUES (" + std::to_string(i) + ", '" + id + "')");
      saga::StartOptions start;
      start.id = id;
      auto r = saga::start_saga_in_transaction(db, "create_order", "order-" + id, start);
      if (!r) die(r.status().to_string());
      tx.commit();
    }
    if (engine) engine->notify_starts();
    for (;;) {
      pending.bind(1, id);
      const bool still = pending.executeStep();
      pending.reset();
      if (!still) break;
      std::this_thread::sleep_for(std::chrono::microseconds(100));
    }
    latencies.push_back(now_ns() - began);
  }
  SQLite::Transaction tx(db, SQLite::TransactionBehavior::IMMEDIATE);
  for (std::int64_t ns : latencies)
    db.exec("INSERT INTO latencies VALUES (" + std::to_string(ns) + ")");
  tx.commit();
}

struct Figures {
  double per_second = 0;
  double p50_ms = 0;
};

Figures figures(std::vector<double> latencies_ms, double seconds) {
  std::sort(latencies_ms.begin(), latencies_ms.end());
  return {static_cast<double>(latencies_ms.size()) / seconds,
          latencies_ms[latencies_ms.size() / 2]};
}

Figures run(const std::string& mode, int n, const std::string& self) {
  const std::filesystem::path dir = std::filesystem::temp_directory_path() /
                                    ("txstart_bench." + std::to_string(getpid()) + "." + mode);
  std::filesystem::create_directories(dir);
  const std::string path = (dir / "service.db").string();
  auto db = service_db(path);
  saga::EngineOptions options;
  options.database_path = path;
  options.shared_database = true;
  options.transport = std::make_shared<saga::testing::InMemoryTransport>();
  options.log = [](saga::LogLevel, std::string_view) {};
  options.max_poll_wait = saga::Millis{5};
  options.start_poll_interval = saga::Millis{5};
  auto engine = saga::Engine::open(std::move(options));
  if (!engine) die(engine.status().to_string());
  if (auto s = engine.value()->register_definition(saga::testing::ftgo_definition()); !s) {
    die(s.to_string());
  }
  if (auto s = engine.value()->start(); !s) die(s.to_string());
  const auto begin = Clock::now();
  std::vector<double> latencies;
  if (mode == "start_saga") {
    for (int i = 0; i < n; ++i) {
      const auto t0 = Clock::now();
      saga::StartOptions start;
      start.id = "s" + std::to_string(i);
      if (auto r = engine.value()->start_saga("create_order", "order", start); !r) {
        die(r.status().to_string());
      }
      latencies.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
    }
  } else {
    if (mode == "in_process") {
      write_starts(*db, n, engine.value().get());
    } else {
      const pid_t child = fork();
      if (child == 0) {
        execl(self.c_str(), self.c_str(), "--child", path.c_str(), std::to_string(n).c_str(),
              static_cast<char*>(nullptr));
        _exit(127);
      }
      int status = 0;
      waitpid(child, &status, 0);
      if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) die("the second process failed");
    }
    SQLite::Statement q(*db, "SELECT ns FROM latencies");
    while (q.executeStep())
      latencies.push_back(static_cast<double>(q.getColumn(0).getInt64()) / 1e6);
  }
  const double seconds = std::chrono::duration<double>(Clock::now() - begin).count();
  engine.value()->stop();
  std::filesystem::remove_all(dir);
  return figures(std::move(latencies), seconds);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 4 && std::string(argv[1]) == "--child") {
    SQLite::Database db(argv[2], SQLite::OPEN_READWRITE, 10'000);
    db.exec("PRAGMA synchronous = FULL");
    write_starts(db, std::atoi(argv[3]), nullptr);
    return 0;
  }
  const int n = argc > 1 ? std::max(10, std::atoi(argv[1])) : 1000;
  std::ifstream loadavg("/proc/loadavg");
  std::string load;
  std::getline(loadavg, load);
  std::printf("transactional_start_bench: %d starts each, one per transaction, synchronous FULL\n",
              n);
  std::printf("load average at start: %s (nproc %u)\n", load.c_str(),
              std::thread::hardware_concurrency());
  for (const char* mode : {"start_saga", "in_process", "second_process"}) {
    const Figures f = run(mode, n, "/proc/self/exe");
    std::printf("  %-15s %8.0f starts/s   p50 %7.2f ms\n", mode, f.per_second, f.p50_ms);
  }
  return 0;
}
