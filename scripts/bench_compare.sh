#!/usr/bin/env bash
# scripts/bench.sh --compare REF: builds create_order_bench at commit REF (a detached worktree
# under build/, its own build folder) and runs it and the working tree's binary interleaved,
# ref then head, REPS times per configuration, so that both see the same minute of a shared
# machine. The load average is printed before each pair. Summary: scripts/bench_compare.py.
#
#   scripts/bench_compare.sh REF REPS HEAD_BINARY OUT_DIR   (called by scripts/bench.sh)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ref="$1" reps="$2" head_bin="$3" out="$4"
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
cmake --build "$ref_build" --parallel "$(nproc)" --target create_order_bench
ref_bin="$ref_build/bench/create_order_bench"

results="$out/compare-$sha-$(date -u +%Y%m%dT%H%M%S)"
mkdir -p "$results"
echo "ref $sha ($ref_bin) against head $(git -C "$root" rev-parse --short HEAD)$(
  git -C "$root" diff --quiet HEAD || echo '+changes') ($head_bin); results in $results"
# name and create_order_bench arguments of each configuration
configs=(
  "w1_full|--w 1"
  "w4096_full_threads|--w 4096"
  "w4096_full_processes|--w 4096 --processes"
)
for rep in $(seq 1 "$reps"); do
  for entry in "${configs[@]}"; do
    name="${entry%%|*}"
    read -r -a args <<<"${entry#*|}"
    echo "rep $rep/$reps $name ($(uptime | sed 's/.*load average/load average/'))"
    # Alternate which side goes first, so neither always gets the warmer minute.
    sides=(ref head)
    [ $((rep % 2)) = 0 ] && sides=(head ref)
    for side in "${sides[@]}"; do
      bin="$ref_bin"
      [ "$side" = head ] && bin="$head_bin"
      "$bin" "${args[@]}" --reps 1 --json "$results/$name.$side.$rep.json" >/dev/null
    done
  done
done
python3 "$root/scripts/bench_compare.py" "$results" | tee "$results/summary.txt"
