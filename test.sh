#!/usr/bin/env bash
# The whole test suite: install what is needed, build with -Werror and ASan+UBSan, run CTest.
# SPDX-License-Identifier: MIT
set -euo pipefail
cd "$(dirname "$0")"

scripts/deps.sh test
cmake -S . -B build/test -DCMAKE_BUILD_TYPE=Debug -DMXSTEER_WERROR=ON \
    -DMXSTEER_SANITIZE=address,undefined >/dev/null
cmake --build build/test -j"$(nproc)"
ctest --test-dir build/test --output-on-failure -j"$(nproc)"
