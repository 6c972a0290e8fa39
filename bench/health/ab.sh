#!/usr/bin/env bash
# shellcheck disable=SC2154 # PID and port variables are set by spawn/pick_port (printf -v)
# ab.sh: the CPU of two prober builds, side by side. Two prober_bench binaries run at the same
# time on CPU 0, each against its own fake_mta (N STARTTLS listeners, CPU 1), so both see the
# same machine: on a shared host the speed drifts by 20 % from one minute to the next, more than
# most differences worth measuring when the two run one after the other. By default the two are
# capacity.sh's links with glibc's malloc and with jemalloc; --a/--b compare any two builds, such
# as a copy of prober_bench-jemalloc kept from before a change.
# SPDX-License-Identifier: MIT
#
# usage: bench/health/ab.sh [--a NAME=BINARY] [--b NAME=BINARY] [--tickets on|off] [--count N]
#                           [--warmup S] [--duration S] [--rounds R]
#
#   --a, --b NAME=BINARY  the two probers (default glibc=prober_bench-glibc and
#                 jemalloc=prober_bench-jemalloc in bench/work/health/bin); a BINARY without a
#                 slash is taken from that directory
#   --tickets T   on: fake_mta issues TLS 1.3 session tickets, so probes resume as they do
#                 against Postfix; off (default): every handshake is a full one
#   --count N     listeners per fake_mta and targets per prober (default 4000: the two probers
#                 then share one core at about 80 %)
#   --warmup S    seconds before the window (default 20)
#   --duration S  seconds measured (default 30)
#   --rounds R    repetitions; the order of the two alternates (default 3)
#
# Needs the binaries of `bench/health/capacity.sh` (run it once). Prints one markdown row per
# round and prober, the median CPU per probe of each, and the RESULT lines.
set -euo pipefail

a=glibc=prober_bench-glibc
b=jemalloc=prober_bench-jemalloc
tickets=off
count=4000
warmup=20
duration=30
rounds=3
usage() {
    [[ ${1:-2} -eq 0 ]] || exec >&2
    sed -n '12,26p' "$0" | sed 's/^# \{0,1\}//'
    exit "${1:-2}"
}
while (($#)); do
    case "$1" in
    --a) a=${2:?}; shift 2 ;;
    --b) b=${2:?}; shift 2 ;;
    --tickets) tickets=${2:?}; shift 2 ;;
    --count) count=${2:?}; shift 2 ;;
    --warmup) warmup=${2:?}; shift 2 ;;
    --duration) duration=${2:?}; shift 2 ;;
    --rounds) rounds=${2:?}; shift 2 ;;
    -h | --help) usage 0 ;;
    *) echo "ab.sh: unknown argument '$1'" >&2; usage ;;
    esac
done
for v in "$count" "$warmup" "$duration" "$rounds"; do
    [[ $v =~ ^[0-9]+$ ]] || usage
done
[[ $tickets =~ ^(on|off)$ && $a == ?*=?* && $b == ?*=?* ]] || usage

# shellcheck source=bench/health/lib.sh
source "$(dirname -- "${BASH_SOURCE[0]}")/lib.sh"
declare -A path=()
names=()
for spec in "$a" "$b"; do
    name=${spec%%=*}
    file=${spec#*=}
    [[ $file == */* ]] || file=$bin/$file
    [[ -x $file ]] || die "no prober binary '$file' (bench/health/capacity.sh builds them)"
    [[ -z ${path[$name]:-} ]] || die "the two probers need different names"
    path[$name]=$file
    names+=("$name")
done
[[ -x $bin/fake_mta ]] || die "bench/health/capacity.sh has not built fake_mta yet"
[[ -d $work/certs ]] || certs
run=$work/ab
rm -rf -- "$run"
mkdir -p -- "$run"

echo "# Prober CPU: ${names[0]} and ${names[1]} side by side"
echo
echo "- command: \`bench/health/ab.sh --a $a --b $b --tickets $tickets --count $count --warmup $warmup --duration $duration --rounds $rounds\`"
machine
for name in "${names[@]}"; do
    echo "- ${name}: \`${path[$name]#"$root"/}\`, $(sha256sum <"${path[$name]}" | cut -c1-12)"
done
echo "- each prober: $count targets with STARTTLS every 10 s ($([[ $tickets == on ]] && echo "resumed handshakes: fake_mta issues tickets" || echo "full handshakes, no tickets")), on CPU 0 with the other; each fake_mta on CPU 1"
echo
echo "| round | prober | prober thread CPU % | probes/s | TLS full / resumed | CPU ms per probe | HWM MiB | slip p99 ms | probe latency p50 / p99 ms |"
echo "|---:|---|---:|---:|---|---:|---:|---:|---|"
results=()
declare -A per_probe=()
for ((r = 1; r <= rounds; r++)); do
    say "round $r/$rounds (load $(loadavg))"
    order=("${names[@]}")
    ((r % 2 == 1)) || order=("${names[1]}" "${names[0]}")
    declare -A fake=() bench=()
    first_octet=1
    for name in "${order[@]}"; do
        pick_port port
        spawn fake_pid 1 "$run/fake-$name-$r.log" "$bin/fake_mta" \
            --first "127.$first_octet.0.1" --count "$count" --port "$port" \
            --cert "$work/certs/leaf.pem" --key "$work/certs/leaf.key" \
            --stats "$run/fake-$name-$r.stats" --tickets "$tickets"
        wait_for "$fake_pid" "$run/fake-$name-$r.log" listening 60
        fake[$name]=$fake_pid
        lifetime=()
        [[ $tickets == on ]] || lifetime=(--tls-session-lifetime-ms -1)
        spawn bench_pid 0 "$run/bench-$name-$r.log" "${path[$name]}" \
            --first "127.$first_octet.0.1" --count "$count" --port "$port" --interval-ms 10000 \
            --starttls opportunistic --warmup "$warmup" --duration "$duration" "${lifetime[@]}"
        bench[$name]=$bench_pid
        first_octet=$((first_octet + 1))
    done
    for name in "${names[@]}"; do
        wait "${bench[$name]}" || die "prober $name failed ($run/bench-$name-$r.log)"
        forget "${bench[$name]}"
        stop "${fake[$name]}"
        line=$(grep '^RESULT' "$run/bench-$name-$r.log") || die "no RESULT ($name)"
        results+=("round=$r prober=$name $line")
        row=$(awk -v r="$r" -v m="$name" -v l="$line" 'BEGIN {
            n = split(l, kv, " ")
            for (i = 1; i <= n; i++) { split(kv[i], p, "="); v[p[1]] = p[2] }
            printf "| %d | %s | %.1f | %.1f | %d / %d | %.3f | %.1f | %d | %d / %d |\n", r, m,
                v["prober_cpu_pct"], v["probes_per_s"], v["tls_full"], v["tls_resumed"],
                v["prober_cpu_pct"] * 10 / v["probes_per_s"], v["hwm_mib"], v["late_p99_ms"],
                v["latency_p50_ms"], v["latency_p99_ms"]
        }')
        echo "$row"
        per_probe[$name]+="$(cut -d'|' -f7 <<<"$row") "
    done
done
echo
for name in "${names[@]}"; do
    # shellcheck disable=SC2086 # word splitting wanted: one value per round
    printf -- '- %s: median %s ms of CPU per probe over %d rounds\n' "$name" \
        "$(printf '%s\n' ${per_probe[$name]} | sort -n | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}')" "$rounds"
done
echo
echo "Raw:"
echo
echo '```'
printf '%s\n' "${results[@]}"
echo '```'
