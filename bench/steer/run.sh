#!/usr/bin/env bash
# run.sh: the issue-4 benchmarks. Steered MX answers through pdns_server 4.7.3 with
# mxsteerd (unix connector), with a zero-work responder (null_backend), with pdns's GeoIP
# backend and with LUA records; then dnsdist (examples/dnsdist.conf, cache on) in front of
# pdns + mxsteerd with a Zipf mix over 2,000 client /24s.
# SPDX-License-Identifier: MIT
#
# usage: bench/steer/run.sh [--rounds N] [--duration S] [--no-build]
#
#   --rounds N     measured rounds of every configuration (default 3)
#   --duration S   seconds per measurement (dnsperf -l; default 10)
#   --no-build     use the binaries already in bench/work (no cmake, no g++)
#
# Markdown report on stdout, progress on stderr, raw data in bench/work/steer/run/.
# Everything listens on 127.0.0.1 or unix sockets; pdns has an empty security-poll-suffix,
# dnsdist setSecurityPollSuffix(""). Servers (dnsdist, pdns_server, its backend) run on CPU 0,
# dnsperf on CPU 1 (taskset). Every process started here is stopped by PID on exit.
set -euo pipefail

rounds=3
duration=10
build=1
args="$*"
usage() {
    [[ ${1:-2} -eq 0 ]] || exec >&2
    sed -n '8,12p' "$0" | sed 's/^# \{0,1\}//'
    exit "${1:-2}"
}
while (($#)); do
    case "$1" in
    --rounds) rounds=${2:?}; shift 2 ;;
    --duration) duration=${2:?}; shift 2 ;;
    --no-build) build=0; shift ;;
    -h | --help) usage 0 ;;
    *) echo "run.sh: unknown argument '$1'" >&2; usage ;;
    esac
done
[[ $rounds =~ ^[1-9][0-9]*$ && $duration =~ ^[1-9][0-9]*$ ]] || usage

here=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
root=$(cd -- "$here/../.." && pwd)
build_dir=$root/bench/work/build-steer # git-ignored
work=$root/bench/work/steer
bin=$work/bin
run=$work/run
data=$run/data
mxsteerd=$build_dir/backend/mxsteerd

# shellcheck source=bench/proc.sh
source "$here/../proc.sh"

wait_socket() { # wait_socket PID SOCK LOG
    local n
    for ((n = 0; n < 3000; n++)); do
        unix_listening "$2" && return 0
        alive "$1" || { tail -n 20 -- "$3" >&2; die "backend exited during startup ($3)"; }
        sleep 0.1
    done
    die "backend not listening on $2"
}
# start_pdns PIDVAR PORTVAR DIR LINE...
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
        echo "edns-subnet-processing=yes"
        printf '%s\n' "$@"
    } >"$dir/pdns.conf"
    spawn sp_pid 0 "$dir/pdns.log" pdns_server --config-dir="$dir"
    for ((n = 0; n < 3000; n++)); do
        if grep -qs 'ready to distribute questions' "$dir/pdns.log"; then
            printf -v "$pvar" '%s' "$sp_pid"
            printf -v "$portvar" '%s' "$sp_port"
            return 0
        fi
        alive "$sp_pid" || { tail -n 20 -- "$dir/pdns.log" >&2; die "pdns_server exited during startup ($dir)"; }
        sleep 0.1
    done
    die "pdns_server not ready ($dir)"
}
median() {
    grep -E '^[0-9.]+$' | LC_ALL=C sort -g | awk '{ v[NR] = $1 } END {
        if (NR == 0) { print "-"; exit }
        m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
        if (m == int(m)) print m; else printf "%.2f\n", m }'
}

# ---------------------------------------------------------------------------------------------
"$root/scripts/deps.sh" bench >&2
command -v dnsdist >/dev/null || die "dnsdist missing (scripts/deps.sh bench installs it)"
module_dir=$(pdns_server --no-config --config=default 2>/dev/null | sed -n 's/^# module-dir=//p')
for m in bind remote geoip; do
    [[ -f $module_dir/lib${m}backend.so ]] || die "pdns backend $m missing in $module_dir"
done
perl -MMaxMind::DB::Writer::Tree -e 1 2>/dev/null ||
    die "MaxMind::DB::Writer missing (apt-get install libmaxmind-db-writer-perl)"

