#!/usr/bin/env bash
# named_checkzone_agrees: mxlint and BIND's named-checkzone flag the same MX fixtures.
# SPDX-License-Identifier: MIT
#
# Usage: named_checkzone_agrees.sh MXLINT SOURCE_DIR
# Fixtures: tests/integration/data/*.zone, origin example.com., the MX record on line 7.
#
# What named-checkzone 9.18 (Debian 12) reports with `-i local` (measured, not guessed):
# - `-m` ("check-mx") governs two checks: the parse-time test whether the exchange *text* is an
#   IPv4/IPv6 address (lib/dns/rdata/generic/mx_15.c check_mx: inet_pton on the token, final
#   dot stripped, so it sees relative literals before the origin is appended), and the level of
#   the post-load "has no address records" check. Default warn: the message, exit 0.
#   `-m fail`: the load fails ("MX is an address") or the zone is "not loaded due to errors".
# - `-M` ("check-mx-cname") governs MX -> CNAME; default warn, `-M fail` fails the zone.
# - `-i local` runs the post-load MX checks for in-zone exchanges only; it does NOT tell NXDOMAIN
#   from NODATA (one message for both), and it follows wildcards (dns_db_find synthesises).
#
# case (fixture)                     | named-checkzone -i local message (default: warning, exit 0)             | fails with | mxlint rule
# -----------------------------------|-------------------------------------------------------------------------|------------|---------------------
# MX 10 192.0.2.25 (relative)        | <file>:7: warning: '192.0.2.25': MX is an address                       | -m fail    | mx-target-is-ip
#   mx_ip_relative.invalid.zone      |  + MX '192.0.2.25.example.com' has no address records (A or AAAA)        |            |  (alone: RULES.md)
# MX 10 192.0.2.25. (absolute)       | <file>:7: warning: '192.0.2.25.': MX is an address                      | -m fail    | mx-target-is-ip
#   mx_ip_absolute.invalid.zone      |                                                                         |            |
# MX 10 2001:db8::25 (IPv6 literal)  | <file>:7: warning: '2001:db8::25': MX is an address                     | -m fail    | mx-target-is-ip
#   mx_ip6.invalid.zone              |  + check-names "bad name" + "has no address records"                    |            |
# MX to a CNAME                      | example.com/MX 'mail.example.com' is a CNAME (illegal)                  | -M fail    | mx-target-cname
#   mx_target_cname.invalid.zone     |                                                                         |            |
# MX to an in-zone name, no A/AAAA   | example.com/MX 'mx1.example.com' has no address records (A or AAAA)     | -m fail    | mx-target-no-address
#   mx_target_nodata.invalid.zone    |                                                                         |            |
# MX to an in-zone name that does    | example.com/MX 'mx1.example.com' has no address records (A or AAAA)     | -m fail    | mx-target-no-address
#   not exist: mx_target_nxdomain    |  (same text as NODATA: named does not distinguish the two)             |            |
# MX to a wildcard-covered name      | (nothing: OK)                                                           | -          | (none)
#   mx_target_wildcard.valid.zone    |                                                                         |            |
# clean zone: clean.valid.zone       | (nothing: OK)                                                           | -          | (none)
#
# Cases named-checkzone does not check, so they are not asserted here: null MX misuse,
# exchanges that lost their final dot, out-of-zone exchanges under -i local, SPF/DMARC/DKIM,
# MTA-STS and TLSA (those are covered by mxlint's unit tests).
#
# For every fixture the test asserts: (1) named-checkzone -i local prints the message above
# and exits 0; (2) named-checkzone -i local -m fail -M fail exits non-zero exactly for the
# invalid fixtures; (3) mxlint exits 1 with exactly the listed rule among its errors and
# warnings, on line 7 (the line named-checkzone names), or exits 0 with no error or warning.
set -euo pipefail
source "$(dirname -- "$0")/common.sh"

command -v named-checkzone >/dev/null ||
    skip "named-checkzone is not installed (Debian package bind9-utils); nothing to compare with"

