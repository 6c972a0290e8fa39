#!/usr/bin/env bash
# shellcheck disable=SC2154 # PID and port variables are set by spawn/pick_port (printf -v)
# shellcheck disable=SC2016 # backquotes in single quotes are markdown
# failover.sh: issue 5's failover run at the DEFAULT [health] settings. pdns_server + mxsteerd
# (Release) + five fake MTAs (fake_mta, STARTTLS with a generated EC certificate) on 127.0.40.x
# to 127.0.42.x; a client asks `dig +subnet=192.0.2.1/24 example.com MX` (region eu) every
# 100 ms while the nearest MTA (mx-eu1, 127.0.40.1) is killed (SIGKILL) and restarted, R rounds.
# SPDX-License-Identifier: MIT
#
# usage: bench/health/failover.sh [--rounds R] [--hold S] [--client python|dig] [--no-build]
#
#   --rounds R   kill/restart rounds (default 10)
#   --hold S     seconds mx-eu1 stays dead, counted from the kill (default 10; at least until
#                the answer changed)
#   --client C   python: dns_loop.py, one UDP query with ECS every 100 ms (default); dig:
#                dig_loop.sh, `dig +subnet` 100 ms after each reply (dig's start-up makes that
#                one query per 0.2-0.5 s on a busy machine)
#   --no-build   use the binaries already built
#
# Markdown report on stdout, progress on stderr, raw data in bench/work/health/failover/
# (the client's log: one line per query, "<ms> <status> <MX set>").
set -euo pipefail

rounds=10
hold=10
client=python
BUILD=1
args="$*"
usage() {
    [[ ${1:-2} -eq 0 ]] || exec >&2
    sed -n '10,18p' "$0" | sed 's/^# \{0,1\}//'
    exit "${1:-2}"
}
while (($#)); do
    case "$1" in
    --rounds) rounds=${2:?}; shift 2 ;;
    --hold) hold=${2:?}; shift 2 ;;
    --client) client=${2:?}; shift 2 ;;
    --no-build) BUILD=0; shift ;;
    -h | --help) usage 0 ;;
    *) echo "failover.sh: unknown argument '$1'" >&2; usage ;;
    esac
done
[[ $rounds =~ ^[1-9][0-9]*$ && $hold =~ ^[1-9][0-9]*$ && $client =~ ^(python|dig)$ ]] || usage

# shellcheck source=bench/health/lib.sh
source "$(dirname -- "${BASH_SOURCE[0]}")/lib.sh"
run=$work/failover
rm -rf -- "$run"
mkdir -p -- "$run"
command -v pdns_server >/dev/null || die "pdns_server not installed (scripts/deps.sh bench)"
command -v dig >/dev/null || die "dig not installed (bind9-dnsutils)"
build_all
certs

pick_port smtp_port
pick_port status_port
pick_port dns_port
load_start=$(loadavg)
started=$(date -u +%H:%M:%S)

# --- the fake MTAs: one process each, so that one can be killed -------------------------------
declare -A mta_addr=([eu1]=127.0.40.1 [eu2]=127.0.40.2 [us1]=127.0.41.1 [us2]=127.0.41.2
    [ap1]=127.0.42.1)
declare -A mta_pid=()
start_mta() { # start_mta NAME
    local pid
    : >"$run/mta-$1.log"
    spawn pid 1 "$run/mta-$1.log" "$bin/fake_mta" --first "${mta_addr[$1]}" --count 1 \
        --port "$smtp_port" --cert "$work/certs/leaf.pem" --key "$work/certs/leaf.key"
    mta_pid[$1]=$pid
    wait_for "$pid" "$run/mta-$1.log" listening 10
}
for name in eu1 eu2 us1 us2 ap1; do
    start_mta "$name"
done

