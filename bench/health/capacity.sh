#!/usr/bin/env bash
# shellcheck disable=SC2154 # PID and port variables are set by spawn/pick_port (printf -v)
# capacity.sh: issue 5's probe capacity. fake_mta serves N SMTP listeners with STARTTLS (one
# single-threaded epoll process, EC P-256 certificate, session tickets on or off) on 127.1.0.1 and
# the N-1 addresses after it, pinned to CPU 1; prober_bench runs the daemon's io::Prober (linked
# from the Release build) against them at a 10 s interval on CPU 0 and reports the prober
# thread's CPU, RSS, probes per second and schedule slip (see prober_bench.cpp). During each
# window, tls_floor (see tls_floor.cpp) samples on CPU 0 what OpenSSL's client side of the same
# handshakes costs with no network at all: the floor under the prober's CPU, on the machine as
# fast as it was in that window.
# SPDX-License-Identifier: MIT
#
# usage: bench/health/capacity.sh [--sizes "1000 5000 10000"] [--warmup S] [--duration S]
#                                 [--starttls off|opportunistic|required] [--tickets on|off]
#                                 [--session-lifetime S] [--malloc jemalloc|glibc] [--no-build]
#
#   --sizes "N..."  numbers of addresses (default "1000 5000 10000")
#   --warmup S      seconds before the measurement window (default 30: the first round, in
#                   which every target is due at once, is not measured)
#   --duration S    seconds measured (default 60: six 10 s rounds)
#   --starttls M    the prober's starttls mode (default opportunistic, the default; fake_mta
#                   always offers STARTTLS, so every probe does a TLS handshake)
#   --tickets on|off  fake_mta issues TLS session tickets, as Postfix does by default (on), or
#                   resumes nothing, so that every handshake is full (off, the default)
#   --session-lifetime S  the prober's tls_session_lifetime (default: its default, 600 s;
#                   0 never resumes)
#   --malloc M      the allocator prober_bench links: jemalloc, as mxsteerd's Release build
#                   does (the default), or glibc's malloc
#   --no-build      use the binaries already built
#
# Markdown report on stdout, progress on stderr, raw data in bench/work/health/capacity/.
set -euo pipefail

sizes="1000 5000 10000"
warmup=30
duration=60
starttls=opportunistic
tickets=off
lifetime_ms=-1
malloc=jemalloc
BUILD=1
args="$*"
usage() {
    [[ ${1:-2} -eq 0 ]] || exec >&2
    sed -n '10,28p' "$0" | sed 's/^# \{0,1\}//'
    exit "${1:-2}"
}
while (($#)); do
    case "$1" in
    --sizes) sizes=${2:?}; shift 2 ;;
    --warmup) warmup=${2:?}; shift 2 ;;
    --duration) duration=${2:?}; shift 2 ;;
    --starttls) starttls=${2:?}; shift 2 ;;
    --tickets) tickets=${2:?}; shift 2 ;;
    --session-lifetime) lifetime_ms=$((${2:?} * 1000)); shift 2 ;;
    --malloc) malloc=${2:?}; shift 2 ;;
    --no-build) BUILD=0; shift ;;
    -h | --help) usage 0 ;;
    *) echo "capacity.sh: unknown argument '$1'" >&2; usage ;;
    esac
done
[[ $warmup =~ ^[0-9]+$ && $duration =~ ^[1-9][0-9]*$ && $tickets =~ ^(on|off)$ &&
    $malloc =~ ^(jemalloc|glibc)$ ]] || usage

# shellcheck source=bench/health/lib.sh
source "$(dirname -- "${BASH_SOURCE[0]}")/lib.sh"
run=$work/capacity
rm -rf -- "$run"
mkdir -p -- "$run"
build_all
if [[ $BUILD == 1 ]]; then
    say "building prober_bench against the Release libraries"
    (cd "$build_dir" && cmake --build . -j2 --target mxsteer_backend_io) >>"$work/build.log" 2>&1 ||
        die "build failed (log: $work/build.log)"
    for tool in prober_bench tls_floor; do
        g++ -std=c++20 -O2 -Wall -Wextra -DNDEBUG -DASIO_STANDALONE -DASIO_NO_DEPRECATED \
            -I"$root/backend" -I"$root/linter" -c -o "$bin/$tool.o" "$here/$tool.cpp" ||
            die "cannot compile $tool"
    done
    # Linked twice: with jemalloc, as mxsteerd's Release build is, and with glibc's malloc.
    for allocator in jemalloc glibc; do
        extra=()
        [[ $allocator == jemalloc ]] && extra=(-ljemalloc)
        for tool in prober_bench tls_floor; do
            g++ -o "$bin/$tool-$allocator" "$bin/$tool.o" \
                -Wl,--start-group "$build_dir"/backend/libmxsteer_backend_io.a \
                "$build_dir"/backend/libmxsteer_backend_core.a "$build_dir"/linter/libmxsteer_lint*.a \
                -Wl,--end-group -lfmt -lssl -lcrypto "${extra[@]}" -pthread ||
                die "cannot link $tool-$allocator"
        done
    done
