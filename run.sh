#!/usr/bin/env bash
# The main job: install what is needed, build, and lint the example zones in zones/.
# SPDX-License-Identifier: MIT
set -euo pipefail
cd "$(dirname "$0")"

scripts/deps.sh build
cmake -S . -B build/main -DCMAKE_BUILD_TYPE=Release -DMXSTEER_TESTS=OFF >/dev/null
cmake --build build/main -j"$(nproc)" --target mxlint >/dev/null

echo "== mxlint zones/*.zone"
status=0
build/main/linter/mxlint zones/*.zone || status=$?
echo "== exit status $status (0 = no errors, 1 = errors, 2 = usage or I/O)"
exit "$status"
