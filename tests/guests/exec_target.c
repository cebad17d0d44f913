/* exec_target.c: test guest for exec triggers (docs/faults.md): a function whose first instruction counts.
 *   exec_target calls N    calls exec_tick() N times; prints "ticks=T value=0xV" (T counts the calls
 *                          that ran its first instruction; V is `exec_value`, a flip target).
 *   exec_target double N   prints "double=D": exec_double(N), whose first instruction reads rdi (N).
 *   exec_target read N     reads exec_tick's first bytes with zx_process_read_memory and prints
 *                          "code=XXXXXX", then does what "calls N" does.
 *   exec_target write N    writes exec_tick's first byte (its own value) with zx_process_write_memory,
 *                          prints "write=STATUS code=XXXXXX" as read back, then does what "calls N" does.
 *   exec_target victim N   (spawned) waits for a debugger, raises an int3, then does what "calls N" does.
 *   exec_target stepper    the victim's in-guest debugger: single-steps it from its int3 into exec_tick and
 *                          one instruction further, then lets it run; prints
 *                          "first=0xT victim_code=XXXXXX reached_tick=R advanced=A other=O" (the code
 *                          bytes read from the victim; O: exceptions that were not a single step). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zircon/process.h>
#include <zircon/status.h>
#include <zircon/syscalls.h>
#include <zircon/syscalls/debug.h>
#include <zircon/syscalls/exception.h>
#include <zircon/syscalls/object.h>

#define USAGE_RETCODE 2
#define CODE_BYTES    3
#define POLL_NS       1000000
#define MAX_STEPS     100000
#define MAX_KOIDS     8

volatile uint32_t exec_count;
volatile uint32_t exec_value = 0x1234;

/* Its first instruction is 3 known bytes (f0 ff 05: lock incl rel32), RIP-relative: stepping over it
 * elsewhere than at its own address would count wrong. */
__asm__(".text\n"
        ".globl exec_tick\n"
        ".type exec_tick, @function\n"
        "exec_tick:\n"
        "\tlock incl exec_count(%rip)\n"
        "\tret\n"
        ".size exec_tick, . - exec_tick\n");
void exec_tick(void);

/* Twice its argument, read from rdi by its first instruction (48 8d 04 3f: lea (%rdi,%rdi), %rax). */
__asm__(".text\n"
        ".globl exec_double\n"
        ".type exec_double, @function\n"
        "exec_double:\n"
        "\tlea (%rdi,%rdi), %rax\n"
        "\tret\n"
        ".size exec_double, . - exec_double\n");
uint64_t exec_double(uint64_t x);

static int calls(int n)
{
    for (int i = 0; i < n; i++)
        exec_tick();
    printf("ticks=%u value=0x%x\n", (unsigned)exec_count, (unsigned)exec_value);
    return 0;
}

/* Prints "code=XXXXXX": exec_tick's first bytes as zx_process_read_memory gives them. */
static void print_code(void)
{
    uint8_t code[CODE_BYTES] = {0};
    size_t actual = 0;
    zx_status_t st = zx_process_read_memory(zx_process_self(), (zx_vaddr_t)(uintptr_t)exec_tick, code,
                                            sizeof(code), &actual);
    if (st != ZX_OK || actual != sizeof(code)) {
        printf("read=%s actual=%zu\n", zx_status_get_string(st), actual);
        return;
    }
    printf("code=%02x%02x%02x\n", code[0], code[1], code[2]);
}

static void wait_for_debugger(void)
{
    zx_info_process_t info;
    do {
        zx_nanosleep(zx_deadline_after(POLL_NS));
        zx_object_get_info(zx_process_self(), ZX_INFO_PROCESS, &info, sizeof(info), NULL, NULL);
    } while (!(info.flags & ZX_INFO_PROCESS_FLAG_DEBUGGER_ATTACHED));
}

/* The other process of the job, or ZX_HANDLE_INVALID. */
static zx_handle_t sibling(void)
{
    zx_koid_t koids[MAX_KOIDS], self = 0;
    size_t n = 0;
    zx_info_handle_basic_t basic;
    if (zx_object_get_info(zx_process_self(), ZX_INFO_HANDLE_BASIC, &basic, sizeof(basic), NULL, NULL) ==
        ZX_OK)
        self = basic.koid;
    zx_object_get_info(zx_job_default(), ZX_INFO_JOB_PROCESSES, koids, sizeof(koids), &n, NULL);
    for (size_t i = 0; i < n; i++) {
        zx_handle_t h;
        if (koids[i] != self &&
            zx_object_get_child(zx_job_default(), koids[i], ZX_RIGHT_SAME_RIGHTS, &h) == ZX_OK)
            return h;
    }
    return ZX_HANDLE_INVALID;
}

