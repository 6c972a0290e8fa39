#!/usr/bin/env bash
# Format gate: every C++ file is formatted with the project's .clang-format.
# usage: qa/format.sh [--fix]
# SPDX-License-Identifier: MIT
set -euo pipefail
cd "$(dirname "$0")/.."
mapfile -t files < <(git ls-files '*.cpp' '*.hpp' 2>/dev/null || find . -name '*.[ch]pp' -not -path './build*')
[[ ${#files[@]} -gt 0 ]] || exit 0
if [[ ${1:-} == --fix ]]; then
    clang-format -i "${files[@]}"
else
    clang-format --dry-run -Werror "${files[@]}"
fi
