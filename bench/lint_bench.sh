#!/usr/bin/env bash
# lint_bench.sh: time mxlint against kzonecheck and named-checkzone on the same generated zones.
# SPDX-License-Identifier: MIT
#
# usage: bench/lint_bench.sh [--records N] [--rounds R] [--zones M]
#
#   --records N   records in the big zone (default 1000000)
#   --rounds R    timed rounds; each round runs every tool once, in a rotating order (default 5)
#   --zones M     small zones for the pre-commit case, 20 records each (default 1000)
#
# Installs the Debian packages it needs (quietly, only when missing), builds mxlint (Release) in
# bench/work/build, generates the zones into bench/work/ with bench/gen_zone.sh, checks that
# every tool accepts them, then times each tool with /usr/bin/time -f '%e %M' (wall seconds,
# peak RSS KiB) and prints markdown tables of medians. Not a test: never run from ctest.
set -euo pipefail

usage() {
    [[ ${1:-2} -eq 0 ]] || exec >&2
    sed -n '5,9p' "$0" | sed 's/^# \{0,1\}//'
    exit "${1:-2}"
}

command_line=$(printf '%q ' "$0" "$@")
records=1000000
rounds=5
zones=1000
while (($#)); do
    case "$1" in
    --records) records="${2:?--records needs a value}"; shift 2 ;;
    --rounds) rounds="${2:?--rounds needs a value}"; shift 2 ;;
    --zones) zones="${2:?--zones needs a value}"; shift 2 ;;
    -h | --help) usage 0 ;;
    *) echo "lint_bench.sh: unknown argument '$1'" >&2; usage ;;
    esac
done
for pair in "records:$records" "rounds:$rounds" "zones:$zones"; do
    if ! [[ "${pair#*:}" =~ ^[1-9][0-9]*$ ]]; then
        echo "lint_bench.sh: --${pair%%:*} must be a positive integer, got '${pair#*:}'" >&2
        exit 2
    fi
done

bench=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$bench")
work="$bench/work"
mkdir -p "$work"

echo "# mxlint benchmark"
echo
echo "command: \`${command_line% }\`"
echo

# --- packages -----------------------------------------------------------------------------------
# kzonecheck, named-checkzone, GNU time, and what building mxlint needs.
packages=(knot-dnssecutils bind9-utils time g++ make cmake pkg-config libknot-dev libssl-dev
    libtomlplusplus-dev libfmt-dev)
missing=()
for pkg in "${packages[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed'; then
        missing+=("$pkg")
    fi
