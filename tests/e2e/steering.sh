#!/usr/bin/env bash
# steering.sh: steered MX answers through a real pdns_server (and a real resolver).
# SPDX-License-Identifier: MIT
#
# Usage: steering.sh SOURCE_DIR MXSTEERD STEP
#   ecs       pdns with edns-subnet-processing=yes, caches off: `dig +subnet` from networks of
#             three regions gets three MX orders, each with the ECS scope of its network; a
#             relay network gets the zone's own order; the exchanges' addresses in the
#             additional section are the zone's (rule 5); a static name has scope 0
#   caches    the same with pdns's packet and query caches on: clients of different regions,
#             asking in turns, keep getting their own order
#   networks  no ECS: the resolver's own address decides (dig -b 127.0.1.1 / 127.0.2.1, mapped
#             to eu and us by [networks])
#   geoip     no [networks]: the MMDB fixture (E2E_GEO_DIR/geolite2-city.mmdb, written by the
#             build) places clients by country, by continent, or by the default region; the
#             scope is the MMDB block's, within the source prefix; then order = "distance"
#             ranks pools by great-circle distance from the database's location
#   dnsdist   examples/dnsdist.conf in front (only its addresses rewritten): clients without ECS
#             on 127.0.1.1 and 127.0.2.1 get their region's order, repeatedly, with the cache
#             on; then pdns is stopped and the cache alone answers: each client still gets its
#             own order, a static name one client asked is served to the other (scope 0 is
#             shared), and a third subnet that never asked gets no cached MX
#   health    [health] probes three fake MTAs (tests/e2e/fake_smtp.py on 127.0.20.1, .20.2,
#             127.0.21.1): the eu client gets the eu pool first; the nearest MTA killed is
#             re-ranked last, and first again once restarted (the times are printed); /metrics
#             and /state answer; with every MTA down the answer is the zone's MX set with
#             ttl_min. No answer on the way may be anything but NOERROR with MX records
#   postfix   the same with a real Postfix from Debian (tests/health/postfix_lib.sh) as the
#             nearest exchange, probed with STARTTLS and a PKIX check: stopping it re-ranks it
#             last in the MX set served through pdns, starting it brings it back first
#   unbound   unbound from Debian in front (subnetcache, send-client-subnet to pdns): stub
#             clients on 127.0.1.1 and 127.0.2.1 each get their region's order, also when
#             answered from unbound's cache
#
# The config is examples/mxsteer.toml's steering with [networks] for the loopback blocks; the
# zone is zones/example.com.zone (canonical 10 eu1, 10 eu2, 20 us1, 20 us2, 30 ap1).
set -euo pipefail

source_dir=$1
mxsteerd=$2
step=$3
# shellcheck source=tests/e2e/lib.sh
source "$source_dir/tests/e2e/lib.sh"
e2e_init
e2e_require_pdns

command -v dig >/dev/null || e2e_skip "dig not installed (scripts/deps.sh test installs bind9-dnsutils)"

eu="10 mx-eu1.example.com.,10 mx-eu2.example.com.,20 mx-us1.example.com.,20 mx-us2.example.com.,30 mx-ap1.example.com."
us="10 mx-us1.example.com.,10 mx-us2.example.com.,20 mx-eu1.example.com.,20 mx-eu2.example.com.,30 mx-ap1.example.com."
apac="10 mx-ap1.example.com.,20 mx-us1.example.com.,20 mx-us2.example.com.,30 mx-eu1.example.com.,30 mx-eu2.example.com."
canonical=$eu # the zone's own order happens to be eu's

config=$E2E_TMP/mxsteer.toml
cat >"$config" <<EOF
log_level = "debug"
[[zones]]
file = "$source_dir/zones/example.com.zone"
[[regions]]
name = "eu"
latitude = 50.1
longitude = 8.7
[[regions]]
name = "us"
latitude = 39.0
longitude = -77.5
[[regions]]
name = "apac"
latitude = 1.3
longitude = 103.8
[networks]
"192.0.2.0/24" = "eu"
"198.51.100.0/24" = "us"
"203.0.113.0/24" = "apac"
"2001:db8:1::/48" = "eu"
"2001:db8:2::/48" = "us"
"127.0.1.0/24" = "eu"
"127.0.2.0/24" = "us"
"127.0.3.0/24" = "apac"
[geoip]
default = "eu"
[[steer]]
name = "example.com."
relay_networks = ["203.0.113.240/28"]
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

