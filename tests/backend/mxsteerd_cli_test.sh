#!/usr/bin/env bash
# CLI tests of mxsteerd: --check-config exit codes, flags over config keys, a real start on a
# unix socket and SIGHUP reloads of the config.
# usage: mxsteerd_cli_test.sh MXSTEERD SOURCE_DIR
# SPDX-License-Identifier: MIT
set -euo pipefail

mxsteerd=$1
src=$2
data=$src/tests/data/backend
work=$(mktemp -d /tmp/mxsteerd-cli.XXXXXX)
daemon=
squatter=
cleanup() {
    if [[ -n $squatter ]]; then
        kill "$squatter" 2>/dev/null || true
        wait "$squatter" 2>/dev/null || true
    fi
    if [[ -n $daemon ]]; then
        kill "$daemon" 2>/dev/null || true
        wait "$daemon" 2>/dev/null || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT

fail() {
    echo "FAIL: $*" >&2
    exit 1
}

# expect CODE CMD...: runs CMD, keeps stdout in $work/out and stderr in $work/err.
expect() {
    local want=$1
    shift
    local got=0
    "$@" >"$work/out" 2>"$work/err" || got=$?
    if [[ $got -ne $want ]]; then
        echo "--- stdout" >&2
        cat "$work/out" >&2
        echo "--- stderr" >&2
        cat "$work/err" >&2
        fail "'$*' exited $got, expected $want"
    fi
}

contains() { grep -qF -- "$2" "$1" || fail "$1 lacks '$2': $(cat "$1")"; }
lacks() { ! grep -qF -- "$2" "$1" || fail "$1 has '$2': $(cat "$1")"; }

# ask SOCKET REQUEST: one request line to the daemon, its reply on stdout.
ask() {
    if command -v socat >/dev/null; then
        printf '%s\n' "$2" | socat -t 5 - "UNIX-CONNECT:$1"
    else
        python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX)
s.settimeout(5)
s.connect(sys.argv[1])
s.sendall(sys.argv[2].encode() + b"\n")
print(s.makefile().readline(), end="")
' "$1" "$2"
    fi
}

# wait_for FILE TEXT [N]: up to 10 s for N lines (default 1) with TEXT to be in FILE.
wait_for() {
    local want=${3:-1} n
    for _ in $(seq 100); do
        n=$(grep -cF -- "$2" "$1" 2>/dev/null) || true # no file yet: nothing, not 0
        ((${n:-0} >= want)) && return 0
        sleep 0.1
    done
    fail "fewer than $want '$2' in $1 after 10 s: $(cat "$1")"
}

echo "case: help and usage errors"
expect 0 "$mxsteerd" --help
contains "$work/out" "--config FILE"
contains "$work/out" "--check-config"
expect 2 "$mxsteerd" --bogus "$data/zones/good.example.com.zone"
contains "$work/err" "unknown option '--bogus'"
expect 2 "$mxsteerd"
contains "$work/err" "no zone file given"
expect 2 "$mxsteerd" --config
contains "$work/err" "--config needs a value"
expect 2 "$mxsteerd" --listen tcp:1 "$data/zones/good.example.com.zone"
contains "$work/err" "--listen must be 'unix:PATH', 'pipe' or 'http:[ADDRESS:]PORT', got 'tcp:1'"
expect 2 "$mxsteerd" --log-level loud "$data/zones/good.example.com.zone"
contains "$work/err" "--log-level must be debug, info, warning or error, got 'loud'"

echo "case: --check-config exits 0 for a good config, from any working directory"
(cd / && expect 0 "$mxsteerd" --check-config --config "$data/good.valid.toml")
contains "$work/err" "msg=\"zone loaded\" zone=good.example.com."
# The per-zone origin: plain.zone is served as the configured example.net.
contains "$work/err" "msg=\"zone loaded\" zone=example.net. file=$data/zones/plain.zone"
contains "$work/err" "listen=unix:/run/mxsteer/pdns.sock log_level=info zones=2 refused=0"

echo "case: the documented example config checks clean"
expect 0 "$mxsteerd" --check-config --config "$src/examples/mxsteer.toml"
contains "$work/err" "zones=3 refused=0"

