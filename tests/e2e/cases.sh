#!/usr/bin/env bash
# cases.sh: run the hand-written e2e cases (tests/e2e/cases/*/) against pdns_server and one backend.
# SPDX-License-Identifier: MIT
#
# Usage: cases.sh SOURCE_DIR BACKEND [CASE...]
#   BACKEND  "bind": pdns + its bind backend (the harness self-test: the expected answers
#            were written by hand from the zones, and the oracle must give them), or the
#            mxsteerd binary: pdns + mxsteerd through the unix connector, or the pipe or
#            http connector with E2E_CONNECTOR=pipe|http (lib.sh; E2E_HTTP_OPTIONS for post
#            and post_json)
#   CASE     case folder names to run (default: all)
#
# Each case folder holds (as pdns's modules/remotebackend/regression-tests/*/ do):
#   command      the dig arguments, one line (lib.sh e2e_dig adds server, port, +norec ...)
#   description  what the case shows, in a sentence or two
#   expected     the normalised answer (lib.sh e2e_normalise)
# All cases run against one server that serves SOURCE_DIR/zones/*.zone and
# SOURCE_DIR/tests/e2e/zones/*.zone, with pdns's caches off.
set -euo pipefail
E2E_HERE=$(cd -- "$(dirname -- "$0")" && pwd)
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$E2E_HERE/lib.sh"

if [[ $# -lt 2 ]]; then
    echo "usage: $0 SOURCE_DIR BACKEND [CASE...]   (BACKEND: bind | mxsteerd binary)" >&2
    exit 2
fi
SRC=$(realpath -- "$1")
BACKEND=$2
shift 2
zones=("$SRC"/zones/*.zone "$SRC"/tests/e2e/zones/*.zone)
if (($# > 0)); then
    cases=()
    for c in "$@"; do
        cases+=("$E2E_HERE/cases/$c")
    done
else
    cases=("$E2E_HERE"/cases/*/)
fi

if [[ $BACKEND == bind ]]; then
    e2e_require_pdns bind
else
    [[ -x $BACKEND ]] || e2e_die "mxsteerd binary '$BACKEND' is not executable"
    BACKEND=$(realpath -- "$BACKEND")
    e2e_require_pdns remote
fi
e2e_init

port=
if [[ $BACKEND == bind ]]; then
    e2e_start_pdns_bind port pdns "${zones[@]}"
    label="pdns + bind backend"
else
    e2e_start_pdns_mxsteerd port pdns "$BACKEND" "${zones[@]}"
    label="pdns + mxsteerd ($E2E_CONNECTOR connector)"
fi

failures=0
for dir in "${cases[@]}"; do
    dir=${dir%/}
    name=$(basename -- "$dir")
    for f in command description expected; do
        [[ -f $dir/$f ]] || e2e_die "case $name has no '$f' file"
    done
    read -r -a args <"$dir/command"
    e2e_query "$port" "${args[@]}" >"$E2E_TMP/$name.actual"
    if diff -u --label "$name/expected" --label "$label: dig ${args[*]}" \
        "$dir/expected" "$E2E_TMP/$name.actual" >"$E2E_TMP/$name.diff"; then
        printf 'ok    %-28s %s\n' "$name" "$(head -n 1 "$dir/description")"
    else
        printf 'FAIL  %-28s %s\n' "$name" "$(head -n 1 "$dir/description")"
        cat "$E2E_TMP/$name.diff"
        failures=$((failures + 1))
    fi
done

if ((failures > 0)); then
    printf '%d of %d case(s) FAILED against %s\n' "$failures" "${#cases[@]}" "$label"
    exit 1
fi
printf 'all %d case(s) PASSED against %s\n' "${#cases[@]}" "$label"
