#!/usr/bin/env bash
# Sets everything up and runs SessionKeeper against an embedded default: a
# local standalone ZooKeeper on 127.0.0.1, started here and left running.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh
bash scripts/build.sh

ZK_DIR="${SK_ZK_DIR:-$PWD/.zk/standalone}"
connect=$(zk-config/zkctl --dir "$ZK_DIR" standalone connect-string 2>/dev/null || true)
if [ -n "$connect" ] && zk-config/zkctl --dir "$ZK_DIR" status 2>/dev/null | grep -q ' up '; then
  echo "ZooKeeper already running at $connect" >&2
else
  connect=$(zk-config/zkctl --dir "$ZK_DIR" standalone start)
fi

cat <<MSG
ZooKeeper is running on $connect (data and logs in $ZK_DIR).
  status:  zk-config/zkctl --dir $ZK_DIR status
  stop:    zk-config/zkctl --dir $ZK_DIR stop
  connect: any ZooKeeper client, e.g. connect string "$connect/sessionkeeper"
MSG
