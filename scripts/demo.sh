#!/usr/bin/env bash
# Builds what is needed and runs the Create Order demo. Arguments go to the demo program
# (for example: --orders 1000, or --processes).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${SAGA_BUILD_DIR:-$root/build}"

"$root/scripts/deps.sh"
if [ ! -f "$build/build.ninja" ]; then
  cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
fi
cmake --build "$build" --parallel "$(nproc)" --target create_order_demo
exec "$build/examples/create_order/create_order_demo" "$@"
