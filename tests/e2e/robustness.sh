#!/usr/bin/env bash
# robustness.sh: mxsteerd under abuse, restarts and reloads, behind a real pdns_server.
# SPDX-License-Identifier: MIT
#
# Usage: robustness.sh SOURCE_DIR MXSTEERD STEP...
#   STEP (each starts its own servers; ctest runs one a test, e2e_robust_<step>):
#   malformed         requests sent straight to mxsteerd's socket, not through pdns: garbage,
#                     truncated JSON, unknown method, missing or mistyped parameters, a 10 MB
#                     line, JSON nesting bombs (rbclient.py kinds). Each must get a
#                     {"result":false,"log":[...]} line or a closed connection, and after
#                     each a lookup on a new connection must still work
#   stall             a client sends half a request line and stalls: pdns's queries are
#                     answered meanwhile, and the stalled request is answered once completed
#   idle              1,000 idle connections held open to mxsteerd: pdns's queries are
#                     answered, and then each idle connection still answers a lookup
#   pdns-restart      pdns stopped (by PID) and started again with the same pdns.conf:
#                     answers resume, mxsteerd untouched
#   mxsteerd-restart  mxsteerd stopped under a running pdns (SERVFAIL meanwhile is allowed)
#                     and started again: pdns recovers without a restart of its own; its old
#                     connections fail once each, so within 10 queries and 5 s every answer
#                     must be right again
#   reload            SIGHUP after a zone change (a TXT record added, the serial bumped): the
#                     new data is served within 5 s; then SIGHUP after a change the linter
#                     refuses (an MX pointing to a CNAME): the previous data stays served and
#                     the log says why
#   pipe-eof          pdns with the pipe connector: when pdns stops, each mxsteerd it spawned
#                     must exit too (end of input on stdin) within 5 s
#   http-malformed    malformed, oversized and hostile HTTP straight to mxsteerd's http port
#                     (httpclient.py kinds: garbage, HTTP/2, no Host, folded and oversized
#                     heads, chunked, bad and 10 MB bodies, broken JSON and forms, unknown
#                     paths and verbs): each must get an HTTP reply with a {"result":false,...}
#                     body or a closed connection; after each a lookup on a new connection works
#   http-stall        a client sends half a request head and stalls: pdns's queries are
#                     answered meanwhile and the stalled client gets 408 and a close after
#                     mxsteerd's 5 s request deadline; a stall completed in time is answered
#   http-idle         as idle, through the http connector (keep-alive connections)
#   http-mxsteerd-restart  as mxsteerd-restart, through the http connector
#
# Every step but pipe-eof and the http-* steps uses the unix connector. "Answered correctly" means: the answers to
# the hand-written cases in CHECK_CASES equal their `expected` files (cases.sh). After each
# step mxsteerd must still run, must stop cleanly on TERM (exit 0) and its log must hold no
# sanitizer report: give the test an ASan/UBSan build (ctest passes the build's mxsteerd).
# pdns's caches are off (lib.sh E2E_CACHES), so every query reaches mxsteerd.
set -euo pipefail
E2E_HERE=$(cd -- "$(dirname -- "$0")" && pwd)
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$E2E_HERE/lib.sh"

STEPS=(malformed stall idle pdns-restart mxsteerd-restart reload pipe-eof
    http-malformed http-stall http-idle http-mxsteerd-restart)
# UDP queries; mx-apex also goes over TCP (pdns's TCP thread has a backend connection of its own).
CHECK_CASES=(mx-apex nxdomain-soa wildcard-mx referral-glue cname-chain empty-non-terminal)

