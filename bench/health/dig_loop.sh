#!/usr/bin/env bash
# dig_loop.sh PORT SUBNET OUT [PAUSE_S]: asks 127.0.0.1:PORT for example.com MX with
# `dig +subnet=SUBNET` in a loop (PAUSE_S, default 0.1, between a reply and the next query) and
# appends one line per query to OUT: "<unix ms when sent> <status> <pref name,...>" with the MX
# records sorted ("-" when there is none); status is dig's (NOERROR, SERVFAIL, NXDOMAIN, ...) or
# DIGFAIL:<dig's message> when dig got no reply. Runs until killed. Part of bench/health/failover.sh.
# SPDX-License-Identifier: MIT
set -u
port=$1 subnet=$2 out=$3 pause=${4:-0.1}
while true; do
    sent=${EPOCHREALTIME/./}
    sent=$((sent / 1000))
    reply=$(dig @127.0.0.1 -p "$port" +tries=1 +time=2 +subnet="$subnet" example.com MX 2>&1)
    status=DIGFAIL
    if [[ $reply =~ status:\ ([A-Z]+) ]]; then
        status=${BASH_REMATCH[1]}
    else # keep why, as one word: DIGFAIL:connection_timed_out;_no_servers_could_be_reached
        why=${reply//$'\n'/ }
        why=${why#;; }
        why=${why// /_}
        status=DIGFAIL:${why:0:80}
    fi
    mx=()
    in_answer=0
    while IFS= read -r line; do
        if [[ $line == ';; ANSWER SECTION:' ]]; then
            in_answer=1
        elif [[ -z $line ]]; then
            in_answer=0
        elif ((in_answer)) && [[ $line =~ [[:space:]]MX[[:space:]]+([0-9]+)[[:space:]]+([^[:space:]]+) ]]; then
            mx+=("${BASH_REMATCH[1]} ${BASH_REMATCH[2]}")
        fi
    done <<<"$reply"
    answer=-
    if ((${#mx[@]})); then
        answer=$(printf '%s\n' "${mx[@]}" | sort | paste -sd, -)
    fi
    printf '%s %s %s\n' "$sent" "$status" "$answer" >>"$out"
    sleep "$pause"
done
