#!/bin/bash
# A real MTA: Debian's Postfix on 127.0.0.1 and a high port with STARTTLS and a certificate made
# here, probed up, then stopped -> down -> started -> up. Skips (77) without postfix or root.
# usage: postfix_test.sh HEALTH_PROBE TESTS_HEALTH_DIR
# SPDX-License-Identifier: MIT
set -u
probe=$1
here=$2
master=/usr/lib/postfix/sbin/master
if ! command -v postfix >/dev/null 2>&1 && [ ! -x /usr/sbin/postfix ]; then
    echo "skip: postfix is not installed (Debian package postfix)"
    exit 77
fi
if [ ! -x "$master" ]; then
    echo "skip: no postfix master at $master"
    exit 77
fi
if [ "$(id -u)" != 0 ]; then
    echo "skip: the postfix master needs root"
    exit 77
fi
if ! getent passwd postfix >/dev/null || ! getent group postdrop >/dev/null; then
    echo "skip: the postfix user or postdrop group is missing"
    exit 77
fi
postfix=$(command -v postfix || echo /usr/sbin/postfix)

work=$(mktemp -d /tmp/mxsteer-postfix.XXXXXX)
pid=
stop_master() {
    if [ -n "$pid" ]; then
        kill -TERM "$pid" 2>/dev/null
        for _ in $(seq 1 100); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
        kill -KILL "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
        pid=
    fi
}
cleanup() {
    stop_master
    rm -rf "$work"
}
trap cleanup EXIT

# A free high port on 127.0.0.1.
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
sh "$here/make_certs.sh" "$work/certs" || exit 1
mkdir -p "$work/etc" "$work/queue" "$work/data"
chown postfix "$work/data"
cat > "$work/etc/main.cf" <<CONF
compatibility_level = 3.6
queue_directory = $work/queue
data_directory = $work/data
mail_owner = postfix
setgid_group = postdrop
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
myhostname = mx1.example.com
mydestination =
mynetworks = 127.0.0.0/8
maillog_file = $work/maillog
smtpd_tls_cert_file = $work/certs/leaf.pem
smtpd_tls_key_file = $work/certs/leaf.key
smtpd_tls_security_level = may
CONF
# The system's services, with smtpd on our address and port only.
# No chroot (field 5): the scratch queue directory has no copy of /etc.
awk '/^[a-z0-9]/ && ($2 != "inet" || $1 !~ /^(smtp|submission|smtps)$/) {
         $5 = "n"; skip = 0; print; next }
     /^[a-z0-9]/ { skip = 1; next }
     /^[ \t]/ && skip { next }
     { skip = 0; print }' /etc/postfix/master.cf > "$work/etc/master.cf"
echo "127.0.0.1:$port inet n - n - - smtpd" >> "$work/etc/master.cf"
grep -q '^postlog' "$work/etc/master.cf" ||
    echo "postlog unix-dgram n - n - 1 postlogd" >> "$work/etc/master.cf"
"$postfix" -c "$work/etc" check || { echo "FAIL: postfix check"; exit 1; }

start_master() {
    "$master" -c "$work/etc" -d &
    pid=$!
}

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

start_master
expect up
stop_master
expect down
start_master
expect up
echo "postfix: up -> down -> up"
