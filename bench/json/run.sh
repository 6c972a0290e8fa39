#!/usr/bin/env bash
# JSON library benchmark for the pdns request decode and reply encode (not part of the CMake
# build): builds json_bench with g++ -O2, times every candidate in one process, then feeds
# hostile inputs to each raw library parser under ASan+UBSan, one process per input.
# usage: bench/json/run.sh [--rounds R] [--iterations N]      (markdown on stdout)
# SPDX-License-Identifier: MIT
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
work=$root/bench/work/json # git-ignored
mkdir -p "$work"

# The three candidates Debian 12 ships, plus fmt for the shipped decoder's messages.
missing=()
for pkg in g++ libsimdjson-dev rapidjson-dev nlohmann-json3-dev libfmt-dev; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' ||
        missing+=("$pkg")
done
if [[ ${#missing[@]} -gt 0 ]]; then
    sudo=()
    [[ $(id -u) -eq 0 ]] || sudo=(sudo)
    "${sudo[@]}" apt-get update -qq
    DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends \
        "${missing[@]}" >/dev/null
fi

sources=("$here/json_bench.cpp" "$root/backend/protocol/request.cpp"
    "$root/backend/protocol/reply.cpp")
common=(-std=c++20 -I"$root/backend")
# Timing build: what a Release build of the project gets (no -march: portable x86-64).
g++ "${common[@]}" -O2 -DNDEBUG "${sources[@]}" -lsimdjson -lfmt -o "$work/json_bench"
# Hostile-input build: assertions on (as in a Debug build), ASan+UBSan, stop at the first report.
g++ "${common[@]}" -O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all \
    "${sources[@]}" -lsimdjson -lfmt -o "$work/json_bench_san"

echo "# JSON benchmark run"
echo
echo "- command: \`bench/json/run.sh $*\`"
echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "- machine: $(nproc) CPUs, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)," \
    "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "- compiler: $(g++ --version | head -1); libraries:" \
    "$(dpkg-query -W -f='${Package} ${Version}\n' libsimdjson-dev rapidjson-dev nlohmann-json3-dev |
        paste -sd, | sed 's/,/, /g')"
echo
"$work/json_bench" "$@" "$root/tests/data/pdns/requests" \
    "$root/tests/data/pdns/requests/replies/lookup_apex_any.json"
echo
echo "## the same with -march=native (not portable: for On Demand's SIMD kernel only)"
echo
g++ "${common[@]}" -O2 -DNDEBUG -march=native "${sources[@]}" -lsimdjson -lfmt \
    -o "$work/json_bench_native"
"$work/json_bench_native" "$@" "$root/tests/data/pdns/requests" \
    "$root/tests/data/pdns/requests/replies/lookup_apex_any.json"
echo
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"

decoders=(decode_request simdjson-dom simdjson-ondemand rapidjson nlohmann)
cases=(deep-array-100k deep-object-100k rapidjson-exponent huge-number truncated nul-byte
    invalid-utf8 lone-surrogate random-bytes 10MB-string)
echo
echo "### hostile inputs, raw library parsers (no size cap, no depth pre-scan), ASan+UBSan"
echo
echo "decode_request is the shipped decoder. simdjson DOM runs with its own limits set as shipped"
echo "(parser capacity 64 KiB, max_depth 16); the others have no such limits. RapidJSON uses its"
echo "default (recursive) parser here. One process per cell; CRASH = the process died."
echo
echo "| input |$(printf ' %s |' "${decoders[@]}")"
echo "|---|$(printf -- '---|%.0s' "${decoders[@]}")"
for case in "${cases[@]}"; do
    row="| $case |"
    for decoder in "${decoders[@]}"; do
        log=$work/hostile-$decoder-$case.log
        if out=$(ulimit -s 8192 && "$work/json_bench_san" --hostile "$decoder" "$case" 2>"$log"); then
            row+=" $out |"
        else
            status=$?
            what=$(grep -m1 -oE 'runtime error: [^(]*|AddressSanitizer: [a-z-]+|Assertion .*failed' \
                "$log" || true)
            row+=" **CRASH** (exit $status${what:+: $what}) |"
        fi
    done
    echo "$row"
done
