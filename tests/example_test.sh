#!/usr/bin/env bash
# Installs SessionKeeper into a temporary prefix, builds examples/hello_session
# against the installed package (find_package), and runs it against the test
# ZooKeeper: a session created by one process is read by another.
set -euo pipefail
: "${SK_BUILD_DIR:?}" "${SK_SOURCE_DIR:?}" "${SK_TEST_ZK_DIR:?}"

# A sanitizer build's library needs its runtime in the program too.
san_flags=()
if [ -n "${SK_SANITIZE:-}" ]; then
  san_flags=("-fsanitize=$SK_SANITIZE")
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
prefix="$work/prefix"

cmake --install "$SK_BUILD_DIR" --prefix "$prefix" >/dev/null
test -f "$prefix/include/sessionkeeper/session_manager.h"
test -f "$prefix/lib/pkgconfig/sessionkeeper.pc" || test -f "$prefix"/lib/*/pkgconfig/sessionkeeper.pc
echo "installed into $prefix"

# pkg-config works from the relocated prefix too.
pc_dir=$(dirname "$(find "$prefix" -name sessionkeeper.pc | head -1)")
# shellcheck disable=SC2046
g++ -std=c++20 "${san_flags[@]}" "$SK_SOURCE_DIR/examples/hello_session/main.cc" \
  $(PKG_CONFIG_PATH="$pc_dir" pkg-config --cflags --libs sessionkeeper) \
  -o "$work/hello_pc"
echo "built with pkg-config"

cmake -S "$SK_SOURCE_DIR/examples/hello_session" -B "$work/build" \
  -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_CXX_FLAGS="${san_flags[*]}" >/dev/null
cmake --build "$work/build" >/dev/null
app="$work/build/hello_session"
export LD_LIBRARY_PATH="$prefix/lib:$(ls -d "$prefix"/lib/*/ 2>/dev/null | tr '\n' ':')${LD_LIBRARY_PATH:-}"

zk=$("$SK_SOURCE_DIR/zk-config/zkctl" --dir "$SK_TEST_ZK_DIR" connect-string)
id=$("$app" "$zk" create alice cart=3-items)
echo "process 1 created $id"
out=$("$app" "$zk" get "$id")
echo "process 2 read:"; echo "$out"
grep -qx "attribute cart=3-items" <<<"$out"
grep -qx "principal alice" <<<"$out"
"$app" "$zk" set "$id" cart=4-items | grep -qx "attribute cart=4-items"
"$app" "$zk" invalidate "$id"
if "$app" "$zk" get "$id" 2>/dev/null; then
  echo "session still readable after invalidate" >&2
  exit 1
fi
echo "1 passed, 0 failed"