# --- zone and config: [health] at its defaults, only port and status_listen set ---------------
cat >"$run/example.com.zone" <<EOF
\$ORIGIN example.com.
\$TTL 300
@       SOA  ns1 hostmaster 1 7200 3600 1209600 300
@       NS   ns1
@       MX   10 mx-eu1
@       MX   10 mx-eu2
@       MX   20 mx-us1
@       MX   20 mx-us2
@       MX   30 mx-ap1
ns1     A    192.0.2.53
mx-eu1  A    ${mta_addr[eu1]}
mx-eu2  A    ${mta_addr[eu2]}
mx-us1  A    ${mta_addr[us1]}
mx-us2  A    ${mta_addr[us2]}
mx-ap1  A    ${mta_addr[ap1]}
EOF
cat >"$run/mxsteer.toml" <<EOF
listen = "unix:$run/mxsteerd.sock"
[[zones]]
file = "$run/example.com.zone"
[[regions]]
name = "eu"
[[regions]]
name = "us"
[[regions]]
name = "apac"
[networks]
"192.0.2.0/24" = "eu"
"198.51.100.0/24" = "us"
"203.0.113.0/24" = "apac"
[health]
port = $smtp_port
status_listen = "127.0.0.1:$status_port"
[[steer]]
name = "example.com."
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
spawn mxsteerd_pid 0 "$run/mxsteerd.log" "$mxsteerd" --config "$run/mxsteer.toml"
for ((n = 0; n < 100; n++)); do
    unix_listening "$run/mxsteerd.sock" && break
    alive "$mxsteerd_pid" || { tail -n 20 "$run/mxsteerd.log" >&2; die "mxsteerd exited"; }
    sleep 0.1
done
unix_listening "$run/mxsteerd.sock" || die "mxsteerd not listening"
mkdir -p -- "$run/pdns"
cat >"$run/pdns/pdns.conf" <<EOF
local-address=127.0.0.1
local-port=$dns_port
daemon=no
guardian=no
disable-syslog=yes
write-pid=no
socket-dir=$run/pdns
security-poll-suffix=
loglevel=4
launch=remote
remote-connection-string=unix:path=$run/mxsteerd.sock,timeout=2000
edns-subnet-processing=yes
query-cache-ttl=0
negquery-cache-ttl=0
cache-ttl=0
EOF
spawn pdns_pid 0 "$run/pdns.log" pdns_server --config-dir="$run/pdns"
wait_for "$pdns_pid" "$run/pdns.log" 'ready to distribute questions' 30

# starvation meter on CPU 0, where pdns and mxsteerd (and its prober thread) run
wake_log=$run/wakeup.log
spawn wake_pid 0 "$run/wakeup.err" python3 "$here/wakeup.py" "$wake_log"

# --- the client ----------------------------------------------------------------------------
client_log=$run/client.log
: >"$client_log"
if [[ $client == python ]]; then
    spawn client_pid 1 "$run/client.err" python3 "$here/dns_loop.py" "$dns_port" 192.0.2.0/24 "$client_log" 0.1
    client_text='`dns_loop.py`: one UDP query `example.com MX` with ECS 192.0.2.0/24 (region eu), what `dig +subnet=192.0.2.1/24` sends, every 100 ms (2 s timeout)'
else
    spawn client_pid 1 "$run/client.err" bash "$here/dig_loop.sh" "$dns_port" 192.0.2.1/24 "$client_log" 0.1
    client_text='`dig_loop.sh`: `dig +subnet=192.0.2.1/24 example.com MX` (region eu), 100 ms after each reply'
fi

healthy="10 mx-eu1.example.com.,10 mx-eu2.example.com.,20 mx-us1.example.com.,20 mx-us2.example.com.,30 mx-ap1.example.com."
# first_line_after T_MS CMP: the first client line sent at or after T_MS, NOERROR with MX records,
# whose answer is (CMP = eq) or is not (ne) the healthy set; prints "<ms> <answer>" or nothing.
first_line_after() {
    awk -v t="$1" -v cmp="$2" -v want="$healthy" '
        $1 >= t && $2 == "NOERROR" && $3 != "-" { a = $3; for (i = 4; i <= NF; i++) a = a " " $i
                  if ((cmp == "eq") == (a == want)) { print $1, a; exit } }' "$client_log"
}
wait_answer() { # wait_answer T_MS CMP LIMIT_S: prints "<ms> <answer>"
    local deadline=$(($(now_ms) + $3 * 1000)) got
    while true; do
        got=$(first_line_after "$1" "$2")
        [[ -n $got ]] && { echo "$got"; return 0; }
        (($(now_ms) < deadline)) || return 1
        sleep 0.1
    done
}

