// scale_out_demo: several orchestrator instances, each its own process, on one PostgreSQL
// database; one is killed with SIGKILL halfway and the others take its sagas over
// (docs/scale-out.md).
//
//   scale_out_demo [--store postgresql://...] [--instances N] [--orders N] [--lease-ms MS]
//                  [--kill 0|1] [--ship-delay-ms MS]
//
// Without --store it starts a throwaway PostgreSQL cluster (initdb + pg_ctl in a /tmp folder,
// unix socket only, as the `postgres` user when run as root) and removes it at the end. With
// --store the database must hold no earlier run's sagas (ids t-1, t-2, ...). The participants
// (bank, shipping) run in this process with their SQLite inboxes; instance k places every N-th
// share of the orders (the load balancer's part). With 2 or more instances the last one is
// killed once it has ended some sagas and still owns unfinished ones (--kill 0: none is; with
// --ship-delay-ms 0 the run measures throughput: the last line gives sagas per second). Exit 0 when
// every saga ended once as expected and every participant effect happened once.
#include <SQLiteCpp/SQLiteCpp.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <charconv>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "engine_instance.h"
#include "instance_watch.h"
#include "pg_cluster.h"
#include "saga/phase.h"
#include "serving.h"
#include "transfer_saga.h"

namespace {

using namespace saga;

}  // namespace

int main(int argc, char** argv) {
  std::string url;
  std::int64_t instances = 3, orders = 90, lease_ms = 3'000, kill_one = 1, ship_delay_ms = 10;
  for (int i = 1; i < argc; ++i) {
    const std::string flag = argv[i];
    const bool ok =
        i + 1 < argc &&
        (flag == "--store"           ? (url = argv[i + 1], true)
         : flag == "--instances"     ? scale_out::positive_number(argv[i + 1], instances)
         : flag == "--orders"        ? scale_out::positive_number(argv[i + 1], orders)
         : flag == "--lease-ms"      ? scale_out::positive_number(argv[i + 1], lease_ms)
         : flag == "--kill"          ? (kill_one = argv[i + 1][0] == '1', true)
         : flag == "--ship-delay-ms" ? (ship_delay_ms = std::atoll(argv[i + 1]), ship_delay_ms >= 0)
                                     : false);
    if (!ok) {
      std::fprintf(stderr,
                   "usage: scale_out_demo [--store postgresql://...] [--instances N] "
                   "[--orders N] [--lease-ms MS] [--kill 0|1] [--ship-delay-ms MS]\n");
      return 2;
    }
    ++i;
  }
  std::unique_ptr<test::PgCluster> cluster;
  if (url.empty()) {
    auto started = test::PgCluster::start();
    if (!started) {
      std::fprintf(stderr, "scale_out_demo: %s\n", started.status().to_string().c_str());
      return 1;
    }
    cluster.reset(started.value());
    auto db = cluster->create_database("scale_out");
    if (!db) return std::fprintf(stderr, "%s\n", db.status().to_string().c_str()), 1;
    url = *db;
    std::printf("no --store: started a throwaway PostgreSQL cluster in %s (unix socket only)\n",
                cluster->dir().c_str());
  }
  std::string pattern = "/tmp/saga_scale_XXXXXX";
  if (mkdtemp(pattern.data()) == nullptr) return 1;
  const std::string dir = pattern;
  std::printf("%lld orders over %lld orchestrator instances on %s (lease %lld ms)\n",
              static_cast<long long>(orders), static_cast<long long>(instances), url.c_str(),
              static_cast<long long>(lease_ms));
  std::fflush(stdout);
  std::vector<pid_t> pids;
  const std::int64_t share = (orders + instances - 1) / instances;
  for (int k = 0; k < instances; ++k) {
    const pid_t pid = fork();
    if (pid == 0) {
      transfer::EngineInstance in{k, url, dir, Millis{lease_ms}};
      in.first_order = k * share + 1;
      in.orders = std::max<std::int64_t>(0, std::min(share, orders - k * share));
      transfer::run_engine_instance(in);
    }
    pids.push_back(pid);
  }
  int exit_code = 1;
  {
    auto bank = transfer::open_bank("ipc://" + dir + "/bank.sock", dir + "/bank.db");
    auto shipping =
        transfer::open_shipping("ipc://" + dir + "/shipping.sock", dir + "/ship.db", Millis{10});
    if (!bank || !shipping) return std::fprintf(stderr, "participants failed\n"), 1;
    transfer::Serving serve_bank(std::move(bank)), serve_shipping(std::move(shipping));
    auto opened = scale_out::SagaWatch::open(url);
    if (!opened) return std::fprintf(stderr, "%s\n", opened.status().to_string().c_str()), 1;
    scale_out::SagaWatch& watch = **opened;
    const std::string victim = "engine-" + std::to_string(instances - 1);
    scale_out::Failover failover(pids.back(), victim,
                                 dir + "/started-" + std::to_string(instances - 1));
    const bool kills = kill_one && instances >= 2;
    const auto begin = std::chrono::steady_clock::now();
    for (int tick = 0; tick < 1'200; ++tick) {  // at most 120 s
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      const std::int64_t done = watch.ended();
      if (tick % 10 == 0)
        std::printf("%5.1f s %lld/%lld ended%s\n",
                    std::chrono::duration<double>(std::chrono::steady_clock::now() - begin).count(),
                    static_cast<long long>(done), static_cast<long long>(orders),
                    watch.owners_line().c_str());
      if (kills) failover.tick(watch);
      std::fflush(stdout);
      // Done; with a kill, once it was taken over (or when every saga ended before the kill).
      if (done == orders && (!kills || failover.taken_over() || !failover.killed())) break;
    }
    if (kills && !failover.killed()) {
      std::printf("no failover: every saga ended before %s could be killed\n", victim.c_str());
    }
    const std::int64_t completed = watch.in_phase(static_cast<int>(Phase::kCompleted));
    const std::int64_t compensated = watch.in_phase(static_cast<int>(Phase::kCompensated));
    const std::int64_t expect_compensated = orders / 5;
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - begin).count();
    std::printf(
        "ended: %lld completed, %lld compensated (shipping refuses every 5th order) in "
        "%.1f s: %.0f sagas/s\n",
        static_cast<long long>(completed), static_cast<long long>(compensated), seconds,
        static_cast<double>(completed + compensated) / seconds);
    exit_code =
        completed == orders - expect_compensated && compensated == expect_compensated ? 0 : 1;
  }
  for (pid_t pid : pids) {
    if (kill(pid, SIGKILL) == 0) waitpid(pid, nullptr, 0);
  }
  SQLite::Database bank(dir + "/bank.db", SQLite::OPEN_READONLY);
  SQLite::Database ship(dir + "/ship.db", SQLite::OPEN_READONLY);
  const int once = bank.execAndGet("SELECT count(*) FROM reservations WHERE runs = 1").getInt();
  const int twice = bank.execAndGet("SELECT count(*) FROM reservations WHERE runs > 1").getInt() +
                    ship.execAndGet("SELECT count(*) FROM shipments WHERE runs > 1").getInt();
  std::printf("participants: %d reservations made once, %d effects repeated\n", once, twice);
  if (once != orders || twice != 0) exit_code = 1;
  std::error_code ignored;
  std::filesystem::remove_all(dir, ignored);
  std::printf("%s\n",
              exit_code == 0 ? "OK: every saga ended once, every effect happened once" : "FAILED");
  return exit_code;
}
