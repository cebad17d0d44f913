#!/usr/bin/env bash
# test_lab.sh: checks the promises of scripts/lab.sh (docs/testing.md) by running commands in it:
# the exit status and the two output streams come back separately, arguments, the directory and
# the ZXVMM_* environment arrive intact, /dev/kvm exists, the host's root stays read-only and the
# VM's /tmp is its own, and a hung or crashed VM ends as 124 or 125 with its console, never a hang.
set -uo pipefail
cd "$(dirname "$0")/../.."

passed=0
failed=0
check() { # check NAME CONDITION-STATUS [DETAIL]
    if [ "$2" -eq 0 ]; then
        passed=$((passed + 1))
        echo "lab self-test: ok    $1"
    else
        failed=$((failed + 1))
        echo "lab self-test: FAIL  $1${3:+: $3}"
    fi
}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
probe=/tmp/zxvmm-lab-probe-$$

# One boot for everything that a single command can show.
ZXVMM_LAB_SELFTEST='x y' scripts/lab.sh bash -c '
    echo "out: pwd=$PWD"
    echo "out: env=$ZXVMM_LAB_SELFTEST"
    [ -c /dev/kvm ] && echo "out: kvm"
    touch /zxvmm-lab-readonly-probe 2>/dev/null || echo "out: root is read-only"
    touch '"$probe"' && echo "out: tmp is writable"
    [ $(($(cat /sys/class/net/lo/flags) & 1)) = 1 ] && echo "out: loopback up"
    echo "to stderr" >&2
    exit 7' >"$tmp/out" 2>"$tmp/err"
status=$?
check "the command's exit status is the script's" $(($status != 7)) "got $status"
grep -qx "out: pwd=$PWD" "$tmp/out"
check "the command runs in the caller's directory" $? "$(cat "$tmp/out")"
grep -qx "out: env=x y" "$tmp/out"
check "ZXVMM_* variables arrive" $? "$(cat "$tmp/out")"
grep -qx "out: kvm" "$tmp/out"
check "/dev/kvm exists in the lab" $?
grep -qx "out: root is read-only" "$tmp/out"
check "the host's root is read-only in the lab" $?
grep -qx "out: loopback up" "$tmp/out"
check "loopback is up in the lab" $?
grep -qx "out: tmp is writable" "$tmp/out" && [ ! -e "$probe" ]
check "the lab's /tmp is its own" $?
grep -qx "to stderr" "$tmp/err" && ! grep -q "to stderr" "$tmp/out" && ! grep -q "^out:" "$tmp/err"
check "stdout and stderr come back separately" $? "stderr: $(cat "$tmp/err")"

scripts/lab.sh printf '<%s>' 'a b' "c'd" '$HOME' '' >"$tmp/out" 2>"$tmp/err"
[ "$(cat "$tmp/out")" = "<a b><c'd><\$HOME><>" ]
check "arguments arrive unchanged" $? "$(cat "$tmp/out")"

scripts/lab.sh --timeout 20 sleep 1000 >"$tmp/out" 2>"$tmp/err"
status=$?
[ $status -eq 124 ] && grep -q "timed out after 20s" "$tmp/err"
check "a command that outlives --timeout ends the lab with 124" $? "status $status: $(tail -n 3 "$tmp/err")"

scripts/lab.sh sh -c 'echo c >/proc/sysrq-trigger' >"$tmp/out" 2>"$tmp/err"
status=$?
[ $status -eq 125 ] && grep -q "the VM stopped before the command finished" "$tmp/err" && grep -q "^lab: ! .*Kernel panic" "$tmp/err"
check "a crashed VM ends the lab with 125 and its console" $? "status $status: $(tail -n 3 "$tmp/err")"

echo "lab self-test: $passed passed, $failed failed"
[ $failed -eq 0 ]