rm -rf -- "$run"
mkdir -p -- "$run" "$data" "$bin"
if ((build)); then
    say "building mxsteerd (Release) in $build_dir"
    {
        cmake -S "$root" -B "$build_dir" -DCMAKE_BUILD_TYPE=Release -DMXSTEER_TESTS=OFF &&
            cmake --build "$build_dir" -j2 --target mxsteerd
    } >"$work/build.log" 2>&1 || die "build failed, see $work/build.log"
    g++ -std=c++20 -O2 -Wall -Wextra -o "$bin/null_backend" "$root/bench/remote/null_backend.cpp"
    g++ -std=c++20 -O2 -Wall -Wextra -o "$bin/loadgen" "$root/bench/remote/loadgen.cpp"
fi
for f in "$mxsteerd" "$bin/null_backend" "$bin/loadgen"; do
    [[ -x $f ]] || die "$f is missing (run without --no-build)"
done

say "generating subnets, MMDB, query files, zones"
python3 "$here/gen.py" "$data"
perl "$here/write_mmdb.pl" "$data/subnets.tsv" "$data/geo.mmdb"

# The region orders (the e2e test's): exchanges "pref name" in answer order.
declare -A ORDER=(
    [eu]="10 mx-eu1 10 mx-eu2 20 mx-us1 20 mx-us2 30 mx-ap1"
    [us]="10 mx-us1 10 mx-us2 20 mx-eu1 20 mx-eu2 30 mx-ap1"
    [apac]="10 mx-ap1 20 mx-us1 20 mx-us2 30 mx-eu1 30 mx-eu2"
)
# The zone: zones/example.com.zone plus the steered name (the zone's canonical order).
zone=$data/example.com.zone
{
    cat "$root/zones/example.com.zone"
    echo
    echo "; bench: the steered name (the GeoIP backend cannot steer a name that has other records)"
    printf 'steered\tIN MX\t%s %s\n' 10 mx-eu1 10 mx-eu2 20 mx-us1 20 mx-us2 30 mx-ap1
} >"$zone"

# mxsteerd config: STEER_NAME steered, 3 regions, [networks] = the 2,000 subnets (file).
mx_config() { # mx_config FILE STEERNAME
    cat >"$1" <<EOF
log_level = "warning"
[[zones]]
file = "$zone"
[[regions]]
name = "eu"
[[regions]]
name = "us"
[[regions]]
name = "apac"
[networks]
files = ["$data/networks.txt"]
[geoip]
default = "eu"
[[steer]]
name = "$2"
ttl_min = 60
ttl_max = 60
[[steer.pools]]
name = "eu"
exchanges = ["mx-eu1.example.com.", "mx-eu2.example.com."]
[[steer.pools]]
name = "us"
exchanges = ["mx-us1.example.com.", "mx-us2.example.com."]
[[steer.pools]]
name = "apac"
exchanges = ["mx-ap1.example.com."]
[steer.order]
eu = ["eu", "us", "apac"]
us = ["us", "eu", "apac"]
apac = ["apac", "us", "eu"]
EOF
}
mx_config "$data/mxsteer.toml" steered.example.com.
mx_config "$data/mxsteer-apex.toml" example.com.

