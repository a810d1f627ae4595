// scale_out_bench: the transfer saga (examples/scale_out/transfer_saga.h, three steps, two
// participants on ipc with their SQLite inboxes) run by 1, 2 and 3 orchestrator instances on one
// PostgreSQL database, beside one instance on a SQLite file, on the same machine
// (docs/performance.md, "Scale-out on PostgreSQL"). Each instance is its own process.
//
//   scale_out_bench [--sagas N] [--paced N] [--interval-ms MS]
//
// Per configuration, two runs on a fresh database:
//   burst:  N sagas, every instance starting its share at once; throughput = N / (last saga's
//           end - first saga's start), from the rows' created_at_ms and updated_at_ms;
//   paced:  N2 sagas, one every MS in total (each of K instances starts one every K x MS), far
//           below capacity; p50 and p99 of one saga's time from its start to its end.
// The PostgreSQL cluster is a throwaway one (initdb in /tmp, unix socket) with fsync ON, and the
// SQLite engine uses synchronous=FULL: both flush every commit. The machine's load average is
// printed beside each row: on a shared machine the figures move with it.
#include <SQLiteCpp/SQLiteCpp.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "engine_instance.h"
#include "instance_watch.h"
#include "pg_cluster.h"
#include "saga/phase.h"
#include "serving.h"
#include "store/pg_connection.h"
#include "transfer_saga.h"

