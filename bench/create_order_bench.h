// The Create Order end-to-end benchmark's parts (create_order_bench.cpp has the overview and
// main): the options, the result of one run and of one W, the building blocks' ceilings, and
// the functions each part offers the others.
#pragma once

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "saga/synchronous.h"

namespace create_order_bench {

using Clock = std::chrono::steady_clock;

struct Options {
  std::vector<std::size_t> w{1, 16, 256};
  std::optional<std::size_t> n;  // default: by W (see sagas_for)
  std::size_t reps = 3;
  std::size_t warmup = 20;
  saga::Synchronous synchronous = saga::Synchronous::kFull;
  bool processes = false;
  bool ceilings = false;
  bool parallel = false;          // --parallel: Create Order version 3 (parallel groups)
  bool compare_parallel = false;  // --compare-parallel: both variants, p50 side by side
  // --delivery: Create Order version 5 (version 3 with the Delivery child saga,
  // ftgo/delivery_saga.h); implies parallel. Each order's latency includes its child's steps.
  bool delivery = false;
  std::string json;
  std::size_t finished = 0;  // --finished: completed sagas already in the engine's store
  std::string template_db;   // the engine database holding them, copied before each run
};

[[noreturn]] void die(const std::string& what);

struct RunResult {
  double sagas_per_s = 0;
  double p50_ms = 0;
  double p90_ms = 0;
  double p99_ms = 0;
  double cpu_us_per_saga = 0;
  // CPU seconds per wall second, all processes: the cores the run kept busy. Against the
  // machine's cores, the fraction of its CPU ceiling (sagas/s is at that ceiling when this is
  // nproc: sagas/s = cores_used * 1e6 / cpu_us_per_saga).
  double cores_used = 0;
  // The engine's thread alone ("saga-engine"): its CPU per saga, and the fraction of the run's
  // wall time it was on a CPU. One thread decides, commits and sends for every saga, so it
  // bounds the throughput at 1e6 / engine_cpu_us_per_saga sagas/s, whatever the cores.
  double engine_cpu_us_per_saga = 0;
  double engine_busy = 0;
  double commits_per_saga = 0;
  double inputs_per_commit = 0;
  double orders_per_commit = 0;  // order rows per transaction of the Order service (group commit)
  double rss_mib = 0;            // VmRSS of this process at the end of the measured run
  // SQLite syncs (fsyncs with FULL) this process made during the measured run (bench::SyncTimer;
  // with --processes the participants' syncs happen in their own processes and are not counted).
  double syncs_per_saga = 0;
  double sync_ms_median = 0;
  double sync_ms_per_saga = 0;  // all those syncs' time, per saga
  // The kernel's view of every process of the run (bench::KernelCounters), per saga: voluntary
  // context switches (threads that blocked: the hand-offs) and read/write-class system calls.
  double switches_per_saga = 0;
  double syscalls_per_saga = 0;
  double written_kib_per_saga = 0;  // bytes written by every process (files, eventfds), in KiB
  std::size_t completed = 0;
  std::size_t not_completed = 0;  // compensated or failed: should be 0 (happy path)
};

struct Stat {
  double median = 0;
  double min = 0;
  double max = 0;
};

struct Row {
  std::size_t w = 0;
  std::size_t n = 0;
  std::map<std::string, Stat> stats;  // by metric name
  std::size_t not_completed = 0;
};

inline constexpr const char* kMetrics[] = {"sagas_per_s",
                                           "p50_ms",
                                           "p90_ms",
                                           "p99_ms",
                                           "cpu_us_per_saga",
                                           "cores_used",
                                           "engine_cpu_us_per_saga",
                                           "engine_busy",
                                           "commits_per_saga",
                                           "inputs_per_commit",
                                           "orders_per_commit",
                                           "rss_mib",
                                           "syncs_per_saga",
                                           "sync_ms_median",
                                           "sync_ms_per_saga",
                                           "switches_per_saga",
                                           "syscalls_per_saga",
                                           "written_kib_per_saga"};

struct Ceilings {
  double full_commits_per_s = 0;     // one single-row insert per transaction, FULL
  double batched_inserts_per_s = 0;  // inserts inside one transaction
  double zmq_round_trips_per_s = 0;  // DEALER/ROUTER ping-pong, 1 in flight
  double codec_us_per_message = 0;   // header encode + decode, one command
  double commit_ms_median = 0;       // one FULL (or NORMAL) commit: its median duration
  double round_trip_ms_median = 0;   // one ZeroMQ round trip: its median duration
};

// A single saga's durable floor (issue 23, target 3): at W=1 every sync is on the saga's critical
// path, so the floor is the syncs per saga times their median duration, both measured during
// the run itself, plus its command/reply round trips and its codec work.
double durable_floor_ms(const Ceilings& c, const Row& single);

// The sequential and the parallel variant's rows, W by W: p50 side by side, with the machine's
// load average (the runs share the machine; latencies are only comparable within one run).
void print_parallel_comparison(const std::vector<Row>& sequential, const std::vector<Row>& parallel,
                               const std::string& load_before);
std::string load_average();  // /proc/loadavg's first three fields

// --- the runs (create_order_bench_run.cpp) ----------------------------------------------------

// One repetition at W in flight, N measured sagas, from empty databases in a fresh temp dir.
RunResult run_once(const Options& o, std::size_t w, std::size_t n);
// `o.reps` repetitions at W: the median, min and max of each metric.
Row measure(const Options& o, std::size_t w);
// A temp dir whose orchestrator.db holds `o.finished` completed Create Order sagas.
std::filesystem::path build_finished_template(const Options& o);

// --- the ceilings (create_order_bench_ceilings.cpp) -------------------------------------------

Ceilings measure_ceilings(saga::Synchronous synchronous);
// The implied ceiling of a 6-step saga, serial (W=1) and batched, in sagas/s.
double serial_ceiling(const Ceilings& c);
double batched_ceiling(const Ceilings& c);

// --- the output (create_order_bench_report.cpp) -----------------------------------------------

void print_table(const Options& o, const std::vector<Row>& rows);
void print_ceilings(const Ceilings& c, const std::vector<Row>& rows);
// W=1's p50 beside its durable floor and their ratio (nothing when W=1 was not run).
void print_floor(const Ceilings& c, const std::vector<Row>& rows);
void write_json(const Options& o, const std::vector<Row>& rows, const std::optional<Ceilings>& c);

}  // namespace create_order_bench
