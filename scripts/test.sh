#!/usr/bin/env bash
# Builds everything and runs the whole test suite (unit, integration, fault) with ctest; then
# builds the library, the DSL and the unit tests with clang too (a second build directory,
# build-clang, warnings as errors) and runs the unit tests there; then builds the libFuzzer
# targets (build-fuzz) and runs each on its seed corpus for SAGA_FUZZ_SECONDS (15 s each,
# about a minute; ctest label fuzz, docs/testing.md).
# Arguments are passed to scripts/build.sh as CMake options (the GCC build only).
# SAGA_CLANG=0 skips the clang runs (unit tests and fuzzing); SAGA_FUZZ=0 skips the fuzzing.
# The GCC and clang test builds are -O2 without debug info: the same code as RelWithDebInfo
# (-g does not change what is generated) at about two thirds of the compile time, which is
# most of this command's run. Build with scripts/build.sh for a debuggable tree.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${SAGA_BUILD_DIR:-$root/build}"
test_build_type=(-DCMAKE_BUILD_TYPE=Release "-DCMAKE_CXX_FLAGS_RELEASE=-O2 -DNDEBUG")

"$root/scripts/build.sh" "${test_build_type[@]}" "$@"
(cd "$build" && ctest --output-on-failure --parallel "$(nproc)" --timeout 600)

[ "${SAGA_CLANG:-1}" = 0 ] && exit 0
# The supported compilers are GCC 12 and clang 14 (Debian's): the second only for what an
# embedder compiles (headers, DSL, test toolkit) and the unit tests, to keep the run short.
clang_build="${SAGA_CLANG_BUILD_DIR:-$root/build-clang}"
clang_cxx="$(command -v clang++-14 || command -v clang++)"
if [ ! -f "$clang_build/build.ninja" ]; then
  cmake -S "$root" -B "$clang_build" -G Ninja "${test_build_type[@]}" \
    -DCMAKE_CXX_COMPILER="$clang_cxx" -DSAGA_WERROR=ON >/dev/null
fi
cmake --build "$clang_build" --parallel "$(nproc)" --target saga_unit_tests saga_dsl_tests \
  saga_toolkit_tests book_trip_tests dsl_examples_print ftgo_asyncapi
# The unit label without the workshop's checks (their binaries are not built here).
(cd "$clang_build" && ctest -L unit -LE workshop --output-on-failure --parallel "$(nproc)" \
  --timeout 600)

[ "${SAGA_FUZZ:-1}" = 0 ] && exit 0
# libFuzzer targets in a build directory of their own: every target there is built with
# coverage instrumentation and ASan/UBSan (top-level CMakeLists.txt, SAGA_FUZZ).
fuzz_build="${SAGA_FUZZ_BUILD_DIR:-$root/build-fuzz}"
if [ ! -f "$fuzz_build/build.ninja" ]; then
  cmake -S "$root" -B "$fuzz_build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_CXX_COMPILER="$clang_cxx" -DSAGA_WERROR=ON -DSAGA_FUZZ=ON \
    -DSAGA_FUZZ_SECONDS="${SAGA_FUZZ_SECONDS:-15}" -DSAGA_BUILD_TESTS=OFF \
    -DSAGA_BUILD_EXAMPLES=OFF >/dev/null
fi
cmake --build "$fuzz_build" --parallel "$(nproc)" --target envelope_fuzz body_codec_fuzz \
  participant_command_fuzz registry_fuzz
# One at a time: each uses a core, and the time budget is per target.
(cd "$fuzz_build" && ctest -L fuzz --output-on-failure)
