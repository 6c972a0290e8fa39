#!/usr/bin/env bash
# run.sh: the remote-backend benchmark. pdns_server + mxsteerd (unix connector) against pdns +
# its bind backend and pdns + a zero-work responder (null_backend), with dnsperf; mxsteerd
# alone under a protocol load generator (loadgen); mxsteerd's memory on big zones.
# SPDX-License-Identifier: MIT
#
# usage: bench/remote/run.sh [--rounds R] [--duration S] [--steps abcd] [--outstanding Q]
#                            [--mem-records "100000 1000000"] [--no-build]
#
#   --rounds R       measured rounds of every configuration (default 3)
#   --duration S     seconds per measurement (dnsperf -l, loadgen --duration; default 10)
#   --steps LIST     which parts to run, any of a b c d (default abcd):
#                    a  dnsperf: {mxsteerd, bind, null} x {caches off, on} x
#                       {consistent-backends yes, no}
#                    b  backend calls per DNS query (null_backend's counters)
#                    c  loadgen against mxsteerd, null_backend and floor_backend (no pdns)
#                    d  memory: mxsteerd and pdns+bind RSS on generated zones, loadgen on the
#                       biggest one
#   --outstanding Q  dnsperf -q for the throughput runs (queries in flight; default 100);
#                    the latency runs have one query in flight (-q 1)
#   --mem-records L  zone sizes for d (default "100000 1000000")
#   --no-build       use the binaries already in bench/work (no cmake, no g++)
#
# Markdown report on stdout, progress on stderr, raw data in bench/work/remote/run/.
# Everything listens on 127.0.0.1 or on unix sockets only; pdns has an empty
# security-poll-suffix, so nothing is sent off the machine. pdns and its backend run on CPU 0,
# dnsperf and loadgen on CPU 1 (taskset). Every process started here is stopped by PID on exit,
# also on failure or Ctrl-C.
set -euo pipefail

rounds=3
duration=10
steps=abcd
outstanding=100
mem_records="100000 1000000"
build=1
args="$*"

usage() {
    [[ ${1:-2} -eq 0 ]] || exec >&2
    sed -n '7,23p' "$0" | sed 's/^# \{0,1\}//'
    exit "${1:-2}"
}

while (($#)); do
    case "$1" in
    --rounds) rounds=${2:?--rounds needs a value}; shift 2 ;;
    --duration) duration=${2:?--duration needs a value}; shift 2 ;;
    --steps) steps=${2:?--steps needs a value}; shift 2 ;;
    --outstanding) outstanding=${2:?--outstanding needs a value}; shift 2 ;;
    --mem-records) mem_records=${2:?--mem-records needs a value}; shift 2 ;;
    --no-build) build=0; shift ;;
    -h | --help) usage 0 ;;
    *) echo "run.sh: unknown argument '$1'" >&2; usage ;;
    esac
done
[[ $rounds =~ ^[1-9][0-9]*$ && $duration =~ ^[1-9][0-9]*$ && $outstanding =~ ^[1-9][0-9]*$ ]] ||
    usage
[[ $steps =~ ^[abcd]+$ ]] || usage

here=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
root=$(cd -- "$here/../.." && pwd)
build_dir=$root/bench/work/build-remote # git-ignored
work=$root/bench/work/remote
bin=$work/bin
run=$work/run
mxsteerd=$build_dir/backend/mxsteerd
clk_tck=$(getconf CLK_TCK)
lat_duration=$(((duration + 1) / 2))

# shellcheck source=bench/proc.sh
source "$here/../proc.sh"

# cpu_ticks PID: user and system clock ticks of the process (all its threads so far).
cpu_ticks() {
    local stat
    local -a f
    stat=$(cat /proc/"$1"/stat)
    read -r -a f <<<"${stat##*) }"
    echo "${f[11]} ${f[12]}"
}

# mem_kib PID: VmRSS and VmHWM in KiB.
mem_kib() {
    awk '$1 == "VmRSS:" { r = $2 } $1 == "VmHWM:" { h = $2 } END { print r, h }' /proc/"$1"/status
}

# start_backend PIDVAR KIND SOCKET LOG [ZONE|TABLE|SPIN]: mxsteerd (KIND mx, ZONE), null_backend
# (KIND null, TABLE) or floor_backend (KIND floor, SPIN 0 or 1) on CPU 0, listening on SOCKET.
start_backend() {
    local var=$1 kind=$2 sock=$3 log=$4 arg=$5 sb_pid n
    rm -f -- "$sock"
    case $kind in
    mx) spawn sb_pid 0 "$log" "$mxsteerd" --listen "unix:$sock" --log-level warning "$arg" ;;
    null) spawn sb_pid 0 "$log" "$bin/null_backend" --socket "$sock" --table "$arg" ;;
    floor) spawn sb_pid 0 "$log" "$bin/floor_backend" --socket "$sock" --spin "$arg" ;;
    *) die "unknown backend $kind" ;;
    esac
    for ((n = 0; n < 3000; n++)); do
        if unix_listening "$sock"; then
            printf -v "$var" '%s' "$sb_pid"
            return 0
        fi
        alive "$sb_pid" || {
            tail -n 20 -- "$log" >&2
            die "$kind backend exited during startup"
        }
        sleep 0.1
    done
    die "$kind backend not listening on $sock after 300 s"
}

