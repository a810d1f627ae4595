#!/usr/bin/env bash
# Builds the benchmarks and runs every one of them (issue 8; docs/performance.md explains the
# figures). Prints the tables and writes JSON files, the machine and its load before each run
# into $SAGA_BENCH_OUT (default: build/bench-results). About 5 minutes on 2 cores.
#
#   scripts/bench.sh            # everything
#   scripts/bench.sh --quick    # fewer repetitions, no 1M-saga growth run (about 1.5 minutes)
#   scripts/bench.sh --compare REF [--reps R]
#                               # builds commit REF beside the working tree and runs both
#                               # sides' create_order_bench and recovery_bench interleaved
#                               # (ref, head, head, ref, ...) R times (default 5) per
#                               # configuration, then prints the medians side by side (about 3
#                               # minutes per repetition)
#
# Benchmarks are not tests: nothing here runs under ctest, and no figure is asserted.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${SAGA_BUILD_DIR:-$root/build}"
out="${SAGA_BENCH_OUT:-$build/bench-results}"
quick=0
compare=""
reps=""
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) quick=1 ;;
    --compare) compare="${2:?--compare needs a commit}"; shift ;;
    --reps) reps="${2:?--reps needs a number}"; shift ;;
    *) echo "usage: scripts/bench.sh [--quick] [--compare REF [--reps R]]" >&2; exit 2 ;;
  esac
  shift
done

"$root/scripts/deps.sh"
if [ ! -f "$build/build.ninja" ]; then
  cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
fi
cmake --build "$build" --parallel "$(nproc)" \
  --target create_order_bench recovery_bench engine_micro_bench codec_bench

mkdir -p "$out"
bin="$build/bench"
summary="$out/summary.txt"
{
  echo "date: $(date -u +%FT%TZ)"
  echo "commit: $(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)"
  echo "nproc: $(nproc)"
  grep -m1 'model name' /proc/cpuinfo || true
  grep -m1 MemTotal /proc/meminfo || true
  uname -sr
} | tee "$summary"

# Every run is preceded by the load average: the machine may be shared.
run() {
  local name="$1"
  shift
  printf '\n== %s (%s)\n$ %s\n' "$name" "$(uptime | sed 's/.*load average/load average/')" "$*" |
    tee -a "$summary"
  "$@" | tee -a "$summary"
}

if [ -n "$compare" ]; then
  exec "$root/scripts/bench_compare.sh" "$compare" "${reps:-5}" "$bin" "$out"
fi

reps="${reps:-3}"
[ "$quick" = 1 ] && reps=1
w="1,16,256,4096"
run e2e_full "$bin/create_order_bench" --w "$w" --reps "$reps" --ceilings --json "$out/full.json"
run e2e_processes "$bin/create_order_bench" --w "$w" --reps "$reps" --processes \
  --json "$out/processes.json"
run e2e_normal "$bin/create_order_bench" --w "$w" --reps "$reps" --synchronous normal \
  --ceilings --json "$out/normal.json"
if [ "$quick" = 1 ]; then
  run recovery "$bin/recovery_bench" --k 10000 --json "$out/recovery.json"
  growth="0 100000"
else
  run recovery "$bin/recovery_bench" --k 10000,100000 --json "$out/recovery.json"
  growth="0 100000 1000000"
fi
for f in $growth; do
  run "growth_$f" "$bin/create_order_bench" --w 256 --n 4000 --reps "$reps" --finished "$f" \
    --json "$out/growth_$f.json"
done
run engine_micro "$bin/engine_micro_bench" --benchmark_min_time=0.3 \
  --benchmark_out="$out/engine_micro.json" --benchmark_out_format=json
run codec "$bin/codec_bench" --benchmark_min_time=0.3 \
  --benchmark_out="$out/codec.json" --benchmark_out_format=json
echo "results in $out"
