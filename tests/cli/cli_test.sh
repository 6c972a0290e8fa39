#!/usr/bin/env bash
# CLI tests of mxlint: exit codes, output formats, config and hostile files.
# usage: cli_test.sh MXLINT DATA_DIR CASE
# SPDX-License-Identifier: MIT
set -euo pipefail

mxlint=$1
data=$2
case_name=$3
work=$(mktemp -d)
trap 'chmod -R u+rwx "$work" 2>/dev/null; rm -rf "$work"' EXIT
cd "$data/cli"

fail() {
    echo "FAIL: $*" >&2
    exit 1
}

# expect CODE CMD...: runs CMD, keeps stdout in $work/out and stderr in $work/err.
expect() {
    local want=$1
    shift
    local got=0
    "$@" >"$work/out" 2>"$work/err" || got=$?
    if [[ $got -ne $want ]]; then
        echo "--- stdout" >&2
        cat "$work/out" >&2
        echo "--- stderr" >&2
        cat "$work/err" >&2
        fail "'$*' exited $got, expected $want"
    fi
}

contains() { grep -qF -- "$2" "$work/$1" || fail "$1 lacks '$2': $(cat "$work/$1")"; }

case $case_name in
exit_clean)
    expect 0 "$mxlint" clean.example.com.zone
    contains out "1 file checked: 0 errors, 0 warnings"
    ;;
exit_errors)
    expect 1 "$mxlint" errors.example.com.zone
    contains out "errors.example.com.zone:5:1: error: MX exchange 'mail.errors.example.com.' is an alias (CNAME)"
    contains out "[mx-target-cname]"
    ;;
exit_warnings)
    # Warnings alone exit 0; --strict makes them fail.
    expect 0 "$mxlint" warnings.example.com.zone
    contains out "warning:"
    expect 1 "$mxlint" --strict warnings.example.com.zone
    ;;
exit_usage)
    expect 2 "$mxlint"
    contains err "no zone file given"
    expect 2 "$mxlint" --format yaml clean.example.com.zone
    contains err "--format must be text, json or sarif, got 'yaml'"
    expect 2 "$mxlint" --bogus clean.example.com.zone
    contains err "unknown option '--bogus'"
    expect 2 "$mxlint" --origin
    contains err "--origin needs a value"
    expect 2 "$mxlint" --origin 'a..b' clean.example.com.zone
    ;;
exit_io)
    expect 2 "$mxlint" does-not-exist.zone
    contains err "cannot open 'does-not-exist.zone': No such file or directory"
    mkdir "$work/dir.example.com.zone"
    expect 2 "$mxlint" "$work/dir.example.com.zone"
    contains err "Is a directory"
    # Other files are still linted and reported.
    expect 2 "$mxlint" does-not-exist.zone errors.example.com.zone
    contains out "[mx-target-cname]"
    if [[ $(id -u) -ne 0 ]]; then
        cp clean.example.com.zone "$work/locked.example.com.zone"
        chmod 000 "$work/locked.example.com.zone"
        expect 2 "$mxlint" "$work/locked.example.com.zone"
        contains err "Permission denied"
    else
        echo "note: unreadable-file case not checked: root reads every file"
    fi
    ;;
origin)
    # No $ORIGIN and a name that is not a domain: ask for --origin.
    expect 2 "$mxlint" noorigin
    contains err "pass --origin NAME"
    expect 0 "$mxlint" --origin example.com noorigin
    contains out "1 file checked: 0 errors"
    ;;
config)
    expect 0 "$mxlint" --config off.toml errors.example.com.zone
    expect 2 "$mxlint" --config bad.toml errors.example.com.zone
    contains err "bad.toml:2:19: error: rules.mx-target-cname must be \"off\", \"info\", \"warning\" or \"error\", got 'loud'"
    expect 2 "$mxlint" --config missing.toml errors.example.com.zone
    contains err "cannot open 'missing.toml'"
    # An mxlint config lints only FILE arguments.
    expect 2 "$mxlint" --config off.toml
    contains err "no zone file given"
    ;;
steer_example)
    # examples/mxsteer.toml and its zones (zones/) are clean, with and without FILE arguments.
    example=../../../examples/mxsteer.toml
    expect 0 "$mxlint" --strict --config "$example"
    contains out "3 files checked: 0 errors, 0 warnings"
    expect 0 "$mxlint" --strict --config "$example" ../../../zones/example.com.zone
    contains out "1 file checked: 0 errors, 0 warnings"
    expect 0 "$mxlint" --strict --format json --config "$example"
    contains out '"summary":{"files":3,"errors":0,"warnings":0'
    # The steering binds to the zones being linted: without example.com, its steered name and
    # pool members are unknown.
    expect 1 "$mxlint" --config "$example" ../../../zones/example.org.zone
    # The [[steer]] header's line, read from the example itself so that edits to it keep this true.
    steer_line=$(grep -n '^\[\[steer\]\]$' "$example" | head -1 | cut -d: -f1)
    contains out "mxsteer.toml:$steer_line:1: error: steered name 'example.com.' is in no served zone [steer-unknown-name]"
    ;;
