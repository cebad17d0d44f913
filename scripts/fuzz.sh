#!/usr/bin/env bash
# fuzz.sh: builds the libFuzzer targets with clang in build-fuzz/ and runs each for SECONDS (default 30).
#
# Usage: scripts/fuzz.sh [SECONDS] [TARGET...]
#        scripts/fuzz.sh --long TARGET...
# TARGET is a name such as elf or syscalls (default: every target). --long runs each named target
# until 100 million executions or 2 CPU-hours of the fuzzing process, whichever comes first (the
# budget of issue 12); ZXVMM_FUZZ_CPU_SECONDS changes the CPU budget.
# First replays every saved crash input in tests/fuzz/regressions/<target>/, then fuzzes each
# target with its corpus in build-fuzz/corpus/<target>/ (kept between runs), starting from the
# seeds in tests/fuzz/seeds/<target>/ where there are some. Exits non-zero on
# any crash, sanitizer report, leak or broken invariant; the input is saved as
# build-fuzz/crashes/<target>/crash-* (see docs/fuzzing.md to reproduce it).
set -euo pipefail
cd "$(dirname "$0")/.."

all_targets=(fuzz_walker fuzz_syscalls fuzz_gdb_packet fuzz_gdb_stub fuzz_scenario fuzz_lualib fuzz_elf fuzz_cli fuzz_options
    fuzz_fdt)
usage() {
    echo "usage: $0 [SECONDS] [TARGET...] | $0 --long TARGET...  (targets: ${all_targets[*]#fuzz_})" >&2
    exit 2
}

seconds=30
runs=-1
cpu_budget=0
if [ "${1:-}" = --long ]; then
    shift
    [ $# -gt 0 ] || usage
    cpu_budget=${ZXVMM_FUZZ_CPU_SECONDS:-7200}
    [[ "$cpu_budget" =~ ^[1-9][0-9]*$ ]] || usage
    seconds=$((cpu_budget * 4)) # a wall-clock backstop; the CPU budget ends the run
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

# cpu_seconds PID: the user plus system CPU time of process PID so far, in whole seconds.
cpu_seconds() {
    local stat
    stat=$(cat "/proc/$1/stat" 2>/dev/null) || {
        echo 0
        return
    }
    stat=${stat##*) } # the fields after the command name; utime and stime are the 12th and 13th
    read -r -a fields <<<"$stat"
    echo $(((fields[11] + fields[12]) / $(getconf CLK_TCK)))
}

# run_fuzzer ARGS...: libFuzzer in the foreground, or, with a CPU budget, in the background with a
# watcher that asks it to finish (SIGUSR1: libFuzzer ends its loop and prints its final stats)
# once its CPU time reaches the budget.
run_fuzzer() {
    if [ "$cpu_budget" -eq 0 ]; then
        "$@"
        return
    fi
    "$@" &
    local pid=$! used=0 now status=0
    while kill -0 "$pid" 2>/dev/null; do
        now=$(cpu_seconds "$pid")
        [ "$now" -eq 0 ] || used=$now
        if [ "$used" -ge "$cpu_budget" ]; then
            kill -USR1 "$pid" 2>/dev/null || true
            break
        fi
        sleep 5
    done
    wait "$pid" || status=$?
    echo "cpu_seconds: about $used" >&2
    return $status
}

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
        if ! "$bin" -timeout=10 "${saved[@]}" >"$crashes/replay.log" 2>&1; then
            echo "fuzz: $target fails on a saved input; see $crashes/replay.log" >&2
            status=1
            continue
        fi
    fi
    if [ "$cpu_budget" -gt 0 ]; then
        echo "== $target: fuzzing for $runs executions or ${cpu_budget} CPU-seconds"
    else
        echo "== $target: fuzzing for ${seconds}s"
    fi
    if ! run_fuzzer "$bin" -max_total_time="$seconds" -runs="$runs" -max_len=1024 -timeout=10 -rss_limit_mb=4096 \
        -artifact_prefix="$crashes/" -print_final_stats=1 "$corpus" "${seeds[@]}" >"$crashes/fuzz.log" 2>&1; then
        echo "fuzz: $target crashed; log: $crashes/fuzz.log" >&2
        grep -E "^(==[0-9]+==ERROR|fuzz invariant broken|SUMMARY|artifact_prefix|Test unit written)" \
            "$crashes/fuzz.log" >&2 || tail -n 20 "$crashes/fuzz.log" >&2
        status=1
        continue
    fi
    grep -E "^(Done|stat::number_of_executed_units|stat::average_exec_per_sec|cpu_seconds)" "$crashes/fuzz.log" || true
    echo "corpus: $(find "$corpus" -type f | wc -l) inputs"
done
exit $status
