#!/usr/bin/env python3
"""make_seeds.py: writes the seed inputs of fuzz_syscalls (tests/fuzz/seeds/syscalls/), one per scenario.

Each seed is a short call sequence that succeeds, so that the fuzzer starts from
inputs that reach deep into every handler instead of having to find valid
handles and user pointers by chance. The encoding is the one fuzz_syscalls.c
decodes; run this script again after changing it.
"""
import os
import struct
import sys

# Syscall numbers (abi/include/zxvmm/abi.h).
CLOSE, DUP, REPLACE, GET_INFO, GET_CHILD, WAIT_ONE, EXIT, KILL = 1, 2, 3, 4, 5, 6, 7, 8
READ_MEM, WRITE_MEM, VMO_CREATE, VMO_READ, VMO_WRITE, VMO_SIZE, VMO_CACHE = 9, 10, 11, 12, 13, 14, 15
MAP, UNMAP, PROTECT, DEBUG_WRITE, SLEEP, CLOCK, DEADLINE, PAGE_SIZE = 16, 17, 18, 19, 20, 21, 22, 23

FLAG_NO_DEBUGGING, FLAG_NO_SERIAL, FLAG_SIBLING_EXIT = 1, 2, 4
CALLER_B = 0x80

# Handle indexes: A knows self, root VMAR, job, the VMO, B; B knows self, root VMAR, job.
# Handles created later take the next indexes (the first new one in A is 5, in B 3).
SELF, VMAR, JOB, VMO, PROC_B, NEW_A = 0, 1, 2, 3, 4, 5

# Argument kinds (enum fuzz_arg_kind) and constant indexes (fuzz_constants).
K_LIT64, K_SMALL, K_HANDLE, K_STACK_LO, K_STACK_HI, K_PROGRAM, K_VMO_MAP, K_VDSO = range(8)
K_KERNEL, K_NONCANON, K_MAPPED, K_PAGES, K_64MIB, K_CONST, K_KOID, K_LIT32 = range(8, 16)
C_ZERO, C_ONE, C_SAME_RIGHTS, C_RW, C_SPECIFIC_RW, C_SPECIFIC_OVERWRITE_R = 0, 1, 6, 7, 8, 9
C_INFO_BASIC, C_INFO_PROCESS, C_INFO_JOB_PROCESSES, C_INFO_VMAR, C_TERMINATED = 11, 12, 13, 14, 15


def sel(kind, p=0):
    return bytes([kind | (p << 4)])


def handle(index, other=False):
    return sel(K_HANDLE, 8 if other else 0) + bytes([index])


def stack(offset):
    """An address `offset` bytes above the stack bottom (the first 24 bytes hold setup outputs)."""
    return sel(K_STACK_LO) + struct.pack("<h", offset)


def region(kind, offset=0):
    return sel(kind) + struct.pack("<h", offset)


def pages(n):
    return sel(K_PAGES, 8) + bytes([n])


def small(v):
    return sel(K_SMALL, v >> 8) + bytes([v & 0xFF])


def mapped(index, offset=0):
    """The address the index-th zx_vmar_map returned (0: the layout's VMO mapping)."""
    return sel(K_MAPPED) + bytes([index]) + struct.pack("<h", offset)


def const(index):
    return sel(K_CONST, index)


def koid(index):
    return sel(K_KOID, index)


def call(number, *args, b=False):
    return bytes([number | (CALLER_B if b else 0)]) + b"".join(args)


OUT, OUT2, OUT3, BUF = 0x100, 0x108, 0x110, 0x1000

