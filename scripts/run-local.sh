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

# sessionkeeperd against it, in the background.
LISTEN="${SK_LISTEN:-127.0.0.1:8080}"
RUN_DIR="$PWD/.zk"
mkdir -p "$RUN_DIR"
PID_FILE="$RUN_DIR/sessionkeeperd.pid"
if [ -f "$PID_FILE" ] && kill -0 "$(cat "$PID_FILE")" 2>/dev/null; then
  echo "sessionkeeperd already running (pid $(cat "$PID_FILE"))" >&2
else
  nohup build/src/server/sessionkeeperd --zk="$connect" --listen="$LISTEN" \
    >"$RUN_DIR/sessionkeeperd.log" 2>&1 &
  echo $! >"$PID_FILE"
  for _ in $(seq 1 100); do
    curl -sf "http://$LISTEN/readyz" >/dev/null && break
    sleep 0.1
  done
  curl -sf "http://$LISTEN/readyz" >/dev/null || {
    echo "sessionkeeperd did not become ready; see $RUN_DIR/sessionkeeperd.log" >&2
    exit 1
  }
fi

cat <<MSG
ZooKeeper is running on $connect (data and logs in $ZK_DIR).
sessionkeeperd is serving on http://$LISTEN (log: $RUN_DIR/sessionkeeperd.log).
Try:
  curl -s -X POST http://$LISTEN/v1/sessions -d '{"principal":"alice","attributes":{"cart":"3 items"}}'
Stop:
  kill \$(cat $PID_FILE); zk-config/zkctl --dir $ZK_DIR stop
MSG
