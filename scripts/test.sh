#!/usr/bin/env bash
# Sets everything up and runs every test: installs packages, builds, and runs
# CTest (which starts the ZooKeeper servers the tests need). Any server a
# crashed test left behind is stopped on the way out.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"

bash scripts/setup.sh
bash scripts/build.sh

# Tests create their private servers under TMPDIR; keep that inside the
# build tree so cleanup knows exactly what this run started.
export TMPDIR="$ROOT/build/test-tmp"
rm -rf "$TMPDIR"
mkdir -p "$TMPDIR"

cleanup() {
  for dir in "$TMPDIR"/sk-zk-* "$ROOT/build/test-zk"; do
    [ -f "$dir/state" ] && "$ROOT/zk-config/zkctl" --dir "$dir" stop >/dev/null 2>&1 || true
  done
}
trap cleanup EXIT

cd build
ctest -j "$(nproc)" --output-on-failure --timeout 300 "$@"