# GeoIP backend zone (YAML): the service steered.example.com -> %co.mx.example.com, whose MX
# sets are the regions' orders with TTL 60; the exchanges' A/AAAA for the additional section.
geo_mx() {
    local -a l
    read -r -a l <<<"${ORDER[$1]}"
    for ((i = 0; i < ${#l[@]}; i += 2)); do
        echo "      - mx: ${l[i]} ${l[i + 1]}.example.com"
    done
}
{
    cat <<EOF
domains:
- domain: example.com
  ttl: 60
  records:
    example.com:
      - soa: ns1.example.com hostmaster.example.com 2026112701 7200 3600 1209600 300
      - ns: ns1.example.com
      - ns: ns2.example.com
EOF
    for cr in de:eu us:us jp:apac; do
        echo "    ${cr%%:*}.mx.example.com:"
        geo_mx "${cr#*:}"
    done
    for h in mx-eu1:192.0.2.11:2001:db8:10::11 mx-eu2:192.0.2.12:2001:db8:10::12 \
        mx-us1:198.51.100.21:2001:db8:20::21 mx-us2:198.51.100.22:2001:db8:20::22 \
        mx-ap1:203.0.113.31:2001:db8:30::31; do # zones/example.com.zone's addresses
        IFS=: read -r n a aaaa <<<"$h"
        printf '    %s.example.com:\n      - a: %s\n      - aaaa: %s\n' "$n" "$a" "${h#*:*:}"
    done
    echo "  services:"
    echo "    steered.example.com: '%co.mx.example.com'"
} >"$data/geo.yaml"
printf 'domains: []\n' >"$data/geo-empty.yaml"

# LUA zone: the bind backend, the same zone with the steered MX as an LUA record by country().
lua_list() {
    local -a l
    local out=
    read -r -a l <<<"${ORDER[$1]}"
    for ((i = 0; i < ${#l[@]}; i += 2)); do
        out+="${out:+,}'${l[i]} ${l[i + 1]}.example.com.'"
    done
    echo "{$out}"
}
{
    cat "$root/zones/example.com.zone"
    echo
    printf "steered 60 IN LUA MX \";if country('DE') then return %s elseif country('US') then return %s elseif country('JP') then return %s else return %s end\"\n" \
        "$(lua_list eu)" "$(lua_list us)" "$(lua_list apac)" "$(lua_list eu)"
} >"$data/lua.zone"
printf 'zone "example.com." { type master; file "%s"; };\n' "$data/lua.zone" >"$data/lua-named.conf"

# null_backend's table: mxsteerd's own replies for every lookup an MX query causes, asked
# with the client 127.1.0.0/24 (eu): one canned steered answer (scopeMask 24) for everyone.
# record_table CONFIG OUT: null_backend's table of mxsteerd's replies (CONFIG's steering) for
# every lookup an MX query causes, asked with the client 127.1.0.0/24 (eu): one canned steered
# answer (scopeMask 24) for every client.
record_table() {
    local tpid
    rm -f -- "$data/table.sock"
    spawn tpid 0 "$data/table-mx.log" "$mxsteerd" --config "$1" --listen "unix:$data/table.sock"
    wait_socket "$tpid" "$data/table.sock" "$data/table-mx.log"
    {
        for name in example.com steered.example.com '*.example.com' ns1.example.com ns2.example.com \
            mx-eu1.example.com mx-eu2.example.com mx-us1.example.com mx-us2.example.com mx-ap1.example.com; do
            for qtype in ANY SOA NS MX A AAAA; do
                printf '{"method": "lookup", "parameters": {"local": "127.0.0.1", "qname": "%s.", "qtype": "%s", "real-remote": "127.1.0.0/24", "remote": "127.0.0.1", "zone-id": -1}}\n' "$name" "$qtype"
            done
        done
        echo '{"method": "getAllDomains", "parameters": {"include_disabled": true}}'
    } >"$data/table-requests.txt"
    "$bin/loadgen" --socket "$data/table.sock" --once "$data/table-requests.txt" >"$data/table-replies.txt"
    stop "$tpid"
    paste <(sed -e 's/.*"qname": "\([^"]*\)", "qtype": "\([^"]*\)".*/\1 \2/' \
        -e 's/.*"method": "getAllDomains".*/method:getAllDomains/' "$data/table-requests.txt" |
        awk '/^method:/ { print; next } { print tolower($1) " " $2 }') "$data/table-replies.txt" >"$2"
    grep -q '"scopeMask":24' "$2" || die "mxsteerd's table $2 has no steered (scopeMask 24) record"
}
say "recording mxsteerd's replies for null_backend's tables"
record_table "$data/mxsteer.toml" "$data/null-table.tsv"
record_table "$data/mxsteer-apex.toml" "$data/null-table-apex.tsv"

# dnsdist: examples/dnsdist.conf with its addresses rewritten, plus a console for dumpStats().
console_key=$(head -c 32 /dev/urandom | base64)

# setup_start CFG DIR: starts CFG's processes; sets PORT (where dnsperf sends), QFILE, QNAME,
# PDNS_PID, BE_PID, DD_PID, DD_CONF.
setup_start() {
    local cfg=$1 dir=$2 pport
    mkdir -p -- "$dir"
    BE_PID= DD_PID= DD_CONF=
    QFILE=$data/q-uniform.bin QNAME=steered.example.com
    case $cfg in
    mxsteerd | mxsteerd-apex | dnsdist)
        local conf=$data/mxsteer.toml
        if [[ $cfg == mxsteerd-apex ]]; then conf=$data/mxsteer-apex.toml QFILE=$data/q-uniform-apex.bin QNAME=example.com; fi
        rm -f -- "$dir/be.sock"
        spawn BE_PID 0 "$dir/backend.log" "$mxsteerd" --config "$conf" --listen "unix:$dir/be.sock"
        wait_socket "$BE_PID" "$dir/be.sock" "$dir/backend.log"
        start_pdns PDNS_PID pport "$dir" launch=remote "remote-connection-string=unix:path=$dir/be.sock,timeout=2000"
        ;;
    null | null-apex)
        local table=$data/null-table.tsv
        if [[ $cfg == null-apex ]]; then table=$data/null-table-apex.tsv QFILE=$data/q-uniform-apex.bin QNAME=example.com; fi
        rm -f -- "$dir/be.sock"
        spawn BE_PID 0 "$dir/backend.log" "$bin/null_backend" --socket "$dir/be.sock" --table "$table"
        wait_socket "$BE_PID" "$dir/be.sock" "$dir/backend.log"
        start_pdns PDNS_PID pport "$dir" launch=remote "remote-connection-string=unix:path=$dir/be.sock,timeout=2000"
        ;;
    geoip)
        start_pdns PDNS_PID pport "$dir" launch=geoip "geoip-database-files=$data/geo.mmdb" "geoip-zones-file=$data/geo.yaml"
        ;;
    lua)
        start_pdns PDNS_PID pport "$dir" launch=bind,geoip "bind-config=$data/lua-named.conf" \
            enable-lua-records=shared "geoip-database-files=$data/geo.mmdb" "geoip-zones-file=$data/geo-empty.yaml"
        ;;
    esac
    PORT=$pport
    if [[ $cfg == dnsdist ]]; then
        local dport cport n
        pick_port dport
        pick_port cport
        DD_CONF=$dir/dnsdist.conf
        sed -e "s|^setLocal(\"0.0.0.0:53\")|setLocal(\"127.0.0.1:$dport\")|" \
            -e '/^addLocal(/d' \
            -e 's|^setACL(.*|setACL({"127.0.0.0/8"})|' \
            -e "s|address = \"127.0.0.1:5300\"|address = \"127.0.0.1:$pport\"|" \
            -e 's|checkName = "example.com."|checkName = "example.com."|' \
            "$root/examples/dnsdist.conf" >"$DD_CONF"
        printf 'controlSocket("127.0.0.1:%s")\nsetKey("%s")\n' "$cport" "$console_key" >>"$DD_CONF"
        grep -q "127.0.0.1:$dport" "$DD_CONF" && grep -q "127.0.0.1:$pport" "$DD_CONF" || die "could not rewrite dnsdist.conf"
        dnsdist --check-config -C "$DD_CONF" >/dev/null || die "dnsdist.conf rejected"
        spawn DD_PID 0 "$dir/dnsdist.log" dnsdist --supervised --disable-syslog -C "$DD_CONF"
        for ((n = 0; n < 300; n++)); do
            dig @127.0.0.1 -p "$dport" +time=1 +tries=1 mx-eu1.example.com A >/dev/null 2>&1 && break
            alive "$DD_PID" || die "dnsdist exited ($dir/dnsdist.log)"
            sleep 0.1
        done
        PORT=$dport
    fi
}
setup_stop() {
    [[ -z $DD_PID ]] || stop "$DD_PID"
    stop "$PDNS_PID"
    [[ -z $BE_PID ]] || stop "$BE_PID"
}
# dd_stat NAME...: dnsdist counters from dumpStats() via the console.
dd_stats() {
    dnsdist -C "$DD_CONF" -c -e 'dumpStats()' 2>/dev/null | tr -s ' \t' '\n' | paste - - >"$1"
}
# cpu_ticks PID...: user + system clock ticks of the processes, summed.
cpu_ticks() {
    local pid stat t=0
    local -a f
    for pid in "$@"; do
        [[ -n $pid ]] || continue
        stat=$(cat /proc/"$pid"/stat 2>/dev/null) || continue
        read -r -a f <<<"${stat##*) }"
        t=$((t + f[11] + f[12]))
    done
    echo "$t"
}
clk_tck=$(getconf CLK_TCK)
stat_of() { awk -v k="$2" '$1 == k { print $2 }' "$1"; }

label() {
    case $1 in
    mxsteerd) echo "a. pdns + mxsteerd" ;;
    mxsteerd-apex) echo "a'. pdns + mxsteerd, apex MX" ;;
    null) echo "b. pdns + null_backend (ceiling)" ;;
    null-apex) echo "b'. pdns + null_backend, apex MX" ;;
    geoip) echo "c. pdns + GeoIP backend" ;;
    lua) echo "d. pdns + LUA records (shared)" ;;
    dnsdist) echo "2. dnsdist + pdns + mxsteerd (Zipf, 2,000 /24s)" ;;
    esac
}