# prober_change STATE: last_change_ms of mx-eu1's address in /state if its state is STATE, else -
prober_change() {
    curl -s --max-time 5 "http://127.0.0.1:$status_port/state" | python3 -c '
import json, sys
want = sys.argv[1]
try:
    state = json.load(sys.stdin)
    for t in state.get("probes", state)["targets"]:  # newer mxsteerd nests the dump under "probes"
        if t["address"] == "127.0.40.1":
            print(t["last_change_ms"] if t["state"] == want else "-")
            sys.exit(0)
except Exception:
    pass
print("-")' "$1"
}
sec() { awk -v v="$1" 'BEGIN {printf "%.2f", v / 1000}'; }
ms_diff() { [[ $1 == - ]] && echo - || sec $(($1 - $2)); }

say "waiting for the healthy answer (all five MTAs up)"
t=$(now_ms)
wait_answer "$t" eq 60 >/dev/null || die "no healthy answer within 60 s (client log: $client_log)"
# the same question through dig, as a cross-check of the client
dig_answer=$(dig @127.0.0.1 -p "$dns_port" +subnet=192.0.2.1/24 example.com MX |
    awk '/^;; ANSWER SECTION/ {a = 1; next} /^$/ {a = 0} a && $4 == "MX" {print $5 " " $6}' | sort | paste -sd, -)
[[ $dig_answer == "$healthy" ]] || die "dig +subnet got '$dig_answer', expected '$healthy'"

