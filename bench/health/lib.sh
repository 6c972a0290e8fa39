# shellcheck shell=bash disable=SC2154,SC2016
# lib.sh: helpers shared by bench/health/failover.sh and capacity.sh (sourced, not run);
# processes and ports come from bench/proc.sh.
# SPDX-License-Identifier: MIT

here=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
root=$(cd -- "$here/../.." && pwd)
build_dir=$root/bench/work/build-health # git-ignored
work=$root/bench/work/health
bin=$work/bin
mxsteerd=$build_dir/backend/mxsteerd

# shellcheck source=bench/proc.sh
source "$here/../proc.sh"

wait_for() { # wait_for PID LOG PATTERN SECONDS
    local n
    for ((n = 0; n < $4 * 10; n++)); do
        grep -q -- "$3" "$2" 2>/dev/null && return 0
        alive "$1" || { tail -n 20 -- "$2" >&2; die "process $1 exited ($2)"; }
        sleep 0.1
    done
    die "no '$3' in $2 after $4 s"
}
machine() {
    printf -- '- machine: %s CPUs (`nproc`), %s, %s MiB RAM, %s\n' "$(nproc)" \
        "$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n1)" \
        "$(awk '/MemTotal/ {print int($2 / 1024)}' /proc/meminfo)" "$(uname -sr)"
    printf -- '- mxsteer: %s%s\n' "$(git -C "$root" log -1 --format='%h ("%s")' 2>/dev/null || echo '?')" \
        "$(git -C "$root" status --porcelain 2>/dev/null | grep -q . && echo ' plus uncommitted changes' || true)"
}

# Builds mxsteerd (and the libraries prober_bench links) Release in bench/work/build-health,
# then the bench tools with g++ -O2. BUILD=0 skips it.
build_all() {
    mkdir -p -- "$bin"
    if [[ ${BUILD:-1} == 1 ]]; then
        say "building mxsteerd Release in $build_dir (log: $work/build.log)"
        {
            cmake -S "$root" -B "$build_dir" -DCMAKE_BUILD_TYPE=Release -DMXSTEER_TESTS=OFF &&
                cmake --build "$build_dir" -j2 --target mxsteerd
        } >"$work/build.log" 2>&1 || die "build failed (log: $work/build.log)"
        g++ -std=c++20 -O2 -Wall -Wextra -o "$bin/fake_mta" "$here/fake_mta.cpp" -lssl -lcrypto ||
            die "cannot build fake_mta"
    fi
    [[ -x $mxsteerd && -x $bin/fake_mta ]] || die "not built; run without --no-build"
}

# Test certificates (tests/health/make_certs.sh: an EC P-256 CA and a leaf for mx1.example.com).
certs() {
    sh "$root/tests/health/make_certs.sh" "$work/certs" || die "cannot make certificates"
}