# start_pdns PIDVAR PORTVAR DIR LINE...: pdns_server on CPU 0 with DIR/pdns.conf made of the
# base settings and LINE..., ready when it says so.
start_pdns() {
    local pvar=$1 portvar=$2 dir=$3 sp_pid sp_port n
    shift 3
    mkdir -p -- "$dir"
    pick_port sp_port
    {
        echo "local-address=127.0.0.1"
        echo "local-port=$sp_port"
        echo "daemon=no"
        echo "guardian=no"
        echo "disable-syslog=yes"
        echo "write-pid=no"
        echo "socket-dir=$dir"
        echo "security-poll-suffix="
        echo "loglevel=6"
        printf '%s\n' "$@"
    } >"$dir/pdns.conf"
    spawn sp_pid 0 "$dir/pdns.log" pdns_server --config-dir="$dir"
    for ((n = 0; n < 3000; n++)); do
        if grep -qs 'ready to distribute questions' "$dir/pdns.log"; then
            printf -v "$pvar" '%s' "$sp_pid"
            printf -v "$portvar" '%s' "$sp_port"
            return 0
        fi
        alive "$sp_pid" || {
            tail -n 20 -- "$dir/pdns.log" >&2
            die "pdns_server exited during startup ($dir)"
        }
        sleep 0.1
    done
    die "pdns_server not ready after 300 s ($dir)"
}

cache_lines() {
    case $1 in
    off) printf '%s\n' query-cache-ttl=0 negquery-cache-ttl=0 cache-ttl=0 ;;
    qc) printf '%s\n' cache-ttl=0 ;; # packet cache off, query cache at its default
    on) ;;
    esac
}

# null_counts PID LOG: asks null_backend for its counters, prints the new `counts` line.
null_counts() {
    local before n
    before=$(grep -c '^counts ' "$2" || true)
    kill -USR1 "$1"
    for ((n = 0; n < 100; n++)); do
        (($(grep -c '^counts ' "$2" || true) > before)) && break
        sleep 0.02
    done
    grep '^counts ' "$2" | tail -n 1
}

# count_field LINE NAME: the value of NAME=... in a counts line.
count_field() {
    local f
    for f in $1; do
        [[ $f == "$2="* ]] && {
            echo "${f#*=}"
            return
        }
    done
    echo 0
}

# dnsperf_run PORT QUERIES OUT ARG...: dnsperf on CPU 1; OUT gets the summary, OUT.lat the
# sorted per-query latencies in seconds (from -v).
dnsperf_run() {
    local port=$1 queries=$2 out=$3
    shift 3
    taskset -c 1 dnsperf -s 127.0.0.1 -p "$port" -d "$queries" -v "$@" >"$out.raw" 2>&1 ||
        die "dnsperf failed: $(tail -n 5 "$out.raw")"
    awk '$1 == ">" { print $NF }' "$out.raw" | LC_ALL=C sort -g >"$out.lat"
    grep -v '^> ' "$out.raw" >"$out"
    rm -f -- "$out.raw"
}

# dnsperf_summary OUT: "qps completed lost p50_us p99_us p999_us avg_us rcodes".
dnsperf_summary() {
    local out=$1 qps completed lost rcodes pct
    qps=$(awk -F: '/Queries per second/ { gsub(/ /, "", $2); printf "%.0f", $2 }' "$out")
    completed=$(awk '/Queries completed:/ { print $3 }' "$out")
    lost=$(awk '/Queries lost:/ { print $3 }' "$out")
    rcodes=$(sed -n 's/^ *Response codes: *//p' "$out" | sed 's/ ([0-9.]*%)//g; s/, /,/g; s/ /:/g')
    pct=$(awk '{ v[NR] = $1; s += $1 }
        function p(q,   i) { i = int(q * (NR - 1) + 0.5) + 1; return v[i] * 1e6 }
        END { if (NR == 0) { print "0 0 0 0"; exit }
              printf "%.0f %.0f %.0f %.0f", p(0.5), p(0.99), p(0.999), s / NR * 1e6 }' "$out.lat")
    echo "$qps ${completed:-0} ${lost:-0} $pct ${rcodes:-none}"
}

# median: the median of the numbers on stdin (mean of the middle two for an even count).
median() {
    LC_ALL=C sort -g | awk '{ v[NR] = $1 } END {
        if (NR == 0) { print "-"; exit }
        m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
        if (m == int(m)) print m; else printf "%.2f\n", m }'
}

# ---------------------------------------------------------------------------------------------
# Preparation: dependencies, binaries, bench zone, query mix, null_backend's table.

"$root/scripts/deps.sh" bench >&2
module_dir=$(pdns_server --no-config --config=default 2>/dev/null | sed -n 's/^# module-dir=//p')
for m in bind remote; do
    [[ -f $module_dir/lib${m}backend.so ]] || die "pdns backend $m missing in $module_dir"
done

rm -rf -- "$run"
mkdir -p -- "$run" "$bin"
if ((build)); then
    say "building mxsteerd (Release) in $build_dir"
    {
        cmake -S "$root" -B "$build_dir" -DCMAKE_BUILD_TYPE=Release -DMXSTEER_TESTS=OFF &&
            cmake --build "$build_dir" -j2 --target mxsteerd
    } >"$work/build.log" 2>&1 || die "build failed, see $work/build.log"
    say "building null_backend and loadgen (g++ -O2)"
    g++ -std=c++20 -O2 -Wall -Wextra -o "$bin/null_backend" "$here/null_backend.cpp"
    g++ -std=c++20 -O2 -Wall -Wextra -o "$bin/loadgen" "$here/loadgen.cpp" -luring
    g++ -std=c++20 -O2 -Wall -Wextra -o "$bin/floor_backend" "$here/floor_backend.cpp"
