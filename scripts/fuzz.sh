#!/usr/bin/env bash
# Builds the libFuzzer targets (fuzz/) with clang into build-fuzz/ and runs
# each for SECONDS (default 60) from its committed seed corpus, under
# AddressSanitizer and UndefinedBehaviorSanitizer. Fails when a target
# crashes, leaks, hits undefined behaviour, times out on one input or breaks
# one of its checks; the input that did it is saved as
# build-fuzz/artifacts/<target>-crash-<sha1> (reproduce:
# build-fuzz/fuzz/fuzz_<target> FILE).
#
#   scripts/fuzz.sh [SECONDS] [TARGET...]
#
# Targets: session_record meta_member json_body http_route (all by default).
# New inputs the fuzzer finds go to build-fuzz/corpus/<target>/, never into
# the committed fuzz/corpus/<target>/. Needs clang and libclang-rt-14-dev
# (scripts/setup.sh installs them).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"

SECONDS_EACH="${1:-60}"
[ $# -gt 0 ] && shift
TARGETS=(session_record meta_member json_body http_route)
[ $# -gt 0 ] && TARGETS=("$@")
BUILD_DIR="${FUZZ_BUILD_DIR:-build-fuzz}"

launcher=()
if command -v ccache >/dev/null; then
  export CCACHE_BASEDIR="$ROOT"
  launcher=(-DCMAKE_C_COMPILER_LAUNCHER=ccache
    -DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
fi
cmake -S . -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ \
  -DSK_FUZZ=ON -DSK_BUILD_TESTS=OFF -DSK_BUILD_BENCH=OFF \
  "${launcher[@]}" >/dev/null
cmake --build "$BUILD_DIR" -j "$(nproc)" --target fuzzers

mkdir -p "$BUILD_DIR/artifacts"
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"

failed=()
for target in "${TARGETS[@]}"; do
  binary="$BUILD_DIR/fuzz/fuzz_$target"
  seeds="fuzz/corpus/$target"
  work="$BUILD_DIR/corpus/$target"
  log="$BUILD_DIR/fuzz-$target.log"
  [ -x "$binary" ] || { echo "fuzz: no target $target" >&2; exit 2; }
  mkdir -p "$work"
  args=(-max_total_time="$SECONDS_EACH" -timeout=10 -rss_limit_mb=2048
    -print_final_stats=1 -artifact_prefix="$BUILD_DIR/artifacts/$target-")
  [ -f "fuzz/dict/$target.dict" ] && args+=(-dict="fuzz/dict/$target.dict")
  # The first directory receives new inputs; the seeds are only read.
  if "$binary" "${args[@]}" "$work" "$seeds" >"$log" 2>&1; then
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
    done_line=$(grep -E '^#[0-9]+[[:space:]]+DONE' "$log" | tail -1 || true)
    echo "fuzz: $target ok: ${runs:-?} runs in ${SECONDS_EACH}s; ${done_line#*DONE   }"
  else
    echo "fuzz: $target FAILED (full log: $log)" >&2
    grep -E 'ERROR|FUZZ_CHECK|runtime error|SUMMARY|Test unit written' "$log" >&2 || true
    tail -n 40 "$log" >&2
    failed+=("$target")
  fi
done

if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz: ${#failed[@]} target(s) failed: ${failed[*]}" >&2
  exit 1
fi
echo "fuzz: ${#TARGETS[@]} passed, 0 failed"
