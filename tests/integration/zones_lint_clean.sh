#!/usr/bin/env bash
# zones_lint_clean: the example zones in zones/ pass mxlint --strict, named-checkzone and kzonecheck.
# SPDX-License-Identifier: MIT
#
# Usage: zones_lint_clean.sh MXLINT SOURCE_DIR
# The zones (and the MTA-STS policy beside example.org.zone) are copied into a temporary
# directory and checked there, so every path in the output is relative. Info findings are
# advice (RULES.md) and allowed; errors and warnings are not. If named-checkzone or kzonecheck
# is missing, the mxlint checks still run and must pass, then the test reports SKIP (77).
set -euo pipefail
source "$(dirname -- "$0")/common.sh"

mkdir zones
cp -- "$SRC"/zones/*.zone zones/
cp -- "$SRC"/zones/*.mta-sts.txt zones/ 2>/dev/null || true
shopt -s nullglob
zone_files=(zones/*.zone)
((${#zone_files[@]} > 0)) || { echo "FAIL: no zones/*.zone in $SRC"; exit 1; }
echo "zones: ${zone_files[*]}"

check "mxlint --strict zones/*.zone exits 0 with no error or warning finding"
rc=0
out=$("$MXLINT" --strict "${zone_files[@]}" 2>&1) || rc=$?
printf '%s\n' "$out" | indent
if [[ $rc -ne 0 ]]; then
    fail "mxlint --strict exited $rc"
elif grep -Eq ': (error|warning): ' <<<"$out"; then
    fail "mxlint printed an error or warning finding"
elif ! grep -Eq "^${#zone_files[@]} files? checked: 0 errors, 0 warnings" <<<"$out"; then
    fail "summary does not say '${#zone_files[@]} files checked: 0 errors, 0 warnings'"
else
    pass "mxlint --strict"
fi

check "each zone alone, with its origin taken from the file name"
for f in "${zone_files[@]}"; do
    rc=0
    "$MXLINT" --strict --quiet "$f" >out.txt 2>&1 || rc=$?
    if [[ $rc -ne 0 || -s out.txt ]]; then
        indent <out.txt
        fail "mxlint --strict --quiet $f exited $rc"
    else
        pass "$f"
    fi
done

missing=()
if command -v named-checkzone >/dev/null; then
    # -i local: MX/SRV/NS targets inside the zone must have addresses; the other options turn
    # every check that named-checkzone only warns about by default into a failure.
    check "named-checkzone -i local -k fail -m fail -M fail -n fail -S fail -r fail accepts each zone"
    for f in "${zone_files[@]}"; do
        origin=$(basename -- "$f" .zone)
        rc=0
        named-checkzone -i local -k fail -m fail -M fail -n fail -S fail -r fail \
            "$origin" "$f" >out.txt 2>&1 || rc=$?
        indent <out.txt
        if [[ $rc -ne 0 ]]; then
            fail "named-checkzone $origin $f exited $rc"
        elif grep -qi 'warning' out.txt; then
            fail "named-checkzone $origin $f printed a warning"
        else
            pass "named-checkzone $origin"
        fi
    done
else
    missing+=("named-checkzone (Debian package bind9-utils)")
fi

if command -v kzonecheck >/dev/null; then
    check "kzonecheck -o ORIGIN accepts each zone"
    for f in "${zone_files[@]}"; do
        origin=$(basename -- "$f" .zone)
        rc=0
        kzonecheck -o "$origin" "$f" >out.txt 2>&1 || rc=$?
        indent <out.txt
        if [[ $rc -ne 0 ]]; then
            fail "kzonecheck -o $origin $f exited $rc"
        else
            pass "kzonecheck $origin"
        fi
    done
else
    missing+=("kzonecheck (Debian package knot-dnssecutils)")
fi

if ((failures == 0 && ${#missing[@]} > 0)); then
    skip "mxlint checks passed, but cannot run the peer checks without: ${missing[*]}"
fi
finish