fi
for tool in prober_bench tls_floor; do
    [[ -x $bin/$tool-$malloc ]] || die "$tool-$malloc not built; run without --no-build"
done
certs

need=$(($(tr ' ' '\n' <<<"$sizes" | sort -n | tail -n1) + 200))
(($(ulimit -n) >= need)) || ulimit -n "$need" 2>/dev/null ||
    die "ulimit -n is $(ulimit -n); fake_mta needs about $need descriptors"

ticks() { # utime + stime of PID, in clock ticks
    awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "/proc/$1/stat"
}
hz=$(getconf CLK_TCK)
# reap VAR PID TOOL LOG: waits for PID's end, fails if it failed, puts its RESULT line in VAR
reap() {
    while alive "$2"; do sleep 0.2; done
    wait "$2" || die "$3 failed (log: $4)"
    forget "$2"
    local line
    line=$(grep '^RESULT' "$4") || die "no RESULT from $3 (log: $4)"
    printf -v "$1" '%s' "$line"
}
# The handshakes tls_floor does: those the prober does (full, or resumed when fake_mta issues
# tickets and the prober keeps sessions)
floor_tickets=off
floor_kind=full
[[ $tickets == on && $lifetime_ms != 0 ]] && floor_tickets=on floor_kind=resumed
# starvation meter on CPU 0, where the prober runs (see wakeup.py)
wake_log=$run/wakeup.log
spawn wake_pid 0 "$run/wakeup.err" python3 "$here/wakeup.py" "$wake_log"
load_start=$(loadavg)
started=$(date -u +%H:%M:%S)
rows=()
raw=()
for n in $sizes; do
    pick_port port
    stats_file=$run/fake-$n.stats
    : >"$run/fake-$n.log"
    spawn fake_pid 1 "$run/fake-$n.log" "$bin/fake_mta" --first 127.1.0.1 --count "$n" \
        --port "$port" --cert "$work/certs/leaf.pem" --key "$work/certs/leaf.key" --stats "$stats_file" --tickets "$tickets"
    wait_for "$fake_pid" "$run/fake-$n.log" listening 60
    load=$(cut -d' ' -f1 /proc/loadavg)
    say "N=$n: prober_bench for ${warmup}+${duration} s (load $load)"
    spawn bench_pid 0 "$run/bench-$n.log" "$bin/prober_bench-$malloc" --first 127.1.0.1 --count "$n" \
        --port "$port" --interval-ms 10000 --starttls "$starttls" --warmup "$warmup" \
        --duration "$duration" --tls-session-lifetime-ms "$lifetime_ms"
    sleep "$warmup"
    # batches of 100 handshakes 2 s apart over the window, beside the prober: with both of
    # their ends and its start, 3-4 % of CPU 0 for resumed handshakes, 5-6 % for full ones
    floor_log=$run/floor-$n.log
    [[ $starttls != off ]] &&
        spawn floor_pid 0 "$floor_log" "$bin/tls_floor-$malloc" --cert "$work/certs/leaf.pem" \
            --key "$work/certs/leaf.key" --tickets "$floor_tickets" --rate "$(awk -v n="$n" 'BEGIN { print n / 10 }')" \
            --seconds "$duration" --batch 100 --pause-ms 2000
    # the fake server's CPU and completed dialogues over (about) the same window
    f0=$(ticks "$fake_pid")
    q0=$(tail -n1 "$stats_file" | awk '{print $4}')
    s0=$(now_ms)
    reap result "$bench_pid" prober_bench "$run/bench-$n.log"
    f1=$(ticks "$fake_pid")
    q1=$(tail -n1 "$stats_file" | awk '{print $4}')
    s1=$(now_ms)
    errors=$(tail -n1 "$stats_file" | awk '{print $5}')
    load_after=$(cut -d' ' -f1 /proc/loadavg)
    wake=$(awk -v a="$s0" -v b="$s1" '$1 >= a && $1 <= b { print $2 }' "$wake_log" | sort -n |
        awk '{ v[NR] = $1 } END { printf "%d / %d", v[int((NR + 1) / 2)], v[NR] }')
    stop "$fake_pid"
    floor_pct=- floor_raw=-
    if [[ $starttls != off ]]; then
        reap floor_raw "$floor_pid" tls_floor "$floor_log"
        floor_pct=$(sed -n 's/.* core_pct_at_rate=\([^ ]*\).*/\1/p' <<<"$floor_raw")
    fi
    raw+=("N=$n load=$load-$load_after $result fake_cpu_ticks=$((f1 - f0)) fake_quits=$((q1 - q0)) fake_errors=$errors window_ms=$((s1 - s0)) cpu0_wakeup_median_max_ms=${wake// /} tls_floor: ${floor_raw#RESULT }")
    get() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<" ${result#RESULT}"; }
    fake_cpu=$(awk -v t=$((f1 - f0)) -v hz="$hz" -v ms=$((s1 - s0)) 'BEGIN {printf "%.1f", 100 * t / hz / (ms / 1000)}')
    fake_rate=$(awk -v q=$((q1 - q0)) -v ms=$((s1 - s0)) 'BEGIN {printf "%.0f", q / (ms / 1000)}')
    rows+=("| $n | $load / $load_after | $(get prober_cpu_pct) | $(get process_cpu_pct) | $(get rss_mib) | $(get hwm_mib) | $(get probes_per_s) / $(get expected_per_s) | $(get tls_full) / $(get tls_resumed) | $fake_rate | $(get late_p50_ms) | $(get late_p99_ms) | $(get late_max_ms) | $(get latency_p50_ms) / $(get latency_p99_ms) | $(get up)/$(get degraded)/$(get down) | $fake_cpu | $wake | $floor_pct |")
    say "N=$n: $result fake_cpu=$fake_cpu%"