done
if ((${#missing[@]})); then
    sudo=()
    if [[ $(id -u) -ne 0 ]]; then
        command -v sudo >/dev/null || {
            echo "lint_bench.sh: need root or sudo to install: ${missing[*]}" >&2
            exit 2
        }
        sudo=(sudo)
    fi
    echo "installing: ${missing[*]}" >&2
    "${sudo[@]}" apt-get update -qq
    DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends \
        "${missing[@]}" >/dev/null
fi
for tool in kzonecheck named-checkzone; do
    command -v "$tool" >/dev/null || { echo "lint_bench.sh: $tool not found" >&2; exit 2; }
done
[[ -x /usr/bin/time ]] || { echo "lint_bench.sh: /usr/bin/time not found" >&2; exit 2; }

# --- build --------------------------------------------------------------------------------------
# At most two jobs: the benchmark machine is shared.
echo "building mxlint (Release) in bench/work/build ..." >&2
if ! { cmake -S "$root" -B "$work/build" -DCMAKE_BUILD_TYPE=Release -DMXSTEER_TESTS=OFF &&
    cmake --build "$work/build" -j2 --target mxlint; } >"$work/build.log" 2>&1; then
    tail -n 30 "$work/build.log" >&2
    echo "lint_bench.sh: cannot build mxlint, see bench/work/build.log" >&2
    exit 1
fi
mxlint="$work/build/linter/mxlint"

# --- data ---------------------------------------------------------------------------------------
# Regenerated on every run (about a second): deterministic, so runs compare.
zone="$work/example.com.zone"
small="$work/small"
echo "generating $records records and $zones small zones in bench/work ..." >&2
"$bench/gen_zone.sh" --records "$records" --out "$zone"
rm -rf "$small"
"$bench/gen_zone.sh" --small "$zones" --dir "$small"
small_files=("$small"/*.zone)

# --- the commands -------------------------------------------------------------------------------
# Each tool loads the whole zone and runs its checks; output goes to /dev/null.
#   mxlint: every rule; --quiet drops the info lines and the summary from the text output.
#   kzonecheck: zscanner + Knot's semantic checks (DNSSEC checks are off for an unsigned zone).
#   named-checkzone -i local: load + integrity checks of in-zone MX/SRV/NS targets; the -k -m
#   -M -n -S modes only turn the default warnings (check-names, MX/NS to address, MX/SRV to
#   CNAME) into failures, as mxlint treats them as errors; they add no work.
nc_flags=(-i local -k fail -m fail -M fail -n fail -S fail)
big_mxlint=("$mxlint" --quiet --origin example.com. "$zone")
big_kzonecheck=(kzonecheck -o example.com. "$zone")
big_named=(named-checkzone "${nc_flags[@]}" example.com. "$zone")
# Pre-commit: mxlint takes all files at once and reads each origin from its file name; the
# other tools take one zone per invocation, so they run in a shell loop.
small_mxlint=("$mxlint" --quiet "${small_files[@]}")
# shellcheck disable=SC2016 # the loop variables expand in the inner bash
loop_kzonecheck='for f; do o=${f##*/}; kzonecheck -o "${o%.zone}." "$f" || exit 1; done'
# shellcheck disable=SC2016 # as above
loop_named='for f; do o=${f##*/}; named-checkzone '"${nc_flags[*]}"' "${o%.zone}." "$f" || exit 1; done'
small_kzonecheck=(bash -c "$loop_kzonecheck" loop "${small_files[@]}")
small_named=(bash -c "$loop_named" loop "${small_files[@]}")

# --- environment --------------------------------------------------------------------------------
mem_kib=$(awk '/^MemTotal:/ {print $2}' /proc/meminfo)
cpu=$(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)
commit=$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)
if ! git -C "$root" --no-optional-locks diff --quiet HEAD -- linter CMakeLists.txt cmake \
    2>/dev/null; then
    commit="$commit + uncommitted changes in linter/"
fi
echo "## Environment"
echo
echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "- machine: $(nproc) CPUs, ${cpu:-unknown CPU}, $((mem_kib / 1024)) MiB RAM"
echo "- load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "- mxsteer: $commit"
echo "- $("$mxlint" --version)"
echo "- $(kzonecheck --version 2>&1 | head -n1)"
echo "- named-checkzone $(named-checkzone -v 2>&1 | head -n1)"
echo "- big zone: $records records, $(du -m "$zone" | cut -f1) MiB; small: $zones zones of 20 records"
echo

# --- validation ---------------------------------------------------------------------------------
# One untimed run of each (it also warms the page cache). kzonecheck and named-checkzone must
# accept the zones; mxlint must exit 0 or 1 (1 = it reports errors: shown, but the timing
# still runs, since the zone is valid for the other tools).
logs="$work/logs"
mkdir -p "$logs"
validate() { # name expected-max-status command...
    local name=$1 max=$2 rc=0
    shift 2
    "$@" >"$logs/$name.out" 2>&1 || rc=$?
    echo "- $name: exit $rc, $(wc -l <"$logs/$name.out") output lines (bench/work/logs/$name.out)"
    if ((rc > max)); then
        echo
        echo "lint_bench.sh: $name failed (exit $rc):" >&2
        head -n 20 "$logs/$name.out" >&2
        exit 1
    fi
    if [[ $name == mxlint* && $rc -eq 1 ]]; then
        echo "  - WARNING: mxlint reports errors on a zone the other tools accept:"
        grep -m 10 ': error: ' "$logs/$name.out" | sed 's/^/    /'
    fi
}
echo "## Validation (untimed; mxlint without --quiet, to show its summary)"
echo
validate mxlint-big 1 "$mxlint" --origin example.com. "$zone"
grep -E '^[0-9]+ files? checked' "$logs/mxlint-big.out" | sed "s/^/  - /" || true
validate kzonecheck-big 0 "${big_kzonecheck[@]}"
validate named-checkzone-big 0 "${big_named[@]}"
validate mxlint-small 1 "$mxlint" "${small_files[@]}"
grep -E '^[0-9]+ files? checked' "$logs/mxlint-small.out" | sed "s/^/  - /" || true
validate kzonecheck-small 0 "${small_kzonecheck[@]}"
validate named-checkzone-small 0 "${small_named[@]}"
echo

# --- timing -------------------------------------------------------------------------------------
samples="$work/samples.txt"
: >"$samples"
measure() { # kind tool command...
    local kind=$1 tool=$2 rc=0 t
    shift 2
    t="$work/time.out"
    /usr/bin/time -f '%e %M' -o "$t" "$@" >/dev/null 2>&1 || rc=$?
    if ((rc > 1)) || { [[ $tool != mxlint ]] && ((rc != 0)); }; then
        echo "lint_bench.sh: $tool ($kind) exited $rc during timing" >&2
        exit 1
    fi
    # GNU time prints "Command exited with non-zero status N" first when rc != 0.
    echo "$kind $tool $(tail -n1 "$t")" >>"$samples"
}
tools=(mxlint kzonecheck named-checkzone)
for ((r = 0; r < rounds; r++)); do
    echo "round $((r + 1))/$rounds (load $(cut -d' ' -f1 /proc/loadavg)) ..." >&2
    # Rotate the order each round so no tool always runs first (or right after a peer).
    for ((k = 0; k < 3; k++)); do
        case ${tools[(r + k) % 3]} in
        mxlint) measure big mxlint "${big_mxlint[@]}" ;;
        kzonecheck) measure big kzonecheck "${big_kzonecheck[@]}" ;;
        named-checkzone) measure big named-checkzone "${big_named[@]}" ;;
        esac
    done
    for ((k = 0; k < 3; k++)); do
        case ${tools[(r + k) % 3]} in
        mxlint) measure small mxlint "${small_mxlint[@]}" ;;
        kzonecheck) measure small kzonecheck "${small_kzonecheck[@]}" ;;
        named-checkzone) measure small named-checkzone "${small_named[@]}" ;;
        esac
    done
