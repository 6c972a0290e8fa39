# shellcheck shell=bash disable=SC2154,SC2016
# lib.sh: helpers shared by bench/health/failover.sh and capacity.sh (sourced, not run).
# Every process started with spawn is stopped by PID in the EXIT trap, also on failure, Ctrl-C
# and SIGTERM, and gets SIGTERM if the script itself is killed outright (setpriv --pdeathsig).
# SPDX-License-Identifier: MIT

here=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
root=$(cd -- "$here/../.." && pwd)
build_dir=$root/bench/work/build-health # git-ignored
work=$root/bench/work/health
bin=$work/bin
mxsteerd=$build_dir/backend/mxsteerd

PIDS=()
say() { printf '[%(%H:%M:%S)T] %s\n' -1 "$*" >&2; }
die() { printf '%s: %s\n' "$(basename -- "$0")" "$*" >&2; exit 1; }
loadavg() { cut -d' ' -f1-3 /proc/loadavg; }
now_ms() { local t; t=$(date +%s%N); echo $((t / 1000000)); }
alive() {
    local stat
    kill -0 "$1" 2>/dev/null || return 1
    stat=$(cat /proc/"$1"/stat 2>/dev/null) || return 1
    stat=${stat##*) }
    [[ ${stat:0:1} != Z ]]
}
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
    ((rc == 0)) || say "failed (exit $rc); logs in $run"
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# spawn PIDVAR CPU LOG CMD...: CMD pinned to CPU (or "all") in the background.
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
forget() { # forget PID: drop it from PIDS (it was stopped or killed here)
    local pid=$1 i kept=()
    for i in "${PIDS[@]}"; do
        [[ $i == "$pid" ]] || kept+=("$i")
    done
    PIDS=("${kept[@]}")
}
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
    die "no free port"
}
unix_listening() {
    [[ -S $1 ]] && awk -v path="$1" '$4 == "00010000" && $NF == path { found = 1 }
        END { exit !found }' /proc/net/unix
}
wait_for() { # wait_for PID LOG PATTERN SECONDS
    local n
    for ((n = 0; n < $4 * 10; n++)); do
        grep -q -- "$3" "$2" 2>/dev/null && return 0
        alive "$1" || { tail -n 20 -- "$2" >&2; die "process $1 exited ($2)"; }
        sleep 0.1
    done
    die "no '$3' in $2 after $4 s"
}
machine() {
    printf -- '- machine: %s CPUs (`nproc`), %s, %s MiB RAM, %s\n' "$(nproc)" \
        "$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n1)" \
        "$(awk '/MemTotal/ {print int($2 / 1024)}' /proc/meminfo)" "$(uname -sr)"
    printf -- '- mxsteer: %s%s\n' "$(git -C "$root" log -1 --format='%h ("%s")' 2>/dev/null || echo '?')" \
        "$(git -C "$root" status --porcelain 2>/dev/null | grep -q . && echo ' plus uncommitted changes' || true)"
}

# Builds mxsteerd (and the libraries prober_bench links) Release in bench/work/build-health,
# then the bench tools with g++ -O2. BUILD=0 skips it.
build_all() {
    mkdir -p -- "$bin"
    if [[ ${BUILD:-1} == 1 ]]; then
        say "building mxsteerd Release in $build_dir (log: $work/build.log)"
        {
            cmake -S "$root" -B "$build_dir" -DCMAKE_BUILD_TYPE=Release -DMXSTEER_TESTS=OFF &&
                cmake --build "$build_dir" -j2 --target mxsteerd
        } >"$work/build.log" 2>&1 || die "build failed (log: $work/build.log)"
        g++ -std=c++20 -O2 -Wall -Wextra -o "$bin/fake_mta" "$here/fake_mta.cpp" -lssl -lcrypto ||
            die "cannot build fake_mta"
    fi
    [[ -x $mxsteerd && -x $bin/fake_mta ]] || die "not built; run without --no-build"
}

# Test certificates (tests/health/make_certs.sh: an EC P-256 CA and a leaf for mx1.example.com).
certs() {
    sh "$root/tests/health/make_certs.sh" "$work/certs" || die "cannot make certificates"
}
