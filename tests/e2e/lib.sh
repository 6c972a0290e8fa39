# shellcheck shell=bash
# lib.sh: e2e helpers: free ports, pdns.conf, pdns_server and mxsteerd lifecycles, dig, normalising.
# SPDX-License-Identifier: MIT
#
# Sourced by the e2e scripts after `set -euo pipefail`; never run. Call e2e_init first: it makes
# the temporary directory ($E2E_TMP) and installs the trap that stops every process started
# here (by PID) and removes the directory on EXIT, INT and TERM, also when a check fails.
#
# Environment:
#   E2E_TIMEOUT  seconds to wait for a server to become ready (default 20)
#   E2E_CACHES   off (default: query-cache-ttl=0 negquery-cache-ttl=0 cache-ttl=0) | on (pdns
#                defaults); comparisons want off, so that every query reaches the backend
#   E2E_PDNS_EXTRA  more pdns.conf lines for every pdns_server, separated by spaces
#                (e.g. "consistent-backends=no zone-cache-refresh-interval=0")
#   E2E_KEEP     1: keep $E2E_TMP (confs, logs, answers) and say where it is
#   E2E_VERBOSE  1: print each query and its normalised answer
#   E2E_CONNECTOR  how pdns reaches mxsteerd (e2e_start_pdns_mxsteerd): unix (default: a
#                mxsteerd started here, remote-connection-string=unix:path=...), pipe (pdns
#                spawns `mxsteerd --listen pipe ZONEFILE...` itself: pipe:command=...) or http
#                (a mxsteerd started here with --listen http:127.0.0.1:PORT,
#                remote-connection-string=http:url=http://127.0.0.1:PORT/dns)
#   E2E_HTTP_OPTIONS  more http connector options, comma-separated, e.g. "post=yes,post_json=yes"
#                or "post=yes,url-suffix=.json" (default: none, pdns's REST form)
#
# Everything listens on 127.0.0.1 only, and every pdns.conf has an empty security-poll-suffix,
# so pdns sends no query to the outside.

E2E_TIMEOUT=${E2E_TIMEOUT:-20}
E2E_CACHES=${E2E_CACHES:-off}
E2E_KEEP=${E2E_KEEP:-0}
E2E_PDNS_EXTRA=${E2E_PDNS_EXTRA:-}
E2E_VERBOSE=${E2E_VERBOSE:-0}
E2E_CONNECTOR=${E2E_CONNECTOR:-unix}
E2E_HTTP_OPTIONS=${E2E_HTTP_OPTIONS:-}
E2E_PIDS=()        # processes started here, stopped in reverse order by e2e_cleanup
E2E_PORT_LOCKS=()  # port reservations held by this script
E2E_LOGS=()        # server logs, shown when the script fails
E2E_TMP=
E2E_LIB_DIR=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)

e2e_skip() {
    printf 'SKIP: %s\n' "$*"
    exit 77
}

e2e_die() {
    printf 'FAIL: %s\n' "$*" >&2
    exit 1
}

# e2e_init: temporary directory and cleanup trap.
e2e_init() {
    E2E_TMP=$(mktemp -d "${TMPDIR:-/tmp}/mxsteer-e2e.XXXXXX")
    trap e2e_cleanup EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
}