configs=(mxsteerd null geoip lua mxsteerd-apex null-apex dnsdist)

# ---------------------------------------------------------------------------------------------
cpu_model=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)
mem_mib=$(awk '/^MemTotal:/ { printf "%d", $2 / 1024 }' /proc/meminfo)
commit=$(git -C "$root" log -1 --format='%h ("%s")' 2>/dev/null || echo unknown)
echo "# Steering benchmark run (bench/steer/run.sh)"
echo
echo "- command: \`bench/steer/run.sh${args:+ $args}\`"
echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "- machine: $(nproc) CPUs, ${cpu_model:-unknown CPU}, ${mem_mib} MiB RAM; kernel $(uname -r)"
echo "- load average at start: $(loadavg)"
if ((build)); then
    echo "- mxsteer: $commit (the working tree as it was, built now)"
else
    echo "- mxsteer: HEAD is $commit; binaries not rebuilt (--no-build): mxsteerd from" \
        "$(date -u -r "$mxsteerd" '+%Y-%m-%d %H:%M UTC')"
fi
echo "- versions: $(pdns_server --version 2>&1 | sed -n 's/.*\(PowerDNS Authoritative Server [0-9.]*\).*/\1/p' | head -n 1);" \
    "$(dnsdist --version 2>&1 | head -n 1 | cut -d' ' -f1-2); $(dnsperf -h 2>&1 | sed -n 's/^Version /dnsperf /p')"