if [[ $# -lt 3 ]]; then
    echo "usage: $0 SOURCE_DIR MXSTEERD STEP...   (STEP: ${STEPS[*]})" >&2
    exit 2
fi
SRC=$(realpath -- "$1")
MXSTEERD=$2
shift 2
for step in "$@"; do
    [[ " ${STEPS[*]} " == *" $step "* ]] || e2e_die "unknown step '$step' (steps: ${STEPS[*]})"
done
[[ -x $MXSTEERD ]] || e2e_die "mxsteerd binary '$MXSTEERD' is not executable"
MXSTEERD=$(realpath -- "$MXSTEERD")
if (($# > 1)); then # one process a step: each has its own servers and temporary directory
    failed=()
    for step in "$@"; do
        "$BASH" "$0" "$SRC" "$MXSTEERD" "$step" || failed+=("$step")
    done
    ((${#failed[@]} == 0)) || e2e_die "step(s) failed: ${failed[*]}"
    exit 0
fi
e2e_require_pdns remote
# Debian's interpreter first: it starts in 50 ms, where a version manager's shim may take 0.5 s.
PYTHON=/usr/bin/python3
[[ -x $PYTHON ]] || PYTHON=$(command -v python3 || true)
[[ -n $PYTHON ]] || e2e_skip "python3 is not installed (Debian package python3-minimal)"
RBCLIENT=$E2E_HERE/rbclient.py
HTTPCLIENT=$E2E_HERE/httpclient.py
e2e_init

# Each step serves copies of the zones (the reload step edits them).
mkdir -p -- "$E2E_TMP/zones"
cp -- "$SRC"/zones/*.zone "$SRC"/tests/e2e/zones/*.zone "$E2E_TMP/zones/"
ZONES=("$E2E_TMP"/zones/*.zone)
PORT='' SOCK='' ADDR='' MX_PID='' PDNS_PID='' MX_LOG=''
CONN=unix # the connector of the step: unix, or http for the http-* steps

log_step() { printf '\n== %s: %s\n' "$STEP" "$*"; }
ok() { printf 'ok    %s\n' "$*"; }

# start_mxsteerd: mxsteerd on the step's connector; a restart keeps its socket or port.
start_mxsteerd() {
    if [[ $CONN == http ]]; then
        e2e_start_mxsteerd_http ADDR mxsteerd "$MXSTEERD" "${ZONES[@]}"
    else
        e2e_start_mxsteerd SOCK mxsteerd "$MXSTEERD" "${ZONES[@]}"
    fi
    MX_PID=${E2E_PIDS[-1]}
    MX_LOG=$E2E_TMP/mxsteerd/mxsteerd.log
}

# start_server: mxsteerd and pdns connected to it (unix socket, or http for the http-* steps).
start_server() {
    start_mxsteerd
    if [[ $CONN == http ]]; then
        e2e_start_pdns_http PORT pdns "$ADDR"
    else
        e2e_start_pdns_remote PORT pdns "$SOCK"
    fi
    PDNS_PID=${E2E_PIDS[-1]}
}

# raw_client: RAW (the command) and RAW_AT (its first argument after the subcommand): the
# raw client of the step's connector, rbclient.py on the unix socket or httpclient.py on the
# http port. Call it once mxsteerd runs.
raw_client() {
    if [[ $CONN == http ]]; then
        RAW=("$PYTHON" "$HTTPCLIENT") RAW_AT=$ADDR
    else
        RAW=("$PYTHON" "$RBCLIENT") RAW_AT=$SOCK
    fi
}
RAW=() RAW_AT=''

# answer_of CASE [DIG-OPTION...]: the normalised answer to the case's query.
answer_of() {
    local case=$1 args
    shift
    read -r -a args <"$E2E_HERE/cases/$case/command"
    e2e_query "$PORT" "${args[@]}" "$@"
}

# correct CASE [DIG-OPTION...]: true when the answer equals the case's expected answer.
correct() {
    [[ $(answer_of "$@") == "$(<"$E2E_HERE/cases/$1/expected")" ]]
}

# check_answers WHAT: every CHECK_CASES query (and mx-apex over TCP) answered as expected.
check_answers() {
    local case bad=0
    for case in "${CHECK_CASES[@]}"; do
        if ! correct "$case"; then
            printf 'FAIL: %s: wrong answer to %s:\n' "$1" "$(<"$E2E_HERE/cases/$case/command")"
            diff -u --label expected --label actual "$E2E_HERE/cases/$case/expected" \
                <(answer_of "$case") || true
            bad=$((bad + 1))
        fi
    done
    correct mx-apex +tcp || {
        printf 'FAIL: %s: wrong answer to mx-apex over TCP\n' "$1"
        bad=$((bad + 1))
    }
    ((bad == 0)) || e2e_die "$1: $bad wrong answer(s)"
    ok "$1: pdns answers ${#CHECK_CASES[@]} queries over UDP and one over TCP correctly"
}

# mxsteerd_ok WHAT: mxsteerd still runs and its log has no sanitizer report.
mxsteerd_ok() {
    e2e_alive "$MX_PID" || e2e_die "$1: mxsteerd (pid $MX_PID) is gone"
    if e2e_sanitizer_report "$MX_LOG"; then
        e2e_die "$1: a sanitizer report is in $MX_LOG"
    fi
}

# stop_mxsteerd WHAT: TERM; mxsteerd must exit 0 within 5 s, with no sanitizer report (LSan
# reports at exit).
stop_mxsteerd() {
    local rc=0
    e2e_stop "$MX_PID" || rc=$?
    ((rc == 0)) || e2e_die "$1: mxsteerd exited with status $rc on TERM (log: $MX_LOG)"
    if e2e_sanitizer_report "$MX_LOG"; then
        e2e_die "$1: a sanitizer report is in $MX_LOG"
    fi
    ok "$1: mxsteerd stopped on TERM with status 0, no sanitizer report"
}

# direct_lookup WHAT: a lookup on a new connection straight to the socket gets the SOA.
direct_lookup() {
    local reply
    raw_client
    reply=$("${RAW[@]}" lookup "$RAW_AT" example.com. SOA) ||
        e2e_die "$1: a lookup on a new connection failed: $reply"
    [[ $reply == '{"result":[{"qtype":"SOA","qname":"example.com."'* ]] ||
        e2e_die "$1: a lookup on a new connection got: ${reply:0:300}"
}

# wait_for SECONDS CMD...: polls CMD every 0.1 s until it succeeds; false on timeout.
wait_for() {
    local deadline=$((SECONDS + $1))
    shift
    until "$@"; do
        ((SECONDS < deadline)) || return 1
        sleep 0.1
    done
}

step_malformed() {
    local kind out n=0
    start_server
    raw_client
    check_answers "before"
    while IFS= read -r kind; do
        out=$(timeout 60 "${RAW[@]}" send "$RAW_AT" "$kind" 2>&1) ||
            e2e_die "$kind: no reply and no close within the client's timeout: $out"
        case $out in
        'reply: {"result":false,"log":["'*) ;;
        closed | 'reply: {"result":false'*) ;;
        # http: a status line, then the JSON body; a refusal (4xx, 5xx) or a 200 whose
        # result is false (an unknown method).
        'reply: HTTP/1.1 '[45][0-9][0-9]' '*'{"result":false,"log":["'*) ;;
        'reply: HTTP/1.1 200 OK {"result":false,"log":["'*) ;;
        *) [[ $kind == qname-too-long && $out == 'reply: {"result":[]}'* ]] ||
            e2e_die "$kind: neither result:false with a log nor a closed connection: $out" ;;
        esac
        mxsteerd_ok "$kind"
        direct_lookup "after $kind"
        printf 'ok    %-22s %s\n' "$kind" "$(tr '\n' ' ' <<<"$out" | cut -c1-120)"
        n=$((n + 1))
    done < <("${RAW[@]}" kinds)
    ok "$n malformed requests: each refused or closed, a new connection works after each"
    check_answers "after the malformed requests"
    mxsteerd_ok "end"
    stop_mxsteerd "end"
}

step_stall() {
    local line t0
    start_server
    if [[ $CONN == http ]]; then
        stall_http
        return
    fi
    local out
    coproc STALL { exec "$PYTHON" "$RBCLIENT" stall "$SOCK"; }
    E2E_PIDS+=("$STALL_PID")
    # Our own copy of its output: bash unsets STALL as soon as the client exits.
    exec {out}<&"${STALL[0]}"
    read -r -t 10 -u "$out" line || e2e_die "the stalling client did not start"
    [[ $line == stalled ]] || e2e_die "the stalling client said: $line"
    ok "a client holds half a request line on its connection"
    t0=$SECONDS
    check_answers "during the stall, round 1"
    direct_lookup "during the stall"
    check_answers "during the stall, round 2"
    ((SECONDS - t0 < 5)) || e2e_die "queries during the stall took $((SECONDS - t0)) s"
    eval "exec ${STALL[1]}>&-"
    read -r -t 10 -u "$out" line || e2e_die "the stalled request got no reply"
    [[ $line == 'reply after stall: {"result":[{"qtype":"SOA"'* ]] ||
        e2e_die "the stalled request, once completed, got: $line"
    ok "the stalled request is answered once its line is complete"
    mxsteerd_ok "end"
    stop_mxsteerd "end"
}

# The http stall: a request head that never completes gets 408 and a close at mxsteerd's
# deadline (5 s), and pdns's queries are answered meanwhile; a stall that ends in time is
# answered.
stall_http() {
    local line first
    local out
    coproc STALL { exec "$PYTHON" "$HTTPCLIENT" timeout "$ADDR"; }
    first=$STALL_PID
    E2E_PIDS+=("$first")
    # Keep our own copy of its output: bash unsets STALL once the client exits, which it does
    # after the 408 — possibly before the checks below are done on a loaded machine.
    exec {out}<&"${STALL[0]}"
    check_answers "during the stall, round 1"
    direct_lookup "during the stall"
    check_answers "during the stall, round 2"
    ok "pdns answers while a client holds half a request head"
    read -r -t 30 -u "$out" line || e2e_die "the stalled client got no reply"
    [[ $line == 'reply: HTTP/1.1 408 Request Timeout {"result":false,"log":["cannot read request: the request head did not arrive in time"]}'* ]] ||
        e2e_die "the stalled client got: $line"
    read -r -t 5 -u "$out" line || e2e_die "the stalled client did not say whether it is closed"
    [[ $line == closed ]] || e2e_die "the stalled connection is still $line after the 408"
    read -r -t 5 -u "$out" line || true
    ok "the stalled client got 408 and a close ($line)"
    if ! [[ $line =~ ^after\ ([0-9]+)\. ]] || ((BASH_REMATCH[1] < 4 || BASH_REMATCH[1] >= 10)); then
        e2e_die "the 408 came $line, not after the 5 s deadline"
    fi
    wait "$first" 2>/dev/null || true
    exec {out}<&-

    coproc STALL2 { exec "$PYTHON" "$HTTPCLIENT" stall "$ADDR"; }
    E2E_PIDS+=("$STALL2_PID")
    read -r -t 10 -u "${STALL2[0]}" line || e2e_die "the second stalling client did not start"
    [[ $line == stalled ]] || e2e_die "the second stalling client said: $line"
    sleep 1
    eval "exec ${STALL2[1]}>&-"
    read -r -t 10 -u "${STALL2[0]}" line || e2e_die "the stalled request got no reply"
    [[ $line == 'reply after stall: HTTP/1.1 200 OK {"result":[{"qtype":"SOA"'* ]] ||
        e2e_die "the stalled request, completed after 1 s, got: $line"
    ok "a request completed within the deadline is answered"
    mxsteerd_ok "end"
    stop_mxsteerd "end"
}

step_idle() {
    local line n=1000
    start_server
    raw_client
    coproc IDLE { exec "${RAW[@]}" idle "$RAW_AT" "$n"; }
    E2E_PIDS+=("$IDLE_PID")
    read -r -t 30 -u "${IDLE[0]}" line || e2e_die "the idle client did not connect"
    [[ $line == "idle $n" ]] || e2e_die "the idle client said: $line"
    wait_for 5 more_fds_than "$n" || e2e_die "mxsteerd holds $fds descriptors, not the $n connections"
    ok "$n idle connections open (mxsteerd holds $fds descriptors)"
    check_answers "with $n idle connections"
    direct_lookup "with $n idle connections"
    eval "exec ${IDLE[1]}>&-"
    read -r -t 30 -u "${IDLE[0]}" line || e2e_die "the idle connections got no replies"
    [[ $line == "answered $n of $n" ]] || e2e_die "idle connections: $line"
    ok "then each idle connection answers a lookup: $line"
    mxsteerd_ok "end"
    stop_mxsteerd "end"
}

step_pdns_restart() {
    local dir=$E2E_TMP/pdns rc=0 round
    start_server
    check_answers "before"
    for round in 1 2; do
        e2e_stop "$PDNS_PID" || rc=$?
        ok "pdns stopped (pid $PDNS_PID, status $rc)"
        mv -- "$dir/pdns.log" "$dir/pdns.log.$round"
        E2E_LOGS+=("$dir/pdns.log.$round")
        e2e_spawn PDNS_PID "$dir/pdns.log" pdns_server --config-dir="$dir"
        wait_for "$E2E_TIMEOUT" grep -q 'ready to distribute questions' "$dir/pdns.log" || e2e_die "pdns not ready after its restart"
        ok "pdns started again with the same pdns.conf (pid $PDNS_PID, port $PORT)"
        mxsteerd_ok "after pdns restart $round"
        check_answers "after pdns restart $round"
    done
    stop_mxsteerd "end"
}

step_mxsteerd_restart() {
    local q=0 servfail=0 streak_udp=0 streak_tcp=0 t0 line
    start_server
    check_answers "before"
    stop_mxsteerd "mxsteerd stopped under pdns"
    while read -r line; do
        printf '      while mxsteerd is down: %s\n' "$line"
    done < <(answer_of mx-apex | head -n 1; answer_of mx-apex +tcp | head -n 1)
    mv -- "$MX_LOG" "$MX_LOG.1"
    E2E_LOGS+=("$MX_LOG.1")
    start_mxsteerd
    t0=$SECONDS
    # pdns's 3 UDP threads and its TCP thread each hold a connection to the old mxsteerd:
    # each fails once (SERVFAIL), then reconnects. Alternate UDP and TCP queries until
    # 4 UDP and 2 TCP answers in a row are right.
    while ((streak_udp < 4 || streak_tcp < 2)); do
        ((q < 10 && SECONDS - t0 <= 5)) ||
            e2e_die "pdns has not recovered after $q queries and $((SECONDS - t0)) s"
        q=$((q + 1))
        if correct mx-apex; then streak_udp=$((streak_udp + 1)); else
            streak_udp=0 servfail=$((servfail + 1)); fi
        ((streak_tcp >= 2)) && continue
        q=$((q + 1))
        if correct mx-apex +tcp; then streak_tcp=$((streak_tcp + 1)); else
            streak_tcp=0 servfail=$((servfail + 1)); fi
    done
    ok "pdns recovered without a restart: $q queries, $servfail wrong (the old connections), $((SECONDS - t0)) s"
    check_answers "after the mxsteerd restart"
    stop_mxsteerd "end"
}

step_reload() {
    # example.net: no CHECK_CASES query shows its SOA, so its serial may change.
    local zone=$E2E_TMP/zones/example.net.zone probe=reload-probe.example.net
    local fails_before
    start_server
    check_answers "before"
    [[ $(answer_of_dig "$probe" TXT) == *"status: NXDOMAIN"* ]] ||
        e2e_die "the probe name exists before the reload"

    # 1: a good change.
    sed -i 's/2026112701  ; serial/2026112702  ; serial/' -- "$zone"
    printf 'reload-probe IN TXT "reload 1"\n' >>"$zone"
    kill -HUP "$MX_PID"
    wait_for 5 served_1 || e2e_die "the new TXT record and serial are not served 5 s after SIGHUP"
    ok "SIGHUP: the added TXT record and the new serial are served"
    mxsteerd_ok "after the good reload"
    check_answers "after the good reload"

    # 2: a change the linter refuses (error mx-target-cname): the old data stays.
    fails_before=$(failed_reloads)
    sed -i 's/2026112702  ; serial/2026112703  ; serial/; s/"reload 1"/"reload 2"/' -- "$zone"
    printf 'reload-bad IN MX 10 static\n' >>"$zone" # static.example.net is a CNAME
    kill -HUP "$MX_PID"
    wait_for 5 failed_reloads_above "$fails_before" || e2e_die "no failed reload in the log 5 s after SIGHUP (log: $MX_LOG)"
    if ! grep -q 'mx-target-cname' "$MX_LOG" || ! grep -q "example.net.zone:[0-9]" "$MX_LOG"; then
        e2e_die "the log does not say why the reload failed (rule and file:line): $(tail -n 5 "$MX_LOG")"
    fi
    ok "SIGHUP with a lint error: reload refused, logged: $(grep -m 1 'mx-target-cname' "$MX_LOG" | cut -c1-160)"
    served_1 || e2e_die "after the refused reload, the previous data is no longer served"
    [[ $(answer_of_dig reload-bad.example.net MX) == *"status: NXDOMAIN"* ]] ||
        e2e_die "after the refused reload, the refused record is served"
    ok "the previous data is still served (TXT \"reload 1\", serial 2026112702)"
    mxsteerd_ok "after the refused reload"
    check_answers "after the refused reload"
    stop_mxsteerd "end"
}

# answer_of_dig NAME TYPE: the normalised answer.
answer_of_dig() { e2e_query "$PORT" "$@"; }

# Conditions for wait_for.
more_fds_than() {
    fds=$(find /proc/"$MX_PID"/fd -mindepth 1 -maxdepth 1 | wc -l)
    ((fds > $1))
}
served_1() { # the reload step's first change
    [[ $(answer_of_dig reload-probe.example.net TXT) == *'IN TXT "reload 1"'* &&
        $(answer_of_dig example.net SOA) == *" 2026112702 "* ]]
}
failed_reloads() { grep -c -i 'reload.*fail\|fail.*reload' "$MX_LOG" || true; }
failed_reloads_above() { (($(failed_reloads) > $1)); }
children_gone() { # of pdns, in the pipe-eof step: those still running go to $still_running
    local pid
    still_running=
    for pid in "${children[@]}"; do
        if e2e_alive "$pid"; then still_running+=" $pid"; fi
    done
    [[ -z $still_running ]]
}
fds=0 still_running='' children=()

step_pipe_eof() {
    local pid
    E2E_CONNECTOR=pipe e2e_start_pdns_mxsteerd PORT pdns "$MXSTEERD" "${ZONES[@]}"
    PDNS_PID=${E2E_PIDS[-1]}
    check_answers "pdns + mxsteerd (pipe connector)"
    mapfile -t children < <(e2e_descendants "$PDNS_PID")
    ((${#children[@]} > 0)) || e2e_die "pdns has no mxsteerd child"
    E2E_PIDS+=("${children[@]}") # stopped by e2e_cleanup if they outlive pdns
    ok "pdns runs ${#children[@]} mxsteerd child(ren): ${children[*]}"
    e2e_stop "$PDNS_PID" || true
    ok "pdns stopped"
    if ! wait_for 5 children_gone; then
        printf 'FAIL: mxsteerd --listen pipe does not exit when pdns, and so its stdin, is gone:\n' >&2
        for pid in $still_running; do
            printf '  pid %s still running 5 s after pdns stopped: %s\n' "$pid" \
                "$(tr '\0' ' ' </proc/"$pid"/cmdline | cut -c1-150)" >&2
        done
        e2e_die "orphaned pipe children (stopped by the cleanup)"
    fi
    ok "every mxsteerd child exited after pdns stopped"
}

for STEP in "$@"; do
    log_step "start"
    base=$STEP
    if [[ $STEP == http-* ]]; then
        CONN=http
        base=${STEP#http-}
    fi
    "step_${base//-/_}"
    printf '== %s: PASSED\n' "$STEP"
done