done
load_end=$(loadavg)

cat <<EOF
### Probe capacity (\`bench/health/capacity.sh${args:+ $args}\`)

- date: $(date -u +%F), $started–$(date -u +%H:%M:%S) UTC; load average $load_start at the start, $load_end at the end
$(machine)
- prober: \`io::Prober\` from the Release build (\`prober_bench\`, malloc: $malloc), interval 10 s ± 0.5 s, every other [health] key at its default (max_concurrent 256, fast_interval 1 s, starttls $starttls), tls_session_lifetime $( ((lifetime_ms < 0)) && echo "600 s (default)" || echo "$((lifetime_ms / 1000)) s"), on CPU 0; fake_mta (one thread, epoll, OpenSSL 3, EC P-256 certificate, session tickets $tickets) on CPU 1
- window: ${duration} s after ${warmup} s of warm-up; CPU from /proc (prober thread: /proc/self/task/TID/stat; process: /proc/self/stat), RSS = VmRSS at the end, HWM = VmHWM; slip = probe start − planned time, from the prober's own state dump polled every 2.5 s; "fake/s" = dialogues that reached QUIT per second at fake_mta; "CPU 0 wake-up": per second, the largest oversleep of a 10 ms sleep on CPU 0 (\`wakeup.py\`): median and max over the window; "TLS floor": tls_floor's mean time of OpenSSL's client side per handshake ($floor_kind handshakes, as the prober's), sampled during the window (batches of 100, 2 s apart; thread CPU time), times N/10 handshakes a second, in % of one core: what the prober's TLS alone costs with no network, no SMTP and no event loop, on the machine as fast as it was in that window

| N | load 1 min start / end | prober thread CPU % | process CPU % | RSS MiB | HWM MiB | probes/s done / planned | TLS full / resumed | fake/s | slip p50 ms | slip p99 ms | slip max ms | probe latency p50 / p99 ms | up/degraded/down | fake_mta CPU % | CPU 0 wake-up median / max ms | TLS floor % |
|---:|---|---:|---:|---:|---:|---|---|---:|---:|---:|---:|---|---|---:|---|---|
$(printf '%s\n' "${rows[@]}")

Raw:

\`\`\`
$(printf '%s\n' "${raw[@]}")
\`\`\`
EOF
