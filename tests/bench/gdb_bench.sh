#!/usr/bin/env bash
# gdb_bench.sh: P6, P7 and P7s of design/PERFORMANCE.md in one run: the same gdb (tests/bench/gdb_bench.py)
# against zxvmm's stub (the gdb_loop test guest), gdbserver (the same loop built natively) and QEMU's gdbstub
# (qemu-system-x86_64, TCG, a boot sector that loops), one after the other, then one line per target.
#
# Usage: tests/bench/gdb_bench.sh [BUILD_DIR]   (default build; needs /dev/kvm: scripts/lab.sh otherwise)
# Environment: BENCH_ROUNDS (5), BENCH_HITS (200), BENCH_STEPS (200).
set -euo pipefail

build=${1:-build}
src=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    rm -rf "$work"
}
trap cleanup EXIT
ip link set lo up 2>/dev/null || true # the nested lab starts with loopback down

head -c $((1 << 20)) /dev/urandom >"$work/blob"
export BENCH_FILE=$work/blob
port=$((20000 + RANDOM % 20000))

# Waits for a TCP port to accept connections.
wait_port() {
    for _ in $(seq 400); do
        (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
        sleep 0.05
    done
    echo "gdb_bench: nothing listens on port $1" >&2
    return 1
}

# measure NAME PROGRAM-FOR-GDB (or "") PORT: runs gdb_bench.py and keeps its line.
measure() {
    local name=$1 prog=$2 p=$3
    BENCH_NAME=$name BENCH_TARGET=127.0.0.1:$p timeout 600 gdb -batch -nx -x "$src/gdb_bench.py" $prog 2>&1 |
        grep '^gdbbench ' | tee -a "$work/lines"
}

# zxvmm: the loop guest, held at entry until gdb attaches.
"$build/zxvmm" run --gdb "tcp:127.0.0.1:$port" "$build/guest-tests/gdb_loop" 2>/dev/null &
pids+=($!)
wait_port $port
BENCH_BUF='&bench_buf' BENCH_BP=bench_tick measure zxvmm "$build/guest-tests/gdb_loop" $port
port=$((port + 1))

# gdbserver: the same loop as a native Linux process (ptrace).
gcc -O0 -g -o "$work/loop" "$src/../guests/gdb_loop.c"
gdbserver "127.0.0.1:$port" "$work/loop" >/dev/null 2>&1 &
pids+=($!)
wait_port $port
BENCH_BUF='&bench_buf' BENCH_BP=bench_tick measure gdbserver "$work/loop" $port
port=$((port + 1))

# QEMU: a boot sector at 0x7c00 looping on `inc ax; jmp 0x7c00`; 1 MiB restored at 1 MiB.
printf '\x40\xeb\xfd' >"$work/boot.img"
head -c 507 /dev/zero >>"$work/boot.img"
printf '\x55\xaa' >>"$work/boot.img"
qemu-system-x86_64 -accel tcg -display none -serial none -monitor none -m 64 \
    -drive "format=raw,file=$work/boot.img" -S -gdb "tcp:127.0.0.1:$port" &
pids+=($!)
wait_port $port
(BENCH_BUF=0x100000 BENCH_BP='*0x7c00' measure qemu "" $port) || true
# QEMU starts held (-S): the breakpoint at 0x7c00 is reached once the BIOS has run.

fig() { sed -n "s/^gdbbench $1 .*$2=\([0-9.]*\).*/\1/p" "$work/lines"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "" || b == "" || b == 0) print "nan"; else printf "%.2f", a / b }'; }
line() { # ID NAME RATIO OP LIMIT
    local ok
    ok=$(awk -v r="$3" -v op="$4" -v l="$5" 'BEGIN { if (r == "nan") print "missing";
        else if ((op == ">=" && r >= l) || (op == "<=" && r <= l)) print "ok"; else print "MISSED" }')
    echo "$1 $2 ratio=$3 target$4$5 $ok"
}
line P6 restore_vs_gdbserver "$(ratio "$(fig zxvmm restore_mibps)" "$(fig gdbserver restore_mibps)")" ">=" 1.0
line P6 restore_vs_qemu "$(ratio "$(fig zxvmm restore_mibps)" "$(fig qemu restore_mibps)")" ">=" 5
line P7 bp_vs_gdbserver "$(ratio "$(fig zxvmm bp_us)" "$(fig gdbserver bp_us)")" "<=" 1.2
line P7 bp_vs_qemu "$(ratio "$(fig zxvmm bp_us)" "$(fig qemu bp_us)")" "<=" 0.5
line P7s stepi_vs_gdbserver "$(ratio "$(fig zxvmm stepi_us)" "$(fig gdbserver stepi_us)")" "<=" 1.2
line P7s stepi_vs_qemu "$(ratio "$(fig zxvmm stepi_us)" "$(fig qemu stepi_us)")" "<=" 0.5