# mx PORT DIGARGS...: the MX answer as "pref name" items sorted, comma-separated; then
# " scope=N" from the reply's CLIENT-SUBNET option (none without one).
mx() {
    local port=$1 out answer scope
    shift
    local status=0
    out=$(e2e_dig "$port" example.com MX "$@") || status=$?
    ((status == 0)) || e2e_die "dig failed (exit $status): $* $out"
    grep -q 'status: NOERROR' <<<"$out" || e2e_die "not NOERROR for $*: $out"
    answer=$(awk '/^;; ANSWER SECTION/ {a = 1; next} /^$/ {a = 0} a && $4 == "MX" {print $5 " " $6}' <<<"$out" | sort | paste -sd, -)
    scope=$(sed -n 's/^; CLIENT-SUBNET: .*\/\([0-9]*\)$/\1/p' <<<"$out")
    printf '%s scope=%s\n' "$answer" "${scope:-none}"
}

expect() { # expect WHAT GOT WANT
    if [[ $2 != "$3" ]]; then
        e2e_die "$1: got '$2', expected '$3'"
    fi
    printf 'ok: %s: %s\n' "$1" "$2"
}

start() { # start PORTVAR [pdns lines...]; STEER_NAME (default steer) names the directories
    local st_var=$1 sock name=${STEER_NAME:-steer}
    shift
    e2e_start_mxsteerd sock "$name-mxsteerd" "$mxsteerd" --config "$config"
    e2e_start_pdns "$st_var" "$name-pdns" launch=remote \
        "remote-connection-string=unix:path=$sock,timeout=2000" "$@"
}

start_smtp() { # start_smtp PIDVAR ADDRESS: a fake MTA on ADDRESS:$smtp_port
    local pid_var=$1 address=$2
    e2e_spawn "$pid_var" "$E2E_TMP/smtp-$address.log" python3 "$source_dir/tests/e2e/fake_smtp.py" "$address" "$smtp_port"
    for ((n = 0; n < 50; n++)); do
        grep -q listening "$E2E_TMP/smtp-$address.log" 2>/dev/null && return 0
        sleep 0.1
    done
    e2e_die "fake SMTP server on $address:$smtp_port did not start"
}

# wait_answer WANT LIMIT_S: query the eu client every 0.2 s until the answer is WANT; every
# answer on the way must be NOERROR with MX records. Prints the seconds it took.
wait_answer() {
    local want=$1 limit_ms=$(($2 * 1000)) start now got
    start=$(($(date +%s%N) / 1000000))
    while true; do
        got=$(mx "$port" +subnet=192.0.2.1/24) # mx dies on anything but NOERROR
        [[ $got == *" mx"* ]] || e2e_die "an answer without MX records: '$got'"
        [[ $got == "$want" ]] && break
        now=$(($(date +%s%N) / 1000000))
        ((now - start <= limit_ms)) || e2e_die "no '$want' within $2 s, last answer '$got'"
        sleep 0.2
    done
    now=$(($(date +%s%N) / 1000000))
    printf '%d.%d\n' $(((now - start) / 1000)) $(((now - start) % 1000 / 100))
}

# http_get URL: the body, with python3 (no curl needed).
http_get() {
    python3 -c 'import sys, urllib.request; print(urllib.request.urlopen(sys.argv[1], timeout=5).read().decode())' "$1"
}