/* The next exception other than THREAD_STARTING (which may come first, or not, when binding early). */
static zx_status_t read_exception(zx_handle_t ch, zx_exception_info_t *info, zx_handle_t *exc)
{
    for (;;) {
        zx_object_wait_one(ch, ZX_CHANNEL_READABLE | ZX_CHANNEL_PEER_CLOSED, ZX_TIME_INFINITE, NULL);
        uint32_t nb = 0, nh = 0;
        zx_status_t st = zx_channel_read(ch, 0, info, exc, sizeof(*info), 1, &nb, &nh);
        if (st != ZX_OK || info->type != ZX_EXCP_THREAD_STARTING)
            return st;
        zx_handle_close(*exc);
    }
}

static void resume_handled(zx_handle_t exc)
{
    uint32_t state = ZX_EXCEPTION_STATE_HANDLED;
    zx_object_set_property(exc, ZX_PROP_EXCEPTION_STATE, &state, sizeof(state));
    zx_handle_close(exc);
}

static int stepper(void)
{
    zx_handle_t proc, ch, exc, thread;
    while ((proc = sibling()) == ZX_HANDLE_INVALID)
        zx_nanosleep(zx_deadline_after(POLL_NS));
    if (zx_task_create_exception_channel(proc, ZX_EXCEPTION_CHANNEL_DEBUGGER, &ch) != ZX_OK)
        return 1;
    zx_exception_info_t info;
    if (read_exception(ch, &info, &exc) != ZX_OK || zx_exception_get_thread(exc, &thread) != ZX_OK)
        return 1;
    printf("first=0x%x ", info.type);
    uint8_t code[CODE_BYTES] = {0};
    size_t actual = 0;
    zx_process_read_memory(proc, (zx_vaddr_t)(uintptr_t)exec_tick, code, sizeof(code), &actual);
    printf("victim_code=%02x%02x%02x ", code[0], code[1], code[2]);
    zx_thread_state_single_step_t on = 1, off = 0;
    zx_thread_write_state(thread, ZX_THREAD_STATE_SINGLE_STEP, &on, sizeof(on));
    int reached = 0, other = 0;
    uint64_t advanced = 0;
    for (int steps = 0; steps < MAX_STEPS; steps++) {
        resume_handled(exc);
        if (read_exception(ch, &info, &exc) != ZX_OK)
            return 1;
        if (info.type != ZX_EXCP_HW_BREAKPOINT) {
            other++;
            break;
        }
        zx_thread_state_general_regs_t regs;
        zx_thread_read_state(thread, ZX_THREAD_STATE_GENERAL_REGS, &regs, sizeof(regs));
        if (reached) {
            advanced = regs.rip - (uintptr_t)exec_tick;
            break;
        }
        reached = regs.rip == (uintptr_t)exec_tick;
    }
    printf("reached_tick=%d advanced=%llu other=%d\n", reached, (unsigned long long)advanced, other);
    zx_thread_write_state(thread, ZX_THREAD_STATE_SINGLE_STEP, &off, sizeof(off));
    resume_handled(exc);
    zx_handle_close(thread);
    zx_handle_close(ch);
    zx_object_wait_one(proc, ZX_PROCESS_TERMINATED, ZX_TIME_INFINITE, NULL);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 2 && strcmp(argv[1], "stepper") == 0)
        return stepper();
    if (argc != 3)
        return USAGE_RETCODE;
    int n = atoi(argv[2]);
    if (strcmp(argv[1], "double") == 0) {
        printf("double=%llu\n", (unsigned long long)exec_double((uint64_t)n));
        return 0;
    }
    if (strcmp(argv[1], "calls") == 0)
        return calls(n);
    if (strcmp(argv[1], "victim") == 0) {
        wait_for_debugger();
        __asm__ volatile("int3");
        return calls(n);
    }
    if (strcmp(argv[1], "read") == 0) {
        print_code();
        return calls(n);
    }
    if (strcmp(argv[1], "write") == 0) {
        const uint8_t lock = 0xf0;
        size_t actual = 0;
        zx_status_t st =
            zx_process_write_memory(zx_process_self(), (zx_vaddr_t)(uintptr_t)exec_tick, &lock, 1, &actual);
        printf("write=%s ", zx_status_get_string(st));
        print_code();
        return calls(n);
    }
    return USAGE_RETCODE;
}
