/* main.c: debugger, a small zxdb-like tool built on Zircon's debugging syscalls (see docs/debugging.md). */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zircon/process.h>
#include <zircon/syscalls.h>
#include <zircon/syscalls/debug.h>
#include <zircon/syscalls/exception.h>
#include <zircon/syscalls/object.h>

#define INT3_OPCODE   0xCC
#define TARGET_RESULT 3
#define MAX_PROCESSES 64

int main(int argc, char **argv);

/* The debuggee's work when this program runs as "debugger target": a function to break on. */
__attribute__((noinline)) int target_work(int x)
{
    volatile int y = x * 2;
    return y + 1;
}

static int run_target(void)
{
    printf("target: working\n");
    int r = target_work(1); /* 3 */
    printf("target: done\n");
    return r;
}

/* Symbols this program knows: a debuggee running the same program has them at the same addresses. */
static zx_vaddr_t resolve(const char *what)
{
    if (strcmp(what, "target_work") == 0)
        return (zx_vaddr_t)&target_work;
    if (strcmp(what, "main") == 0)
        return (zx_vaddr_t)&main;
    char *end;
    unsigned long long addr = strtoull(what, &end, 0);
    return *end == '\0' ? (zx_vaddr_t)addr : 0;
}

static zx_koid_t koid_of(zx_handle_t h)
{
    zx_info_handle_basic_t info;
    if (zx_object_get_info(h, ZX_INFO_HANDLE_BASIC, &info, sizeof(info), NULL, NULL) != ZX_OK)
        return ZX_KOID_INVALID;
    return info.koid;
}

/* The job's first process other than this one. */
static zx_status_t find_debuggee(zx_handle_t *out)
{
    zx_koid_t koids[MAX_PROCESSES];
    size_t n = 0;
    zx_status_t st =
        zx_object_get_info(zx_job_default(), ZX_INFO_JOB_PROCESSES, koids, sizeof(koids), &n, NULL);
    if (st != ZX_OK)
        return st;
    zx_koid_t self = koid_of(zx_process_self());
    for (size_t i = 0; i < n; i++)
        if (koids[i] != self)
            return zx_object_get_child(zx_job_default(), koids[i], ZX_RIGHT_SAME_RIGHTS, out);
    return ZX_ERR_NOT_FOUND;
}

/* Waits for and reads one exception; false when the channel's peer is gone (the debuggee ended). */
static bool next_exception(zx_handle_t channel, zx_exception_info_t *info, zx_handle_t *exception)
{
    zx_signals_t seen = 0;
    zx_object_wait_one(channel, ZX_CHANNEL_READABLE | ZX_CHANNEL_PEER_CLOSED, ZX_TIME_INFINITE, &seen);
    uint32_t nbytes, nhandles;
    return zx_channel_read(channel, 0, info, exception, sizeof(*info), 1, &nbytes, &nhandles) == ZX_OK;
}

static void print_regs(const zx_thread_state_general_regs_t *r)
{
    printf("  rip 0x%016llx  rsp 0x%016llx  rflags 0x%llx\n", (unsigned long long)r->rip,
           (unsigned long long)r->rsp, (unsigned long long)r->rflags);
    printf("  rax 0x%016llx  rbx 0x%016llx  rcx 0x%016llx\n", (unsigned long long)r->rax,
           (unsigned long long)r->rbx, (unsigned long long)r->rcx);
    printf("  rdx 0x%016llx  rsi 0x%016llx  rdi 0x%016llx\n", (unsigned long long)r->rdx,
           (unsigned long long)r->rsi, (unsigned long long)r->rdi);
}

static void resolve_handled(zx_handle_t exception)
{
    uint32_t state = ZX_EXCEPTION_STATE_HANDLED;
    zx_object_set_property(exception, ZX_PROP_EXCEPTION_STATE, &state, sizeof(state));
    zx_handle_close(exception);
}