# health_setup EU1 TLS: for the health and postfix steps, the zone (pool eu: EU1 at
# 127.0.20.1 and mx-eu2 at 127.0.20.2; pool us: mx-us1 at 127.0.21.1, all on $smtp_port) and
# mxsteer.toml with [health] at fast settings plus the TLS lines TLS.
health_setup() {
    local eu1=$1 tls=$2
    cat >"$E2E_TMP/example.com.zone" <<EOF
\$ORIGIN example.com.
\$TTL 300
@       SOA  ns1 hostmaster 1 7200 3600 1209600 300
@       NS   ns1
@       MX   10 mx-us1
@       MX   20 $eu1
@       MX   20 mx-eu2
ns1     A    192.0.2.53
$eu1 A    127.0.20.1
mx-eu2  A    127.0.20.2
mx-us1  A    127.0.21.1
EOF
    cat >"$config" <<EOF
[[zones]]
file = "$E2E_TMP/example.com.zone"
[[regions]]
name = "eu"
[[regions]]
name = "us"
[networks]
"192.0.2.0/24" = "eu"
"198.51.100.0/24" = "us"
[health]
interval = 1
spread = 0.2
fast_interval = 0.5
rise = 2
fall = 2
ok_after = 2
backoff_base = 0.5
backoff_max = 2
backoff_jitter = 0.2
port = $smtp_port
$tls
status_listen = "127.0.0.1:$status_port"
[[steer]]
name = "example.com."
ttl_min = 5
[[steer.pools]]
name = "eu"
exchanges = ["$eu1.example.com.", "mx-eu2.example.com."]
[[steer.pools]]
name = "us"
exchanges = ["mx-us1.example.com."]
[steer.order]
eu = ["eu", "us"]
us = ["us", "eu"]
EOF
}

case $step in
ecs | caches)
    [[ $step == caches ]] && E2E_CACHES=on
    start port edns-subnet-processing=yes
    for round in 1 2 3; do
        expect "eu /24 ($round)" "$(mx "$port" +subnet=192.0.2.1/24)" "$eu scope=24"
        expect "us /24 ($round)" "$(mx "$port" +subnet=198.51.100.77/24)" "$us scope=24"
        expect "apac /24 ($round)" "$(mx "$port" +subnet=203.0.113.9/24)" "$apac scope=24"
        expect "eu /56 ($round)" "$(mx "$port" +subnet=2001:db8:1:ff00::/56)" "$eu scope=48"
        expect "us /48 ($round)" "$(mx "$port" +subnet=2001:db8:2::/48)" "$us scope=48"
        # A /16 source: the answer is the network's, the scope no longer than the source.
        expect "a /16 source ($round)" "$(mx "$port" +subnet=198.51.0.0/16)" "$eu scope=16"
        # 203.0.113.0/24 minus the relay /28: 203.0.113.9 sits in 203.0.113.0/25.
        expect "apac /32 ($round)" "$(mx "$port" +subnet=203.0.113.9/32)" "$apac scope=25"
        expect "relay ($round)" "$(mx "$port" +subnet=203.0.113.241/32)" "$canonical scope=28"
    done
    # Rule 5: the additional section carries the zone's addresses for every exchange.
    out=$(e2e_dig "$port" example.com MX +subnet=198.51.100.1/24)
    for pair in mx-eu1:192.0.2.11 mx-eu2:192.0.2.12 mx-us1:198.51.100.21 mx-us2:198.51.100.22 mx-ap1:203.0.113.31; do
        grep -qE "^${pair%%:*}\.example\.com\.[[:space:]]+[0-9]+[[:space:]]+IN[[:space:]]+A[[:space:]]+${pair#*:}$" <<<"$out" ||
            e2e_die "additional A of ${pair%%:*} missing or changed: $out"
    done
    echo "ok: additional section holds the zone's A records"
    # A static name: scope 0, so pdns may cache it for everyone.
    out=$(e2e_dig "$port" mx-eu1.example.com A +subnet=198.51.100.1/24)
    grep -q '^; CLIENT-SUBNET: 198.51.100.0/24/0$' <<<"$out" || e2e_die "static A scope not 0: $out"
    echo "ok: static records have scope 0"
    ;;
