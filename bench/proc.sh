# shellcheck shell=bash disable=SC2154
# proc.sh: the processes and ports of a benchmark script (sourced by bench/remote/run.sh,
# bench/steer/run.sh and bench/health/lib.sh, not run). Every process started with spawn is
# stopped by PID in the EXIT trap, also on failure, Ctrl-C and SIGTERM, and gets SIGTERM if the
# script itself is killed outright (setpriv --pdeathsig). The trap names the script's $run
# directory for the logs when it fails.
# SPDX-License-Identifier: MIT

PIDS=() # processes started here, stopped in reverse order on exit
say() { printf '[%(%H:%M:%S)T] %s\n' -1 "$*" >&2; }
die() {
    printf '%s: %s\n' "$(basename -- "$0")" "$*" >&2
    exit 1
}
loadavg() { cut -d' ' -f1-3 /proc/loadavg; }
load1() { cut -d' ' -f1 /proc/loadavg; }
now_ms() {
    local t
    t=$(date +%s%N)
    echo $((t / 1000000))
}

# alive PID: running and not a zombie.
alive() {
    local stat
    kill -0 "$1" 2>/dev/null || return 1
    stat=$(cat /proc/"$1"/stat 2>/dev/null) || return 1
    stat=${stat##*) }
    [[ ${stat:0:1} != Z ]]
}

# kill_wait PID: TERM, and KILL if it still runs after 5 s.
kill_wait() {
    local n
    kill -TERM "$1" 2>/dev/null || return 0
    for ((n = 0; n < 50; n++)); do
        alive "$1" || return 0
        sleep 0.1
    done
    say "process $1 ignored TERM, killing it"
    kill -KILL "$1" 2>/dev/null || true
}

cleanup() {
    local rc=$? i
    trap - EXIT INT TERM
    set +e
    for ((i = ${#PIDS[@]} - 1; i >= 0; i--)); do
        kill_wait "${PIDS[i]}"
        wait "${PIDS[i]}" 2>/dev/null
    done
    ((rc == 0)) || say "failed (exit $rc); logs in ${run:-bench/work}"
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# spawn PIDVAR CPU LOG CMD...: CMD pinned to CPU (or on any CPU with "all") in the background,
# output in LOG.
spawn() {
    local var=$1 cpu=$2 log=$3
    shift 3
    if [[ $cpu == all ]]; then
        setpriv --pdeathsig TERM -- "$@" >"$log" 2>&1 </dev/null &
    else
        setpriv --pdeathsig TERM -- taskset -c "$cpu" "$@" >"$log" 2>&1 </dev/null &
    fi
    PIDS+=("$!")
    printf -v "$var" '%s' "$!"
}

# forget PID: drop it from PIDS (it was stopped or waited for here).
forget() {
    local pid=$1 i kept=()
    for i in "${PIDS[@]}"; do
        [[ $i == "$pid" ]] || kept+=("$i")
    done
    PIDS=("${kept[@]}")
}

# stop PID: TERM (KILL after 5 s), wait, forget.
stop() {
    forget "$1"
    kill_wait "$1"
    wait "$1" 2>/dev/null || true
}

port_in_use() {
    local hex
    hex=$(printf '%04X' "$1")
    awk -v hex="$hex" 'FNR > 1 { split($2, a, ":"); if (a[2] == hex) found = 1 }
        END { exit !found }' /proc/net/tcp /proc/net/udp /proc/net/tcp6 /proc/net/udp6 2>/dev/null
}

# pick_port VAR: a free TCP/UDP port in 20000-44999 (per-process start, so that runs beside
# each other rarely collide).
next_port=$((20000 + ($$ * 13) % 20000))
pick_port() {
    local tries
    for ((tries = 0; tries < 500; tries++)); do
        next_port=$((next_port + 1))
        ((next_port < 45000)) || next_port=20000
        port_in_use "$next_port" || {
            printf -v "$1" '%s' "$next_port"
            return 0
        }
    done
    die "no free port on 127.0.0.1"
}

# unix_listening PATH: a socket listening at PATH.
unix_listening() {
    [[ -S $1 ]] && awk -v path="$1" '$4 == "00010000" && $NF == path { found = 1 }
        END { exit !found }' /proc/net/unix
}
