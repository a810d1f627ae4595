#!/usr/bin/env bash
# scripts/bench.sh --compare REF: builds create_order_bench and recovery_bench at commit REF (a
# detached worktree under build/, its own build folder) and runs them and the working tree's
# binaries interleaved, ref then head, REPS times per configuration, so that both see the same
# minute of a shared machine. The load average is printed before each pair. The configurations:
# create_order_bench at W=1, at W=4096 on threads and with --processes (all FULL), and
# recovery_bench with K=100000 in flight (memory per saga, time to resume). Summary:
# scripts/bench_compare.py.
#
#   scripts/bench_compare.sh REF REPS HEAD_BENCH_DIR OUT_DIR   (called by scripts/bench.sh)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ref="$1" reps="$2" head_dir="$3" out="$4"
sha="$(git -C "$root" rev-parse --verify --short "$ref^{commit}")" || {
  echo "bench --compare: $ref is not a commit" >&2
  exit 2
}
src="$root/build/compare-src-$sha"
ref_build="$root/build/compare-build-$sha"
if [ ! -d "$src" ]; then
  git -C "$root" worktree add --detach "$src" "$sha" >/dev/null
fi
if [ ! -f "$ref_build/build.ninja" ]; then
  launcher=()
  command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
  cmake -S "$src" -B "$ref_build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo "${launcher[@]}" \
    >/dev/null
fi
cmake --build "$ref_build" --parallel "$(nproc)" --target create_order_bench recovery_bench
ref_dir="$ref_build/bench"

results="$out/compare-$sha-$(date -u +%Y%m%dT%H%M%S)"
mkdir -p "$results"
echo "ref $sha ($ref_dir) against head $(git -C "$root" rev-parse --short HEAD)$(
  git -C "$root" diff --quiet HEAD || echo '+changes') ($head_dir); results in $results"
# name, program and arguments of each configuration
configs=(
  "w1_full|create_order_bench --w 1 --reps 1"
  "w4096_full_threads|create_order_bench --w 4096 --reps 1"
  "w4096_full_processes|create_order_bench --w 4096 --processes --reps 1"
  "recovery_k100000|recovery_bench --k 100000 --skip-complete"
)
for rep in $(seq 1 "$reps"); do
  for entry in "${configs[@]}"; do
    name="${entry%%|*}"
    read -r -a args <<<"${entry#*|}"
    program="${args[0]}"
    args=("${args[@]:1}")
    echo "rep $rep/$reps $name ($(uptime | sed 's/.*load average/load average/'))"
    # Alternate which side goes first, so neither always gets the warmer minute.
    sides=(ref head)
    [ $((rep % 2)) = 0 ] && sides=(head ref)
    for side in "${sides[@]}"; do
      dir="$ref_dir"
      [ "$side" = head ] && dir="$head_dir"
      "$dir/$program" "${args[@]}" --json "$results/$name.$side.$rep.json" >/dev/null
    done
  done
done
python3 "$root/scripts/bench_compare.py" "$results" | tee "$results/summary.txt"