networks)
    start port edns-subnet-processing=yes
    for round in 1 2; do
        expect "127.0.1.1 ($round)" "$(mx "$port" -b 127.0.1.1)" "$eu scope=none"
        expect "127.0.2.1 ($round)" "$(mx "$port" -b 127.0.2.1)" "$us scope=none"
        expect "127.0.3.1 ($round)" "$(mx "$port" -b 127.0.3.1)" "$apac scope=none"
    done
    ;;
unbound)
    command -v unbound >/dev/null || e2e_skip "unbound not installed (scripts/deps.sh test installs it)"
    E2E_CACHES=on
    start port edns-subnet-processing=yes
    e2e_pick_port uport
    udir=$E2E_TMP/unbound
    mkdir -p "$udir"
    cat >"$udir/unbound.conf" <<EOF
server:
    interface: 127.0.0.1@$uport
    port: $uport
    do-ip6: no
    do-daemonize: no
    username: ""
    chroot: ""
    directory: "$udir"
    pidfile: ""
    use-syslog: no
    logfile: ""
    verbosity: 1
    access-control: 127.0.0.0/8 allow
    do-not-query-localhost: no
    module-config: "subnetcache iterator"
    send-client-subnet: 127.0.0.1
    max-client-subnet-ipv4: 24
    domain-insecure: "example.com."
    harden-referral-path: no
    qname-minimisation: no
forward-zone:
    name: "example.com."
    forward-addr: 127.0.0.1@$port
EOF
    unbound-checkconf "$udir/unbound.conf" >/dev/null || e2e_die "unbound.conf rejected"
    e2e_spawn upid "$udir/unbound.log" unbound -d -c "$udir/unbound.conf"
    for ((n = 0; n < E2E_TIMEOUT * 10; n++)); do
        dig @127.0.0.1 -p "$uport" +time=1 +tries=1 mx-eu1.example.com A >/dev/null 2>&1 && break
        sleep 0.1
    done
    udig() { dig @127.0.0.1 -p "$uport" +time=5 +tries=1 "$@" example.com MX </dev/null; }
    umx() {
        udig "$@" | awk '/^;; ANSWER SECTION/ {a = 1; next} /^$/ {a = 0} a && $4 == "MX" {print $5 " " $6}' | sort | paste -sd, -
    }
    for round in 1 2 3; do # round 1 fills unbound's cache, rounds 2 and 3 come from it
        expect "via unbound from 127.0.1.1 ($round)" "$(umx -b 127.0.1.1)" "$eu"
        expect "via unbound from 127.0.2.1 ($round)" "$(umx -b 127.0.2.1)" "$us"
        expect "via unbound from 127.0.3.1 ($round)" "$(umx -b 127.0.3.1)" "$apac"
    done
    echo "ok: unbound kept the regions apart, from pdns and from its cache"
    ;;
geoip)
    geo=${E2E_GEO_DIR:-}/geolite2-city.mmdb
    [[ -f $geo ]] || e2e_die "no MMDB fixture at '$geo' (build target geo_fixtures)"
    # Countries DE and US are mapped; JP is not, so Asia goes by continent; 127.0.9.0/24 has
    # no data and takes the default.
    sed -e '/^\[networks\]/,/^\[geoip\]/{/^\[geoip\]/!d}' \
        -e "s|^default = \"eu\"|database = \"$geo\"\ndefault = \"us\"\ncountries = { DE = \"eu\", US = \"us\" }\ncontinents = { AS = \"apac\", EU = \"eu\" }|" \
        "$config" >"$config.geo"
    mv "$config.geo" "$config"
    grep -q 'database = ' "$config" || e2e_die "could not write the geoip config"
    start port edns-subnet-processing=yes
    expect "DE by country" "$(mx "$port" +subnet=192.0.2.1/24)" "$eu scope=24"
    # The blocks around 198.51.100.0/24 hold no data: they take the default region, us, at
    # us's coordinates, the same place as the fixture's US record. So they are answered alike,
    # and the scope widens over them by 8 steps, the most the locator checks.
    expect "US by country" "$(mx "$port" +subnet=198.51.100.1/24)" "$us scope=16"
    # 203.0.113.0/25 is JP in the database: a /25 block, reported within the /24 source.
    expect "JP by continent" "$(mx "$port" +subnet=203.0.113.1/24)" "$apac scope=24"
    expect "JP by continent, /32" "$(mx "$port" +subnet=203.0.113.1/32)" "$apac scope=25"
    # 127.0.8.0/21 holds no data (the fixture's loopback blocks are 127.0.1-4.0/24): one block.
    expect "no data: default" "$(mx "$port" +subnet=127.0.9.1/24)" "$us scope=21"
    # order = "distance" from the City location to the pools' regions: Tokyo is nearest to
    # Singapore (5,300 km), then Frankfurt (9,300 km), then Virginia (10,900 km).
    sed -i '/^name = "example.com."/a order = "distance"' "$config"
    sed -i '/^\[steer.order\]/,$d' "$config"
    STEER_NAME=distance start dport edns-subnet-processing=yes
    expect "distance, Frankfurt" "$(mx "$dport" +subnet=192.0.2.1/24)" "$eu scope=24"
    expect "distance, Virginia" "$(mx "$dport" +subnet=198.51.100.1/24)" "$us scope=16"
    expect "distance, Tokyo" "$(mx "$dport" +subnet=203.0.113.1/32)" \
        "10 mx-ap1.example.com.,20 mx-eu1.example.com.,20 mx-eu2.example.com.,30 mx-us1.example.com.,30 mx-us2.example.com. scope=25"
    ;;