fi
for f in "$mxsteerd" "$bin/null_backend" "$bin/loadgen" "$bin/floor_backend"; do
    [[ -x $f ]] || die "$f is missing (run without --no-build)"
done

# The bench zone: zones/example.com.zone (apex with 5 in-zone exchanges with A and AAAA, SPF,
# DMARC, DKIM, CAA, SRV) plus 1,000 hosts h<i> with A and AAAA.
zone=$run/example.com.zone
{
    cat "$root/zones/example.com.zone"
    echo
    echo "; bench filler: 1,000 hosts"
    awk 'BEGIN { for (i = 1; i <= 1000; i++)
        printf "h%d\tIN A\t198.51.100.%d\n\tIN AAAA\t2001:db8:40::%x\n", i, i % 250 + 1, i }'
} >"$zone"

# The query mix, 100 lines that dnsperf cycles through: 50 % apex MX; 40 % A (the 5
# exchanges, www, submission, imap, 20 hosts); 10 % A for names that do not exist (NXDOMAIN).
queries=$run/queries.txt
awk 'BEGIN {
    split("mx-eu1 mx-eu2 mx-us1 mx-us2 mx-ap1", ex, " ")
    n = 0
    for (i = 1; i <= 10; i++) a[++n] = ex[(i - 1) % 5 + 1] ".example.com A"
    for (i = 1; i <= 4; i++) a[++n] = "www.example.com A"
    for (i = 1; i <= 3; i++) a[++n] = "submission.example.com A"
    for (i = 1; i <= 3; i++) a[++n] = "imap.example.com A"
    for (i = 1; i <= 20; i++) a[++n] = "h" i ".example.com A"
    for (i = 1; i <= 10; i++) a[++n] = "nx" i ".example.com A"
    k = 0
    for (i = 1; i <= 50; i++) { print "example.com MX"; print a[++k] }
}' >"$queries"
mx_queries=$run/q-mx.txt
a_queries=$run/q-a.txt
nx_queries=$run/q-nx.txt
echo "example.com MX" >"$mx_queries"
echo "mx-eu1.example.com A" >"$a_queries"
echo "nx1.example.com A" >"$nx_queries"

# null_backend's table: mxsteerd's own reply to every lookup the queries cause (each name
# queried, the apex, the wildcard probe; qtypes ANY, SOA and NS), and to getAllDomains.
say "recording mxsteerd's replies for null_backend's table"
mx_pid=
start_backend mx_pid mx "$run/table-mx.sock" "$run/table-mx.log" "$zone"
{
    for name in example.com '*.example.com' $(awk '{ print $1 }' "$queries" | sort -u); do
        for qtype in ANY SOA NS; do
            printf '{"method": "lookup", "parameters": {"local": "127.0.0.1", "qname": "%s.", "qtype": "%s", "real-remote": "127.0.0.1/32", "remote": "127.0.0.1", "zone-id": -1}}\n' \
                "$name" "$qtype"
        done
    done | sort -u
    echo '{"method": "getAllDomains", "parameters": {"include_disabled": true}}'
} >"$run/table-requests.txt"
"$bin/loadgen" --socket "$run/table-mx.sock" --once "$run/table-requests.txt" >"$run/table-replies.txt"
stop "$mx_pid"
paste <(sed -e 's/.*"qname": "\([^"]*\)", "qtype": "\([^"]*\)".*/\1 \2/' \
    -e 's/.*"method": "getAllDomains".*/method:getAllDomains/' "$run/table-requests.txt" |
    awk '/^method:/ { print; next } { print tolower($1) " " $2 }') "$run/table-replies.txt" \
    >"$run/null-table.tsv"
grep -q '^method:getAllDomains	{"result":\[{' "$run/null-table.tsv" ||
    die "mxsteerd's getAllDomains reply is not a zone list: $(tail -n 1 "$run/null-table.tsv")"
# The same with the apex MX records marked client-dependent ("scopeMask":24, in the
# context-free lookup too), as steered answers will be: pdns caches none of the apex replies.
sed '/^example\.com\. ANY[[:space:]]/ s/\("qtype":"MX"[^}]*\)}/\1,"scopeMask":24}/g' \
    "$run/null-table.tsv" >"$run/null-table-steered.tsv"
grep -q '"scopeMask":24' "$run/null-table-steered.tsv" || die "no MX record to mark as steered"

# ---------------------------------------------------------------------------------------------
# The report header.

cpu_model=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)
mem_mib=$(awk '/^MemTotal:/ { printf "%d", $2 / 1024 }' /proc/meminfo)
commit=$(git -C "$root" log -1 --format='%h ("%s")' 2>/dev/null || echo unknown)
dirty=$(git -C "$root" status --porcelain -- backend linter 2>/dev/null | wc -l)
echo "# Remote-backend benchmark run"
echo
echo "- command: \`bench/remote/run.sh${args:+ $args}\`"
echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "- machine: $(nproc) CPUs, ${cpu_model:-unknown CPU}, ${mem_mib} MiB RAM; kernel $(uname -r)"
echo "- load average at start: $(loadavg)"
echo "- hypervisor: $(dmesg 2>/dev/null | sed -n 's/.*Hypervisor detected: //p' | head -n 1 | grep . ||
    echo unknown); one system call (getppid) costs" \
    "$(taskset -c 1 "$bin/loadgen" --syscall-cost | sed 's/syscall_us=//') µs here"
if ((build)); then
    echo "- mxsteer: $commit, $dirty uncommitted file(s) under backend/ and linter/ at build time"
else
    echo "- mxsteer: HEAD is $commit; binaries not rebuilt (--no-build): mxsteerd from" \
        "$(date -u -r "$mxsteerd" '+%Y-%m-%d %H:%M UTC')"
