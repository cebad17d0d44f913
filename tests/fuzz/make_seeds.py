#!/usr/bin/env python3
"""make_seeds.py: writes the seed inputs of the fuzz targets (tests/fuzz/seeds/<target>/).

fuzz_syscalls: each seed is a short call sequence that succeeds, so that the
fuzzer starts from inputs that reach deep into every handler instead of having
to find valid handles and user pointers by chance. The encoding is the one
fuzz_syscalls.c decodes; run this script again after changing it.

fuzz_elf: small programs the loader accepts, with a symbol table; fuzz_options
and fuzz_cli: command lines; fuzz_fdt: trees to build and one blob to read
(compiled by dtc(1) when it is installed); fuzz_lualib: one call of each
string and table function the sandbox replaces.

Usage: make_seeds.py [SEEDS_DIR]   (default: the seeds/ folder next to this script)
"""
import os
import shutil
import struct
import subprocess
import sys
import tempfile

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


USER_BASE = 0x1000000
PT_LOAD, PT_NOTE, PT_GNU_STACK = 1, 4, 0x6474E551
PF_X, PF_W, PF_R = 1, 2, 4


def elf(segments, entry, symbols=True):
    """An x86-64 ET_EXEC: segments are (offset, vaddr, filesz, memsz, flags, type); code and data bytes
    fill the file up to 0x140, then a symbol table naming _start and data_word."""
    phoff, nph = 64, len(segments)
    body = bytearray(0x140)
    body[0x100:0x110] = b"\x31\xc0\x0f\x0b" + b"\xcc" * 12  # xor eax,eax; ud2; int3...
    body[0x120:0x128] = struct.pack("<Q", 0x1122334455667788)
    shoff = shnum = 0
    if symbols:
        strtab = b"\0_start\0data_word\0"
        syms = bytes(24)
        syms += struct.pack("<IBBHQQ", 1, 0x12, 0, 1, USER_BASE + 0x100, 16)
        syms += struct.pack("<IBBHQQ", 8, 0x11, 0, 2, USER_BASE + 0x1120, 8)
        body += syms + strtab
        body += bytes(-len(body) % 8)
        shoff, shnum = len(body), 3
        body += bytes(64)
        body += struct.pack("<IIQQQQIIQQ", 0, 2, 0, 0, 0x140, len(syms), 2, 1, 8, 24)
        body += struct.pack("<IIQQQQIIQQ", 0, 3, 0, 0, 0x140 + len(syms), len(strtab), 0, 0, 1, 0)
    ident = b"\x7fELF" + bytes([2, 1, 1, 0]) + bytes(8)
    ehdr = ident + struct.pack("<HHIQQQIHHHHHH", 2, 62, 1, entry, phoff, shoff, 0, 64, 56, nph, 64, shnum, 0)
    phdrs = b"".join(struct.pack("<IIQQQQQQ", t, f, o, v, v, fs, ms, 0x1000) for (o, v, fs, ms, f, t) in segments)
    out = bytearray(body)
    out[0 : 64 + len(phdrs)] = ehdr + phdrs
    return bytes(out)


def elf_seeds():
    text = (0, USER_BASE, 0x120, 0x120, PF_R | PF_X, PT_LOAD)
    data = (0x120, USER_BASE + 0x1120, 0x20, 0x2000, PF_R | PF_W, PT_LOAD)
    stack = (0, 0, 0, 0, PF_R | PF_W, PT_GNU_STACK)
    note = (0x128, 0, 8, 8, PF_R, PT_NOTE)
    rodata = (0x110, USER_BASE + 0x4110, 0x10, 0x10, PF_R, PT_LOAD)
    return {
        "text_data_symbols": elf([text, data, stack], USER_BASE + 0x100),
        "three_segments_note": elf([text, data, rodata, note], USER_BASE + 0x100),
        "text_only_stripped": elf([text], USER_BASE + 0x104, symbols=False),
    }


def words(*argv):
    return b"\0".join(a.encode() for a in argv)


CLI_SEEDS = {
    "run_everything": words("run", "--cmdline", "kernel.enable-debugging-syscalls=true", "--mem=64MiB",
                            "--timeout", "2.5", "-v", "--label-output", "--wait-all", "--trace=t.jsonl",
                            "--spawn", "child 'a b' \"c\\\"d\" e\\ f", "--spawn-stopped=dbg x",
                            "--gdb", "tcp:127.0.0.1:1234", "--", "-prog", "arg"),
    "run_gdb_unix": words("run", "--gdb=unix:/tmp/s", "--mem", "1G", "hello"),
    "dtb": words("dtb", "--cmdline=a=b", "--mem", "16M", "-o", "out.dtb"),
    "help_run": words("help", "run"),
    "misspelled": words("run", "--tiemout=1", "hello"),
}

OPTIONS_SEEDS = {
    "both_keys": b"kernel.enable-debugging-syscalls=true kernel.enable-serial-syscalls=off",
    "bare_and_unknown": b"kernel.enable-debugging-syscalls\tfoo=bar\nkernel.enable-seral-syscalls=1",
    "bad_value": b"kernel.enable-serial-syscalls=maybe",
}

FDT_DTS = """/dts-v1/;
/ {
    #address-cells = <2>; #size-cells = <2>; compatible = "zxvmm,virt";
    memory@0 { device_type = "memory"; reg = <0 0 0 0x10000000>; };
    cpus { #address-cells = <1>; #size-cells = <0>;
        cpu@0 { device_type = "cpu"; reg = <0>; compatible = "zxvmm,vcpu"; }; };
    chosen { bootargs = "kernel.enable-debugging-syscalls=true"; };
};
"""


