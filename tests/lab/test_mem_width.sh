#!/usr/bin/env bash
# test_mem_width.sh: `--mem` beyond the guest-physical address width of the vCPUs (CPUID MAXPHYADDR) is
# refused with exit 2 and a line naming the width, while the largest size that fits still runs. The lab's
# usual vCPUs have 40 bits, exactly the CLI's 1024G maximum, so this boots a lab whose CPU has 39.
# Usage: tests/lab/test_mem_width.sh [BUILD_DIR]   (runs zxvmm and the hello example of that build)
set -uo pipefail
cd "$(dirname "$0")/../.."
build=${1:-build}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

ZXVMM_LAB_CPU=max,phys-bits=39 scripts/lab.sh bash -c '
    '"$build"'/zxvmm run --mem 1024G '"$build"'/guest-examples/hello >/dev/null 2>&1
    echo "too wide: $?"
    '"$build"'/zxvmm run --mem 1024G '"$build"'/guest-examples/hello 2>&1 >/dev/null | head -n 3
    '"$build"'/zxvmm run --mem 512G '"$build"'/guest-examples/hello >/dev/null 2>&1
    echo "fits: $?"' >"$tmp/out" 2>"$tmp/err"
status=$?
failed=0
fail() {
    echo "mem width: FAIL  $1" >&2
    failed=1
}
[ $status -eq 0 ] || fail "the lab ended with $status: $(tail -n 5 "$tmp/err")"
grep -qx "too wide: 2" "$tmp/out" || fail "--mem 1024G with 39-bit vCPUs: $(cat "$tmp/out")"
grep -qF "zxvmm: --mem 1024G: larger than the 39-bit guest-physical address space of this host's vCPUs (CPUID MAXPHYADDR 39); at most 512G" "$tmp/out" ||
    fail "no line naming the width: $(cat "$tmp/out")"
grep -qx "fits: 0" "$tmp/out" || fail "--mem 512G with 39-bit vCPUs: $(cat "$tmp/out")"
[ $failed -eq 0 ] && echo "mem width: ok    --mem beyond MAXPHYADDR is refused (exit 2), 512G runs"
exit $failed