fi
echo "- versions: $(pdns_server --version 2>&1 | sed -n 's/.*\(PowerDNS Authoritative Server [0-9.]*\).*/\1/p' | head -n 1);" \
    "$(dnsperf -h 2>&1 | sed -n 's/^Version /dnsperf /p')"
echo "- pinning: pdns_server and its backend process on CPU 0, dnsperf/loadgen on CPU 1" \
    "(taskset); pdns threads at their defaults (receiver-threads=1, distributor-threads=3)"
echo "- bench zone: zones/example.com.zone + 1,000 hosts (A+AAAA), $(grep -c . "$zone") lines;" \
    "query mix: 50 % \`example.com MX\` (5 in-zone exchanges), 40 % A of existing names, 10 % A" \
    "of missing names (NXDOMAIN)"
echo

# ---------------------------------------------------------------------------------------------
# a: dnsperf against pdns with each backend.

backend_label() {
    case $1 in
    mx) echo mxsteerd ;;
    bind) echo bind ;;
    null) echo null_backend ;;
    steer) echo "null_backend, steered MX" ;;
    esac
}

# pdns_with BE CACHE CB DIR: starts BE's process (if any) and pdns; sets PDNS_PID, PDNS_PORT,
# BE_PID (empty for bind), BE_LOG.
pdns_with() {
    local be=$1 cache=$2 cb=$3 dir=$4
    local -a lines
    mkdir -p -- "$dir"
    mapfile -t lines < <(cache_lines "$cache")
    [[ $cb == yes ]] || lines+=("consistent-backends=no")
    BE_PID=
    BE_LOG=$dir/backend.log
    case $be in
    mx)
        start_backend BE_PID mx "$dir/be.sock" "$BE_LOG" "$zone"
        lines+=(launch=remote "remote-connection-string=unix:path=$dir/be.sock,timeout=2000")
        ;;
    null)
        start_backend BE_PID null "$dir/be.sock" "$BE_LOG" "$run/null-table.tsv"
        lines+=(launch=remote "remote-connection-string=unix:path=$dir/be.sock,timeout=2000")
        ;;
    steer)
        start_backend BE_PID null "$dir/be.sock" "$BE_LOG" "$run/null-table-steered.tsv"
        lines+=(launch=remote "remote-connection-string=unix:path=$dir/be.sock,timeout=2000"
            edns-subnet-processing=yes)
        ;;
    bind)
        printf 'zone "example.com." { type master; file "%s"; };\n' "$zone" >"$dir/named.conf"
        lines+=(launch=bind "bind-config=$dir/named.conf")
        ;;
    esac
    start_pdns PDNS_PID PDNS_PORT "$dir" "${lines[@]}"
}

pdns_stop() {
    stop "$PDNS_PID"
    [[ -z $BE_PID ]] || stop "$BE_PID"
}

configs=()
for be in mx bind null; do
    for cache in off on; do
        for cb in yes no; do
            configs+=("$be $cache $cb")
        done
    done
done
# Steered answers are never cached by pdns: what caches-on looks like once MX is steered.
configs+=("steer on yes" "steer on no")

# dig_shape PORT NAME TYPE: "STATUS answer/authority/additional" record counts.
dig_shape() {
    dig @127.0.0.1 -p "$1" +norec +nocookie +time=2 +tries=1 "$2" "$3" 2>&1 |
        sed -n -e 's/.*status: \([A-Z]*\).*/\1/p' \
            -e 's/.*ANSWER: \([0-9]*\), AUTHORITY: \([0-9]*\), ADDITIONAL: \([0-9]*\).*/\1\/\2\/\3/p' |
        paste -sd' '
}

# The answers first: each backend, caches off, both consistent-backends settings.
check_answers() {
    local be cb
    echo "Answer check, caches off: status and answer/authority/additional record counts" \
        "(additional includes the OPT record); full dig output in bench/work/remote/run/check-*."
    echo
    echo "| backend | consistent-backends | \`example.com MX\` | \`mx-eu1.example.com A\` | \`nx1.example.com A\` |"
    echo "|---|---|---|---|---|"
    for be in mx bind null; do
        for cb in yes no; do
            pdns_with "$be" off "$cb" "$run/check-$be-$cb"
            echo "| $(backend_label "$be") | $cb | $(dig_shape "$PDNS_PORT" example.com MX) |" \
                "$(dig_shape "$PDNS_PORT" mx-eu1.example.com A) |" \
                "$(dig_shape "$PDNS_PORT" nx1.example.com A) |"
            dig @127.0.0.1 -p "$PDNS_PORT" +norec +nocookie example.com MX \
                >"$run/check-$be-$cb/dig-mx.txt" 2>&1 || true
            pdns_stop
        done
    done
    echo
    # The MX answer and additional sections themselves (sorted, TTLs kept) against bind's.
    local f sig ref same=() differ=()
    ref=$(mx_sections "$run/check-bind-yes/dig-mx.txt")
    for f in "$run"/check-*/dig-mx.txt; do
        sig=$(mx_sections "$f")
        f=${f%/dig-mx.txt}
        if [[ -n $sig && $sig == "$ref" ]]; then same+=("${f##*/check-}"); else differ+=("${f##*/check-}"); fi
    done
    echo "\`example.com MX\` answer + additional sections identical to bind's (yes) in:" \
        "${same[*]:-none}; different: ${differ[*]:-none}."
    echo
}