echo "- pinning: pdns_server, its backend process and dnsdist on CPU 0; dnsperf on CPU 1"
echo

# The answer check: dig from one subnet per region, then check.py over all 2,000 subnets.
echo "## Answer check (before measuring)"
echo
echo "dig \`+subnet=\` from one /24 of each region (MX answer in pref order, ECS scope), then"
echo "\`check.py\` over all 2,000 subnets (MX set compared with the subnet's region):"
echo
echo '```'
for cfg in "${configs[@]}"; do
    setup_start "$cfg" "$run/check-$cfg"
    for s in 127.1.0.0:eu 127.1.1.0:us 127.1.2.0:apac; do
        out=$(dig @127.0.0.1 -p "$PORT" +norec +time=2 +tries=2 "$QNAME" MX "+subnet=${s%%:*}/24")
        ans=$(awk '/^;; ANSWER SECTION/ { a = 1; next } /^$/ { a = 0 } a && $4 == "MX" { print $5 " " $6 }' <<<"$out" | sort -n | paste -sd, - | sed 's/\.example\.com\.//g')
        scope=$(sed -n 's/^; CLIENT-SUBNET: .*\/\([0-9]*\)$/\1/p' <<<"$out")
        ttl=$(awk '/^;; ANSWER SECTION/ { a = 1; next } a && $4 == "MX" { print $2; exit }' <<<"$out")
        printf '%-16s %-13s %-5s dig %s MX +subnet=%s/24: %s ttl=%s scope=%s\n' "$cfg" "${s#*:}" \
            "$(grep -o 'status: [A-Z]*' <<<"$out" | cut -d' ' -f2)" "$QNAME" "${s%%:*}" "$ans" "$ttl" "${scope:-none}"
    done
    if [[ $cfg == null* ]]; then
        echo "null             (canned eu answer for every client: all-subnet check not applicable)"
    else
        res=$(python3 "$here/check.py" "$PORT" "$data/subnets.tsv" "$QNAME" 2>&1) || {
            echo "$cfg: $res"
            echo '```'
            die "wrong answers from $cfg: $res"
        }
        echo "$cfg check.py: $res"
    fi
    setup_stop