steer_no_address)
    # A pool member without an address: reported once, as the zone rule, at the config line.
    expect 1 "$mxlint" --config steer/pool_no_address.invalid.toml
    contains out "steer/pool_no_address.invalid.toml:12:37: error: steering pool member 'mx-eu9.example.com.' of 'example.com.' does not exist in the zone [mx-target-no-address]"
    if grep -qF "[steer-unknown-name]" "$work/out"; then
        fail "the member is reported twice: $(cat "$work/out")"
    fi
    expect 1 "$mxlint" --format sarif --config steer/pool_no_address.invalid.toml
    contains out '"ruleId":"mx-target-no-address","ruleIndex":4,"level":"error"'
    contains out '"uri":"steer/pool_no_address.invalid.toml","uriBaseId":"%SRCROOT%"},"region":{"startLine":12,"startColumn":37}'
    ;;
steer_mta_sts)
    # A pool member of example.org. that its policy (zones/example.org.mta-sts.txt) leaves out.
    expect 1 "$mxlint" --config steer/pool_not_in_policy.invalid.toml
    contains out "steer/pool_not_in_policy.invalid.toml:13:34: error: cannot deliver to steering pool member 'mx-eu1.example.com.' of 'example.org.' under MTA-STS mode 'enforce'"
    contains out "[mta-sts-mx-not-covered]"
    contains out "2 files checked: 1 error, 0 warnings"
    ;;
steer_dane)
    # A pool member without TLSA beside exchanges with TLSA: a warning, so --strict fails.
    expect 0 "$mxlint" --config steer/pool_no_tlsa.invalid.toml
    contains out "steer/pool_no_tlsa.invalid.toml:13:39: warning: cannot protect mail for 'dane.example.net.' to steering pool member 'mx3.dane.example.net.' of 'dane.example.net.' with DANE"
    contains out "[dane-partial-mx-coverage]"
    expect 1 "$mxlint" --strict --config steer/pool_no_tlsa.invalid.toml
    # The same zone without steering has no such finding.
    expect 0 "$mxlint" --strict steer/dane.example.net.zone
    ;;
steer_unknown_region)
    expect 1 "$mxlint" --config steer/unknown_region.invalid.toml
    contains out "steer/unknown_region.invalid.toml:10:21: error: network 198.51.100.0/24 names region 'mars', which no [[regions]] entry defines [steer-unknown-region]"
    expect 1 "$mxlint" --format json --config steer/unknown_region.invalid.toml
    contains out '{"rule":"steer-unknown-region","severity":"error","file":"steer/unknown_region.invalid.toml","line":10,"column":21,'
    ;;
steer_config_errors)
    # Errors in the config or its networks files: exit 2, each at file:line:col.
    expect 2 "$mxlint" --config steer/networks_file.invalid.toml
    contains err "steer/bad.networks.txt:3:1: error: expected a CIDR block like 192.0.2.0/24"
    contains err "steer/missing.networks.txt: error: cannot read networks file"
    expect 2 "$mxlint" --config steer/ttl.invalid.toml
    contains err "steer/ttl.invalid.toml:10:11: error: ttl_min (600) is larger than ttl_max (60)"
    expect 2 "$mxlint" --config steer/no_zones.invalid.toml
    contains err "no zone file given, and 'steer/no_zones.invalid.toml' lists no zones"
    # Keys of both configs: read as mxsteer.toml, which has no 'rules'.
    printf '[rules]\nmx-single = "off"\n\n[[zones]]\nfile = "clean.example.com.zone"\n' >"$work/mixed.toml"
    expect 2 "$mxlint" --config "$work/mixed.toml" clean.example.com.zone
    contains err "mixed.toml:1:2: error: unknown key 'rules'"
    # A hostile file: binary noise is not TOML, and is reported as before.
    head -c 4096 /dev/urandom >"$work/noise.toml"
    expect 2 "$mxlint" --config "$work/noise.toml" clean.example.com.zone
    contains err "noise.toml:"
    ;;
suppression)
    # '; mxlint: disable=...' on the line above and on the same line.
    expect 0 "$mxlint" suppressed.example.com.zone
    ;;
list_rules)
    expect 0 "$mxlint" --list-rules
    for id in parse-error zone-missing-soa cname-and-other-data mx-target-is-ip \
        mx-target-no-address mx-target-cname name-missing-trailing-dot null-mx-mixed \
        null-mx-nonzero-pref mx-target-out-of-zone spf-multiple-records spf-syntax-error \
        spf-too-many-lookups spf-rrtype-deprecated spf-ptr-mechanism spf-terms-after-all \
        spf-pass-all dmarc-invalid dmarc-multiple-records dmarc-wrong-location dkim-invalid \
        dkim-key-too-short dkim-key-weak tlsrpt-invalid mta-sts-txt-invalid \
        mta-sts-multiple-records mta-sts-host-missing mta-sts-policy-invalid \
        mta-sts-mx-not-covered tlsa-bad-digest-length tlsa-unknown-params \
        tlsa-pkix-usage-smtp tlsa-without-dnssec tlsa-orphan dane-partial-mx-coverage \
        steer-unknown-name steer-empty-pool steer-null-mx steer-unknown-region \
        steer-overlapping-networks; do
        grep -q "^$id " "$work/out" || fail "--list-rules lacks $id"
    done
    ;;