echo "case: --check-config without a config, as before"
expect 0 "$mxsteerd" --check-config "$data/zones/good.example.com.zone"
contains "$work/err" "zones=1 refused=0"

echo "case: the MTA-STS policy beside a zone file is checked as mxlint checks it"
mkdir -p "$work/sts"
cp "$src/zones/example.org.zone" "$src/zones/example.org.mta-sts.txt" "$work/sts/"
expect 0 "$mxsteerd" --check-config "$work/sts/example.org.zone"
contains "$work/err" "zones=1 refused=0"
# A policy that no longer lists the exchanges: mail under `mode: enforce` cannot be delivered.
sed -i 's/^mx: .*/mx: mx.example.net/' "$work/sts/example.org.mta-sts.txt"
expect 1 "$mxsteerd" --check-config "$work/sts/example.org.zone"
contains "$work/err" "rule=mta-sts-mx-not-covered"
contains "$work/err" "zones=0 refused=1"
# A zone file named for its domain: its policy is example.org.mta-sts.txt, never the
# example.mta-sts.txt that another domain's file (example.net) would share.
mkdir -p "$work/sts2"
cp "$src/zones/example.org.zone" "$work/sts2/example.org"
cp "$work/sts/example.org.mta-sts.txt" "$work/sts2/example.mta-sts.txt"
expect 0 "$mxsteerd" --check-config "$work/sts2/example.org"
cp "$work/sts/example.org.mta-sts.txt" "$work/sts2/example.org.mta-sts.txt"
expect 1 "$mxsteerd" --check-config "$work/sts2/example.org"
contains "$work/err" "rule=mta-sts-mx-not-covered"

echo "case: --check-config exits 2 for config errors, with file:line:col"
expect 2 "$mxsteerd" --check-config --config "$data/bad_key.invalid.toml"
contains "$work/err" "$data/bad_key.invalid.toml:3:1: error: unknown key 'log_leve', expected 'listen', 'log_level', 'zones', 'regions', 'networks', 'geoip', 'steer', 'health' or 'overrides'"
# Config errors stop before any zone is loaded.
lacks "$work/err" "zone loaded"

echo "case: --check-config exits 2 for a missing config"
expect 2 "$mxsteerd" --check-config --config "$work/missing.toml"
contains "$work/err" "$work/missing.toml: error: cannot read config: No such file or directory"

echo "case: --check-config exits 2 for a config with no zone at all"
printf 'log_level = "info"\n' >"$work/empty.toml"
expect 2 "$mxsteerd" --check-config --config "$work/empty.toml"
contains "$work/err" "no zone to serve"

echo "case: --check-config exits 1 when a zone has lint errors"
expect 1 "$mxsteerd" --check-config --config "$data/zone_errors.refused.toml"
contains "$work/err" "level=error msg=\"zone finding\" at=$data/zones/errors.example.com.zone:5"
contains "$work/err" "msg=\"zone refused\" zone=errors.example.com."
contains "$work/err" "zones=1 refused=1"
# A ZONEFILE argument is served in addition to the config's zones, and linted the same way.
expect 1 "$mxsteerd" --check-config --config "$data/good.valid.toml" \
    "$data/zones/errors.example.com.zone"
contains "$work/err" "zones=2 refused=1"
# The same zone from the config and the command line is served once.
expect 1 "$mxsteerd" --check-config --config "$data/good.valid.toml" \
    "$data/zones/good.example.com.zone"
contains "$work/err" "zone already served from '$data/zones/good.example.com.zone'"

echo "case: flags override config keys"
expect 0 "$mxsteerd" --check-config --config "$data/good.valid.toml" --listen "unix:$work/x.sock" \
    --log-level warning
# log_level=warning hides the info lines, the check's own included.
lacks "$work/err" "zone loaded"
expect 0 "$mxsteerd" --check-config --listen "unix:$work/x.sock" --config "$data/good.valid.toml"
contains "$work/err" "listen=unix:$work/x.sock log_level=info zones=2"

