/* gdb_loop.c: the gdb benchmark's loop (tests/bench/gdb_bench.sh): a 1 MiB buffer to restore into and a
 * function called for ever to break on. Uses nothing from a C library, so the benchmark also builds it
 * natively for gdbserver. */
#define BENCH_BUF_SIZE (1 << 20)

volatile char bench_buf[BENCH_BUF_SIZE];
volatile long bench_count;

__attribute__((noinline)) void bench_tick(void)
{
    bench_count++;
}

int main(void)
{
    for (;;)
        bench_tick();
}
