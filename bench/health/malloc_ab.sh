#!/usr/bin/env bash
# shellcheck disable=SC2154 # PID and port variables are set by spawn/pick_port (printf -v)
# malloc_ab.sh: the prober's CPU with glibc's malloc and with jemalloc, side by side. Two
# prober_bench processes (the two links capacity.sh builds) run at the same time on CPU 0, each
# against its own fake_mta (N STARTTLS listeners, CPU 1), so both see the same machine: on a
# shared host the speed drifts by 20 % from one minute to the next, more than the difference
# measured here when the two run one after the other.
# SPDX-License-Identifier: MIT
#
# usage: bench/health/malloc_ab.sh [--count N] [--warmup S] [--duration S] [--rounds R]
#
#   --count N     listeners per fake_mta and targets per prober (default 4000: the two probers
#                 then share one core at about 80 %)
#   --warmup S    seconds before the window (default 20)
#   --duration S  seconds measured (default 30)
#   --rounds R    repetitions (default 3)
#
# Needs the binaries of `bench/health/capacity.sh` (run it once). Prints one markdown row per
# round and prober, and the RESULT lines.
set -euo pipefail

count=4000
warmup=20
duration=30
rounds=3
usage() {
    [[ ${1:-2} -eq 0 ]] || exec >&2
    sed -n '10,15p' "$0" | sed 's/^# \{0,1\}//'
    exit "${1:-2}"
}
while (($#)); do
    case "$1" in
    --count) count=${2:?}; shift 2 ;;
    --warmup) warmup=${2:?}; shift 2 ;;
    --duration) duration=${2:?}; shift 2 ;;
    --rounds) rounds=${2:?}; shift 2 ;;
    -h | --help) usage 0 ;;
    *) echo "malloc_ab.sh: unknown argument '$1'" >&2; usage ;;
    esac
done
for v in "$count" "$warmup" "$duration" "$rounds"; do
    [[ $v =~ ^[0-9]+$ ]] || usage
done

# shellcheck source=bench/health/lib.sh
source "$(dirname -- "${BASH_SOURCE[0]}")/lib.sh"
for allocator in glibc jemalloc; do
    [[ -x $bin/prober_bench-$allocator && -x $bin/fake_mta ]] ||
        die "bench/health/capacity.sh has not built prober_bench-$allocator yet"
done
[[ -d $work/certs ]] || certs
run=$work/malloc_ab
rm -rf -- "$run"
mkdir -p -- "$run"

echo "# Prober CPU: glibc malloc and jemalloc side by side"
echo
echo "- command: \`bench/health/malloc_ab.sh --count $count --warmup $warmup --duration $duration --rounds $rounds\`"
machine
echo "- each prober: $count targets with STARTTLS (full handshakes, no tickets) every 10 s, on CPU 0 with the other; each fake_mta on CPU 1"
echo
echo "| round | malloc | prober thread CPU % | probes/s | CPU ms per probe | HWM MiB | slip p99 ms |"
echo "|---:|---|---:|---:|---:|---:|---:|"
results=()
for ((r = 1; r <= rounds; r++)); do
    say "round $r/$rounds (load $(loadavg))"
    declare -A fake=() bench=()
    first_octet=1
    for allocator in glibc jemalloc; do
        pick_port port
        spawn fake_pid 1 "$run/fake-$allocator-$r.log" "$bin/fake_mta" \
            --first "127.$first_octet.0.1" --count "$count" --port "$port" \
            --cert "$work/certs/leaf.pem" --key "$work/certs/leaf.key" \
            --stats "$run/fake-$allocator-$r.stats" --tickets off
        wait_for "$fake_pid" "$run/fake-$allocator-$r.log" listening 60
        fake[$allocator]=$fake_pid
        spawn bench_pid 0 "$run/bench-$allocator-$r.log" "$bin/prober_bench-$allocator" \
            --first "127.$first_octet.0.1" --count "$count" --port "$port" --interval-ms 10000 \
            --starttls opportunistic --warmup "$warmup" --duration "$duration" \
            --tls-session-lifetime-ms -1
        bench[$allocator]=$bench_pid
        first_octet=$((first_octet + 1))
    done
    for allocator in glibc jemalloc; do
        wait "${bench[$allocator]}" || die "prober_bench-$allocator failed ($run/bench-$allocator-$r.log)"
        forget "${bench[$allocator]}"
        stop "${fake[$allocator]}"
        line=$(grep '^RESULT' "$run/bench-$allocator-$r.log") || die "no RESULT ($allocator)"
        results+=("round=$r malloc=$allocator $line")
        awk -v r="$r" -v m="$allocator" -v l="$line" 'BEGIN {
            n = split(l, kv, " ")
            for (i = 1; i <= n; i++) { split(kv[i], p, "="); v[p[1]] = p[2] }
            printf "| %d | %s | %.1f | %.1f | %.3f | %.1f | %d |\n", r, m, v["prober_cpu_pct"],
                v["probes_per_s"], v["prober_cpu_pct"] * 10 / v["probes_per_s"], v["hwm_mib"],
                v["late_p99_ms"]
        }'
    done
done
echo
echo "Raw:"
echo
echo '```'
printf '%s\n' "${results[@]}"
echo '```'