echo "case: --listen http: a port alone is loopback; addresses are literals"
expect 0 "$mxsteerd" --check-config --listen http:8053 "$data/zones/good.example.com.zone"
contains "$work/err" "listen=http:127.0.0.1:8053"
expect 0 "$mxsteerd" --check-config --listen "http:[::1]:8053" "$data/zones/good.example.com.zone"
contains "$work/err" "listen=http:[::1]:8053"
expect 2 "$mxsteerd" --listen http:localhost:8053 "$data/zones/good.example.com.zone"
contains "$work/err" "--listen must be 'unix:PATH', 'pipe' or 'http:[ADDRESS:]PORT', got 'http:localhost:8053'"

echo "case: a real start listens where --listen says, not where the config says"
cp -r "$data/zones" "$work/zones"
cp "$data/good.valid.toml" "$work/mxsteer.toml"
sock=$work/pdns.sock
"$mxsteerd" --config "$work/mxsteer.toml" --listen "unix:$sock" 2>"$work/daemon.log" &
daemon=$!
wait_for "$work/daemon.log" "msg=listening"
[[ -S $sock ]] || fail "no socket at $sock"
contains "$work/daemon.log" "endpoint=unix:$sock zones=2"
[[ $(ask "$sock" '{"method":"initialize","parameters":{}}') == '{"result":true}' ]] ||
    fail "initialize did not answer true"
ask "$sock" '{"method":"getAllDomains","parameters":{}}' >"$work/domains"
contains "$work/domains" '"zone":"example.net."'

echo "case: a reload with a bad config keeps the old zones serving"
# Appended after the last [[zones]] header, the key belongs to that table.
printf 'listen = "pipe"\n' >>"$work/mxsteer.toml"
kill -HUP "$daemon"
wait_for "$work/daemon.log" "reload failed, still serving the previous zones"
contains "$work/daemon.log" "$work/mxsteer.toml:11:1: error: unknown key 'zones.listen'"
ask "$sock" '{"method":"getAllDomains","parameters":{}}' >"$work/domains"
contains "$work/domains" '"zone":"example.net."'

echo "case: a reload re-reads the config"
printf 'zones = ["zones/good.example.com.zone"]\nlisten = "unix:elsewhere.sock"\n' \
    >"$work/mxsteer.toml"
kill -HUP "$daemon"
wait_for "$work/daemon.log" "msg=reloaded zones=1"
# The command line still wins over the file; a changed endpoint would need a restart anyway.
lacks "$work/daemon.log" "listen changed"
ask "$sock" '{"method":"getAllDomains","parameters":{}}' >"$work/domains"
lacks "$work/domains" "example.net."
contains "$work/domains" '"zone":"good.example.com."'

kill "$daemon"
wait "$daemon" || fail "mxsteerd exited $? on SIGTERM"
daemon=

echo "case: the config's listen, relative to the config's directory; a changed one needs a restart"
printf 'listen = "unix:cfg.sock"\nzones = ["zones/good.example.com.zone"]\n' >"$work/mxsteer.toml"
(cd / && exec "$mxsteerd" --config "$work/mxsteer.toml") 2>"$work/daemon2.log" &
daemon=$!
wait_for "$work/daemon2.log" "msg=listening"
[[ -S $work/cfg.sock ]] || fail "no socket at $work/cfg.sock"
printf 'listen = "pipe"\nlog_level = "warning"\nzones = ["zones/good.example.com.zone"]\n' \
    >"$work/mxsteer.toml"
kill -HUP "$daemon"
wait_for "$work/daemon2.log" "listen changed, restart mxsteerd to use it"
contains "$work/daemon2.log" "serving=unix:$work/cfg.sock configured=pipe"
[[ $(ask "$work/cfg.sock" '{"method":"initialize","parameters":{}}') == '{"result":true}' ]] ||
    fail "initialize did not answer true after the reload"
kill "$daemon"
wait "$daemon" || fail "mxsteerd exited $? on SIGTERM"
daemon=
echo "case: --explain prints the decision path of examples/mxsteer.toml without serving"
explain() { "$mxsteerd" --log-level error --config "$src/examples/mxsteer.toml" "$@"; }
explain --explain example.com --client 198.51.100.7/24 >"$work/explain" ||
    fail "--explain exited $?"