SEEDS = {
    "vmo_map_write_read": [
        call(VMO_CREATE, pages(4), const(C_ZERO), stack(OUT)),
        call(MAP, handle(VMAR), const(C_RW), const(C_ZERO), handle(NEW_A), const(C_ZERO), pages(4), stack(OUT2)),
        call(VMO_WRITE, handle(NEW_A), stack(BUF), const(C_ZERO), pages(1)),
        call(VMO_READ, handle(NEW_A), stack(BUF), small(100), small(200)),
        call(VMO_SIZE, handle(NEW_A), stack(OUT3)),
        call(UNMAP, handle(VMAR), mapped(1), pages(4)),
        call(CLOSE, handle(NEW_A)),
    ],
    "write_memory_a_to_b": [
        call(WRITE_MEM, handle(PROC_B), stack(0x2000), region(K_VMO_MAP), pages(1), stack(OUT)),
        call(READ_MEM, handle(PROC_B), stack(0x2000), stack(BUF), pages(2), stack(OUT)),
    ],
    "read_memory_program_64mib": [
        call(READ_MEM, handle(PROC_B), region(K_PROGRAM), region(K_VMO_MAP), pages(16), stack(OUT)),
        call(READ_MEM, handle(PROC_B), region(K_PROGRAM), stack(BUF), sel(K_64MIB) + b"\0\0", stack(OUT)),
        call(WRITE_MEM, handle(SELF), region(K_VMO_MAP, 8), region(K_VMO_MAP), pages(2), stack(OUT)),
    ],
    "write_memory_vdso_denied": [
        call(WRITE_MEM, handle(PROC_B), region(K_VDSO), stack(BUF), small(16), stack(OUT)),
        call(WRITE_MEM, handle(PROC_B), region(K_KERNEL), stack(BUF), small(16), stack(OUT)),
    ],
    "get_info_topics": [
        call(GET_INFO, handle(VMO), const(C_INFO_BASIC), stack(BUF), small(64), stack(OUT), stack(OUT2)),
        call(GET_INFO, handle(PROC_B), const(C_INFO_PROCESS), stack(BUF), small(64), stack(OUT), stack(OUT2)),
        call(GET_INFO, handle(JOB), const(C_INFO_JOB_PROCESSES), stack(BUF), small(64), stack(OUT), stack(OUT2)),
        call(GET_INFO, handle(VMAR), const(C_INFO_VMAR), stack(BUF), small(64), stack(OUT), stack(OUT2)),
    ],
    "duplicate_replace_close": [
        call(DUP, handle(VMO), const(C_SAME_RIGHTS), stack(OUT)),
        call(REPLACE, handle(NEW_A), small(0x4), stack(OUT)),
        call(CLOSE, handle(VMO)),
        call(DUP, handle(PROC_B), const(C_SAME_RIGHTS), stack(OUT)),
    ],
    "get_child_and_kill": [
        call(GET_CHILD, handle(JOB), koid(1), const(C_SAME_RIGHTS), stack(OUT)),
        call(KILL, handle(NEW_A)),
        call(WAIT_ONE, handle(PROC_B), const(C_TERMINATED), const(C_ZERO), stack(OUT)),
        call(GET_INFO, handle(PROC_B), const(C_INFO_PROCESS), stack(BUF), small(64), stack(OUT), stack(OUT2)),
    ],
    "job_kill_from_b": [
        call(VMO_CREATE, pages(2), const(C_ZERO), stack(OUT), b=True),
        call(KILL, handle(JOB), b=True),
    ],
    "exit_b_then_read": [
        call(EXIT, small(7), b=True),
        call(READ_MEM, handle(PROC_B), region(K_PROGRAM), stack(BUF), small(16), stack(OUT)),
        call(WAIT_ONE, handle(PROC_B), const(C_TERMINATED), const(C_ZERO), stack(OUT)),
    ],
    "protect_and_overwrite": [
        call(PROTECT, handle(VMAR), const(C_ONE), region(K_VMO_MAP), pages(1)),
        call(MAP, handle(VMAR), const(C_SPECIFIC_OVERWRITE_R), sel(K_LIT64) + struct.pack("<Q", 0x1F000000),
             handle(VMO), const(C_ZERO), pages(2), stack(OUT)),
        call(WRITE_MEM, handle(SELF), region(K_VMO_MAP), stack(BUF), pages(1), stack(OUT)),
    ],
    "cache_policy": [
        call(VMO_CREATE, pages(1), const(C_ZERO), stack(OUT)),
        call(VMO_CACHE, handle(NEW_A), small(1)),
        call(MAP, handle(VMAR), const(C_RW), const(C_ZERO), handle(NEW_A), const(C_ZERO), pages(1), stack(OUT2)),
        call(WRITE_MEM, handle(SELF), mapped(1), stack(BUF), small(8),
             stack(OUT)),
    ],
    "copy_64mib_within_a": [
        call(VMO_CREATE, sel(K_64MIB, 1) + struct.pack("<h", 1), const(C_ZERO), stack(OUT)),
        call(MAP, handle(VMAR), const(C_RW), const(C_ZERO), handle(NEW_A), const(C_ZERO),
             sel(K_64MIB, 1) + struct.pack("<h", 1), stack(OUT2)),
        call(VMO_CREATE, sel(K_64MIB, 1) + struct.pack("<h", 1), const(C_ZERO), stack(OUT)),
        call(MAP, handle(VMAR), const(C_RW), const(C_ZERO), handle(NEW_A + 1), const(C_ZERO),
             sel(K_64MIB, 1) + struct.pack("<h", 1), stack(OUT2)),
        call(READ_MEM, handle(SELF), mapped(1), mapped(2), sel(K_64MIB) + b"\0\0", stack(OUT)),
        call(WRITE_MEM, handle(SELF), mapped(2), mapped(1), sel(K_64MIB) + struct.pack("<h", 1), stack(OUT)),
    ],
    "misc_calls": [
        call(DEBUG_WRITE, region(K_STACK_HI, -64), small(16)),
        call(SLEEP, const(C_ZERO)),
        call(CLOCK),
        call(DEADLINE, small(1000)),
        call(PAGE_SIZE, b=True),
    ],
}

FLAGS = {"get_child_and_kill": FLAG_SIBLING_EXIT, "job_kill_from_b": FLAG_SIBLING_EXIT}


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "seeds", "syscalls")
    os.makedirs(out, exist_ok=True)
    for name, calls in SEEDS.items():
        with open(os.path.join(out, name), "wb") as f:
            f.write(bytes([FLAGS.get(name, 0)]) + b"".join(calls))


if __name__ == "__main__":
    main()
