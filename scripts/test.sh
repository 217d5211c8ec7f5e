#!/usr/bin/env bash
# Sets everything up and runs every test: installs packages, builds the test
# tree, runs CTest (which starts the ZooKeeper servers the tests need: a
# standalone server, and a 3-server ensemble per integration scenario), then
# every fuzz target for SK_FUZZ_SECONDS (default 30) each.
#
# The test tree is instrumented with AddressSanitizer and
# UndefinedBehaviorSanitizer (build-san/, -O0 -g1): every unit and
# integration test runs under them, and any report fails the run
# (docs/reliability.md, "Sanitizers"). One instrumented build instead of a
# plain one plus an instrumented one keeps CI within its time budget on 2
# cores. SK_TEST_BUILD=release runs the tests on the plain build (build/)
# instead; SK_FUZZ_SECONDS=0 skips fuzzing. Arguments go to CTest (e.g.
# -L integration, -R Lease). Any server a crashed test left behind is
# stopped on the way out.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"

bash scripts/setup.sh

launcher=()
if command -v ccache >/dev/null; then
  export CCACHE_BASEDIR="$ROOT"
  launcher=(-DCMAKE_C_COMPILER_LAUNCHER=ccache
    -DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
fi

if [ "${SK_TEST_BUILD:-sanitize}" = release ]; then
  build=build
  bash scripts/build.sh "${launcher[@]}"
else
  build=build-san
  # -O0 -g1: an instrumented -O2 -g build costs 3.5x the compile time, for
  # tests that mostly wait on ZooKeeper; -g1 keeps file:line in reports.
  # Benchmarks are not built (they measure the plain build).
  BUILD_DIR=build-san BUILD_TYPE=Debug bash scripts/build.sh \
    -DSK_SANITIZE=address,undefined -DSK_BUILD_BENCH=OFF \
    "-DCMAKE_CXX_FLAGS_DEBUG=-O0 -g1" "-DCMAKE_C_FLAGS_DEBUG=-O0 -g1" \
    "${launcher[@]}"
  # Reports of every instrumented process (tests, and the daemons, tools
  # and workers they start) go to files, so none is lost in a child's log.
  san_logs="$ROOT/build-san/sanitizer-logs"
  rm -rf "$san_logs"
  mkdir -p "$san_logs"
  export ASAN_OPTIONS="detect_leaks=1:log_path=$san_logs/asan:strict_string_checks=1:check_initialization_order=1:detect_stack_use_after_return=1"
  export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:log_path=$san_logs/ubsan"
  export LSAN_OPTIONS="suppressions=$ROOT/scripts/lsan.supp:print_suppressions=0"
fi

cleanup() {
  for dir in "$ROOT/$build/test-tmp"/sk-zk-* "$ROOT/$build/test-zk"; do
    [ -f "$dir/state" ] && "$ROOT/zk-config/zkctl" --dir "$dir" stop >/dev/null 2>&1 || true
  done
}
trap cleanup EXIT

failed=()
# Tests create their private servers under TMPDIR; keep that inside the
# build tree so cleanup knows exactly what this run started.
export TMPDIR="$ROOT/$build/test-tmp"
rm -rf "$TMPDIR"
mkdir -p "$TMPDIR"
(cd "$ROOT/$build" && ctest -j "$(nproc)" --output-on-failure --timeout 300 "$@") ||
  failed+=("tests")

if [ -n "${san_logs:-}" ]; then
  if compgen -G "$san_logs/*" >/dev/null; then
    echo "sanitizers reported errors (build-san/sanitizer-logs/):" >&2
    for report in "$san_logs"/*; do
      echo "=== $report" >&2
      head -n 60 "$report" >&2
    done
    failed+=("sanitizer reports")
  fi
  unset ASAN_OPTIONS UBSAN_OPTIONS LSAN_OPTIONS
fi

# Fuzzing, each target for a bounded time.
if [ "${SK_FUZZ_SECONDS:-30}" != 0 ]; then
  bash scripts/fuzz.sh "${SK_FUZZ_SECONDS:-30}" || failed+=("fuzzing")
fi

if [ ${#failed[@]} -gt 0 ]; then
  echo "test.sh: failed: ${failed[*]}" >&2
  exit 1
fi
echo "test.sh: all passed"
