#!/bin/bash
# A real MTA: Debian's Postfix on 127.0.0.1 and a high port with STARTTLS and a certificate made
# here, probed up (and again, resuming the TLS session), then stopped -> down -> started -> up.
# Skips (77) without postfix or root.
# usage: postfix_test.sh HEALTH_PROBE TESTS_HEALTH_DIR
# SPDX-License-Identifier: MIT
set -u
probe=$1
here=$2
# shellcheck source=tests/health/postfix_lib.sh
source "$here/postfix_lib.sh"
if ! why=$(postfix_usable); then
    echo "skip: $why"
    exit 77
fi

work=$(mktemp -d /tmp/mxsteer-postfix.XXXXXX)
cleanup() {
    postfix_stop
    rm -rf "$work"
}
trap cleanup EXIT

# A free high port on 127.0.0.1.
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
sh "$here/make_certs.sh" "$work/certs" || exit 1
postfix_prepare "$work" 127.0.0.1 "$port" "$work/certs" || { echo "FAIL: postfix check"; exit 1; }

# Probes until the state is $1 (60 s at most).
expect() {
    local want=$1 line
    for _ in $(seq 1 60); do
        line=$("$probe" mx1.example.com. 127.0.0.1 "$port" required "$work/certs/ca.pem")
        if [ "${line%% *}" = "$want" ]; then
            echo "ok: $want ($line)"
            return 0
        fi
        sleep 1
    done
    echo "FAIL: expected $want, last probe said: $line"
    [ -f "$work/maillog" ] && tail -n 20 "$work/maillog"
    exit 1
}

postfix_start "$work"
expect up
# Postfix issues TLS session tickets by default, so the next probe resumes the first one's
# session (no certificate sent) and still counts as up.
line=$("$probe" --resume mx1.example.com. 127.0.0.1 "$port" required "$work/certs/ca.pem")
case $line in
"tls=resumed up "*) echo "ok: the second probe resumed the TLS session ($line)" ;;
*) echo "FAIL: expected a resumed TLS session, got: $line"; exit 1 ;;
esac
postfix_stop
expect down
postfix_start "$work"
expect up
echo "postfix: up -> down -> up"
