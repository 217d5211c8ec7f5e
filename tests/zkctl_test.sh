#!/usr/bin/env bash
# Tests zk-config/zkctl against the real ZooKeeper 3.8 server: standalone,
# 3-server ensemble with leader failover, restart, pause/resume, and two
# ensembles side by side. Prints each check; the last line is always
# "N passed, M failed". Exits non-zero on any failure.
set -euo pipefail

# CTest passes the script's path in SK_ZKCTL; otherwise use the one beside us.
ZKCTL=${SK_ZKCTL:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/zk-config/zkctl}
TMP=$(mktemp -d "${TMPDIR:-/tmp}/zkctl_test.XXXXXX")
ZK_STDERR=$TMP/zkctl.stderr # zkctl's progress messages, shown on failure
DIRS=()                     # every zkctl dir used; the EXIT trap stops them
passed=0 failed=0 finished=0

# Stops every server we started, whatever happened, and prints the summary
# last. Logs are kept for inspection unless everything passed.
cleanup() {
    local d
    for d in "${DIRS[@]}"; do "$ZKCTL" --dir "$d" stop 2>>"$ZK_STDERR" || true; done
    if ((finished && failed == 0)); then
        rm -rf "$TMP"
    else
        ((finished)) || { failed=$((failed + 1)) && echo "FAIL - test aborted"; }
        echo "server logs kept in $TMP"
    fi
    echo "$passed passed, $failed failed"
    if ((failed)); then exit 1; fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

now_us() { echo "${EPOCHREALTIME//[!0-9]/}"; }
since() { # START_US -> seconds, 2 decimals
    local us=$(($(now_us) - $1))
    printf '%d.%02d' $((us / 1000000)) $((us % 1000000 / 10000))
}

last_ok=0
check() { # DESCRIPTION COMMAND...: records and prints the outcome
    local what=$1
    shift
    if "$@"; then
        passed=$((passed + 1)) last_ok=1
        echo "ok   - $what"
    else
        failed=$((failed + 1)) last_ok=0
        echo "FAIL - $what"
        echo "       last zkctl messages:"
        tail -n 5 "$ZK_STDERR" | sed 's/^/       /'
    fi
}
# Like check, but later steps make no sense without it: stop here.
require() {
    check "$@"
    ((last_ok)) || exit 1
}

zk() { "$ZKCTL" "$@" 2>>"$ZK_STDERR"; }
matches() { [[ $1 =~ $2 ]]; }
same() { [[ $1 == "$2" ]]; }
fails() { ! "$@"; }
no_procs() { ! pgrep -f -- "$1" >/dev/null; }
srvr() { (exec 3<>"/dev/tcp/127.0.0.1/$1" && printf srvr >&3 && cat <&3) 2>/dev/null; }
srvr_says() { [[ $(srvr "$1") == *"$2"* ]]; }
status_field() { # DIR N FIELD(2 pid, 3 state, 4 mode)
    zk --dir "$1" status | awk -v n="$2" -v f="$3" '$1 == n { print $f }'
}
field_is() { [[ $(status_field "$1" "$2" "$3") == "$4" ]]; }
count_mode() { zk --dir "$1" status | awk -v m="$2" '$4 == m' | wc -l; }
one_leader_two_followers() {
    [[ $(count_mode "$1" leader) == 1 && $(count_mode "$1" follower) == 2 ]]
}
new_leader() { # DIR OLD: a leader other than OLD exists
    local l
    l=$(zk --dir "$1" leader) && [[ $l != "$2" ]]
}
# Polls COMMAND... every 0.1 s for up to SECONDS.
eventually() { # SECONDS COMMAND...
    local end=$(($(now_us) + $1 * 1000000))
    shift
    until "$@"; do
        (($(now_us) < end)) || return 1
        sleep 0.1
    done
}

echo "# zkctl: $ZKCTL"
echo "# tmp:   $TMP"
check "--help documents the commands" matches "$(zk --help)" 'connect-string.*leader'

echo "# standalone"
S=$TMP/standalone
DIRS+=("$S")
t0=$(now_us)
cs=$(zk --dir "$S" --base-port auto standalone start) || true
require "start prints only a connect string: '$cs' ($(since "$t0") s)" \
    matches "$cs" '^127\.0\.0\.1:[0-9]+$'
check "srvr on ${cs##*:} says Mode: standalone" srvr_says "${cs##*:}" 'Mode: standalone'
check "status: 1 PID up standalone" matches "$(zk --dir "$S" status)" '^1 [0-9]+ up standalone$'
check "connect-string with only --dir gives the same string" same "$(zk --dir "$S" connect-string)" "$cs"
check "another mode on the same dir is refused" fails zk --dir "$S" ensemble status
check "another explicit port on the same dir is refused" fails zk --dir "$S" --base-port 20000 status
t0=$(now_us)
zk --dir "$S" stop
check "stop ($(since "$t0") s) leaves no process of $S" no_procs "$S"
check "stop again is a no-op" zk --dir "$S" stop

echo "# ensemble"
E=$TMP/ensemble
DIRS+=("$E")
t0=$(now_us)
cs=$(zk --dir "$E" --base-port auto ensemble start) || true
require "start prints 3 addresses: '$cs' ($(since "$t0") s)" \
    matches "$cs" '^127\.0\.0\.1:[0-9]+,127\.0\.0\.1:[0-9]+,127\.0\.0\.1:[0-9]+$'
check "status: exactly one leader and two followers" one_leader_two_followers "$E"
for addr in ${cs//,/ }; do
    check "srvr on ${addr##*:} says leader or follower" matches "$(srvr "${addr##*:}")" 'Mode: (leader|follower)'
done
old=$(zk --dir "$E" leader) || true
require "leader prints the leader's number ($old)" matches "$old" '^[123]$'

zk --dir "$E" kill "$old"
t0=$(now_us)
check "killed server $old shows down" field_is "$E" "$old" 3 down
eventually 10 new_leader "$E" "$old" || true
took=$(since "$t0")
new=$(zk --dir "$E" leader) || true
check "new leader (server $new) elected in $took s (limit 10 s)" new_leader "$E" "$old"

t0=$(now_us)
rc=0
zk --dir "$E" restart "$old" || rc=$?
check "restart $old exits 0 once it serves ($(since "$t0") s)" same "$rc" 0
check "restarted server $old rejoined as follower" field_is "$E" "$old" 4 follower

for f in 1 2 3; do [[ $f == "$new" ]] || break; done
zk --dir "$E" pause "$f"
check "pause $f: status says paused" field_is "$E" "$f" 3 paused
check "the other two still have leader $new" same "$(zk --dir "$E" leader)" "$new"
zk --dir "$E" resume "$f"
check "resume $f: status says up" field_is "$E" "$f" 3 up
check "resumed server $f serves as follower" eventually 10 field_is "$E" "$f" 4 follower

# Stop with a paused server: it must be SIGCONTed and exit on SIGTERM well
# before the 10 s SIGKILL fallback.
zk --dir "$E" pause "$f"
t0=$(now_us)
zk --dir "$E" stop
took=$(since "$t0")
check "stop with server $f paused leaves no process of $E" no_procs "$E"
check "stop took $took s (< 10 s: no SIGKILL needed)" matches "$took" '^[0-9]\.'

echo "# two ensembles at once, auto ports"
A=$TMP/a B=$TMP/b
DIRS+=("$A" "$B")
t0=$(now_us)
zk --dir "$A" --base-port auto ensemble start >"$TMP/a.cs" &
pid_a=$!
zk --dir "$B" --base-port auto ensemble start >"$TMP/b.cs" &
pid_b=$!
rc_a=0 rc_b=0
wait "$pid_a" || rc_a=$?
wait "$pid_b" || rc_b=$?
took=$(since "$t0")
check "both started in parallel ($took s)" same "$rc_a $rc_b" "0 0"
check "they use different ports: $(<"$TMP/a.cs") / $(<"$TMP/b.cs")" \
    fails same "$(<"$TMP/a.cs")" "$(<"$TMP/b.cs")"
check "A has one leader and two followers" one_leader_two_followers "$A"
check "B has one leader and two followers" one_leader_two_followers "$B"
zk --dir "$A" stop
check "stopping A leaves no process of A" no_procs "$A"
check "B is untouched by stopping A" one_leader_two_followers "$B"
zk --dir "$B" stop
check "stopping B leaves no process of B" no_procs "$B"

finished=1
