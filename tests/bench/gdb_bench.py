# gdb_bench.py: run by gdb (-x) for tests/bench/gdb_bench.sh against one stub: attach, restore of 1 MiB,
# breakpoint hits whose stop() returns False, stepi. Prints one line of medians:
#   gdbbench NAME attach_us=A restore_mibps=R bp_us=B stepi_us=S
# Environment: BENCH_NAME, BENCH_TARGET (what `target remote` takes), BENCH_BUF (address expression of a
# writable 1 MiB), BENCH_FILE (a 1 MiB file), BENCH_BP (breakpoint location hit on every loop turn),
# BENCH_ROUNDS, BENCH_HITS, BENCH_STEPS.
import os
import statistics
import time

import gdb

env = os.environ
rounds = int(env.get("BENCH_ROUNDS", "5"))
hits = int(env.get("BENCH_HITS", "200"))
steps = int(env.get("BENCH_STEPS", "200"))


def run(cmd):
    gdb.execute(cmd, to_string=True)


class CountingBreakpoint(gdb.Breakpoint):
    """Stops only on the last of `hits` hits: every other hit is a stop and a resume gdb does by itself."""

    def __init__(self, spec, limit):
        super().__init__(spec, internal=True)
        self.limit = limit
        self.count = 0

    def stop(self):
        self.count += 1
        return self.count >= self.limit


start = time.perf_counter()
run("target remote " + env["BENCH_TARGET"])
attach_us = (time.perf_counter() - start) * 1e6
run("set confirm off")

addr = int(gdb.parse_and_eval(env["BENCH_BUF"]))
size = os.path.getsize(env["BENCH_FILE"])
restore = []
for _ in range(rounds):
    start = time.perf_counter()
    run("restore %s binary %d" % (env["BENCH_FILE"], addr))
    restore.append(size / (1 << 20) / (time.perf_counter() - start))

bp = []
for _ in range(rounds):
    b = CountingBreakpoint(env["BENCH_BP"], hits)
    start = time.perf_counter()
    run("continue")
    bp.append((time.perf_counter() - start) * 1e6 / hits)
    b.delete()

stepi = []
for _ in range(rounds):
    start = time.perf_counter()
    for _ in range(steps):
        run("stepi")
    stepi.append((time.perf_counter() - start) * 1e6 / steps)

print("gdbbench %s attach_us=%.0f restore_mibps=%.2f bp_us=%.1f stepi_us=%.1f" %
      (env["BENCH_NAME"], attach_us, statistics.median(restore), statistics.median(bp),
       statistics.median(stepi)))
try:
    run("kill")
except gdb.error:
    pass