# fixture | fixed string named-checkzone prints (empty: prints nothing) | mxlint rule (empty: none)
cases=(
    "mx_ip_relative.invalid.zone|'192.0.2.25': MX is an address|mx-target-is-ip"
    "mx_ip_absolute.invalid.zone|'192.0.2.25.': MX is an address|mx-target-is-ip"
    "mx_ip6.invalid.zone|'2001:db8::25': MX is an address|mx-target-is-ip"
    "mx_target_cname.invalid.zone|MX 'mail.example.com' is a CNAME (illegal)|mx-target-cname"
    "mx_target_nodata.invalid.zone|MX 'mx1.example.com' has no address records (A or AAAA)|mx-target-no-address"
    "mx_target_nxdomain.invalid.zone|MX 'mx1.example.com' has no address records (A or AAAA)|mx-target-no-address"
    "mx_target_wildcard.valid.zone||"
    "clean.valid.zone||"
)
origin=example.com
mx_line=7

cp -- "$SRC"/tests/integration/data/*.zone .
# Every fixture must be in the table, so a new one cannot go untested.
for f in *.zone; do
    printf '%s\n' "${cases[@]}" | grep -q "^${f}|" || fail "fixture $f has no row in the table"
done

for row in "${cases[@]}"; do
    IFS='|' read -r fixture named_msg rule <<<"$row"
    echo "case $fixture: named-checkzone '${named_msg:-OK}', mxlint '${rule:-clean}'"
    [[ -f $fixture ]] || { fail "missing fixture $fixture"; continue; }
    grep -n 'IN MX' "$fixture" | grep -q "^${mx_line}:" || fail "$fixture: the MX record is not on line $mx_line"

    # (1) default modes: the message, but the zone still loads.
    check "named-checkzone -i local $origin $fixture"
    rc=0
    named-checkzone -i local "$origin" "$fixture" >named.txt 2>&1 || rc=$?
    indent <named.txt
    if [[ $rc -ne 0 ]]; then
        fail "named-checkzone exited $rc in its default (warn) modes"
    elif [[ -n $named_msg ]]; then
        if grep -qF -- "$named_msg" named.txt; then
            pass "named-checkzone reports: $named_msg"
        else
            fail "named-checkzone does not report: $named_msg"
        fi
    elif grep -Eq 'warning|MX is an address|is a CNAME|has no address records' named.txt; then
        fail "named-checkzone reports a problem in a valid fixture"
    else
        pass "named-checkzone: no MX finding"
    fi

    # (2) the same checks as failures: named's verdict.
    check "named-checkzone -i local -m fail -M fail $origin $fixture"
    named_rc=0
    named-checkzone -i local -m fail -M fail "$origin" "$fixture" >named.txt 2>&1 || named_rc=$?
    indent <named.txt
    if [[ -n $rule && $named_rc -eq 0 ]]; then
        fail "named-checkzone accepts an invalid fixture"
    elif [[ -z $rule && $named_rc -ne 0 ]]; then
        fail "named-checkzone rejects a valid fixture (exit $named_rc)"
    else
        pass "named-checkzone exit $named_rc"
    fi

    # (3) mxlint's verdict, rule and line.
    check "mxlint --quiet --origin $origin $fixture"
    mx_rc=0
    "$MXLINT" --quiet --origin "$origin" "$fixture" >mxlint.txt 2>&1 || mx_rc=$?
    indent <mxlint.txt
    found=$(sed -En 's/^[^:]+:([0-9]+):[0-9]+: (error|warning): .*\[([a-z0-9-]+)\]$/\3@\1/p' mxlint.txt |
        sort -u | paste -sd' ' -)
    if [[ -n $rule ]]; then
        if [[ $mx_rc -ne 1 ]]; then
            fail "mxlint exited $mx_rc, expected 1"
        elif [[ $found != "$rule@$mx_line" ]]; then
            fail "mxlint findings '${found}', expected exactly '$rule@$mx_line'"
        else
            pass "mxlint exit 1, $rule on line $mx_line"
        fi
    elif [[ $mx_rc -ne 0 || -n $found ]]; then
        fail "mxlint exited $mx_rc with '${found}' on a valid fixture"
    else
        pass "mxlint exit 0, no error or warning"
    fi

    # Agreement in one line: both reject, or both accept.
    if (((named_rc != 0) != (mx_rc != 0))); then
        fail "$fixture: named-checkzone exit $named_rc and mxlint exit $mx_rc disagree"
    fi
done
finish
