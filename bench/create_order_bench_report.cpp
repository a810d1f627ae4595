// The output of create_order_bench: the table, the ceilings and the JSON file (--json).
#include <cstdio>
#include <fstream>
#include <string>

#include "create_order_bench.h"

namespace create_order_bench {

void print_table(const Options& o, const std::vector<Row>& rows) {
  std::printf(
      "Create Order saga%s, %s, synchronous=%s, %zu finished sagas in the store, %zu repetitions "
      "(median [min..max])\n",
      o.delivery   ? " (version 5: parallel groups and the Delivery child saga)"
      : o.parallel ? " (version 3: parallel groups)"
                   : "",
      o.processes ? "participants in child processes" : "participants on threads",
      o.synchronous == saga::Synchronous::kFull ? "FULL" : "NORMAL", o.finished, o.reps);
  std::printf("%6s %6s  %-24s %-24s %-24s %-24s %-22s %-18s %-18s %-16s\n", "W", "N", "sagas/s",
              "p50 ms", "p90 ms", "p99 ms", "CPU us/saga", "commits/saga", "order rows/commit",
              "RSS MiB");
  for (const Row& r : rows) {
    auto cell = [&](const char* m, const char* fmt) {
      const Stat& s = r.stats.at(m);
      char text[64];
      std::snprintf(text, sizeof text, fmt, s.median, s.min, s.max);
      return std::string(text);
    };
    std::printf("%6zu %6zu  %-24s %-24s %-24s %-24s %-22s %-18s %-18s %-16s\n", r.w, r.n,
                cell("sagas_per_s", "%.0f [%.0f..%.0f]").c_str(),
                cell("p50_ms", "%.2f [%.2f..%.2f]").c_str(),
                cell("p90_ms", "%.2f [%.2f..%.2f]").c_str(),
                cell("p99_ms", "%.2f [%.2f..%.2f]").c_str(),
                cell("cpu_us_per_saga", "%.0f [%.0f..%.0f]").c_str(),
                cell("commits_per_saga", "%.2f [%.2f..%.2f]").c_str(),
                cell("orders_per_commit", "%.1f [%.1f..%.1f]").c_str(),
                cell("rss_mib", "%.0f [%.0f..%.0f]").c_str());
    if (r.not_completed > 0) std::printf("        (%zu sagas did not complete)\n", r.not_completed);
  }
}

std::string load_average() {
  std::ifstream in("/proc/loadavg");
  std::string a, b, c;
  in >> a >> b >> c;
  return a + " " + b + " " + c;
}

void print_parallel_comparison(const std::vector<Row>& sequential, const std::vector<Row>& parallel,
                               const std::string& load_before) {
  std::printf("\nCreate Order, sequential (version 2) vs parallel groups (version 3): p50 ms\n");
  std::printf("  load average before: %s, after: %s (a shared machine inflates both alike)\n",
              load_before.c_str(), load_average().c_str());
  std::printf("%6s  %-14s %-14s %s\n", "W", "sequential", "parallel", "parallel/sequential");
  for (std::size_t i = 0; i < sequential.size() && i < parallel.size(); ++i) {
    const double s = sequential[i].stats.at("p50_ms").median;
    const double p = parallel[i].stats.at("p50_ms").median;
    std::printf("%6zu  %-14.2f %-14.2f %.2f\n", sequential[i].w, s, p, s > 0 ? p / s : 0.0);
  }
}

void print_ceilings(const Ceilings& c, const std::vector<Row>& rows) {
  std::printf("\nCeilings on this machine\n");
  std::printf("  SQLite single-row commits/s:       %.0f\n", c.full_commits_per_s);
  std::printf("  SQLite median commit (one row):    %.3f ms\n", c.commit_ms_median);
  std::printf("  SQLite inserts/s in one txn:       %.0f\n", c.batched_inserts_per_s);
  std::printf("  ZeroMQ tcp round trips/s (1 i.f.): %.0f\n", c.zmq_round_trips_per_s);
  std::printf("  codec encode+decode per message:   %.2f us\n", c.codec_us_per_message);
  const double serial = serial_ceiling(c);
  const double batched = batched_ceiling(c);
  std::printf("  implied 6-step saga ceiling, serial (W=1): %.0f sagas/s\n", serial);
  std::printf("  implied 6-step saga ceiling, batched:      %.0f sagas/s\n", batched);
  for (const Row& r : rows) {
    const double rate = r.stats.at("sagas_per_s").median;
    std::printf(
        "  W=%zu: measured %.0f sagas/s = %.3f of the serial, %.4f of the batched ceiling\n", r.w,
        rate, rate / serial, rate / batched);
  }
}

void print_floor(const Ceilings& c, const std::vector<Row>& rows) {
  for (const Row& r : rows) {
    if (r.w != 1) continue;
    const double floor = durable_floor_ms(c, r);
    const double p50 = r.stats.at("p50_ms").median;
    std::printf(
        "\nA single saga (W=1) against its durable floor (load %s)\n"
        "  floor: %.2f syncs per saga x %.3f ms (their median, this run) + 5 round trips x "
        "%.3f ms + codec = %.2f ms\n"
        "  p50:   %.2f ms = %.2f x the floor (target: at most 1.5)\n"
        "  (the syncs took %.2f ms per saga in all: their tail is part of the p50, not the "
        "floor)\n",
        load_average().c_str(), r.stats.at("syncs_per_saga").median,
        r.stats.at("sync_ms_median").median, c.round_trip_ms_median, floor, p50,
        floor > 0 ? p50 / floor : 0.0, r.stats.at("sync_ms_per_saga").median);
  }
}

void write_json(const Options& o, const std::vector<Row>& rows, const std::optional<Ceilings>& c) {
  std::ofstream out(o.json);
  out << "{\n  \"synchronous\": \""
      << (o.synchronous == saga::Synchronous::kFull ? "full" : "normal")
      << "\",\n  \"processes\": " << (o.processes ? "true" : "false")
      << ",\n  \"finished_sagas_in_store\": " << o.finished << ",\n  \"repetitions\": " << o.reps
      << ",\n  \"warmup\": " << o.warmup << ",\n  \"runs\": [\n";
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const Row& r = rows[i];
    out << "    {\"w\": " << r.w << ", \"n\": " << r.n
        << ", \"not_completed\": " << r.not_completed;
    for (const auto& [name, s] : r.stats) {
      out << ", \"" << name << "\": {\"median\": " << s.median << ", \"min\": " << s.min
          << ", \"max\": " << s.max << "}";
    }
    if (c && r.w == 1 && !o.processes) {  // target 3: the p50 against the run's durable floor
      const double floor = durable_floor_ms(*c, r);
      out << ", \"floor_ms\": " << floor
          << ", \"p50_over_floor\": " << (floor > 0 ? r.stats.at("p50_ms").median / floor : 0.0);
    }
    out << "}" << (i + 1 < rows.size() ? "," : "") << "\n";
  }
  out << "  ]";
  if (c) {
    out << ",\n  \"ceilings\": {\"sqlite_commits_per_s\": " << c->full_commits_per_s
        << ", \"sqlite_batched_inserts_per_s\": " << c->batched_inserts_per_s
        << ", \"zmq_round_trips_per_s\": " << c->zmq_round_trips_per_s
        << ", \"codec_us_per_message\": " << c->codec_us_per_message
        << ", \"commit_ms_median\": " << c->commit_ms_median
        << ", \"round_trip_ms_median\": " << c->round_trip_ms_median
        << ", \"saga_ceiling_serial_per_s\": " << serial_ceiling(*c)
        << ", \"saga_ceiling_batched_per_s\": " << batched_ceiling(*c) << "}";
  }
  out << "\n}\n";
}

}  // namespace create_order_bench
