# shellcheck shell=bash
# postfix_lib.sh: a private Postfix from Debian for tests: its own config, queue and log in a
# scratch directory, smtpd on one loopback address and port with STARTTLS and a certificate for
# mx1.example.com made by make_certs.sh. Sourced; the caller stops it (postfix_stop). Every
# directory above DIR must be searchable by the postfix user.
#
#   postfix_usable              true when postfix is installed and can run here (else prints
#                               why: root is needed for the master, and the postfix user)
#   postfix_prepare DIR ADDR PORT CERTDIR   writes DIR/etc (main.cf, master.cf), DIR/queue
#   postfix_start DIR           starts the master in the foreground (pid in POSTFIX_PID)
#   postfix_stop                stops it by PID (TERM, then KILL after 10 s)
# SPDX-License-Identifier: MIT

POSTFIX_MASTER=/usr/lib/postfix/sbin/master
POSTFIX_PID=

postfix_usable() {
    if ! command -v postfix >/dev/null 2>&1 && [ ! -x /usr/sbin/postfix ]; then
        echo "postfix is not installed (Debian package postfix; scripts/deps.sh test)"
        return 1
    fi
    if [ ! -x "$POSTFIX_MASTER" ]; then
        echo "no postfix master at $POSTFIX_MASTER"
        return 1
    fi
    if [ "$(id -u)" != 0 ]; then
        echo "the postfix master needs root"
        return 1
    fi
    if ! getent passwd postfix >/dev/null || ! getent group postdrop >/dev/null; then
        echo "the postfix user or postdrop group is missing"
        return 1
    fi
}

postfix_prepare() {
    local dir=$1 address=$2 port=$3 certs=$4
    mkdir -p "$dir/etc" "$dir/queue" "$dir/data"
    # The daemons run as user postfix and must reach the queue below $dir.
    chmod 755 "$dir"
    chown postfix "$dir/data"
    cat >"$dir/etc/main.cf" <<CONF
compatibility_level = 3.6
queue_directory = $dir/queue
data_directory = $dir/data
mail_owner = postfix
setgid_group = postdrop
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
myhostname = mx1.example.com
mydestination =
mynetworks = 127.0.0.0/8
maillog_file = $dir/maillog
maillog_file_prefixes = $dir
smtpd_tls_cert_file = $certs/leaf.pem
smtpd_tls_key_file = $certs/leaf.key
smtpd_tls_security_level = may
CONF
    # The system's services, with smtpd on our address and port only (master.cf binds it; any
    # 127.0.0.0/8 address works, where inet_interfaces wants one an interface carries). No
    # chroot (field 5):
    # the scratch queue directory has no copy of /etc.
    awk '/^[a-z0-9]/ && ($2 != "inet" || $1 !~ /^(smtp|submission|smtps)$/) {
             $5 = "n"; skip = 0; print; next }
         /^[a-z0-9]/ { skip = 1; next }
         /^[ \t]/ && skip { next }
         { skip = 0; print }' /etc/postfix/master.cf >"$dir/etc/master.cf"
    echo "$address:$port inet n - n - - smtpd" >>"$dir/etc/master.cf"
    grep -q '^postlog' "$dir/etc/master.cf" ||
        echo "postlog unix-dgram n - n - 1 postlogd" >>"$dir/etc/master.cf"
    "$(command -v postfix || echo /usr/sbin/postfix)" -c "$dir/etc" check
}

postfix_start() {
    "$POSTFIX_MASTER" -c "$1/etc" -d &
    POSTFIX_PID=$!
}

postfix_stop() {
    local n
    [ -n "$POSTFIX_PID" ] || return 0
    kill -TERM "$POSTFIX_PID" 2>/dev/null
    for ((n = 0; n < 100; n++)); do
        kill -0 "$POSTFIX_PID" 2>/dev/null || break
        sleep 0.1
    done
    kill -KILL "$POSTFIX_PID" 2>/dev/null
    wait "$POSTFIX_PID" 2>/dev/null
    POSTFIX_PID=
}
