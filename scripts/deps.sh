#!/usr/bin/env bash
# Installs the Debian 12 packages a step needs; silent when they are all there.
# usage: scripts/deps.sh build|run|test|bench
# SPDX-License-Identifier: MIT
set -euo pipefail

build=(g++ make cmake pkg-config libknot-dev libssl-dev libtomlplusplus-dev libfmt-dev libldns-dev
    libasio-dev libsimdjson-dev libmaxminddb-dev libjemalloc-dev)
test=("${build[@]}" doctest-dev clang-format bind9-utils knot-dnssecutils pre-commit git
    openssl pdns-server pdns-backend-remote pdns-backend-bind bind9-dnsutils socat python3
    libmaxmind-db-writer-perl unbound dnsdist postfix)
bench=("${test[@]}" dnsperf pdns-backend-geoip util-linux procps liburing-dev)

run=(pdns-server pdns-backend-remote bind9-dnsutils libjemalloc2)

case ${1:-} in
build) wanted=("${build[@]}") ;;
run) wanted=("${run[@]}") ;;
test) wanted=("${test[@]}") ;;
bench) wanted=("${bench[@]}") ;;
*)
    echo "usage: $0 build|run|test|bench" >&2
    exit 2
    ;;
esac

missing=()
for pkg in "${wanted[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed'; then
        missing+=("$pkg")
    fi
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

sudo=()
if [[ $(id -u) -ne 0 ]]; then
    command -v sudo >/dev/null || {
        echo "deps: need root or sudo to install: ${missing[*]}" >&2
        exit 2
    }
    sudo=(sudo)
fi
echo "deps: installing ${missing[*]}"
# Postfix is a test peer only: "No configuration" installs it without a main.cf, so no system
# MTA starts; the tests run private instances on loopback.
if [[ " ${missing[*]} " == *" postfix "* ]]; then
    echo "postfix postfix/main_mailer_type select No configuration" |
        "${sudo[@]}" debconf-set-selections
fi
"${sudo[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends \
    "${missing[@]}" >/dev/null