contains "$work/explain" "placed by:  network 198.51.100.0/24"
contains "$work/explain" "region:     us"
contains "$work/explain" "pool order: us, eu, apac"
contains "$work/explain" "scope:      24"
[[ $(grep '^MX' "$work/explain" | head -1) == "MX          10 mx-us1.example.com." ]] ||
    fail "first MX for a us client: $(cat "$work/explain")"
explain --explain example.com. --client 203.0.113.241 >"$work/explain"
contains "$work/explain" "decision:   relay"
contains "$work/explain" "scope:      28"
expect 1 explain --explain www.example.com --client 192.0.2.1
expect 2 explain --explain example.com --client 192.0.2.300
expect 2 explain --explain example.com
echo "case: a changed networks file reloads by itself; the steered MX order follows it"
mkdir -p "$work/steer"
cat >"$work/steer/mxsteer.toml" <<EOF
listen = "unix:steer.sock"
zones = ["$src/zones/example.com.zone"]
[[regions]]
name = "eu"
[[regions]]
name = "us"
[networks]
files = ["nets.txt"]
[[steer]]
name = "example.com."
[[steer.pools]]
name = "eu"
exchanges = ["mx-eu1.example.com.", "mx-eu2.example.com."]
[[steer.pools]]
name = "us"
exchanges = ["mx-us1.example.com.", "mx-us2.example.com."]
[steer.order]
eu = ["eu", "us"]
us = ["us", "eu"]
EOF
echo "192.0.2.0/24 eu" >"$work/steer/nets.txt"
"$mxsteerd" --config "$work/steer/mxsteer.toml" 2>"$work/steer.log" &
daemon=$!
wait_for "$work/steer.log" "msg=listening"
lookup='{"method":"lookup","parameters":{"qtype":"MX","qname":"Example.COM.","zone-id":1,"remote":"192.0.2.53","local":"127.0.0.1","real-remote":"192.0.2.0/24"}}'
ask "$work/steer/steer.sock" "$lookup" >"$work/steer.reply"
contains "$work/steer.reply" '"content":"10 mx-eu1.example.com.","ttl":300,"domain_id":1,"scopeMask":24}'
contains "$work/steer.reply" '"content":"20 mx-us1.example.com."'
echo "192.0.2.0/24 us" >"$work/steer/nets.new"
mv "$work/steer/nets.new" "$work/steer/nets.txt"
wait_for "$work/steer.log" 'msg=reloaded'
contains "$work/steer.log" "trigger=\"changed: $work/steer/nets.txt\""
ask "$work/steer/steer.sock" "$lookup" >"$work/steer.reply"
contains "$work/steer.reply" '"content":"10 mx-us1.example.com."'
contains "$work/steer.reply" '"content":"20 mx-eu1.example.com."'
# A broken networks file keeps the previous data serving.
echo "192.0.2.0/33 eu" >"$work/steer/nets.new"
mv "$work/steer/nets.new" "$work/steer/nets.txt"
wait_for "$work/steer.log" "nets.txt:1:1"
wait_for "$work/steer.log" "reload failed, still serving the previous zones"
ask "$work/steer/steer.sock" "$lookup" >"$work/steer.reply"
contains "$work/steer.reply" '"content":"10 mx-us1.example.com."'
kill "$daemon"
wait "$daemon" || fail "mxsteerd exited $? on SIGTERM"
daemon=
echo "case: a changed MMDB reloads by itself; a broken one keeps the previous data serving"
if [[ -f ${MXSTEER_GEO_DIR:-}/geolite2-country.mmdb ]]; then
    cp "$MXSTEER_GEO_DIR/geolite2-country.mmdb" "$work/steer/geo.mmdb"
    sed -e 's|^files = \["nets.txt"\]|files = []|' "$work/steer/mxsteer.toml" >"$work/steer/geo.toml"
    cat >>"$work/steer/geo.toml" <<EOF