dnsdist)
    command -v dnsdist >/dev/null || e2e_skip "dnsdist not installed (scripts/deps.sh test installs it)"
    E2E_CACHES=on
    start port edns-subnet-processing=yes
    e2e_pick_port dport
    ddir=$E2E_TMP/dnsdist
    mkdir -p "$ddir"
    sed -e "s|^setLocal(\"0.0.0.0:53\")|setLocal(\"127.0.0.1:$dport\")|" \
        -e '/^addLocal(/d' \
        -e 's|^setACL(.*|setACL({"127.0.0.0/8"})|' \
        -e "s|address = \"127.0.0.1:5300\"|address = \"127.0.0.1:$port\"|" \
        "$source_dir/examples/dnsdist.conf" >"$ddir/dnsdist.conf"
    grep -q "127.0.0.1:$dport" "$ddir/dnsdist.conf" && grep -q "127.0.0.1:$port" "$ddir/dnsdist.conf" ||
        e2e_die "could not point examples/dnsdist.conf at the test's ports"
    dnsdist --check-config -C "$ddir/dnsdist.conf" >/dev/null || e2e_die "dnsdist.conf rejected"
    e2e_spawn dpid "$ddir/dnsdist.log" dnsdist --supervised --disable-syslog -C "$ddir/dnsdist.conf"
    for ((n = 0; n < E2E_TIMEOUT * 10; n++)); do
        e2e_dig "$dport" mx-eu1.example.com A >/dev/null 2>&1 && break
        sleep 0.1
    done
    for round in 1 2 3; do
        expect "dnsdist, 127.0.1.1 ($round)" "$(mx "$dport" -b 127.0.1.1)" "$eu scope=none"
        expect "dnsdist, 127.0.2.1 ($round)" "$(mx "$dport" -b 127.0.2.1)" "$us scope=none"
    done
    e2e_dig "$dport" -b 127.0.1.1 www.example.com A >"$ddir/static.1" || e2e_die "static query failed"
    # pdns stops (by PID): from here only dnsdist's cache answers.
    pdns_pid=
    for pid in "${E2E_PIDS[@]}"; do
        if [[ $(cat "/proc/$pid/comm" 2>/dev/null) == pdns_server ]]; then
            pdns_pid=$pid
        fi
    done
    [[ -n $pdns_pid ]] || e2e_die "no pdns_server pid"
    e2e_stop "$pdns_pid" || true # its exit status on TERM does not matter here
    # Once its health check has marked pdns down, dnsdist has no server to pick: the cache
    # alone answers, ECS included (examples/dnsdist.conf: getPool(""):setECS(true)).
    for ((n = 0; n < E2E_TIMEOUT * 10; n++)); do
        grep -q "Marking downstream pdns .* as 'down'" "$ddir/dnsdist.log" && break
        sleep 0.1
    done
    grep -q "Marking downstream pdns .* as 'down'" "$ddir/dnsdist.log" ||
        e2e_die "dnsdist did not mark the stopped pdns down"
    expect "cache only, 127.0.1.1" "$(mx "$dport" -b 127.0.1.1)" "$eu scope=none"
    expect "cache only, 127.0.2.1" "$(mx "$dport" -b 127.0.2.1)" "$us scope=none"
    out=$(e2e_dig "$dport" -b 127.0.2.1 www.example.com A) || e2e_die "static name from cache failed"
    grep -q 'status: NOERROR' <<<"$out" && grep -qE '^www\.example\.com\.' <<<"$out" ||
        e2e_die "static name asked by 127.0.1.1 not served to 127.0.2.1 from the cache: $out"
    echo "ok: a static answer (scope 0) is shared between subnets by the cache"
    out=$(e2e_dig "$dport" -b 127.0.3.1 example.com MX 2>&1 || true)
    if grep -q 'status: NOERROR' <<<"$out" && grep -qE '[[:space:]]MX[[:space:]]' <<<"$out"; then
        e2e_die "a subnet that never asked got a cached steered MX: $out"
    fi
    echo "ok: steered answers are cached per subnet only"
    ;;
