# shellcheck shell=bash
# Shared helpers for the integration tests; sourced, never run.
# SPDX-License-Identifier: MIT
#
# Every test is called as `<test>.sh MXLINT SOURCE_DIR`, works in its own temporary directory
# (removed on exit), prints what it checks, exits 0 on success, 1 on failure and 77 (CTest
# SKIP_RETURN_CODE) with a reason when a tool it needs is missing.

if [[ $# -ne 2 ]]; then
    echo "usage: $0 MXLINT SOURCE_DIR" >&2
    exit 2
fi
MXLINT=$(realpath -- "$1")
# shellcheck disable=SC2034 # SRC is read by the scripts that source this file
SRC=$(realpath -- "$2")
[[ -x $MXLINT ]] || { echo "FAIL: mxlint binary '$1' is not executable" >&2; exit 1; }

failures=0
check() { printf '  check: %s\n' "$*"; }
pass() { printf '    ok: %s\n' "$*"; }
fail() {
    printf '    FAIL: %s\n' "$*"
    failures=$((failures + 1))
}
skip() {
    printf 'SKIP: %s\n' "$*"
    exit 77
}
# indent OUTPUT: show a tool's output under the check that ran it.
indent() { sed 's/^/      | /'; }

TMP=$(mktemp -d "${TMPDIR:-/tmp}/mxsteer-it.XXXXXX")
trap 'rm -rf -- "$TMP"' EXIT
cd "$TMP" || exit 1

finish() {
    if ((failures > 0)); then
        printf 'FAILED: %d check(s)\n' "$failures"
        exit 1
    fi
    echo "PASSED"
    exit 0
}