# mx_sections FILE: dig output's answer and additional records, sorted (OPT pseudo-section
# and comments left out).
mx_sections() {
    sed -n '/ANSWER SECTION/,/^$/p; /ADDITIONAL SECTION/,/^$/p' "$1" | grep -v -e '^;' -e '^$' |
        LC_ALL=C sort
}

if [[ $steps == *a* ]]; then
    say "a: answer check"
    check_answers
    : >"$run/a.tsv"
    n=${#configs[@]}
    for ((r = 1; r <= rounds; r++)); do
        for ((k = 0; k < n; k++)); do
            read -r be cache cb <<<"${configs[(k + (r - 1) * 5) % n]}"
            dir=$run/a-$r-$be-$cache-$cb
            say "a: round $r/$rounds: $(backend_label "$be"), caches $cache, consistent-backends=$cb"
            pdns_with "$be" "$cache" "$cb" "$dir"
            dnsperf_run "$PDNS_PORT" "$queries" "$dir/warmup" -l 1 -q "$outstanding"
            before=
            [[ $be == null || $be == steer ]] && before=$(null_counts "$BE_PID" "$BE_LOG")
            read -r pu0 ps0 <<<"$(cpu_ticks "$PDNS_PID")"
            bu0=0 bs0=0
            [[ -z $BE_PID ]] || read -r bu0 bs0 <<<"$(cpu_ticks "$BE_PID")"
            l1=$(load1)
            dnsperf_run "$PDNS_PORT" "$queries" "$dir/dnsperf" -l "$duration" -q "$outstanding"
            read -r pu1 ps1 <<<"$(cpu_ticks "$PDNS_PID")"
            bu1=0 bs1=0
            [[ -z $BE_PID ]] || read -r bu1 bs1 <<<"$(cpu_ticks "$BE_PID")"
            read -r qps completed lost p50 p99 p999 avg rcodes <<<"$(dnsperf_summary "$dir/dnsperf")"
            calls=-
            if [[ $be == null || $be == steer ]]; then
                after=$(null_counts "$BE_PID" "$BE_LOG")
                calls=$(awk -v a="$(count_field "$after" lookup)" -v b="$(count_field "$before" lookup)" \
                    -v q="$completed" 'BEGIN { printf "%.2f", (a - b) / q }')
                missing=$(count_field "$after" lookup_not_in_table)
                ((missing == 0)) || say "warning: $missing lookups were not in null_backend's table"
            fi
            # Latency without queueing: one query in flight (after the counters: not counted).
            dnsperf_run "$PDNS_PORT" "$queries" "$dir/latency" -l "$lat_duration" -q 1
            read -r _ _ _ lp50 lp99 lp999 _ _ <<<"$(dnsperf_summary "$dir/latency")"
            pdns_stop
            # CPU microseconds per completed query: pdns, backend (user+sys), backend sys only.
            cpu=$(awk -v q="$completed" -v t="$clk_tck" -v p=$((pu1 + ps1 - pu0 - ps0)) \
                -v b=$((bu1 + bs1 - bu0 - bs0)) -v s=$((bs1 - bs0)) \
                'BEGIN { f = 1e6 / t / q; printf "%.1f %.1f %.1f", p * f, b * f, s * f }')
            printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$r" \
                "$be" "$cache" "$cb" "$qps" "$p50" "$p99" "$p999" "$avg" "$lost" "$l1" "$cpu" \
                "$calls" "$rcodes" "$lp50" "$lp99" "$lp999" >>"$run/a.tsv"
            rm -f -- "$dir"/*.lat
        done
    done

    echo "## a. dnsperf: pdns_server + backend on CPU 0, dnsperf on CPU 1"
    echo
    echo "Medians of $rounds rounds. qps: ${duration} s of \`dnsperf -q $outstanding\` (saturating)." \
        "Latency: per query from \`dnsperf -v\` (send to answer), in a separate ${lat_duration} s run" \
        "with one query in flight (\`-q 1\`: no queueing), and in the saturating run (queueing" \
        "included). CPU µs/query from /proc/PID/stat (user+system) over the saturating run." \
        "lookups/query from null_backend's counters (the same replies as mxsteerd, so the same calls)."
    echo
    echo "| backend | caches | consistent-backends | qps | p50 µs -q 1 | p99 µs -q 1 | p99.9 µs -q 1 | p50 µs -q $outstanding | p99 µs -q $outstanding | pdns CPU µs/q | backend CPU µs/q | lookups/q | rcodes (last round) |"
    echo "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|"
    for c in "${configs[@]}"; do
        read -r be cache cb <<<"$c"
        sel() { awk -F'\t' -v b="$be" -v c="$cache" -v k="$cb" -v col="$1" \
            '$2 == b && $3 == c && $4 == k { print $col }' "$run/a.tsv"; }
        cpu_col() { sel 12 | awk -v i="$1" '{ split($0, f, " "); print f[i] }'; }
        printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' \
            "$(backend_label "$be")" "$cache" "$cb" "$(sel 5 | median)" "$(sel 15 | median)" \
            "$(sel 16 | median)" "$(sel 17 | median)" "$(sel 6 | median)" "$(sel 7 | median)" \
            "$(cpu_col 1 | median)" \
            "$(if [[ $be == bind ]]; then echo -; else cpu_col 2 | median; fi)" \
            "$(if [[ $be == null || $be == steer ]]; then sel 13 | median; else echo -; fi)" \
            "$(sel 14 | tail -n 1)"
    done
    echo
    echo "Ratios of the median qps:"
    echo
    echo "| caches | consistent-backends | mxsteerd / null_backend (target ≥ 0.9) | mxsteerd / bind |"
    echo "|---|---|---:|---:|"
    for cache in off on; do
        for cb in yes no; do
            q() { awk -F'\t' -v b="$1" -v c="$cache" -v k="$cb" \
                '$2 == b && $3 == c && $4 == k { print $5 }' "$run/a.tsv" | median; }
            awk -v m="$(q mx)" -v n="$(q null)" -v b="$(q bind)" -v c="$cache" -v k="$cb" \
                'BEGIN { printf "| %s | %s | %.2f | %.2f |\n", c, k, m / n, m / b }'
        done
    done
    echo
    echo "All rounds (round, backend, caches, consistent-backends, qps, p50/p99/p99.9/avg µs at" \
        "-q $outstanding, lost, load1 at start, CPU µs/q pdns/backend/backend-sys, lookups/q," \
        "rcodes, p50/p99/p99.9 µs at -q 1):"
    echo
    echo '```'
    cat "$run/a.tsv"
    echo '```'
    echo
fi

# ---------------------------------------------------------------------------------------------
# b: backend calls per DNS query, by query kind, caches and consistent-backends.

if [[ $steps == *b* ]]; then
    : >"$run/b.tsv"
    for mode in "off null" "qc null" "on null" "on steer"; do
        read -r cache be <<<"$mode"
        for cb in yes no; do
            dir=$run/b-$cache-$be-$cb
            say "b: calls per query: caches $cache, $(backend_label "$be"), consistent-backends=$cb"
            pdns_with "$be" "$cache" "$cb" "$dir"
            for kind in mx a nx; do
                qf=$run/q-$kind.txt
                dnsperf_run "$PDNS_PORT" "$qf" "$dir/$kind-warm" -n 200 -q 1
                before=$(null_counts "$BE_PID" "$BE_LOG")
                dnsperf_run "$PDNS_PORT" "$qf" "$dir/$kind" -n 1000 -q 1
                after=$(null_counts "$BE_PID" "$BE_LOG")
                read -r _ completed _ _ _ _ _ rcodes <<<"$(dnsperf_summary "$dir/$kind")"
                label=$cache
                [[ $be == steer ]] && label="$cache, steered MX"
                row="${label// /_} $cb $kind $completed $rcodes"
                for f in lookup lookup_noclient lookup_any lookup_soa lookup_ns getAllDomainMetadata; do
                    row+=" $(awk -v a="$(count_field "$after" "$f")" -v b="$(count_field "$before" "$f")" \
                        -v q="$completed" 'BEGIN { printf "%.2f", (a - b) / q }')"
                done
                echo "$row" >>"$run/b.tsv"
            done
            pdns_stop
        done
    done
    echo "## b. Backend calls per DNS query (null_backend's counters)"
    echo
    echo "1,000 identical queries after 200 warm-up queries, one in flight. caches: off =" \
        "\`query-cache-ttl=0 negquery-cache-ttl=0 cache-ttl=0\`; qc = packet cache off" \
        "(\`cache-ttl=0\`), query cache at its default; on = pdns defaults; steered MX =" \
        "null_backend with \`\"scopeMask\":24\` on the apex MX records and" \
        "\`edns-subnet-processing=yes\`, as mxsteerd's steered answers will be."
    echo
    echo "| query | caches | consistent-backends | lookups/q | context-free/q | ANY/q | SOA/q | NS/q | rcode |"
    echo "|---|---|---|---:|---:|---:|---:|---:|---|"
    for kind in mx a nx; do
        awk -v kind="$kind" '$3 == kind {
            name = (kind == "mx") ? "`example.com MX`" : (kind == "a") ? "`mx-eu1.example.com A`" : "`nx1.example.com A` (NXDOMAIN)"
            c = $1; gsub(/_/, " ", c)
            printf "| %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", name, c, $2, $6, $7, $8, $9, $10, $5
        }' "$run/b.tsv"
    done
    echo
fi

# ---------------------------------------------------------------------------------------------
# c: loadgen, the protocol alone.

# loadgen_rounds LABEL KIND ARG REQUESTS TSV [CPU [IO [CONNECTIONS]]]: for each round, a fresh
# backend on CPU 0 and loadgen on CPU (default 1) with --io IO (default poll) and CONNECTIONS
# (default 4); appends "round label rate p50 p90 p99 p999 max bytes errors load1 cpu_us sys_us"
# rows.
loadgen_rounds() {
    local label=$1 kind=$2 arg=$3 requests=$4 tsv=$5 cpu=${6:-1} io=${7:-poll} conns=${8:-4}
    local r pid out u0 s0 u1 s1 l1
    for ((r = 1; r <= rounds; r++)); do
        say "c: round $r/$rounds: loadgen against $label"
        start_backend pid "$kind" "$run/lg.sock" "$run/lg-${label//[^a-z0-9]/_}-$r.log" "$arg"
        read -r u0 s0 <<<"$(cpu_ticks "$pid")"
        l1=$(load1)
        out=$(taskset -c "$cpu" "$bin/loadgen" --socket "$run/lg.sock" --requests "$requests" \
            --duration "$duration" --io "$io" --connections "$conns") || die "loadgen failed: $out"
        read -r u1 s1 <<<"$(cpu_ticks "$pid")"
        stop "$pid"
        echo "$out" >>"$run/loadgen-raw.txt"
        awk -v r="$r" -v label="$label" -v l1="$l1" -v t="$clk_tck" -v u=$((u1 - u0)) \
            -v s=$((s1 - s0)) -v d="$duration" '{
            for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
            # CPU of the backend over warm-up + measurement, per lookup at the measured rate.
            n = v["rate"] * (d + 1)
            printf "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%.2f\t%.2f\n", r, label, v["rate"],
                v["p50_us"], v["p90_us"], v["p99_us"], v["p999_us"], v["max_us"],
                v["reply_bytes_avg"], v["errors"], l1, (u + s) * 1e6 / t / n, s * 1e6 / t / n
        }' <<<"$out" >>"$tsv"
    done
}

loadgen_table() {
    local tsv=$1 label
    echo "| backend | lookups/s | p50 µs | p90 µs | p99 µs | p99.9 µs | max µs | reply bytes | CPU µs/lookup (sys) | errors |"
    echo "|---|---:|---:|---:|---:|---:|---:|---:|---|---:|"
    while IFS= read -r label; do
        col() { awk -F'\t' -v l="$label" -v c="$1" '$2 == l { print $c }' "$tsv" | median; }
        printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s (%s) | %s |\n' "$label" "$(col 3)" \
            "$(col 4)" "$(col 5)" "$(col 6)" "$(col 7)" "$(col 8)" "$(col 9)" "$(col 12)" \
            "$(col 13)" "$(col 10)"
    done < <(cut -f2 "$tsv" | awk '!seen[$0]++')
    echo
    echo "All rounds (round, backend, lookups/s, p50/p90/p99/p99.9/max µs, reply bytes, errors," \
        "load1 at start, CPU µs/lookup, sys µs/lookup):"
    echo
    echo '```'
    cat "$tsv"
    echo '```'
    echo
}

if [[ $steps == *c* ]]; then
    # The request mix: the lookup lines pdns itself sent for one pass over the query mix
    # (caches off, consistent-backends=yes), recorded by null_backend.
    say "c: recording pdns's lookups for one pass over the query mix"
    dir=$run/c-record
    mkdir -p -- "$dir"
    rec_pid=
    spawn rec_pid 0 "$dir/backend.log" "$bin/null_backend" --socket "$dir/be.sock" \
        --table "$run/null-table.tsv" --record "$run/lookups.txt"
    for ((n = 0; n < 100; n++)); do
        unix_listening "$dir/be.sock" && break
        sleep 0.1
    done
    BE_PID=$rec_pid
    mapfile -t off_lines < <(cache_lines off)
    start_pdns PDNS_PID PDNS_PORT "$dir" "${off_lines[@]}" launch=remote \
        "remote-connection-string=unix:path=$dir/be.sock,timeout=2000"
    dnsperf_run "$PDNS_PORT" "$queries" "$dir/pass" -n 1 -q 1
    pdns_stop
    nlookups=$(grep -c . "$run/lookups.txt")
    : >"$run/c.tsv"
    loadgen_rounds mxsteerd mx "$zone" "$run/lookups.txt" "$run/c.tsv"
    loadgen_rounds null_backend null "$run/null-table.tsv" "$run/lookups.txt" "$run/c.tsv"
    # Diagnostic: the same with loadgen on CPU 0 as well (no wake-up across CPUs; pdns and its
    # backend share CPU 0 in a).
    loadgen_rounds "mxsteerd, loadgen on CPU 0" mx "$zone" "$run/lookups.txt" "$run/c.tsv" 0
    loadgen_rounds "null_backend, loadgen on CPU 0" null "$run/null-table.tsv" \
        "$run/lookups.txt" "$run/c.tsv" 0
    # The backend alone, without the cost of waking its client: loadgen never sleeps (spin), or
    # batches its reads and writes with io_uring.
    loadgen_rounds "mxsteerd, loadgen spinning" mx "$zone" "$run/lookups.txt" "$run/c.tsv" 1 spin
    loadgen_rounds "null_backend, loadgen spinning" null "$run/null-table.tsv" \
        "$run/lookups.txt" "$run/c.tsv" 1 spin
    loadgen_rounds "mxsteerd, loadgen io_uring" mx "$zone" "$run/lookups.txt" "$run/c.tsv" 1 uring
    # The floor under any backend: floor_backend answers every line with a fixed reply of the
    # same size and does nothing else; spinning (--spin 1) it is never woken either. With one
    # connection nothing queues: what is left is the round trip itself.
    loadgen_rounds "floor_backend, loadgen spinning" floor 0 "$run/lookups.txt" "$run/c.tsv" 1 spin
    loadgen_rounds "floor_backend spinning, loadgen spinning" floor 1 "$run/lookups.txt" \
        "$run/c.tsv" 1 spin
    loadgen_rounds "mxsteerd, loadgen spinning, 1 connection" mx "$zone" "$run/lookups.txt" \
        "$run/c.tsv" 1 spin 1
    loadgen_rounds "floor_backend spinning, loadgen spinning, 1 connection" floor 1 \
        "$run/lookups.txt" "$run/c.tsv" 1 spin 1
    echo "## c. loadgen: the remote-backend protocol alone (backend on CPU 0, loadgen on CPU 1)"
    echo
    echo "4 connections (unless the row says 1), one request in flight each, ${duration} s after" \
        "1 s of warm-up, medians" \
        "of $rounds rounds. Requests: the $nlookups lookup lines pdns sent for one pass over the" \
        "query mix (caches off, consistent-backends=yes), replayed in turn. Latency: write of" \
        "the request to the end of the reply line, in loadgen. Targets: ≥ 150,000 lookups/s," \
        "p99 ≤ 50 µs."
    echo
    loadgen_table "$run/c.tsv"
fi

# ---------------------------------------------------------------------------------------------
# d: memory on generated zones (and loadgen on the biggest one).

if [[ $steps == *d* ]]; then
    : >"$run/d.tsv"
    zdir=$work/zones # generated once, deterministic
    mkdir -p -- "$zdir"
    say "d: mxsteerd on the bench zone"
    start_backend pid mx "$run/mem.sock" "$run/mem-bench.log" "$zone"
    sleep 0.5
    read -r rss hwm <<<"$(mem_kib "$pid")"
    echo "mxsteerd bench-zone $rss $hwm - $(load1)" >>"$run/d.tsv"
    stop "$pid"
    biggest=
    for n in $mem_records; do
        zf=$zdir/example.com.$n.zone
        if [[ ! -s $zf ]]; then
            say "d: generating a $n-record zone"
            "$root/bench/gen_zone.sh" --records "$n" --out "$zf.tmp"
            mv -- "$zf.tmp" "$zf"
        fi
        biggest=$zf
        say "d: mxsteerd loading $n records"
        t0=$(date +%s.%N)
        start_backend pid mx "$run/mem.sock" "$run/mem-$n.log" "$zf"
        t1=$(date +%s.%N)
        sleep 0.5
        read -r rss hwm <<<"$(mem_kib "$pid")"
        echo "mxsteerd $n $rss $hwm $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }') $(load1)" \
            >>"$run/d.tsv"
        stop "$pid"

        say "d: pdns + bind loading $n records"
        dir=$run/d-bind-$n
        mkdir -p -- "$dir"
        printf 'zone "example.com." { type master; file "%s"; };\n' "$zf" >"$dir/named.conf"
        t0=$(date +%s.%N)
        start_pdns PDNS_PID PDNS_PORT "$dir" launch=bind "bind-config=$dir/named.conf"
        # The bind backend may finish parsing after "ready"; the last record answers then.
        last=$(awk '$1 !~ /^[;$]/ && NF >= 3 { l = $1 } END { print l }' "$zf")
        for ((k = 0; k < 600; k++)); do
            dig @127.0.0.1 -p "$PDNS_PORT" +norec +nocookie +time=2 +tries=1 "$last.example.com" A |
                grep -q 'status: NOERROR' && break
            sleep 0.5
        done
        t1=$(date +%s.%N)
        read -r rss hwm <<<"$(mem_kib "$PDNS_PID")"
        echo "pdns+bind $n $rss $hwm $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }') $(load1)" \
            >>"$run/d.tsv"
        stop "$PDNS_PID"
    done
    # pdns alone with the remote backend (its own share when serving through mxsteerd).
    dir=$run/d-remote
    pdns_with null off yes "$dir"
    read -r rss hwm <<<"$(mem_kib "$PDNS_PID")"
    echo "pdns+remote(null_backend) bench-zone $rss $hwm - $(load1)" >>"$run/d.tsv"
    pdns_stop

    echo "## d. Memory"
    echo
    echo "VmRSS (after loading, idle) and VmHWM (peak, includes mxsteerd's lint pass over the zone)" \
        "from /proc/PID/status; load time = start to serving (mxsteerd: socket listening; pdns+bind:" \
        "the zone's last record answers). Zones from \`bench/gen_zone.sh --records N\`."
    echo
    echo "| process | records | VmRSS MiB | VmHWM MiB | load s | load1 |"
    echo "|---|---:|---:|---:|---:|---:|"
    awk '{ printf "| %s | %s | %.1f | %.1f | %s | %s |\n", $1, $2, $3 / 1024, $4 / 1024, $5, $6 }' \
        "$run/d.tsv"
    echo
    read -r -a sizes <<<"$mem_records"
    if ((${#sizes[@]} >= 2)); then
        lo=${sizes[0]} hi=${sizes[${#sizes[@]} - 1]}
        for p in mxsteerd pdns+bind; do
            awk -v p="$p" -v lo="$lo" -v hi="$hi" '$1 == p && $2 == lo { a = $3 } $1 == p && $2 == hi { b = $3 }
                END { if (a && b) printf "- %s: %.1f MiB per 100,000 records (VmRSS, %s → %s records)\n", p, (b - a) / 1024 / ((hi - lo) / 100000), lo, hi }' \
                "$run/d.tsv"
        done
        echo
    fi

    if [[ -n $biggest ]]; then
        # loadgen against mxsteerd serving the biggest zone: ANY lookups of 20,000 names spread
        # over it (a third of them missing), the shape of pdns's client lookups.
        awk 'NR > 2 && $1 !~ /^[;$]/ && $1 != "@" { n[++c] = $1 } END {
            for (i = 1; i <= 20000; i++) {
                name = n[int((i * 7919) % c) + 1]
                if (i % 3 == 0) name = "nx" i "." name
                printf "{\"method\": \"lookup\", \"parameters\": {\"local\": \"127.0.0.1\", \"qname\": \"%s.example.com.\", \"qtype\": \"ANY\", \"real-remote\": \"127.0.0.1/32\", \"remote\": \"127.0.0.1\", \"zone-id\": -1}}\n", name
            } }' "$biggest" >"$run/lookups-big.txt"
        : >"$run/d-loadgen.tsv"
        nrec=$(basename "$biggest" .zone)
        loadgen_rounds "mxsteerd-${nrec##*.}" mx "$biggest" "$run/lookups-big.txt" "$run/d-loadgen.tsv"
        echo "loadgen against mxsteerd serving the ${nrec##*.}-record zone (20,000 names spread over" \
            "the zone, a third of them missing, qtype ANY; medians of $rounds rounds):"
        echo
        loadgen_table "$run/d-loadgen.tsv"
    fi
fi

echo "load average at end: $(loadavg)"