done
echo '```'
echo

# ---------------------------------------------------------------------------------------------
say "measuring: $rounds rounds x ${#configs[@]} configurations x ${duration} s"
results=$run/results.tsv
: >"$results"
ncfg=${#configs[@]}
for ((r = 1; r <= rounds; r++)); do
    for ((k = 0; k < ncfg; k++)); do
        cfg=${configs[$(((k + r - 1) % ncfg))]}
        dir=$run/r$r-$cfg
        setup_start "$cfg" "$dir"
        # 1 s of warm-up (fills dnsdist's cache with the most popular subnets, pdns's zone cache)
        qf=$QFILE
        [[ $cfg == dnsdist ]] && qf=$data/q-zipf.bin
        taskset -c 1 dnsperf -s 127.0.0.1 -p "$PORT" -B -d "$qf" -l 1 -q 100 >"$dir/warmup.txt" 2>&1 || true
        [[ -z $DD_PID ]] || dd_stats "$dir/stats-before"
        l1=$(load1)
        say "round $r: $cfg (load $l1)"
        t0=$(cpu_ticks "$PDNS_PID" "$BE_PID" "$DD_PID")
        taskset -c 1 /usr/bin/time -f '%U %S' -o "$dir/dnsperf.time" \
            dnsperf -s 127.0.0.1 -p "$PORT" -B -d "$qf" -l "$duration" -q 100 >"$dir/dnsperf.txt" 2>&1 ||
            die "dnsperf failed: $(tail -n 5 "$dir/dnsperf.txt")"
        t1=$(cpu_ticks "$PDNS_PID" "$BE_PID" "$DD_PID")
        # servers' CPU as % of one core over the run; dnsperf's own CPU %
        srv_cpu=$(awk -v t="$((t1 - t0))" -v hz="$clk_tck" -v d="$duration" 'BEGIN { printf "%.0f", 100 * t / hz / d }')
        cli_cpu=$(awk -v d="$duration" '{ printf "%.0f", 100 * ($1 + $2) / d }' "$dir/dnsperf.time")
        qps=$(awk -F: '/Queries per second/ { gsub(/ /, "", $2); printf "%.0f", $2 }' "$dir/dnsperf.txt")
        lost=$(awk '/Queries lost:/ { print $3 }' "$dir/dnsperf.txt")
        rcodes=$(sed -n 's/^ *Response codes: *//p' "$dir/dnsperf.txt" | sed 's/ ([0-9.]*%)//g; s/, /,/g; s/ /:/g')
        lat=$(awk '/Average Latency/ { printf "%.0f", $4 * 1e6 }' "$dir/dnsperf.txt")
        hit=-
        hitall=-
        wrong=-
        if [[ -n $DD_PID ]]; then
            dd_stats "$dir/stats-after"
            hit=$(awk -v h0="$(stat_of "$dir/stats-before" cache-hits)" -v m0="$(stat_of "$dir/stats-before" cache-misses)" \
                -v h1="$(stat_of "$dir/stats-after" cache-hits)" -v m1="$(stat_of "$dir/stats-after" cache-misses)" \
                'BEGIN { h = h1 - h0; m = m1 - m0; if (h + m > 0) printf "%.2f", 100 * h / (h + m); else print "-" }')
            # Second pass: every subnet through dnsdist (cached answers, or pdns for a miss).
            res=$(python3 "$here/check.py" "$PORT" "$data/subnets.tsv" "$QNAME" 2>&1) || true
            echo "$res" >"$dir/check.txt"
            wrong=$(sed -n 's/.*wrong=\([0-9]*\) noanswer=\([0-9]*\).*/\1+\2/p' <<<"$res" | head -n 1)
            wrong=$((${wrong:-999999}))
            hitall=$(awk -v h="$(stat_of "$dir/stats-after" cache-hits)" -v m="$(stat_of "$dir/stats-after" cache-misses)" \
                'BEGIN { if (h + m > 0) printf "%.2f", 100 * h / (h + m); else print "-" }')
            hitall="$hitall/$(stat_of "$dir/stats-after" cache-misses)"
        fi
        printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$r" "$cfg" "$qps" "$lost" "$lat" "$hit" "$wrong" "$l1" "$rcodes" "$hitall" "$srv_cpu" "$cli_cpu" >>"$results"
        setup_stop
    done
done

# ---------------------------------------------------------------------------------------------
echo "## Throughput ($rounds rounds of ${duration} s, dnsperf -q 100, medians)"
echo
echo "| configuration | median qps | min | max | × null_backend | × GeoIP | avg latency µs | servers CPU % (CPU 0) | dnsperf CPU % (CPU 1) | cache hit % | wrong answers |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
med() { awk -F'\t' -v c="$1" -v f="$2" '$2 == c { print $f }' "$results" | median; }
null_med=$(med null 3)
geo_med=$(med geoip 3)
for cfg in "${configs[@]}"; do
    m=$(med "$cfg" 3)
    mn=$(awk -F'\t' -v c="$cfg" '$2 == c { print $3 }' "$results" | sort -g | head -n 1)
    mxv=$(awk -F'\t' -v c="$cfg" '$2 == c { print $3 }' "$results" | sort -g | tail -n 1)
    wr=$(awk -F'\t' -v c="$cfg" '$2 == c && $7 != "-" { s += $7; n++ } END { print n ? s : "-" }' "$results")
    printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' "$(label "$cfg")" "$m" "$mn" "$mxv" \
        "$(awk -v a="$m" -v b="$null_med" 'BEGIN { printf "%.2f", a / b }')" \
        "$(awk -v a="$m" -v b="$geo_med" 'BEGIN { printf "%.2f", a / b }')" \
        "$(med "$cfg" 5)" "$(med "$cfg" 11)" "$(med "$cfg" 12)" "$(med "$cfg" 6)" "$wr"
done
echo
mx_med=$(med mxsteerd 3)
dd_med=$(med dnsdist 3)
awk -v a="$mx_med" -v b="$null_med" 'BEGIN { printf "- target 1 (pdns + mxsteerd ≥ 0.9× null_backend): %.2f× — %s\n", a / b, (a >= 0.9 * b) ? "**met**" : "**NOT met**" }'
awk -v a="$(med mxsteerd-apex 3)" -v b="$(med null-apex 3)" 'BEGIN { printf "- the same at the apex (a′ / b′): %.2f× — %s\n", a / b, (a >= 0.9 * b) ? "met" : "not met" }'
awk -v a="$dd_med" -v b="$geo_med" 'BEGIN { printf "- target 2 (dnsdist + pdns + mxsteerd ≥ 1.0× pdns + GeoIP): %.2f× — %s\n", a / b, (a >= b) ? "**met**" : "**NOT met**" }'
# Within-round ratios (the load changes between rounds more than within one).
ratio_rounds() { # ratio_rounds A B: per-round A/B qps, then their median
    local per
    per=$(awk -F'\t' -v a="$1" -v b="$2" '$2 == a { qa[$1] = $3 } $2 == b { qb[$1] = $3 }
        END { for (r in qa) if (r in qb) printf "%s %.2f\n", r, qa[r] / qb[r] }' "$results" | sort -n)
    printf '%s (rounds: %s)' "$(cut -d' ' -f2 <<<"$per" | median)" "$(cut -d' ' -f2 <<<"$per" | paste -sd' ' -)"
}
echo "- within-round ratios, median: mxsteerd / null_backend $(ratio_rounds mxsteerd null);" \
    "apex $(ratio_rounds mxsteerd-apex null-apex); dnsdist / GeoIP $(ratio_rounds dnsdist geoip);" \
    "mxsteerd / GeoIP $(ratio_rounds mxsteerd geoip); LUA / GeoIP $(ratio_rounds lua geoip)"
echo "- wrong answers in the dnsdist second passes: $(awk -F'\t' '$2 == "dnsdist" { s += $7 } END { print s + 0 }' "$results")"
echo "- load average at end: $(loadavg)"
echo
echo "All runs (round, configuration, qps, lost, avg latency µs, dnsdist cache hit %, wrong answers in the second pass, load1 at start, rcodes, dnsdist hit % over warm-up + run / cache misses in total, servers' CPU % of one core, dnsperf CPU %):"
echo
echo '```'
cat "$results"
echo '```'