rows=()
down_ms=()
back_ms=()
changed_answers=()
for ((r = 1; r <= rounds; r++)); do
    # a random 0-3 s pause so that the kill falls anywhere in the probe schedule
    sleep "$((RANDOM % 3)).$((RANDOM % 10))"
    load=$(cut -d' ' -f1 /proc/loadavg)
    t_kill=$(now_ms)
    kill -KILL "${mta_pid[eu1]}"
    wait "${mta_pid[eu1]}" 2>/dev/null || true
    forget "${mta_pid[eu1]}"
    got=$(wait_answer "$t_kill" ne 60) || die "round $r: the answer did not change within 60 s"
    t_change=${got%% *}
    changed=${got#* }
    sd=$(prober_change down)
    rest=$((t_kill + hold * 1000 - $(now_ms)))
    ((rest <= 0)) || sleep "$((rest / 1000)).$(printf '%03d' $((rest % 1000)))"
    t_restart=$(now_ms)
    start_mta eu1
    got=$(wait_answer "$t_restart" eq 90) || die "round $r: not back within 90 s after restart"
    t_back=${got%% *}
    su=$(prober_change up)
    d=$((t_change - t_kill))
    b=$((t_back - t_restart))
    wk=$(awk -v a="$t_kill" -v b="$t_change" '$1 >= a && $1 <= b + 1000 && $2 > m { m = $2 } END { print m + 0 }' "$wake_log")
    pd=$(ms_diff "$sd" "$t_kill")
    pu=$(ms_diff "$su" "$t_restart")
    down_ms+=("$d")
    back_ms+=("$b")
    changed_answers+=("$changed")
    rows+=("| $r | $load | $wk | $pd | $(sec "$d") | $pu | $(sec "$b") | \`$changed\` |")
    say "round $r: prober down after $pd s, answer changed after ${d} ms; prober up after $pu s, answer back after ${b} ms (load $load)"
done
sleep 1
stop "$client_pid"
load_end=$(loadavg)

# --- every answer the client saw -------------------------------------------------------------
read -r total bad empty servfail nxdomain other_status digfail < <(awk '
    { n++; s = $2; a = $3 }
    s == "NOERROR" && a == "-" { empty++; bad++ }
    s == "SERVFAIL" { servfail++; bad++ } s == "NXDOMAIN" { nxdomain++; bad++ }
    s ~ /^(DIGFAIL|TIMEOUT|NETERR)/ { digfail++; bad++ }
    s != "NOERROR" && s != "SERVFAIL" && s != "NXDOMAIN" && s !~ /^(DIGFAIL|TIMEOUT|NETERR)/ { other++; bad++ }
    END { print n + 0, bad + 0, empty + 0, servfail + 0, nxdomain + 0, other + 0, digfail + 0 }' "$client_log")
stats() { # stats MS...: "min median max" in seconds
    printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END {
        m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
        printf "%.2f %.2f %.2f\n", v[1] / 1000, m / 1000, v[NR] / 1000 }'
}
read -r dmin dmed dmax < <(stats "${down_ms[@]}")
read -r bmin bmed bmax < <(stats "${back_ms[@]}")
max_down_ms=$(printf '%s\n' "${down_ms[@]}" | sort -n | tail -n1)

cat <<EOF
### Failover run (\`bench/health/failover.sh${args:+ $args}\`)

- date: $(date -u +%F), $started–$(date -u +%H:%M:%S) UTC; load average $load_start at the start, $load_end at the end
$(machine)
- pdns_server $(pdns_server --version 2>&1 | sed -n 's/.*PowerDNS Authoritative Server \([^ ]*\).*/\1/p' | head -n1) (remote backend, unix connector, caches off, \`edns-subnet-processing=yes\`) and mxsteerd on CPU 0; the fake MTAs and the client on CPU 1
- [health] at the defaults (interval 3 s ± 0.5, fast_interval 1 s, fall 2, rise 3, backoff 2 s·2ⁿ ≤ 30 s + ≤ 1 s jitter, starttls opportunistic): only \`port\` and \`status_listen\` set; the fake MTAs offer STARTTLS with an EC P-256 certificate, so every probe does a TLS handshake
- client: $client_text; \`dig +subnet=192.0.2.1/24\` got the same healthy answer before the rounds; times are from the kill (SIGKILL of mx-eu1's process) to the first query, sent after the kill, whose answer differs from the healthy one, and from the restart to the first healthy answer sent after it; mx-eu1 stays dead ${hold} s from the kill

| round | load 1 min | CPU 0 worst wake-up, ms | kill → prober: down, s | kill → answer changed, s | restart → prober: up, s | restart → answer back, s | changed answer |
|---:|---:|---:|---:|---:|---:|---:|---|
$(printf '%s\n' "${rows[@]}")

| | min s | median s | max s |
|---|---:|---:|---:|
| kill → answer changed | $dmin | $dmed | $dmax |
| restart → answer back | $bmin | $bmed | $bmax |

- "CPU 0 worst wake-up": the largest oversleep of a 10 ms sleep (\`wakeup.py\`, pinned to CPU 0 with pdns and mxsteerd) between the kill and the change: how long a thread waking from a timer waited for the CPU
- "prober: down/up" is mx-eu1's \`last_change_ms\` in \`/state\`, read once the answer had changed: when the prober's state flipped
- queries sent: $total; empty answers (NOERROR without MX): $empty; SERVFAIL: $servfail; NXDOMAIN: $nxdomain; other status: $other_status; no reply within 2 s: $digfail
- every answer NOERROR with MX records, never empty, SERVFAIL or NXDOMAIN: $( ((bad - digfail == 0)) && echo '**yes**' || echo "**NO** ($((bad - digfail)) bad)")$( ((digfail == 0)) || echo "; $digfail queries got no reply at all (see the client log)")
- target: change visible within 5 s of the kill: $( ((max_down_ms <= 5000)) && echo "**MET** in every round (max $dmax s)" || echo "**NOT MET** (max $dmax s, median $dmed s)")
EOF
((bad - digfail == 0)) || die "$((bad - digfail)) bad answers (client log: $client_log)"
