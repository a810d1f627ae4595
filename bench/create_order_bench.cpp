// End-to-end benchmark of the Create Order saga (issue 8): the real engine, the real ZeroMQ
// transport over tcp://127.0.0.1 and the example's four participant services, each with its own
// SQLite database (durable inbox, WAL, synchronous FULL unless --synchronous normal).
//
// Closed loop: W sagas in flight; a new order is placed as soon as one ends. Each repetition
// starts from empty databases in a fresh temp dir, runs a warm-up, then N measured sagas.
// Reports sagas/s, latency p50/p90/p99 (order insert to the engine's on_end), CPU seconds per
// saga (getrusage of this process, plus the children's /proc times with --processes) and engine
// commits per saga, as medians over the repetitions with min and max. --ceilings measures what
// the building blocks can do on this machine (SQLite FULL commits, batched inserts, ZeroMQ round
// trips, codec) and the implied ceiling for a 6-step saga. Whenever W=1 runs, its p50 is printed
// beside its durable floor: the SQLite syncs a saga made in the run times their median duration,
// timed by bench::SyncTimer, plus its round trips (issue 23, target 3; threads only).
//
//   create_order_bench [--w 1,16,256] [--n N] [--reps R] [--warmup N]
//                      [--synchronous full|normal] [--processes] [--ceilings] [--json FILE]
//                      [--finished F] [--parallel | --compare-parallel | --delivery]
//                      [--sqlite-memstatus]
// --parallel measures Create Order version 3 (parallel groups) instead of version 2;
// --compare-parallel measures both and prints their p50 side by side, with the load average.
// --delivery measures Create Order version 5 (version 3 with the Delivery child saga).
//
// --sqlite-memstatus keeps SQLite's allocation statistics on (Debian's default; the demo and
// this bench turn them off, saga/sqlite_process.h), to measure what that costs.
//
// --finished F: F completed sagas already in the engine's store (growth); RSS is reported
// either way.
//
// The parts: create_order_bench_run.cpp (the runs), create_order_bench_ceilings.cpp,
// create_order_bench_report.cpp (the output).
#include "create_order_bench.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "bench_support.h"
#include "saga/sqlite_process.h"
#include "service_host.h"
#include "sync_timer.h"

namespace create_order_bench {

[[noreturn]] void die(const std::string& what) {
  std::fprintf(stderr, "create_order_bench: %s\n", what.c_str());
  std::exit(2);
}

}  // namespace create_order_bench

namespace {

using namespace create_order_bench;
using bench::parse_list;

int usage() {
  std::fprintf(stderr,
               "usage: create_order_bench [--w 1,16,256] [--n N] [--reps R] [--warmup N]\n"
               "                          [--synchronous full|normal] [--processes] [--ceilings]\n"
               "                          [--json FILE] [--finished F] [--parallel | "
               "--compare-parallel | --delivery]\n"
               "                          [--sqlite-memstatus]\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  Options o;
  std::string service;
  std::string bind;
  std::string db;
  bool memstatus = false;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= args.size()) std::exit(usage());
      return args[++i];
    };
    if (a == "--w") {
      o.w = parse_list(value());
    } else if (a == "--n") {
      o.n = std::stoul(value());
    } else if (a == "--reps") {
      o.reps = std::max<std::size_t>(1, std::stoul(value()));
    } else if (a == "--warmup") {
      o.warmup = std::stoul(value());
    } else if (a == "--synchronous") {
      const std::string s = value();
      if (s != "full" && s != "normal") return usage();
      o.synchronous = s == "full" ? saga::Synchronous::kFull : saga::Synchronous::kNormal;
    } else if (a == "--processes") {
      o.processes = true;
    } else if (a == "--ceilings") {
      o.ceilings = true;
    } else if (a == "--parallel") {
      o.parallel = true;
    } else if (a == "--delivery") {
      o.parallel = true;
      o.delivery = true;
    } else if (a == "--compare-parallel") {
      o.compare_parallel = true;
    } else if (a == "--sqlite-memstatus") {
      memstatus = true;
    } else if (a == "--json") {
      o.json = value();
    } else if (a == "--finished") {
      o.finished = std::stoul(value());
    } else if (a == "--service") {  // child mode (--processes)
      service = value();
    } else if (a == "--bind") {
      bind = value();
    } else if (a == "--db") {
      db = value();
    } else {
      return usage();
    }
  }
  // As create_order_demo: SQLite's allocation statistics off, unless --sqlite-memstatus keeps
  // Debian's default (to compare).
  if (!memstatus) (void)saga::disable_sqlite_memory_statistics();
  if (o.delivery && o.compare_parallel) return usage();  // one variant against version 2
  if (!service.empty()) {
    auto kind = ftgo::parse_service_kind(service);
    if (!kind) return usage();
    return ftgo::run_service_process(*kind, ftgo::ServiceOptions{bind, db, nullptr, o.synchronous});
  }

  bench::SyncTimer::install();  // before any database opens
  std::optional<std::filesystem::path> template_dir;
  if (o.finished > 0) {
    template_dir = build_finished_template(o);
    o.template_db = (*template_dir / "orchestrator.db").string();
  }
  const std::string load_before = load_average();
  std::vector<Row> rows;
  for (std::size_t w : o.w) rows.push_back(measure(o, w));
  std::vector<Row> parallel_rows;
  Options parallel = o;
  parallel.parallel = true;
  if (o.compare_parallel) {
    for (std::size_t w : o.w) parallel_rows.push_back(measure(parallel, w));
  }
  if (template_dir) {
    std::error_code ignored;
    std::filesystem::remove_all(*template_dir, ignored);
  }
  print_table(o, rows);
  if (o.compare_parallel) {
    print_table(parallel, parallel_rows);
    print_parallel_comparison(rows, parallel_rows, load_before);
  }
  std::optional<Ceilings> ceilings;
  const bool single = !o.processes && std::find(o.w.begin(), o.w.end(), 1) != o.w.end();
  if (o.ceilings || single) ceilings = measure_ceilings(o.synchronous);
  if (o.ceilings) print_ceilings(*ceilings, rows);
  if (single) print_floor(*ceilings, rows);
  if (!o.json.empty()) write_json(o, rows, ceilings);
  return 0;
}
