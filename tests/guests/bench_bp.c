/* bench_bp.c: benchmark guest: one in-guest software-breakpoint round trip vs a null syscall (debugging). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zircon/process.h>
#include <zircon/syscalls.h>

#define USAGE_RETCODE  2
#define FAILED_RETCODE 1
#define DECIMAL        10
#define MAX_KOIDS      8
#define INT3           0xccu
#define NOP            0x90u
#define BLOCK          50 /* hits per alternating block: a burst of host load hits both kinds */

/* Two one-byte `nop`s the debugger plants breakpoints on, in turn (same program: same addresses). */
extern const unsigned char bench_bp_site_a[], bench_bp_site_b[];

/* Runs over both sites once; never inlined, so each label exists exactly once. */
static __attribute__((noinline)) void pass_sites(void)
{
    __asm__ volatile(".globl bench_bp_site_a\n"
                     "bench_bp_site_a: nop\n"
                     ".globl bench_bp_site_b\n"
                     "bench_bp_site_b: nop\n" ::
                         : "memory");
}

/* debuggee N: passes the two sites N times (each pass hits the one breakpoint planted at the time). */
static int debuggee(long long hits)
{
    for (long long i = 0; i < (hits + 1) / 2 + 1; i++)
        pass_sites();
    return 0;
}

/* The job's other process, or ZX_HANDLE_INVALID. */
static zx_handle_t sibling(void)
{
    zx_koid_t koids[MAX_KOIDS], self = ZX_KOID_INVALID;
    size_t n = 0;
    zx_info_handle_basic_t info;
    if (zx_object_get_info(zx_process_self(), ZX_INFO_HANDLE_BASIC, &info, sizeof(info), NULL, NULL) == ZX_OK)
        self = info.koid;
    zx_object_get_info(zx_job_default(), ZX_INFO_JOB_PROCESSES, koids, sizeof(koids), &n, NULL);
    zx_handle_t h = ZX_HANDLE_INVALID;
    for (size_t i = 0; i < n && h == ZX_HANDLE_INVALID; i++)
        if (koids[i] != self)
            zx_object_get_child(zx_job_default(), koids[i], ZX_RIGHT_SAME_RIGHTS, &h);
    return h;
}

/* Waits for and reads the next exception; its type in *type. */
static zx_status_t next_exception(zx_handle_t ch, uint32_t *type, zx_handle_t *exc)
{
    zx_exception_info_t info;
    uint32_t nb = 0, nh = 0;
    zx_status_t st = zx_object_wait_one(ch, ZX_CHANNEL_READABLE, ZX_TIME_INFINITE, NULL);
    if (st == ZX_OK)
        st = zx_channel_read(ch, 0, &info, exc, sizeof(info), 1, &nb, &nh);
    *type = info.type;
    return st;
}

/* Resumes the thread of `exc` with its registers as written. */
static zx_status_t resume(zx_handle_t exc)
{
    uint32_t handled = ZX_EXCEPTION_STATE_HANDLED;
    zx_status_t st = zx_object_set_property(exc, ZX_PROP_EXCEPTION_STATE, &handled, sizeof(handled));
    zx_status_t closed = zx_handle_close(exc);
    return st != ZX_OK ? st : closed;
}

/* Writes one byte of the debuggee's code. */
static zx_status_t poke(zx_handle_t proc, const unsigned char *site, uint8_t byte)
{
    size_t actual = 0;
    zx_status_t st = zx_process_write_memory(proc, (zx_vaddr_t)(uintptr_t)site, &byte, 1, &actual);
    return st == ZX_OK && actual != 1 ? ZX_ERR_IO : st;
}

/*
 * One breakpoint round trip, starting from the hit already read: registers
 * read, the original byte restored, the other site planted, rip rewound onto
 * the restored instruction, resumed; then the next hit read.
 */
static zx_status_t round_trip(zx_handle_t proc, zx_handle_t thread, zx_handle_t ch, zx_handle_t *exc,
                              int *at_b)
{
    zx_thread_state_general_regs_t regs;
    const unsigned char *hit = *at_b ? bench_bp_site_b : bench_bp_site_a;
    const unsigned char *next = *at_b ? bench_bp_site_a : bench_bp_site_b;
    uint32_t type = 0;
    zx_status_t st = zx_thread_read_state(thread, ZX_THREAD_STATE_GENERAL_REGS, &regs, sizeof(regs));
    if (st == ZX_OK && regs.rip != (uintptr_t)hit + 1)
        st = ZX_ERR_BAD_STATE;
    if (st == ZX_OK)
        st = poke(proc, hit, NOP);
    if (st == ZX_OK)
        st = poke(proc, next, INT3);
    regs.rip -= 1;
    if (st == ZX_OK)
        st = zx_thread_write_state(thread, ZX_THREAD_STATE_GENERAL_REGS, &regs, sizeof(regs));
    if (st == ZX_OK)
        st = resume(*exc);
    if (st == ZX_OK)
        st = next_exception(ch, &type, exc);
    if (st == ZX_OK && type != ZX_EXCP_SW_BREAKPOINT)
        st = ZX_ERR_BAD_STATE;
    *at_b = !*at_b;
    return st;
}

