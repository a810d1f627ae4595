#!/usr/bin/env bash
# Installs missing packages, configures once, and builds incrementally into ./build.
# Extra arguments are CMake -D options (e.g. -DSAGA_WERROR=ON); they are re-applied each run.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${SAGA_BUILD_DIR:-$root/build}"

"$root/scripts/deps.sh"

if [ ! -f "$build/build.ninja" ] || [ $# -gt 0 ]; then
  cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" >/dev/null
fi
cmake --build "$build" --parallel "$(nproc)"