namespace {

using namespace saga;
using Span = std::pair<std::int64_t, std::int64_t>;  // created_at_ms, updated_at_ms

const std::string kEndedSql = "SELECT created_at_ms, updated_at_ms FROM saga_instances WHERE " +
                              std::string("phase IN (") +
                              std::to_string(static_cast<int>(Phase::kCompleted)) + ", " +
                              std::to_string(static_cast<int>(Phase::kCompensated)) + ")";

// The ended sagas' spans, from PostgreSQL or from the SQLite file.
std::vector<Span> ended_spans(const std::string& url) {
  std::vector<Span> out;
  if (url.starts_with("postgresql://")) {
    auto c = pg::Connection::open(url);
    if (!c) return out;
    auto rows = (*c)->exec("bench", kEndedSql);
    for (int r = 0; rows && r < rows->size(); ++r) {
      out.emplace_back(rows->get_int(r, 0), rows->get_int(r, 1));
    }
    return out;
  }
  try {
    SQLite::Database db(url, SQLite::OPEN_READONLY, 5'000);
    SQLite::Statement q(db, kEndedSql);
    while (q.executeStep()) out.emplace_back(q.getColumn(0).getInt64(), q.getColumn(1).getInt64());
  } catch (const std::exception&) {  // not created yet
  }
  return out;
}

std::string load_average() {
  std::ifstream in("/proc/loadavg");
  std::string one;
  in >> one;
  return one;
}

struct Figures {
  bool ok = false;
  double sagas_per_s = 0;
  double p50_ms = 0, p99_ms = 0;
};

// Runs `sagas` transfer sagas over `instances` engine processes on `url`; fills the figures
// (throughput from the spans, or percentiles when `paced`).
Figures run_once(const std::string& url, int instances, std::int64_t sagas, Millis interval) {
  std::string pattern = "/tmp/saga_bench_XXXXXX";
  if (mkdtemp(pattern.data()) == nullptr) return {};
  const std::string dir = pattern;
  std::vector<pid_t> pids;
  const std::int64_t share = (sagas + instances - 1) / instances;
  for (int k = 0; k < instances; ++k) {
    const pid_t pid = fork();
    if (pid == 0) {
      transfer::EngineInstance in{k, url, dir, Millis{10'000}};
      in.first_order = k * share + 1;
      in.orders = std::max<std::int64_t>(0, std::min(share, sagas - k * share));
      in.start_interval = interval * instances;  // the same offered rate in total
      transfer::run_engine_instance(in);
    }
    pids.push_back(pid);
  }
  Figures f;
  {
    auto bank = transfer::open_bank("ipc://" + dir + "/bank.sock", dir + "/bank.db");
    auto shipping = transfer::open_shipping("ipc://" + dir + "/shipping.sock", dir + "/ship.db");
    if (bank && shipping) {
      transfer::Serving b(std::move(bank)), s(std::move(shipping));
      std::vector<Span> spans;
      for (int tick = 0; tick < 3'000 && static_cast<std::int64_t>(spans.size()) < sagas;
           ++tick) {  // at most 300 s
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
        spans = ended_spans(url);
      }
      f.ok = static_cast<std::int64_t>(spans.size()) == sagas;
      if (f.ok) {
        std::int64_t first = spans[0].first, last = spans[0].second;
        std::vector<std::int64_t> took;
        for (const Span& span : spans) {
          first = std::min(first, span.first);
          last = std::max(last, span.second);
          took.push_back(span.second - span.first);
        }
        std::sort(took.begin(), took.end());
        f.sagas_per_s = static_cast<double>(sagas) * 1000.0 /
                        static_cast<double>(std::max<std::int64_t>(1, last - first));
        f.p50_ms = static_cast<double>(took[took.size() / 2]);
        f.p99_ms = static_cast<double>(took[took.size() * 99 / 100]);
      }
    }
  }
  for (pid_t pid : pids) {
    if (kill(pid, SIGKILL) == 0) waitpid(pid, nullptr, 0);
  }
  std::error_code ignored;
  std::filesystem::remove_all(dir, ignored);
  return f;
}

}  // namespace

int main(int argc, char** argv) {
  std::int64_t sagas = 600, paced = 100, interval_ms = 50;
  for (int i = 1; i < argc; i += 2) {
    const std::string flag = argv[i];
    const bool ok =
        i + 1 < argc &&
        (flag == "--sagas"         ? scale_out::positive_number(argv[i + 1], sagas)
         : flag == "--paced"       ? scale_out::positive_number(argv[i + 1], paced)
         : flag == "--interval-ms" ? scale_out::positive_number(argv[i + 1], interval_ms)
                                   : false);
    if (!ok) {
      std::fprintf(stderr, "usage: scale_out_bench [--sagas N] [--paced N] [--interval-ms MS]\n");
      return 2;
    }
  }
  auto started = test::PgCluster::start(/*fsync=*/true);
  if (!started) {
    std::fprintf(stderr, "scale_out_bench: %s\n", started.status().to_string().c_str());
    return 1;
  }
  std::unique_ptr<test::PgCluster> cluster(started.value());
  std::printf(
      "transfer saga (3 steps), burst of %lld sagas for throughput, %lld sagas paced at one per "
      "%lld ms (all instances together) for latency; %u cores\n\n",
      static_cast<long long>(sagas), static_cast<long long>(paced),
      static_cast<long long>(interval_ms), std::thread::hardware_concurrency());
  std::printf("%-22s %12s %9s %9s %8s\n", "store", "sagas/s", "p50 ms", "p99 ms", "load");
  int failures = 0;
  struct Config {
    std::string name;
    int instances;
  };
  const Config configs[] = {{"sqlite", 1}, {"postgresql", 1}, {"postgresql", 2}, {"postgresql", 3}};
  int n = 0;
  for (const Config& c : configs) {
    auto database_url = [&]() -> std::string {
      if (c.name == "sqlite") {
        std::filesystem::create_directories("/tmp/saga_bench_sqlite");
        const std::string file = "/tmp/saga_bench_sqlite/engine-" + std::to_string(n++) + ".db";
        std::filesystem::remove(file);
        return file;
      }
      auto db = cluster->create_database("bench_" + std::to_string(n++));
      return db ? *db : std::string();
    };
    const std::string load = load_average();
    const Figures burst = run_once(database_url(), c.instances, sagas, Millis{0});
    const Figures calm = run_once(database_url(), c.instances, paced, Millis{interval_ms});
    const std::string label =
        c.name + ", " + std::to_string(c.instances) + " instance" + (c.instances > 1 ? "s" : "");
    if (!burst.ok || !calm.ok) {
      std::printf("%-22s  FAILED (not every saga ended within 300 s)\n", label.c_str());
      ++failures;
      continue;
    }
    std::printf("%-22s %12.0f %9.0f %9.0f %8s\n", label.c_str(), burst.sagas_per_s, calm.p50_ms,
                calm.p99_ms, load.c_str());
    std::fflush(stdout);
  }
  std::error_code ignored;
  std::filesystem::remove_all("/tmp/saga_bench_sqlite", ignored);
  return failures == 0 ? 0 : 1;
}
