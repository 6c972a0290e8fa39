#!/usr/bin/env bash
# The main job: install what is needed, build, lint the example zones in zones/, then serve them
# with pdns_server + mxsteerd on loopback, show a few answers, and stop everything.
# SPDX-License-Identifier: MIT
set -euo pipefail
cd "$(dirname "$0")"

scripts/deps.sh build
scripts/deps.sh run
cmake -S . -B build/main -DCMAKE_BUILD_TYPE=Release -DMXSTEER_TESTS=OFF >/dev/null
cmake --build build/main -j"$(nproc)" --target mxlint mxsteerd >/dev/null

echo "== mxlint zones/*.zone"
lint_status=0
build/main/linter/mxlint zones/*.zone || lint_status=$?
echo "== mxlint exit status $lint_status (0 = no errors, 1 = errors, 2 = usage or I/O)"

# pdns_server with mxsteerd as its remote backend, on 127.0.0.1 and a high port; no outbound
# query (security-poll-suffix is empty).
work=$(mktemp -d)
pids=()
cleanup() {
    for pid in "${pids[@]}"; do
        kill "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    rm -rf "$work"
}
trap cleanup EXIT INT TERM

port=${MXSTEER_DEMO_PORT:-53535}
# examples/mxsteer.toml serves zones/ and steers example.com's MX over three regions.
build/main/backend/mxsteerd --config examples/mxsteer.toml --listen "unix:$work/mxsteerd.sock" \
    2>"$work/mxsteerd.log" &
pids+=($!)
for _ in $(seq 50); do
    [[ -S $work/mxsteerd.sock ]] && break
    sleep 0.1
done
cat >"$work/pdns.conf" <<CONF
local-address=127.0.0.1
local-port=$port
daemon=no
guardian=no
disable-syslog=yes
write-pid=no
socket-dir=$work
security-poll-suffix=
launch=remote
remote-connection-string=unix:path=$work/mxsteerd.sock
# Pass the EDNS Client Subnet to mxsteerd as real-remote, and put the scope in replies.
edns-subnet-processing=yes
CONF
pdns_server --config-dir="$work" >"$work/pdns.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do
    grep -q "ready to distribute questions" "$work/pdns.log" && break
    sleep 0.1
done
if ! grep -q "ready to distribute questions" "$work/pdns.log"; then
    echo "pdns_server did not start:" >&2
    cat "$work/pdns.log" "$work/mxsteerd.log" >&2
    exit 1
fi

echo "== mxsteerd log"
cat "$work/mxsteerd.log"
# Steered: two resolvers in different regions (examples/mxsteer.toml [networks]) get the same
# exchanges in different orders, with the ECS scope of the network that decided.
for subnet in 192.0.2.1/24 198.51.100.1/24; do
    echo "== dig +subnet=$subnet example.com MX (steered)"
    dig @127.0.0.1 -p "$port" +norec +nocookie +noall +answer +comments "+subnet=$subnet" \
        example.com MX >"$work/steered"
    grep 'CLIENT-SUBNET' "$work/steered"
    # pdns shuffles RRsets; sorted by preference here for reading.
    grep -E '[[:space:]]MX[[:space:]]' "$work/steered" | sort -k5,5n -k6
done
echo "== mxsteerd --explain example.com --client 198.51.100.1/24"
build/main/backend/mxsteerd --log-level error --config examples/mxsteer.toml \
    --explain example.com --client 198.51.100.1/24
for q in "mx-eu1.example.com A" "example.net MX" "example.org MX" \
    "_25._tcp.mx1.example.org TLSA" "nope.example.com A"; do
    echo "== dig $q (pdns_server + mxsteerd on 127.0.0.1:$port)"
    # shellcheck disable=SC2086 # $q is two words: name and type
    dig @127.0.0.1 -p "$port" +norec +nocookie +noall +answer +authority +comments $q |
        grep -vE '^;; (Got answer|OPT PSEUDOSECTION|flags:|WARNING)|^; EDNS' | grep -v '^$'
done
exit "$lint_status"