health)
    # Fake MTAs on 127.0.20.1, 127.0.20.2 (pool eu) and 127.0.21.1 (pool us), one port.
    e2e_pick_port smtp_port
    e2e_pick_port status_port
    start_smtp eu1_pid 127.0.20.1
    start_smtp eu2_pid 127.0.20.2
    start_smtp us1_pid 127.0.21.1
    health_setup mx-eu1 'starttls = "off"'
    start port edns-subnet-processing=yes
    healthy="10 mx-eu1.example.com.,10 mx-eu2.example.com.,20 mx-us1.example.com. scope=24"
    eu1_down="10 mx-eu2.example.com.,20 mx-us1.example.com.,30 mx-eu1.example.com. scope=24"
    t=$(wait_answer "$healthy" 60)
    echo "ok: all MTAs up, the eu client gets the eu pool first (after ${t}s)"
    e2e_stop "$eu1_pid" || true
    t=$(wait_answer "$eu1_down" 60)
    echo "ok: mx-eu1 killed: re-ranked last after ${t}s (target at default settings: 5 s)"
    start_smtp eu1_pid 127.0.20.1
    t=$(wait_answer "$healthy" 60)
    echo "ok: mx-eu1 back: first again after ${t}s"
    metrics=$(http_get "http://127.0.0.1:$status_port/metrics") || e2e_die "no /metrics"
    grep -q '^mxsteer_exchange_up{exchange="mx-eu1.example.com.",state="up"} 1$' <<<"$metrics" ||
        e2e_die "/metrics lacks mx-eu1 up: $metrics"
    # mx-eu1 went down and came back: two transitions, connect failures, and the eu answers.
    grep -qE '^mxsteer_probe_transitions_total\{target="mx-eu1\.example\.com\./127\.0\.20\.1:[0-9]+"\} ([2-9]|[1-9][0-9]+)$' <<<"$metrics" ||
        e2e_die "/metrics lacks mx-eu1's transitions: $metrics"
    grep -qE '^mxsteer_probe_failures_total\{phase="connect",reason="[^"]+"\} [1-9]' <<<"$metrics" ||
        e2e_die "/metrics lacks the connect failures: $metrics"
    grep -qE '^mxsteer_probe_target_state\{exchange="mx-us1\.example\.com\.",address="127\.0\.21\.1",port="[0-9]+",state="up"\} 1$' <<<"$metrics" ||
        e2e_die "/metrics lacks mx-us1's state: $metrics"
    grep -qE '^mxsteer_answers_total\{region="eu",decision="steered"\} [1-9]' <<<"$metrics" ||
        e2e_die "/metrics lacks the eu answers: $metrics"
    grep -qE '^mxsteer_probe_latency_seconds_count\{phase="done"\} [1-9]' <<<"$metrics" ||
        e2e_die "/metrics lacks probe latencies: $metrics"
    state=$(http_get "http://127.0.0.1:$status_port/state") || e2e_die "no /state"
    grep -q '127.0.21.1' <<<"$state" || e2e_die "/state lacks the us address: $state"
    echo "ok: /metrics and /state show every exchange"
    # Every MTA down: fail open to the zone's own MX set, with the shortest TTL.
    e2e_stop "$eu1_pid" || true
    e2e_stop "$eu2_pid" || true
    e2e_stop "$us1_pid" || true
    t=$(wait_answer "10 mx-us1.example.com.,20 mx-eu1.example.com.,20 mx-eu2.example.com. scope=0" 60)
    out=$(e2e_dig "$port" example.com MX +subnet=192.0.2.1/24)
    grep -qE '^example\.com\.[[:space:]]+5[[:space:]]+IN[[:space:]]+MX' <<<"$out" ||
        e2e_die "fail-open answer without ttl_min 5: $out"
    echo "ok: every MTA down: the canonical MX set with TTL 5 after ${t}s, never empty"
    ;;