def fdt_seeds():
    seeds = {
        "build_two_cpus": b"\x01" + struct.pack("<Q", 256 << 20) + bytes([2, 255]) + b"kernel.enable-debugging-syscalls=1",
        "build_tight_buffer": b"\x01" + struct.pack("<Q", 16 << 20) + bytes([1, 40]) + b"x",
    }
    dtc = shutil.which("dtc")
    if dtc:
        with tempfile.TemporaryDirectory() as tmp:
            src, blob = os.path.join(tmp, "t.dts"), os.path.join(tmp, "t.dtb")
            with open(src, "w") as f:
                f.write(FDT_DTS)
            subprocess.run([dtc, "-q", "-I", "dts", "-O", "dtb", "-o", blob, src], check=True)
            with open(blob, "rb") as f:
                seeds["read_blob"] = b"\x00" + f.read()
    else:
        print("make_seeds.py: dtc not found; fdt/read_blob left as it is", file=sys.stderr)
    return seeds


def packets(*payloads):
    return b"\n".join(payloads)


# Decoded payloads as gdb sends them (fuzz_gdb_stub.c): a session's start, then one command set each.
GDB_STUB_SEEDS = {
    "attach": packets(b"qSupported:multiprocess+;swbreak+;hwbreak+;xmlRegisters=i386", b"QStartNoAckMode",
                      b"qXfer:features:read:target.xml:0,ffb", b"qXfer:threads:read::0,fff", b"qAttached",
                      b"?", b"Hg0", b"g"),
    "registers": packets(b"Hg405", b"g", b"p10", b"P10=1000002000000000", b"p39", b"P0=ffffffffffffffff",
                         b"G" + b"00" * 552, b"T40a"),
    "memory": packets(b"m20000000,40", b"M20000000,4:01020304", b"X20000010,2:\x7d\x00",
                      b"m1fffffff,3", b"mffffffffffffffff,10", b"M20000ffe,4:aabbccdd"),
    "breakpoints_and_resume": packets(b"Z0,20000000,1", b"vCont?", b"vCont;s:405;c", b"c", b"s",
                                      b"z0,20000000,1", b"C0b", b"S05", b"vCont;C0b:402;c"),
    "monitor_detach": packets(b"qRcmd," + "processes".encode().hex().encode(), b"qfThreadInfo",
                              b"qsThreadInfo", b"qC", b"D", b"m20000000,1"),
    "kill": packets(b"vKill;1", b"g"),
}


def lualib(op, subject, pattern, repl=b"", init=1, n=10):
    """fuzz_lualib.c's encoding: op, init, n (signed bytes), then the three strings split by 0xff."""
    return bytes([op, init & 0xff, n & 0xff]) + subject + b"\xff" + pattern + b"\xff" + repl


# One call of each kind (the op numbers are the driver's list in fuzz_lualib.c), with patterns that use
# every item of the pattern language.
LUALIB_SEEDS = {
    "find_captures": lualib(0, b"key=value; n=42", b"(%w+)=(%d+)"),
    "match_anchored": lualib(1, b"  hello world", b"^%s*(%a+)()"),
    "gmatch_words": lualib(2, b"one two, three;four", b"[^%s,;]+"),
    "gsub_template": lualib(3, b"hello world from lua", b"(%w+) (%w+)", b"%2 %1 %%"),
    "gsub_function": lualib(4, b"abc abcd ab", b"%a+"),
    "gsub_table": lualib(5, b"a b c d x", b"%a"),
    "balance_frontier": lualib(1, b"f(a(b)c) THE (quick) fox", b"%b()%s*%f[%a]%u+"),
    "backreference": lualib(0, b'say "hi" and \'bye\'', b"([\"'])(.-)%1", init=-20),
    "lazy_optional_end": lualib(1, b"[[x]] -0x1f;", b"%[(=*)%[(.-)%]%1%]%s*%-?0?x?(%x*);$"),
    "sets": lualib(2, b"a-b]c^d%e", b"[%]%-^a-c]"),
    "plain_find": lualib(7, b"1+1=2 (really?)", b"(really?)"),
    "methods": lualib(8, b"x.y.z", b"%.()"),
    "concat": lualib(9, b"abcdefgh", b", ", init=2, n=6),
    "insert_remove": lualib(11, b"abcdef", b"z", init=3),
    "move": lualib(17, b"abcdefgh", b"xyz", b"0123456789ab", init=2, n=5),
    "string_as_table": lualib(27, b"abc", b"-", init=1, n=2),
    "sort": lualib(28, b"the quick brown fox jumps", b""),
    "sort_order": lualib(29, b"pack my box with five dozen", b""),
}


def write_dir(root, name, seeds):
    out = os.path.join(root, name)
    os.makedirs(out, exist_ok=True)
    for seed, data in seeds.items():
        with open(os.path.join(out, seed), "wb") as f:
            f.write(data)


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "seeds")
    write_dir(root, "syscalls", {n: bytes([FLAGS.get(n, 0)]) + b"".join(c) for n, c in SEEDS.items()})
    write_dir(root, "elf", elf_seeds())
    write_dir(root, "cli", CLI_SEEDS)
    write_dir(root, "gdb_stub", GDB_STUB_SEEDS)
    write_dir(root, "options", OPTIONS_SEEDS)
    write_dir(root, "fdt", fdt_seeds())
    write_dir(root, "lualib", LUALIB_SEEDS)


if __name__ == "__main__":
    main()
