#!/usr/bin/env bash
# test.sh: sets up, checks formatting, then builds and runs the whole suite twice:
# as released (build/) and under AddressSanitizer + UndefinedBehaviorSanitizer (build-asan/),
# and runs each fuzzer briefly (scripts/fuzz.sh).
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh

echo "== formatting (.clang-format)"
mapfile -t sources < <(git ls-files '*.c' '*.h' 2>/dev/null || find abi vmm guest tests -name '*.[ch]')
clang-format --dry-run -Werror "${sources[@]}"

run_suite() {
    local dir=$1
    shift
    echo "== build $dir $*"
    cmake -S . -B "$dir" "$@" >/dev/null
    cmake --build "$dir" -j"$(nproc)" >/dev/null
    echo "== test $dir"
    (cd "$dir" && ctest -V)
}

run_suite build -DCMAKE_BUILD_TYPE=RelWithDebInfo
run_suite build-asan -DCMAKE_BUILD_TYPE=Debug -DZXVMM_SANITIZE=ON

echo "== fuzz (each target briefly)"
scripts/fuzz.sh 20