done

# --- report -------------------------------------------------------------------------------------
# stats kind tool -> "median min max median_rss_kib"
stats() {
    local walls rss
    walls=$(awk -v c="$1" -v t="$2" '$1 == c && $2 == t {print $3}' "$samples" | sort -g)
    rss=$(awk -v c="$1" -v t="$2" '$1 == c && $2 == t {print $4}' "$samples" | sort -g)
    median() { awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }
    echo "$(median <<<"$walls") $(head -n1 <<<"$walls") $(tail -n1 <<<"$walls") $(median <<<"$rss")"
}
table() { # kind
    local kind=$1 base tool s
    base=$(stats "$kind" kzonecheck)
    echo "| tool | median wall s | min s | max s | median peak RSS MiB | wall / kzonecheck | RSS / kzonecheck |"
    echo "|---|---:|---:|---:|---:|---:|---:|"
    for tool in "${tools[@]}"; do
        s=$(stats "$kind" "$tool")
        awk -v t="$tool" -v s="$s" -v b="$base" 'BEGIN {
            split(s, x, " "); split(b, y, " ")
            printf "| %s | %.2f | %.2f | %.2f | %.1f | %.2f | %.2f |\n", t, x[1], x[2], x[3],
                x[4] / 1024, (y[1] > 0 ? x[1] / y[1] : 0), (y[4] > 0 ? x[4] / y[4] : 0)
        }'
    done
}

echo "## Big zone: $records records, $rounds rounds"
echo
echo "- mxlint: \`mxlint --quiet --origin example.com. example.com.zone\`"
echo "- kzonecheck: \`kzonecheck -o example.com. example.com.zone\`"
echo "- named-checkzone: \`named-checkzone ${nc_flags[*]} example.com. example.com.zone\`"
echo
table big
echo
awk -v m="$(stats big mxlint)" -v k="$(stats big kzonecheck)" 'BEGIN {
    split(m, x, " "); split(k, y, " ")
    tr = x[1] / y[1]; rr = x[4] / y[4]
    printf "- target wall time <= 0.50x kzonecheck: %s (%.2fx)\n", tr <= 0.5 ? "MET" : "NOT MET", tr
    printf "- target peak RSS <= kzonecheck: %s (%.2fx)\n", rr <= 1 ? "MET" : "NOT MET", rr
}'
echo
echo "## Pre-commit case: $zones zones of 20 records, $rounds rounds"
echo
echo "- mxlint: one invocation, \`mxlint --quiet small/*.zone\` (origin from each file name)"
echo "- kzonecheck: $zones invocations in a bash loop, \`kzonecheck -o <origin>. <origin>.zone\`"
echo "- named-checkzone: $zones invocations in a bash loop, \`named-checkzone ${nc_flags[*]} <origin>. <origin>.zone\`"
echo "- peak RSS of a loop is the largest single invocation"
echo
table small
echo
echo "## Raw samples (case tool wall_s peak_rss_kib, in run order)"
echo
echo '```'
cat "$samples"
echo '```'
echo
echo "- load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
