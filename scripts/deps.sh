#!/usr/bin/env bash
# Installs the Debian 12 packages the build and the tests need, only those missing.
# Safe to run again: it does nothing when everything is installed.
set -euo pipefail

packages=(
  cmake g++ clang ninja-build pkg-config
  libclang-rt-14-dev  # libFuzzer and the sanitizer runtimes of clang-14 (tests/fuzz)
  libsqlitecpp-dev libsqlite3-dev sqlite3
  cppzmq-dev libzmq3-dev
  libcereal-dev rapidjson-dev
  libspdlog-dev libfmt-dev libcli11-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  python3 python3-zmq python3-jsonschema make
  graphviz
  libcpp-httplib-dev                          # saga::admin, the admin HTTP server
  chromium chromium-driver python3-selenium   # the console's browser tests (label browser)
  libpq-dev postgresql                        # the PostgreSQL store backend and its tests (label postgres)
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

sudo=()
[ "$(id -u)" -eq 0 ] || sudo=(sudo)
echo "deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
