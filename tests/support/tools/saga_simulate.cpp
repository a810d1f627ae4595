// saga_simulate: runs the FTGO simulation (simulation.h) over a range of seeds and prints every
// failing seed with its violations, then a summary. Exit status 1 when any seed failed.
//   saga_simulate --seeds 10000 --start 1 [--sagas 12] [--store-faults PER_MILLE] [--verbose]
// --store-faults: the seeded store fault kind (SimFaults::store_fault), with history replay.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "saga/testing/simulation.h"

int main(int argc, char** argv) {
  std::uint64_t seeds = 100;
  std::uint64_t start = 1;
  int sagas = 12;
  bool verbose = false;
  std::uint32_t store_faults = 0;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    const bool has_value = i + 1 < argc;
    if (arg == "--seeds" && has_value) {
      seeds = std::strtoull(argv[++i], nullptr, 10);
    } else if (arg == "--start" && has_value) {
      start = std::strtoull(argv[++i], nullptr, 10);
    } else if (arg == "--sagas" && has_value) {
      sagas = std::atoi(argv[++i]);
    } else if (arg == "--store-faults" && has_value) {
      store_faults = static_cast<std::uint32_t>(std::strtoul(argv[++i], nullptr, 10));
    } else if (arg == "--verbose") {
      verbose = true;
    } else {
      std::fprintf(stderr,
                   "usage: %s [--seeds N] [--start S] [--sagas K] [--store-faults PER_MILLE] "
                   "[--verbose]\n",
                   argv[0]);
      return 2;
    }
  }
  saga::testing::SimulationConfig config = saga::testing::ftgo_simulation_config();
  config.sagas = sagas;
  config.faults.store_fault = store_faults;
  config.check_history_replay = store_faults > 0;
  const auto began = std::chrono::steady_clock::now();  // reporting only; the runs use none
  std::uint64_t failed = 0;
  saga::testing::SimulationStats total;
  for (std::uint64_t seed = start; seed < start + seeds; ++seed) {
    saga::testing::SimulationResult r = saga::testing::simulate(config, seed);
    if (!r.ok()) ++failed;
    if (!r.ok() || verbose) std::printf("%s\n", r.summary().c_str());
    total += r.stats;
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - began).count();
  std::printf(
      "%llu seeds from %llu: %llu failed, %.1f s | sagas completed %llu, compensated %llu, "
      "operator retries %llu | orchestrator crashes %llu (%llu at crash points), participant "
      "crashes %llu, dropped %llu, duplicated %llu, pivot effects kept %llu\n",
      static_cast<unsigned long long>(seeds), static_cast<unsigned long long>(start),
      static_cast<unsigned long long>(failed), seconds,
      static_cast<unsigned long long>(total.completed),
      static_cast<unsigned long long>(total.compensated),
      static_cast<unsigned long long>(total.operator_retries),
      static_cast<unsigned long long>(total.orchestrator_crashes),
      static_cast<unsigned long long>(total.crash_points_hit),
      static_cast<unsigned long long>(total.participant_crashes),
      static_cast<unsigned long long>(total.dropped),
      static_cast<unsigned long long>(total.duplicated),
      static_cast<unsigned long long>(total.pivot_effects_kept));
  return failed == 0 ? 0 : 1;
}