big_zone)
    # 80,000 mail domains (8.6 MB, 240,003 records): past the size at which mxlint grows its
    # heap with huge pages and runs the rule groups on two threads. Each domain has one MX to
    # an IP literal (mx-target-is-ip, found on the calling thread) and one SPF record with a
    # bad ip4 prefix (spf-syntax-error, found on the second thread): every one is reported.
    awk 'BEGIN {
        print "$TTL 3600"
        print "@ SOA ns1 hostmaster 1 7200 3600 1209600 300"
        print "@ NS ns1"
        print "ns1 A 192.0.2.53"
        for (i = 0; i < 80000; i++) {
            printf "mail-domain-%06d MX 10 192.0.2.%d.\n", i, i % 250 + 1
            printf "mail-domain-%06d TXT \"v=spf1 ip4:192.0.2.1/33 -all\"\n", i
            printf "www.mail-domain-%06d A 192.0.2.80\n", i
        }
    }' >"$work/big.example.com.zone"
    (($(stat -c %s "$work/big.example.com.zone") >= 8 * 1024 * 1024)) || fail "the zone is too small"
    expect 1 "$mxlint" --format json "$work/big.example.com.zone"
    [[ $(grep -o '"rule": *"mx-target-is-ip"' "$work/out" | wc -l) -eq 80000 ]] ||
        fail "expected 80000 mx-target-is-ip findings, got $(grep -o '"rule": *"mx-target-is-ip"' "$work/out" | wc -l)"
    [[ $(grep -o '"rule": *"spf-syntax-error"' "$work/out" | wc -l) -eq 80000 ]] ||
        fail "expected 80000 spf-syntax-error findings, got $(grep -o '"rule": *"spf-syntax-error"' "$work/out" | wc -l)"
    ;;
huge_line)
    # A 100 MB line: a clear parse error at its line, the next record still read, no crash.
    {
        printf '$TTL 3600\n@ SOA ns1 hostmaster 1 7200 3600 1209600 300\nbig TXT '
        head -c 100000000 /dev/zero | tr '\0' 'x'
        printf '\nafter MX 10 .\n'
    } >"$work/huge.example.com.zone"
    expect 1 "$mxlint" "$work/huge.example.com.zone"
    contains out "huge.example.com.zone:3:1: error:"
    contains out "[parse-error]"
    # The record after the huge line was read: its null MX has a non-zero preference.
    contains out "huge.example.com.zone:4:1: warning: null MX of 'after.huge.example.com.'"
    ;;
binary)
    head -c 65536 /dev/urandom >"$work/garbage.example.com.zone"
    expect 1 "$mxlint" "$work/garbage.example.com.zone"
    contains out "[parse-error]"
    if LC_ALL=C grep -qP '[^\x00-\x7f]' "$work/out"; then
        fail "output is not ASCII"
    fi
    expect 1 "$mxlint" --format json "$work/garbage.example.com.zone"
    ;;
empty)
    : >"$work/empty.example.com.zone"
    expect 1 "$mxlint" "$work/empty.example.com.zone"
    contains out "has no SOA record"
    printf '; only\n; comments\n' >"$work/comments.example.com.zone"
    expect 1 "$mxlint" "$work/comments.example.com.zone"
    contains out "has no SOA record"
    ;;
mta_sts_policy)
    # X.mta-sts.txt beside X.zone is read by default; it leaves mx2 uncovered.
    expect 1 "$mxlint" sts.example.com.zone
    contains out "sts.example.com.zone:6:1: error: cannot deliver to 'mx2.sts.example.com.' under MTA-STS mode 'enforce'"
    contains out "[mta-sts-mx-not-covered]"
    # --mta-sts-policy replaces it.
    expect 0 "$mxlint" --mta-sts-policy sts-wildcard.mta-sts.txt sts.example.com.zone
    expect 2 "$mxlint" --mta-sts-policy missing.txt sts.example.com.zone
    contains err "cannot open 'missing.txt'"
    ;;
golden_text | golden_json | golden_sarif)
    format=${case_name#golden_}
    expect 1 "$mxlint" --format "$format" golden.example.com.zone
    diff -u "golden.expected.$format" "$work/out" || fail "$format output differs from golden.expected.$format"
    ;;
*)
    fail "unknown case '$case_name'"
    ;;
esac
echo "ok: $case_name"