# e2e_descendants PID: the PIDs of PID's children, grandchildren ... (e.g. the mxsteerd
# processes pdns spawned for the pipe connector), one a line.
e2e_descendants() {
    local child task
    local -a kids
    for task in /proc/"$1"/task/*/children; do
        read -r -a kids <"$task" 2>/dev/null || true
        for child in "${kids[@]}"; do
            echo "$child"
            e2e_descendants "$child"
        done
    done
}

# e2e_alive PID: true while PID runs; a zombie (exited, not reaped yet: an orphan waits for
# init, which may reap slowly) counts as gone.
e2e_alive() {
    local stat
    kill -0 "$1" 2>/dev/null || return 1
    stat=$(cat /proc/"$1"/stat 2>/dev/null) || return 1
    stat=${stat##*) }
    [[ ${stat:0:1} != Z ]]
}

# e2e_kill_wait PID: TERM, then KILL after 5 s; true when PID is gone.
e2e_kill_wait() {
    local n
    kill -TERM "$1" 2>/dev/null || return 0
    for ((n = 0; n < 50; n++)); do
        e2e_alive "$1" || return 0
        sleep 0.1
    done
    printf 'e2e: process %s ignored TERM, killing it\n' "$1" >&2
    kill -KILL "$1" 2>/dev/null
}

# e2e_stop PID: stops a process started by e2e_spawn (as e2e_cleanup does) and forgets it;
# returns its exit status (143 for a clean exit on TERM from a shell, 0 from mxsteerd).
e2e_stop() {
    local stop_pid=$1 i kept=() stop_rc=0
    for i in "${E2E_PIDS[@]}"; do
        [[ $i == "$stop_pid" ]] || kept+=("$i")
    done
    E2E_PIDS=("${kept[@]}")
    e2e_kill_wait "$stop_pid"
    wait "$stop_pid" 2>/dev/null || stop_rc=$?
    return "$stop_rc"
}

# e2e_cleanup: the EXIT trap. Stops what this script started (by PID, TERM then KILL after
# 5 s), and then whatever those processes had started and left running (pipe connector
# children that outlive pdns), releases its ports, shows the server logs if the script
# failed, removes $E2E_TMP.
e2e_cleanup() {
    local rc=$? i pid log
    local -a left=()
    trap - EXIT INT TERM
    set +e
    for ((i = ${#E2E_PIDS[@]} - 1; i >= 0; i--)); do
        pid=${E2E_PIDS[i]}
        kill -0 "$pid" 2>/dev/null || continue
        mapfile -t -O "${#left[@]}" left < <(e2e_descendants "$pid")
        e2e_kill_wait "$pid"
        wait "$pid" 2>/dev/null
    done
    for pid in "${left[@]}"; do
        e2e_alive "$pid" || continue
        printf 'e2e: process %s outlived its parent, stopping it\n' "$pid" >&2
        e2e_kill_wait "$pid"
    done
    # A sanitizer report in any server log (an ASan build of mxsteerd; the pipe connector's
    # children write theirs to pdns.log) fails the script, also one written at exit.
    if ((rc == 0)) && e2e_sanitizer_report "${E2E_LOGS[@]}" >&2; then
        printf 'FAIL: a sanitizer report is in the server logs (above)\n' >&2
        rc=1
    fi
    if ((rc != 0 && rc != 77)); then
        for log in "${E2E_LOGS[@]}"; do
            [[ -s $log ]] || continue
            printf '\n--- last lines of %s ---\n' "${log#"$E2E_TMP"/}" >&2
            tail -n 25 -- "$log" >&2
        done
    fi
    for i in "${E2E_PORT_LOCKS[@]}"; do
        rm -rf -- "$i"
    done
    if [[ -n $E2E_TMP ]]; then
        if [[ $E2E_KEEP == 1 ]]; then
            printf 'e2e: kept %s\n' "$E2E_TMP" >&2
        else
            rm -rf -- "$E2E_TMP"
        fi
    fi
    exit "$rc"
}

# e2e_require_pdns BACKEND...: skips (77) unless pdns_server, the named backend modules
# (bind, remote) and dig are installed.
e2e_require_pdns() {
    local module_dir backend
    command -v pdns_server >/dev/null ||
        e2e_skip "pdns_server is not installed (Debian package pdns-server; scripts/deps.sh test)"
    command -v dig >/dev/null ||
        e2e_skip "dig is not installed (Debian package bind9-dnsutils; scripts/deps.sh test)"
    module_dir=$(pdns_server --no-config --config=default 2>/dev/null |
        sed -n 's/^# module-dir=//p')
    for backend in "$@"; do
        [[ -f $module_dir/lib${backend}backend.so ]] ||
            e2e_skip "pdns backend '$backend' is not installed ($module_dir/lib${backend}backend.so;" \
                "Debian package pdns-backend-$backend)"
    done
}

# e2e_port_in_use PORT: true when a TCP or UDP socket (v4 or v6, any state) has that local port.
e2e_port_in_use() {
    local hex
    hex=$(printf '%04X' "$1")
    awk -v hex="$hex" 'FNR > 1 { split($2, a, ":"); if (a[2] == hex) found = 1 }
        END { exit !found }' /proc/net/tcp /proc/net/udp /proc/net/tcp6 /proc/net/udp6 2>/dev/null
}

# e2e_pick_port VAR: stores a free port in VAR and reserves it for this script's lifetime.
# Ports come from below the kernel's ephemeral range (so no client socket takes them between
# the check and pdns's bind), starting at a point derived from $$. A reservation is a directory
# under ${TMPDIR:-/tmp}/mxsteer-e2e-ports made with mkdir (atomic), holding the owner's PID,
# so tests that ctest runs in parallel never pick the same port; a reservation whose owner
# is gone is taken over.
e2e_pick_port() {
    local pp_var=$1 pp_locks pp_lo pp_hi pp_port pp_tries pp_owner pp_dir
    pp_locks=${TMPDIR:-/tmp}/mxsteer-e2e-ports
    mkdir -p -- "$pp_locks"
    read -r pp_hi _ </proc/sys/net/ipv4/ip_local_port_range
    pp_lo=10000
    ((pp_hi > pp_lo + 1000)) || pp_hi=65535
    pp_port=$((pp_lo + ($$ * 131 + RANDOM) % (pp_hi - pp_lo)))
    for ((pp_tries = 0; pp_tries < 500; pp_tries++)); do
        pp_port=$((pp_port + 1))
        ((pp_port < pp_hi)) || pp_port=$pp_lo
        pp_dir=$pp_locks/$pp_port
        if ! mkdir -- "$pp_dir" 2>/dev/null; then
            pp_owner=$(cat -- "$pp_dir/pid" 2>/dev/null || true)
            # A reservation being written has no pid yet, a live owner keeps it: skip both.
            [[ -n $pp_owner && ! -d /proc/$pp_owner ]] || continue
            rm -rf -- "$pp_dir"
            mkdir -- "$pp_dir" 2>/dev/null || continue
        fi
        echo "$$" >"$pp_dir/pid"
        if e2e_port_in_use "$pp_port"; then
            rm -rf -- "$pp_dir"
            continue
        fi
        E2E_PORT_LOCKS+=("$pp_dir")
        printf -v "$pp_var" '%s' "$pp_port"
        return 0
    done
    e2e_die "cannot find a free port on 127.0.0.1 between $pp_lo and $pp_hi"
}

# e2e_zone_origin FILE: the zone's origin with a final dot, from its first $ORIGIN line before
# any record, else from the file name (zones/example.com.zone -> example.com.).
e2e_zone_origin() {
    local origin
    origin=$(awk '/^[ \t]*(;|$)/ { next }
        toupper($1) == "$ORIGIN" { print $2; exit }
        /^[ \t]*\$/ { next }
        { exit }' "$1")
    if [[ -z $origin ]]; then
        origin=$(basename -- "$1")
        origin=${origin%.zone}
    fi
    [[ $origin == *. ]] || origin+=.
    printf '%s\n' "${origin,,}"
}

# e2e_write_pdns_conf DIR PORT LINE...: DIR/pdns.conf for a foreground pdns_server on
# 127.0.0.1:PORT, with the backend lines given (launch=... and its settings).
e2e_write_pdns_conf() {
    local dir=$1 port=$2
    shift 2
    {
        echo "# written by tests/e2e/lib.sh"
        echo "local-address=127.0.0.1"
        echo "local-port=$port"
        echo "daemon=no"
        echo "guardian=no"
        echo "disable-syslog=yes"
        echo "write-pid=no"
        echo "socket-dir=$dir"
        # Empty: pdns makes no security-status query to the outside.
        echo "security-poll-suffix="
        echo "loglevel=6"
        echo "allow-axfr-ips=127.0.0.0/8"
        if [[ $E2E_CACHES == off ]]; then
            echo "query-cache-ttl=0"
            echo "negquery-cache-ttl=0"
            echo "cache-ttl=0"
        fi
        printf '%s\n' "$@"
        if [[ -n $E2E_PDNS_EXTRA ]]; then
            local -a extra
            read -r -a extra <<<"$E2E_PDNS_EXTRA"
            printf '%s\n' "${extra[@]}"
        fi
    } >"$dir/pdns.conf"
}

# e2e_start_pdns PORTVAR NAME LINE...: starts pdns_server with the backend lines given in
# $E2E_TMP/NAME, on a free port stored in PORTVAR, and waits for "ready to distribute
# questions". A port lost to another process between the check and the bind is retried.
e2e_start_pdns() {
    local sp_var=$1 sp_name=$2 sp_dir sp_pid sp_attempt n sp_port
    shift 2
    sp_dir=$E2E_TMP/$sp_name
    mkdir -p -- "$sp_dir"
    for ((sp_attempt = 1; sp_attempt <= 3; sp_attempt++)); do
        e2e_pick_port sp_port
        e2e_write_pdns_conf "$sp_dir" "$sp_port" "$@"
        e2e_spawn sp_pid "$sp_dir/pdns.log" pdns_server --config-dir="$sp_dir"
        for ((n = 0; n < E2E_TIMEOUT * 10; n++)); do
            if grep -q 'ready to distribute questions' "$sp_dir/pdns.log"; then
                printf 'e2e: %s: pdns_server (pid %s) ready on 127.0.0.1:%s\n' "$sp_name" "$sp_pid" "$sp_port"
                printf -v "$sp_var" '%s' "$sp_port"
                return 0
            fi
            kill -0 "$sp_pid" 2>/dev/null || break
            sleep 0.1
        done
        if kill -0 "$sp_pid" 2>/dev/null; then
            e2e_die "$sp_name: pdns_server not ready after ${E2E_TIMEOUT}s (log: $sp_dir/pdns.log)"
        fi
        if ! grep -qiE 'unable to bind|address already in use' "$sp_dir/pdns.log"; then
            tail -n 25 -- "$sp_dir/pdns.log" >&2
            e2e_die "$sp_name: pdns_server exited during startup"
        fi
        printf 'e2e: %s: port %s was taken, retrying\n' "$sp_name" "$sp_port"
        mv -- "$sp_dir/pdns.log" "$sp_dir/pdns.log.$sp_attempt"
    done
    e2e_die "$sp_name: pdns_server could not bind a port in 3 attempts"
}

# e2e_start_pdns_bind PORTVAR NAME ZONEFILE...: pdns + its bind backend serving the zones
# (the oracle). Zone origins as in e2e_zone_origin.
e2e_start_pdns_bind() {
    local portvar=$1 name=$2 dir zone
    shift 2
    dir=$E2E_TMP/$name
    mkdir -p -- "$dir"
    for zone in "$@"; do
        printf 'zone "%s" { type master; file "%s"; };\n' \
            "$(e2e_zone_origin "$zone")" "$(realpath -- "$zone")"
    done >"$dir/named.conf"
    e2e_start_pdns "$portvar" "$name" launch=bind "bind-config=$dir/named.conf"
}

# e2e_start_pdns_remote PORTVAR NAME SOCKET: pdns + the remote backend on a unix socket.
e2e_start_pdns_remote() {
    e2e_start_pdns "$1" "$2" launch=remote "remote-connection-string=unix:path=$3,timeout=2000"
}

# e2e_start_pdns_http PORTVAR NAME ADDR: pdns + the remote backend through the http connector,
# url http://ADDR/dns (ADDR: 127.0.0.1:PORT), with $E2E_HTTP_OPTIONS added. pdns's timeout is in
# whole seconds for http (2000 ms: 2 s).
e2e_start_pdns_http() {
    e2e_start_pdns "$1" "$2" launch=remote \
        "remote-connection-string=http:url=http://$3/dns,timeout=2000${E2E_HTTP_OPTIONS:+,$E2E_HTTP_OPTIONS}"
}

# e2e_start_pdns_pipe PORTVAR NAME MXSTEERD ZONEFILE...: pdns + the remote backend with the
# pipe connector: pdns itself spawns `MXSTEERD --listen pipe ZONEFILE...` (one child per
# backend instance; their stderr, mxsteerd's log, goes to pdns.log). pdns splits the command
# on spaces and execs it without a shell, and splits the connection string on commas: paths
# with either go through a wrapper script in $E2E_TMP/NAME.
e2e_start_pdns_pipe() {
    local pp_portvar=$1 pp_name=$2 pp_bin=$3 pp_cmd pp_dir
    shift 3
    pp_cmd="$pp_bin --listen pipe $*"
    if [[ "$pp_bin$*" == *[\ ,]* ]]; then
        pp_dir=$E2E_TMP/$pp_name
        mkdir -p -- "$pp_dir"
        {
            echo '#!/bin/sh'
            printf 'exec %q --listen pipe' "$pp_bin"
            printf ' %q' "$@"
            echo
        } >"$pp_dir/mxsteerd-pipe.sh"
        chmod +x -- "$pp_dir/mxsteerd-pipe.sh"
        pp_cmd=$pp_dir/mxsteerd-pipe.sh
        [[ $pp_cmd != *[\ ,]* ]] || e2e_die "no space or comma allowed in $pp_cmd (pipe connector)"
    fi
    e2e_start_pdns "$pp_portvar" "$pp_name" launch=remote \
        "remote-connection-string=pipe:command=$pp_cmd,timeout=5000"
}

# e2e_start_pdns_mxsteerd PORTVAR NAME MXSTEERD ZONEFILE...: pdns serving the zones through
# mxsteerd, connected as E2E_CONNECTOR says (unix: mxsteerd in $E2E_TMP/NAME-mxsteerd).
e2e_start_pdns_mxsteerd() {
    local pm_portvar=$1 pm_name=$2 pm_bin=$3 pm_sock=
    shift 3
    case $E2E_CONNECTOR in
    unix)
        e2e_start_mxsteerd pm_sock "$pm_name-mxsteerd" "$pm_bin" "$@"
        e2e_start_pdns_remote "$pm_portvar" "$pm_name" "$pm_sock"
        ;;
    pipe) e2e_start_pdns_pipe "$pm_portvar" "$pm_name" "$pm_bin" "$@" ;;
    http)
        local pm_addr=
        e2e_start_mxsteerd_http pm_addr "$pm_name-mxsteerd" "$pm_bin" "$@"
        e2e_start_pdns_http "$pm_portvar" "$pm_name" "$pm_addr"
        ;;
    *) e2e_die "E2E_CONNECTOR must be unix, pipe or http, got '$E2E_CONNECTOR'" ;;
    esac
}

# e2e_sanitizer_report LOG...: prints the first lines of any AddressSanitizer, LeakSanitizer
# or UndefinedBehaviorSanitizer report in the logs; true when there is one.
e2e_sanitizer_report() {
    (($# > 0)) || return 1
    grep -n -m 5 -E 'ERROR: (Address|Leak|Thread|Memory)Sanitizer|runtime error: |SUMMARY: [A-Za-z]+Sanitizer' \
        -- "$@" 2>/dev/null
}

# e2e_spawn PIDVAR LOG CMD...: starts CMD in the background with stdout and stderr in LOG,
# remembers its PID for e2e_cleanup. Where setpriv exists, the child also gets TERM when this
# shell dies without running its trap (SIGKILL, e.g. a ctest timeout).
e2e_spawn() {
    local spawn_var=$1 spawn_log=$2
    shift 2
    if setpriv --help 2>/dev/null | grep -q -- --pdeathsig; then
        setpriv --pdeathsig TERM -- "$@" >"$spawn_log" 2>&1 </dev/null &
    else
        "$@" >"$spawn_log" 2>&1 </dev/null &
    fi
    E2E_PIDS+=("$!")
    E2E_LOGS+=("$spawn_log")
    printf -v "$spawn_var" '%s' "$!"
}

# e2e_unix_listening PATH: true when a unix stream socket is listening on PATH, i.e. a
# connect() to it succeeds (read from /proc/net/unix: flag __SO_ACCEPTCON, no tool needed).
e2e_unix_listening() {
    [[ -S $1 ]] && awk -v path="$1" '$4 == "00010000" && $NF == path { found = 1 }
        END { exit !found }' /proc/net/unix
}

# e2e_start_mxsteerd SOCKVAR NAME MXSTEERD ZONEFILE...: starts `MXSTEERD --listen unix:SOCK
# ZONEFILE...` (log: $E2E_TMP/NAME/mxsteerd.log), stores the socket path in SOCKVAR and
# waits until the socket accepts connections.
e2e_start_mxsteerd() {
    local sm_var=$1 sm_name=$2 sm_bin=$3 sm_dir sm_pid n sm_sock
    shift 3
    sm_dir=$E2E_TMP/$sm_name
    mkdir -p -- "$sm_dir"
    sm_sock=$sm_dir/mxsteerd.sock
    e2e_spawn sm_pid "$sm_dir/mxsteerd.log" "$sm_bin" --listen "unix:$sm_sock" "$@"
    for ((n = 0; n < E2E_TIMEOUT * 10; n++)); do
        if e2e_unix_listening "$sm_sock"; then
            printf 'e2e: %s: mxsteerd (pid %s) listening on %s\n' "$sm_name" "$sm_pid" "${sm_sock#"$E2E_TMP"/}"
            printf -v "$sm_var" '%s' "$sm_sock"
            return 0
        fi
        if ! kill -0 "$sm_pid" 2>/dev/null; then
            tail -n 25 -- "$sm_dir/mxsteerd.log" >&2
            e2e_die "$sm_name: mxsteerd exited during startup"
        fi
        sleep 0.1
    done
    e2e_die "$sm_name: mxsteerd not listening on $sm_sock after ${E2E_TIMEOUT}s"
}

# e2e_tcp_listening PORT: true when a TCP socket listens on 127.0.0.1:PORT (/proc/net/tcp,
# state 0A = LISTEN; no tool needed).
e2e_tcp_listening() {
    local hex
    hex=$(printf '%04X' "$1")
    awk -v hex="$hex" 'FNR > 1 && $4 == "0A" { split($2, a, ":")
            if (a[1] == "0100007F" && a[2] == hex) found = 1 }
        END { exit !found }' /proc/net/tcp
}

# e2e_start_mxsteerd_http ADDRVAR NAME MXSTEERD ZONEFILE...: starts `MXSTEERD --listen
# http:127.0.0.1:PORT ZONEFILE...` (log: $E2E_TMP/NAME/mxsteerd.log) on a free port, stores
# 127.0.0.1:PORT in ADDRVAR and waits until it listens. When ADDRVAR already holds an address,
# its port is used again (a restart under a running pdns). A port lost to another process
# between the check and the bind is retried.
e2e_start_mxsteerd_http() {
    local sh_var=$1 sh_name=$2 sh_bin=$3 sh_dir sh_pid n sh_port sh_attempt sh_fixed=
    shift 3
    sh_dir=$E2E_TMP/$sh_name
    mkdir -p -- "$sh_dir"
    [[ -z ${!sh_var:-} ]] || sh_fixed=${!sh_var##*:}
    for ((sh_attempt = 1; sh_attempt <= 3; sh_attempt++)); do
        if [[ -n $sh_fixed ]]; then sh_port=$sh_fixed; else e2e_pick_port sh_port; fi
        e2e_spawn sh_pid "$sh_dir/mxsteerd.log" "$sh_bin" --listen "http:127.0.0.1:$sh_port" "$@"
        for ((n = 0; n < E2E_TIMEOUT * 10; n++)); do
            if e2e_tcp_listening "$sh_port"; then
                printf 'e2e: %s: mxsteerd (pid %s) listening on http:127.0.0.1:%s\n' "$sh_name" "$sh_pid" "$sh_port"
                printf -v "$sh_var" '127.0.0.1:%s' "$sh_port"
                return 0
            fi
            kill -0 "$sh_pid" 2>/dev/null || break
            sleep 0.1
        done
        if kill -0 "$sh_pid" 2>/dev/null; then
            e2e_die "$sh_name: mxsteerd not listening on 127.0.0.1:$sh_port after ${E2E_TIMEOUT}s"
        fi
        if [[ -n $sh_fixed ]] || ! grep -q 'Address already in use' "$sh_dir/mxsteerd.log"; then
            tail -n 25 -- "$sh_dir/mxsteerd.log" >&2
            e2e_die "$sh_name: mxsteerd exited during startup"
        fi
        printf 'e2e: %s: port %s was taken, retrying\n' "$sh_name" "$sh_port"
        mv -- "$sh_dir/mxsteerd.log" "$sh_dir/mxsteerd.log.$sh_attempt"
    done
    e2e_die "$sh_name: mxsteerd could not bind a port in 3 attempts"
}

# e2e_dig PORT ARG...: dig against 127.0.0.1:PORT, no recursion wanted, no cookie (the two
# servers would send different ones), names printed as they are on the wire.
e2e_dig() {
    local port=$1
    shift
    dig @127.0.0.1 -p "$port" +norec +nocookie +noidnout +time=5 +tries=1 "$@" </dev/null
}

# e2e_normalise: dig's output on stdin (one query) -> the comparable text of normalise.awk.
e2e_normalise() {
    LC_ALL=C awk -f "$E2E_LIB_DIR/normalise.awk"
}

# e2e_query PORT ARG...: the normalised answer of `e2e_dig PORT ARG...`; a failure of dig
# itself (its exit status) is part of the text.
e2e_query() {
    local out rc=0
    out=$(e2e_dig "$@" 2>&1) || rc=$?
    if ((rc != 0)); then
        printf 'error: dig exit %s\n' "$rc"
    fi
    printf '%s\n' "$out" | e2e_normalise
}

# e2e_query_batch PORT QUERYFILE OUTDIR: the normalised answer to line N of QUERYFILE (dig
# arguments, one query a line) goes to OUTDIR/N. Lines without options go to one `dig -f`
# process (fast); lines with +options get a dig each, because dig 9.18's batch mode does not
# apply per-line transport options (+tcp, +notcp, +ignore). Dies unless every line got an answer.
e2e_query_batch() {
    local port=$1 queries=$2 outdir=$3 want got line n=0
    local -a args
    mkdir -p -- "$outdir"
    grep -v -- '+' "$queries" >"$outdir/batch.txt" || true
    grep -n -v -- '+' "$queries" | cut -d: -f1 >"$outdir/batch.names" || true
    e2e_dig "$port" -f "$outdir/batch.txt" >"$outdir/batch.out" 2>&1 || true
    LC_ALL=C awk -v outdir="$outdir" -v names="$outdir/batch.names" \
        -f "$E2E_LIB_DIR/normalise.awk" "$outdir/batch.out"
    while IFS= read -r line; do
        n=$((n + 1))
        if [[ $line == *+* ]]; then
            read -r -a args <<<"$line"
            e2e_query "$port" "${args[@]}" >"$outdir/$n"
        fi
    done <"$queries"
    want=$(grep -c . "$queries" || true)
    got=$(find "$outdir" -maxdepth 1 -type f -name '[0-9]*' | wc -l)
    ((want == got)) || e2e_die "dig answered $got of $want queries (output: $outdir/batch.out)"
}
