#!/usr/bin/env bash
# fuzz.sh: builds the libFuzzer targets with clang in build-fuzz/ and runs each for SECONDS (default 30).
#
# Usage: scripts/fuzz.sh [SECONDS] [TARGET...]
#        scripts/fuzz.sh --long TARGET...
# TARGET is a name such as elf or syscalls (default: every target). --long runs each named target
# until 100 million executions or 2 hours, whichever comes first (the budget of issue 12).
# First replays every saved crash input in tests/fuzz/regressions/<target>/, then fuzzes each
# target with its corpus in build-fuzz/corpus/<target>/ (kept between runs), starting from the
# seeds in tests/fuzz/seeds/<target>/ where there are some. Exits non-zero on
# any crash, sanitizer report, leak or broken invariant; the input is saved as
# build-fuzz/crashes/<target>/crash-* (see docs/fuzzing.md to reproduce it).
set -euo pipefail
cd "$(dirname "$0")/.."

all_targets=(fuzz_walker fuzz_syscalls fuzz_gdb_packet fuzz_scenario fuzz_elf fuzz_cli fuzz_options fuzz_fdt)
usage() {
    echo "usage: $0 [SECONDS] [TARGET...] | $0 --long TARGET...  (targets: ${all_targets[*]#fuzz_})" >&2
    exit 2
}

seconds=30
runs=-1
if [ "${1:-}" = --long ]; then
    shift
    [ $# -gt 0 ] || usage
    seconds=7200
    runs=100000000
elif [ $# -gt 0 ] && [[ "$1" =~ ^[0-9]+$ ]]; then
    seconds=$1
    shift
fi
[[ "$seconds" =~ ^[1-9][0-9]*$ ]] || usage
targets=()
for name in "$@"; do
    [[ " ${all_targets[*]} " == *" fuzz_${name#fuzz_} "* ]] || usage
    targets+=("fuzz_${name#fuzz_}")
done
[ ${#targets[@]} -gt 0 ] || targets=("${all_targets[@]}")

# clang, and libFuzzer with the sanitizer runtimes (Debian 12: libclang-rt-14-dev).
scripts/setup.sh clang libclang-rt-14-dev

build=build-fuzz
echo "== build $build (clang, libFuzzer, ASan, UBSan)"
cmake -S . -B "$build" -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=RelWithDebInfo -DZXVMM_FUZZ=ON \
    -DZXVMM_BUILD_GUESTS=ON -DZXVMM_BUILD_TESTS=ON >/dev/null
cmake --build "$build" -j"$(nproc)" --target "${targets[@]}" >/dev/null

# The sanitizers stop at the first report, with a stack that names source lines.
export ASAN_OPTIONS="abort_on_error=1:detect_leaks=1:symbolize=1"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1"

status=0
for target in "${targets[@]}"; do
    name=${target#fuzz_}
    bin="$build/tests/fuzz/$target"
    regressions="tests/fuzz/regressions/$name"
    corpus="$build/corpus/$name"
    seeds=()
    [ -d "tests/fuzz/seeds/$name" ] && seeds=("tests/fuzz/seeds/$name")
    crashes="$build/crashes/$name"
    mkdir -p "$corpus" "$crashes"
    mapfile -t saved < <(find "$regressions" -type f ! -name '*.md' 2>/dev/null | sort)
    if [ ${#saved[@]} -gt 0 ]; then
        echo "== $target: replaying ${#saved[@]} saved inputs"
        if ! "$bin" "${saved[@]}" >"$crashes/replay.log" 2>&1; then
            echo "fuzz: $target fails on a saved input; see $crashes/replay.log" >&2
            status=1
            continue
        fi
    fi
    echo "== $target: fuzzing for ${seconds}s$([ "$runs" -gt 0 ] && echo " or $runs executions")"
    if ! "$bin" -max_total_time="$seconds" -runs="$runs" -max_len=1024 -timeout=10 -rss_limit_mb=4096 \
        -artifact_prefix="$crashes/" -print_final_stats=1 "$corpus" "${seeds[@]}" >"$crashes/fuzz.log" 2>&1; then
        echo "fuzz: $target crashed; log: $crashes/fuzz.log" >&2
        grep -E "^(==[0-9]+==ERROR|fuzz invariant broken|SUMMARY|artifact_prefix|Test unit written)" \
            "$crashes/fuzz.log" >&2 || tail -n 20 "$crashes/fuzz.log" >&2
        status=1
        continue
    fi
    grep -E "^(Done|stat::number_of_executed_units|stat::average_exec_per_sec)" "$crashes/fuzz.log" || true
    echo "corpus: $(find "$corpus" -type f | wc -l) inputs"
done
exit $status
