#!/usr/bin/env bash
# Builds everything and runs the whole test suite (unit, integration, fault) with ctest.
# Arguments are passed to scripts/build.sh as CMake options.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${SAGA_BUILD_DIR:-$root/build}"

"$root/scripts/build.sh" "$@"
cd "$build"
ctest --output-on-failure --parallel "$(nproc)" --timeout 600