[geoip]
database = "geo.mmdb"
default = "eu"
countries = { US = "us" }
EOF
    sed -i 's|^listen = "unix:steer.sock"|listen = "unix:geo.sock"|' "$work/steer/geo.toml"
    "$mxsteerd" --config "$work/steer/geo.toml" 2>"$work/geo.log" &
    daemon=$!
    wait_for "$work/geo.log" "msg=listening"
    contains "$work/geo.log" 'msg="geo database opened"'
    us_lookup=${lookup//192.0.2.0\/24/198.51.100.0\/24}
    ask "$work/steer/geo.sock" "$us_lookup" >"$work/geo.reply"
    contains "$work/geo.reply" '"content":"10 mx-us1.example.com."'
    # Garbage renamed over the database (as geoipupdate replaces files): refused, old kept.
    head -c 4096 /dev/urandom >"$work/steer/geo.new"
    mv "$work/steer/geo.new" "$work/steer/geo.mmdb"
    wait_for "$work/geo.log" "cannot open geo database"
    wait_for "$work/geo.log" "reload failed, still serving the previous zones"
    ask "$work/steer/geo.sock" "$us_lookup" >"$work/geo.reply"
    contains "$work/geo.reply" '"content":"10 mx-us1.example.com."'
    kill "$daemon"
    wait "$daemon" || fail "mxsteerd exited $? on SIGTERM"
    daemon=
else
    echo "skipped: MXSTEER_GEO_DIR has no geolite2-country.mmdb (the build writes it)"
fi
echo "case: an overrides file drains an exchange; a change to it reloads by itself"
sed -e 's|^listen = "unix:steer.sock"|listen = "unix:ovr.sock"\noverrides = "overrides.txt"|' \
    "$work/steer/mxsteer.toml" >"$work/steer/ovr.toml"
echo "192.0.2.0/24 eu" >"$work/steer/nets.txt"
echo "drain mx-eu1.example.com." >"$work/steer/overrides.txt"
"$mxsteerd" --config "$work/steer/ovr.toml" 2>"$work/ovr.log" &
daemon=$!
wait_for "$work/ovr.log" "msg=listening"
ask "$work/steer/ovr.sock" "$lookup" >"$work/ovr.reply"
contains "$work/ovr.reply" '"content":"10 mx-eu2.example.com."'
contains "$work/ovr.reply" '"content":"40 mx-eu1.example.com."' # after mx-ap1 (in no pool)
"$mxsteerd" --log-level error --config "$work/steer/ovr.toml" --explain example.com \
    --client 192.0.2.1 >"$work/ovr.explain"
contains "$work/ovr.explain" "override:   drain mx-eu1.example.com."
contains "$work/ovr.explain" "MX          40 mx-eu1.example.com."
echo "# maintenance over" >"$work/steer/ovr.new"
mv "$work/steer/ovr.new" "$work/steer/overrides.txt"
wait_for "$work/ovr.log" "trigger=\"changed: $work/steer/overrides.txt\""
wait_for "$work/ovr.log" 'msg=reloaded'
ask "$work/steer/ovr.sock" "$lookup" >"$work/ovr.reply"
contains "$work/ovr.reply" '"content":"10 mx-eu1.example.com."'
kill "$daemon"
wait "$daemon" || fail "mxsteerd exited $? on SIGTERM"
daemon=
echo "case: a reload applies [health]: started when added, restarted when changed, stopped when removed"
# Exchanges on loopback addresses where nothing listens: the probes are refused, never sent off
# the machine.
mkdir -p "$work/health"
cat >"$work/health/example.com.zone" <<'ZONE'
$ORIGIN example.com.
$TTL 300
@       SOA  ns1 hostmaster 1 7200 3600 1209600 300
@       NS   ns1
@       MX   10 mx-eu1
@       MX   20 mx-us1
ns1     A    192.0.2.53
mx-eu1  A    127.0.60.1
mx-us1  A    127.0.60.2
ZONE
status_port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
write_health_config() { # write_health_config [HEALTH KEY LINES...]: without any, no [health]
    {
        cat <<'CONFIG'
listen = "unix:health.sock"
zones = ["example.com.zone"]
[[regions]]
name = "eu"
[networks]
"192.0.2.0/24" = "eu"
[[steer]]
name = "example.com."
[[steer.pools]]
name = "eu"
exchanges = ["mx-eu1.example.com.", "mx-us1.example.com."]
CONFIG
        if (($#)); then
            printf '[health]\nstatus_listen = "127.0.0.1:%s"\n' "$status_port"
            printf '%s\n' "$@"
        fi
    } >"$work/health/mxsteer.toml.new"
    mv "$work/health/mxsteer.toml.new" "$work/health/mxsteer.toml"
}
state() { # the status endpoint's /state, or "unreachable: WHY"
    python3 -c '
import sys, urllib.request
try:
    print(urllib.request.urlopen(sys.argv[1], timeout=5).read().decode())
except Exception as e:
    print("unreachable:", e)
' "http://127.0.0.1:$status_port/state"
}
wait_state() { # wait_state TEXT: up to 5 s for /state to show TEXT, kept in health.state
    for _ in $(seq 50); do
        state >"$work/health.state"
        grep -qF -- "$1" "$work/health.state" && return 0
        sleep 0.1
    done
    fail "/state lacks '$1' after 5 s: $(cat "$work/health.state")"
}
write_health_config
"$mxsteerd" --config "$work/health/mxsteer.toml" 2>"$work/health.log" &
daemon=$!
wait_for "$work/health.log" "msg=listening"
lacks "$work/health.log" "health checks"
write_health_config 'interval = 1' 'spread = 0.1'
kill -HUP "$daemon"
wait_for "$work/health.log" 'msg="health checks started" targets=2 interval_ms=1000'
wait_for "$work/health.log" "msg=reloaded"
wait_state '"phase":"connect"'
contains "$work/health.state" '"address":"127.0.60.1"'
# The same [health] keys: the prober and its states stay.
kill -HUP "$daemon"
wait_for "$work/health.log" 'msg=reloaded' 2
[[ $(grep -c 'msg="health checks' "$work/health.log") -eq 1 ]] ||
    fail "an unchanged [health] restarted the prober: $(cat "$work/health.log")"
write_health_config 'interval = 2' 'spread = 0.1'
kill -HUP "$daemon"
wait_for "$work/health.log" 'msg="health checks restarted" targets=2 interval_ms=2000'
state >"$work/health.state"
contains "$work/health.state" '"address":"127.0.60.2"'
# A [health] the prober cannot use (a CA file that is not there): the reload fails; the prober
# and the zones stay.
write_health_config 'interval = 2' 'verify = "pkix"' "ca_file = \"$work/health/missing.pem\""
kill -HUP "$daemon"
wait_for "$work/health.log" "reload failed, still serving the previous zones"
state >"$work/health.state"
contains "$work/health.state" '"address":"127.0.60.2"'
write_health_config
kill -HUP "$daemon"
wait_for "$work/health.log" 'msg="health checks stopped"'
state >"$work/health.state"
contains "$work/health.state" "unreachable"
echo "case: a status endpoint whose port was taken is bound by the next reload"
python3 -c '
import socket, sys, time
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1])))
s.listen()
print("bound", flush=True)
time.sleep(60)  # ended by the test, or by itself should the test be killed outright
' "$status_port" >"$work/squatter.out" &
squatter=$!
wait_for "$work/squatter.out" "bound"
write_health_config 'interval = 2'
kill -HUP "$daemon"
wait_for "$work/health.log" 'msg="status endpoint not started"'
wait_for "$work/health.log" 'msg="health checks started"' 2
kill "$squatter"
wait "$squatter" 2>/dev/null || true
squatter=
kill -HUP "$daemon" # the same config: only the status endpoint is new
wait_state '"address":"127.0.60.1"'
[[ $(grep -c 'msg="health checks' "$work/health.log") -eq 4 ]] ||
    fail "an unchanged [health] restarted the prober: $(cat "$work/health.log")"
kill "$daemon"
wait "$daemon" || fail "mxsteerd exited $? on SIGTERM"
daemon=
echo "PASS"