/* The breakpoint: show the registers, put the byte back, rewind rip and arm one single step. */
static void on_breakpoint(zx_handle_t process, zx_handle_t thread, zx_vaddr_t addr, uint8_t saved)
{
    zx_thread_state_general_regs_t regs;
    zx_thread_read_state(thread, ZX_THREAD_STATE_GENERAL_REGS, &regs, sizeof(regs));
    printf("debugger: breakpoint hit at 0x%llx\n", (unsigned long long)(regs.rip - 1));
    print_regs(&regs);
    size_t actual;
    zx_process_write_memory(process, addr, &saved, 1, &actual);
    regs.rip -= 1; /* rip is one past the int3 */
    zx_thread_write_state(thread, ZX_THREAD_STATE_GENERAL_REGS, &regs, sizeof(regs));
    zx_thread_state_single_step_t step = 1;
    zx_thread_write_state(thread, ZX_THREAD_STATE_SINGLE_STEP, &step, sizeof(step));
}

static void on_step(zx_handle_t thread)
{
    zx_thread_state_general_regs_t regs;
    zx_thread_read_state(thread, ZX_THREAD_STATE_GENERAL_REGS, &regs, sizeof(regs));
    printf("debugger: stepped to 0x%llx\n", (unsigned long long)regs.rip);
    zx_thread_state_single_step_t step = 0;
    zx_thread_write_state(thread, ZX_THREAD_STATE_SINGLE_STEP, &step, sizeof(step));
}

/* Plants the int3 at `addr`, keeping the original byte. */
static zx_status_t plant(zx_handle_t process, zx_vaddr_t addr, uint8_t *saved)
{
    size_t actual;
    zx_status_t st = zx_process_read_memory(process, addr, saved, 1, &actual);
    uint8_t int3 = INT3_OPCODE;
    if (st == ZX_OK)
        st = zx_process_write_memory(process, addr, &int3, 1, &actual);
    return st;
}

/* Handles exceptions until the debuggee is gone. */
static void serve(zx_handle_t process, zx_handle_t channel, zx_vaddr_t addr, uint8_t saved)
{
    zx_exception_info_t info;
    zx_handle_t exception;
    while (next_exception(channel, &info, &exception)) {
        zx_handle_t thread;
        zx_exception_get_thread(exception, &thread);
        switch (info.type) {
        case ZX_EXCP_THREAD_STARTING:
            printf("debugger: thread %llu starting\n", (unsigned long long)info.tid);
            break;
        case ZX_EXCP_SW_BREAKPOINT:
            on_breakpoint(process, thread, addr, saved);
            break;
        case ZX_EXCP_HW_BREAKPOINT:
            on_step(thread);
            break;
        case ZX_EXCP_THREAD_EXITING:
            printf("debugger: thread %llu exiting\n", (unsigned long long)info.tid);
            break;
        default:
            printf("debugger: exception 0x%x, passing it on\n", info.type);
            zx_handle_close(thread);
            zx_handle_close(exception); /* TRY_NEXT */
            continue;
        }
        zx_handle_close(thread);
        resolve_handled(exception);
    }
}

static int run_debugger(const char *where)
{
    zx_vaddr_t addr = resolve(where);
    zx_handle_t process, channel;
    if (addr == 0) {
        printf("debugger: cannot resolve '%s'\n", where);
        return 2;
    }
    zx_status_t st = find_debuggee(&process);
    if (st == ZX_OK)
        st = zx_task_create_exception_channel(process, ZX_EXCEPTION_CHANNEL_DEBUGGER, &channel);
    if (st == ZX_OK) {
        uint8_t saved;
        st = plant(process, addr, &saved);
        if (st == ZX_OK) {
            printf("debugger: attached, breakpoint at 0x%llx\n", (unsigned long long)addr);
            serve(process, channel, addr, saved);
        }
    }
    if (st != ZX_OK) {
        printf("debugger: attach failed: %d\n", st);
        return 1;
    }
    zx_object_wait_one(process, ZX_PROCESS_TERMINATED, ZX_TIME_INFINITE, NULL);
    zx_info_process_t info;
    zx_object_get_info(process, ZX_INFO_PROCESS, &info, sizeof(info), NULL, NULL);
    printf("debugger: debuggee exited with %lld\n", (long long)info.return_code);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 2 && strcmp(argv[1], "target") == 0)
        return run_target();
    if (argc == 3 && strcmp(argv[1], "break") == 0)
        return run_debugger(argv[2]);
    printf("usage: debugger break SYMBOL|ADDRESS | debugger target\n");
    return 2;
}
