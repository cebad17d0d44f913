#!/usr/bin/env bash
# test.sh: sets up, checks formatting, then builds and runs the whole suite twice: as released
# (build/) and under AddressSanitizer + UndefinedBehaviorSanitizer (build-asan/), and runs each
# fuzzer briefly (scripts/fuzz.sh). After the release build's integration suite, the Slurm
# cluster test (tests/cluster/test_slurm.sh).
#
# Integration tests boot guests: natively where /dev/kvm works, otherwise (or with
# ZXVMM_TEST_LAB=1) inside the nested-KVM lab (scripts/lab.sh). Either way a skipped test fails
# the run. ZXVMM_TEST_LAB=0 runs them natively whatever the host has (they then skip loudly
# without KVM, and that does not fail the run).
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh slurmctld slurmd slurm-client munge # the last four for tests/cluster/test_slurm.sh

# Each step's heading carries the time since the start, so a slow step shows in CI's log.
step() { echo "== [$(printf '%4d' "$SECONDS")s] $*"; }

step "formatting (.clang-format)"
mapfile -t sources < <(git ls-files '*.c' '*.h' 2>/dev/null || find abi vmm guest tests -name '*.[ch]')
clang-format --dry-run -Werror "${sources[@]}"

build() {
    local dir=$1
    shift
    step "build $dir $*"
    cmake -S . -B "$dir" "$@" >/dev/null
    cmake --build "$dir" -j"$(nproc)" >/dev/null
}

# How the integration tests boot guests here: sets $mode (native, lab or none) and $why.
choose_mode() {
    case ${ZXVMM_TEST_LAB:-} in
    1) mode=lab why="ZXVMM_TEST_LAB=1" ;;
    0) mode=none why="ZXVMM_TEST_LAB=0" ;;
    *)
        if [ ! -e /dev/kvm ]; then
            mode=lab why="this host has no /dev/kvm"
        elif ! probe=$(build/zxvmm run build/guest-examples/hello 2>&1 >/dev/null); then
            mode=lab why="/dev/kvm is unusable here: ${probe%%$'\n'*}"
        else
            mode=native why=""
        fi
        ;;
    esac
}

# Runs one build's integration suite the chosen way; a skipped test fails it unless mode=none.
integration() {
    local dir=$1 log status=0
    log=$(mktemp)
    step "test $dir: integration"
    case $mode in
    native | none) (cd "$dir" && ctest -V -R '^integration$') 2>&1 | tee "$log" || status=$? ;;
    lab) scripts/lab.sh --timeout 2700 ctest --test-dir "$dir" -V -R '^integration$' 2>&1 | tee "$log" || status=$? ;;
    esac
    if [ "$mode" != none ] && grep -q '\*\*\* SKIPPED' "$log"; then
        echo "test: integration tests were skipped on a host that can boot guests ($mode)" >&2
        status=1
    fi
    rm -f "$log"
    return $status
}

build build -DCMAKE_BUILD_TYPE=RelWithDebInfo
step "test build: unit"
(cd build && ctest -V -R '^unit$')
choose_mode
if [ "$mode" = native ]; then
    echo "integration tests: native /dev/kvm"
else
    echo "integration tests: $mode ($why)"
fi
if [ "$mode" = lab ]; then
    step "lab self-test (tests/lab/test_lab.sh)"
    tests/lab/test_lab.sh
    step "--mem beyond the vCPUs' address width, in a lab with 39-bit vCPUs (tests/lab/test_mem_width.sh)"
    tests/lab/test_mem_width.sh build
fi
integration build

# The cluster recipe (docs/faults.md) on a single-node Slurm the test starts itself; its campaign boots
# guests, so it runs where the integration tests do. Its packages were installed above, on this host.
case $mode in
native)
    step "cluster: Slurm job array (tests/cluster/test_slurm.sh)"
    tests/cluster/test_slurm.sh build
    ;;
lab)
    step "cluster: Slurm job array in the lab (tests/cluster/test_slurm.sh)"
    scripts/lab.sh --timeout 2700 tests/cluster/test_slurm.sh build
    ;;
none) echo "cluster test skipped (ZXVMM_TEST_LAB=0)" ;;
esac

build build-asan -DCMAKE_BUILD_TYPE=Debug -DZXVMM_SANITIZE=ON
# Every sanitizer report goes to a file, so that one from a Criterion worker, or from a zxvmm whose stderr a
# test captured, still fails the run (LeakSanitizer's exit status alone is lost in both).
reports=$PWD/build-asan/sanitizer-reports
rm -rf "$reports"
mkdir -p "$reports"
export ASAN_OPTIONS="detect_leaks=1:log_path=$reports/asan"
export UBSAN_OPTIONS="print_stacktrace=1:log_path=$reports/ubsan"
export LSAN_OPTIONS="suppressions=$PWD/tests/sanitizers/lsan.supp:print_suppressions=0"
step "test build-asan: unit"
(cd build-asan && ctest -V -R '^unit$')
integration build-asan
unset ASAN_OPTIONS UBSAN_OPTIONS LSAN_OPTIONS
mapfile -t found < <(grep -l -E 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$reports"/* 2>/dev/null)
if [ ${#found[@]} -gt 0 ]; then
    echo "test: sanitizer reports in $reports:" >&2
    for f in "${found[@]}"; do
        echo "--- $f" >&2
        head -n 40 "$f" >&2
    done
    exit 1
fi

step "fuzz (each target briefly)"
scripts/fuzz.sh 20
step "done"