/* `count` null syscalls; elapsed ns, or -1 when one failed. */
static zx_time_t time_null(long long count)
{
    zx_status_t failed = ZX_OK;
    zx_time_t start = zx_clock_get_monotonic();
    for (long long i = 0; i < count; i++)
        failed |= zx_handle_close(ZX_HANDLE_INVALID);
    zx_time_t end = zx_clock_get_monotonic();
    return failed == ZX_OK ? end - start : -1;
}

/* Attaches to the --spawn-stopped sibling, plants site A and lets it start; stops at the first hit. */
static zx_status_t attach(zx_handle_t *proc, zx_handle_t *ch, zx_handle_t *thread, zx_handle_t *exc)
{
    uint32_t type = 0;
    *proc = sibling();
    zx_status_t st = zx_task_create_exception_channel(*proc, ZX_EXCEPTION_CHANNEL_DEBUGGER, ch);
    if (st == ZX_OK)
        st = poke(*proc, bench_bp_site_a, INT3);
    if (st == ZX_OK)
        st = next_exception(*ch, &type, exc); /* ZX_EXCP_THREAD_STARTING */
    if (st == ZX_OK)
        st = zx_handle_close(*exc);
    if (st == ZX_OK)
        st = next_exception(*ch, &type, exc);
    if (st == ZX_OK && type != ZX_EXCP_SW_BREAKPOINT)
        st = ZX_ERR_BAD_STATE;
    if (st == ZX_OK)
        st = zx_exception_get_thread(*exc, thread);
    return st;
}

/*
 * debugger N: N breakpoint round trips on the --spawn-stopped sibling
 * (running `bench_bp debuggee N`) and N null syscalls, in alternating blocks
 * of BLOCK (the null calls run while the debuggee is parked at a hit), each
 * block timed with zx_clock_get_monotonic; prints "bench_bp hits=N
 * null_ns=T bp_ns=T", which the host benchmark parses. Needs
 * kernel.enable-debugging-syscalls=true.
 */
static int debugger(long long hits)
{
    zx_handle_t proc, ch, thread, exc;
    zx_time_t null_ns = 0, bp_ns = 0;
    zx_status_t st = attach(&proc, &ch, &thread, &exc);
    int at_b = 0;
    for (long long done = 0; st == ZX_OK && done < hits; done += BLOCK) {
        long long block = hits - done < BLOCK ? hits - done : BLOCK;
        zx_time_t n = time_null(block);
        st = n < 0 ? ZX_ERR_INTERNAL : ZX_OK;
        null_ns += n;
        zx_time_t start = zx_clock_get_monotonic();
        for (long long i = 0; st == ZX_OK && i < block; i++)
            st = round_trip(proc, thread, ch, &exc, &at_b);
        bp_ns += zx_clock_get_monotonic() - start;
    }
    if (st != ZX_OK) {
        printf("bench_bp: a call failed (%d)\n", st);
        zx_task_kill(proc);
        return FAILED_RETCODE;
    }
    zx_handle_close(ch); /* unbound: the rest of the run and the exit are not reported */
    poke(proc, at_b ? bench_bp_site_b : bench_bp_site_a, NOP);
    resume(exc);
    zx_object_wait_one(proc, ZX_PROCESS_TERMINATED, ZX_TIME_INFINITE, NULL);
    printf("bench_bp hits=%lld null_ns=%lld bp_ns=%lld\n", hits, (long long)null_ns, (long long)bp_ns);
    return 0;
}

int main(int argc, char **argv)
{
    char *end = NULL;
    long long n = argc == 3 ? strtoll(argv[2], &end, DECIMAL) : 0;
    if (argc != 3 || *end != '\0' || n <= 0) {
        printf("usage: bench_bp debugger|debuggee N\n");
        return USAGE_RETCODE;
    }
    if (strcmp(argv[1], "debuggee") == 0)
        return debuggee(n);
    if (strcmp(argv[1], "debugger") == 0)
        return debugger(n);
    printf("usage: bench_bp debugger|debuggee N\n");
    return USAGE_RETCODE;
}