postfix)
    # The nearest exchange is a real Postfix (STARTTLS, a certificate for mx1.example.com from
    # a CA made here, checked with verify = "pkix"); the others are fake MTAs without STARTTLS
    # (degraded: they still take mail).
    # shellcheck source=tests/health/postfix_lib.sh
    source "$source_dir/tests/health/postfix_lib.sh"
    why=$(postfix_usable) || e2e_skip "$why"
    e2e_pick_port smtp_port
    e2e_pick_port status_port
    sh "$source_dir/tests/health/make_certs.sh" "$E2E_TMP/certs" || e2e_die "no test certificates"
    pfdir=$E2E_TMP/postfix
    chmod 711 "$E2E_TMP" # Postfix's daemons (user postfix) reach their queue below it
    postfix_prepare "$pfdir" 127.0.20.1 "$smtp_port" "$E2E_TMP/certs" ||
        e2e_die "postfix check refused the generated config"
    postfix_start "$pfdir"
    E2E_PIDS+=("$POSTFIX_PID")
    start_smtp eu2_pid 127.0.20.2
    start_smtp us1_pid 127.0.21.1
    health_setup mx1 "starttls = \"opportunistic\"
verify = \"pkix\"
ca_file = \"$E2E_TMP/certs/ca.pem\""
    start port edns-subnet-processing=yes
    healthy="10 mx-eu2.example.com.,10 mx1.example.com.,20 mx-us1.example.com. scope=24"
    postfix_down="10 mx-eu2.example.com.,20 mx-us1.example.com.,30 mx1.example.com. scope=24"
    t=$(wait_answer "$healthy" 90)
    echo "ok: Postfix up (STARTTLS, certificate checked): mx1 first for the eu client (${t}s)"
    metrics=$(http_get "http://127.0.0.1:$status_port/metrics") || e2e_die "no /metrics"
    grep -q '^mxsteer_exchange_up{exchange="mx1.example.com.",state="up"} 1$' <<<"$metrics" ||
        e2e_die "Postfix is not 'up' (STARTTLS and the PKIX check passed): $metrics"
    grep -q '^mxsteer_exchange_up{exchange="mx-eu2.example.com.",state="degraded"} 1$' <<<"$metrics" ||
        e2e_die "a fake MTA without STARTTLS is not 'degraded': $metrics"
    echo "ok: Postfix is up with STARTTLS and a checked certificate; the fake MTAs are degraded"
    e2e_stop "$POSTFIX_PID" || true
    POSTFIX_PID=
    t=$(wait_answer "$postfix_down" 60)
    echo "ok: Postfix stopped: mx1 ranked last through pdns after ${t}s"
    postfix_start "$pfdir"
    E2E_PIDS+=("$POSTFIX_PID")
    t=$(wait_answer "$healthy" 90)
    echo "ok: Postfix started again: mx1 first after ${t}s"
    ;;
*) e2e_die "unknown step '$step'" ;;
esac
