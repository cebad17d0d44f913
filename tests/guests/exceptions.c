/* exceptions.c: test guest for exception channels, thread state and suspension: a debugger role (main) and
 * a victim role (--spawn / --spawn-stopped) of this one program; key=value lines. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zircon/process.h>
#include <zircon/syscalls.h>

#include "guest_common.h"

#define VICTIM_RESUMED_CODE 7
#define POLL_NS             1000000
#define MAX_KOIDS           8
#define BAD_HANDLE_VALUE    0x12345673u
#define UNKNOWN_KIND        99u

/* ---- victim ---- */

static void wait_for_debugger(void)
{
    zx_info_process_t info;
    do {
        zx_nanosleep(zx_deadline_after(POLL_NS));
        zx_object_get_info(zx_process_self(), ZX_INFO_PROCESS, &info, sizeof(info), NULL, NULL);
    } while (!(info.flags & ZX_INFO_PROCESS_FLAG_DEBUGGER_ATTACHED));
}

/* What the hardware-breakpoint test watches: a function it executes and a word it writes. */
volatile uint32_t hw_watched;

__attribute__((noinline)) void hw_target(void)
{
    __asm__ volatile("nop");
}

static const uint32_t read_only_word = 0x5a5a5a5a;

static void raise_kind(const char *kind)
{
    if (strcmp(kind, "bp") == 0)
        __asm__ volatile("int3");
    else if (strcmp(kind, "ud") == 0)
        __asm__ volatile("ud2");
    else if (strcmp(kind, "pf") == 0)
        (void)*(volatile uint32_t *)guest_opaque(0x10);
    else if (strcmp(kind, "pf_ro") == 0) /* a write to this read-only word: mapped, access denied */
        *(volatile uint32_t *)guest_opaque((uintptr_t)&read_only_word) = 1;
    else if (strcmp(kind, "gp") == 0)
        (void)*(volatile uint32_t *)guest_opaque(0x8000000000000000ULL);
    else if (strcmp(kind, "policy") == 0)
        __asm__ volatile("movl $1, %%eax; outl %%eax, $0xE0" ::: "rax", "memory");
    else if (strcmp(kind, "step") == 0)
        __asm__ volatile("int3; nop; nop");
    else if (strcmp(kind, "fpu") == 0) {
        uint64_t out = 0;
        uint32_t mxcsr_before = 0, mxcsr_after = 0;
        __asm__ volatile("stmxcsr %1\n"
                         "movq %3, %%xmm3\n"
                         "int3\n" /* the debugger reads xmm3 and writes another value */
                         "movq %%xmm3, %0\n"
                         "stmxcsr %2"
                         : "=r"(out), "=m"(mxcsr_before), "=m"(mxcsr_after)
                         : "r"(0x1122334455667788ULL)
                         : "xmm3");
        printf("xmm3_after=0x%llx\n", (unsigned long long)out);
        printf("victim_mxcsr before=0x%x after=0x%x\n", mxcsr_before, mxcsr_after);
        /* Inexact, so it traps (#XM) unless MXCSR masks that; its last bit shows the rounding mode the
         * debugger set: 0x...55 to nearest, 0x...56 upward. */
        volatile double third = 1.0;
        third /= 3.0;
        uint64_t bits;
        memcpy(&bits, (const void *)&third, sizeof(bits));
        printf("third_low_byte=0x%x\n", (unsigned)(bits & 0xff));
    } else if (strcmp(kind, "hw") == 0) {
        __asm__ volatile("int3"); /* the debugger arms DR0 and DR1 here */
        hw_target();
        hw_watched = 5;
    }
}

static int victim(const char *kind)
{
    if (strcmp(kind, "spin") == 0)
        for (;;)
            __asm__ volatile("pause");
    if (strcmp(kind, "sleep") == 0) /* blocks in zx_nanosleep for ever */
        zx_nanosleep(ZX_TIME_INFINITE);
    if (strcmp(kind, "wait") == 0) /* blocks in zx_object_wait_one for ever: its own end never comes */
        zx_object_wait_one(zx_process_self(), ZX_PROCESS_TERMINATED, ZX_TIME_INFINITE, NULL);
    /* "free_KIND" raises KIND without waiting for an in-guest debugger (for gdb, which attaches otherwise).
     */
    bool free_kind = strncmp(kind, "free_", 5) == 0;
    if (strcmp(kind, "start") != 0 && !free_kind)
        wait_for_debugger();
    raise_kind(free_kind ? kind + 5 : kind);
    printf("victim_resumed=1\n");
    return VICTIM_RESUMED_CODE;
}

/* ---- debugger ---- */

static zx_handle_t sibling(void)
{
    zx_koid_t koids[MAX_KOIDS];
    size_t n = 0;
    zx_object_get_info(zx_job_default(), ZX_INFO_JOB_PROCESSES, koids, sizeof(koids), &n, NULL);
    zx_koid_t self = guest_koid(zx_process_self());
    zx_handle_t h = ZX_HANDLE_INVALID;
    for (size_t i = 0; i < n; i++)
        if (koids[i] != self &&
            zx_object_get_child(zx_job_default(), koids[i], ZX_RIGHT_SAME_RIGHTS, &h) == ZX_OK)
            break;
    return h;
}

static zx_status_t read_any(zx_handle_t ch, zx_exception_info_t *info, zx_handle_t *exc)
{
    zx_object_wait_one(ch, ZX_CHANNEL_READABLE | ZX_CHANNEL_PEER_CLOSED, ZX_TIME_INFINITE, NULL);
    uint32_t nb = 0, nh = 0;
    return zx_channel_read(ch, 0, info, exc, sizeof(*info), 1, &nb, &nh);
}

/*
 * Reads the next exception other than ZX_EXCP_THREAD_STARTING. A debugger that
 * binds while the victim's thread is still starting first gets that one, as
 * in Zircon; whether it comes first is a race, so it is closed and skipped
 * (only the `starting` role, which asks for it, reads with read_any).
 */
static zx_status_t read_one(zx_handle_t ch, zx_exception_info_t *info, zx_handle_t *exc)
{
    zx_status_t status;
    while ((status = read_any(ch, info, exc)) == ZX_OK && info->type == ZX_EXCP_THREAD_STARTING)
        zx_handle_close(*exc);
    return status;
}

static void set_state(zx_handle_t exc, uint32_t state)
{
    zx_object_set_property(exc, ZX_PROP_EXCEPTION_STATE, &state, sizeof(state));
}

static void print_exit(zx_handle_t proc)
{
    zx_object_wait_one(proc, ZX_PROCESS_TERMINATED, ZX_TIME_INFINITE, NULL);
    zx_info_process_t info;
    zx_object_get_info(proc, ZX_INFO_PROCESS, &info, sizeof(info), NULL, NULL);
    printf("retcode=%lld\n", (long long)info.return_code);
}

/* catch ANSWER: one exception on a debugger channel, its report and registers, then ANSWER. */
static int catch_one(const char *answer)
{
    zx_handle_t proc = sibling(), ch, exc, thread;
    guest_put_status("bind", zx_task_create_exception_channel(proc, ZX_EXCEPTION_CHANNEL_DEBUGGER, &ch));
    zx_exception_info_t info;
    guest_put_status("read", read_one(ch, &info, &exc));
    printf("type=0x%x\n", info.type);
    printf("pid_matches=%d\n", info.pid == guest_koid(proc));
    guest_put_status("get_thread", zx_exception_get_thread(exc, &thread));
    printf("tid_matches=%d\n", info.tid == guest_koid(thread));
    zx_info_thread_t ti;
    zx_object_get_info(thread, ZX_INFO_THREAD, &ti, sizeof(ti), NULL, NULL);
    printf("thread_state=0x%x channel_type=%u\n", ti.state, ti.wait_exception_channel_type);
    zx_exception_report_t rep;
    guest_put_status(
        "report", zx_object_get_info(thread, ZX_INFO_THREAD_EXCEPTION_REPORT, &rep, sizeof(rep), NULL, NULL));
    printf("vector=%llu cr2=0x%llx\n", (unsigned long long)rep.context.arch.u.x86_64.vector,
           (unsigned long long)rep.context.arch.u.x86_64.cr2);
    printf("synth_code=%d synth_data=%u\n", (int)rep.context.synth_code, rep.context.synth_data);
    zx_thread_state_general_regs_t regs;
    guest_put_status("read_regs",
                     zx_thread_read_state(thread, ZX_THREAD_STATE_GENERAL_REGS, &regs, sizeof(regs)));
    printf("rip_user=%d\n", regs.rip > 0 && regs.rip < 0x800000000000ULL);
    uint32_t state = 0;
    zx_object_get_property(exc, ZX_PROP_EXCEPTION_STATE, &state, sizeof(state));
    printf("default_state=%u\n", state);
    if (strcmp(answer, "handled") == 0)
        set_state(exc, ZX_EXCEPTION_STATE_HANDLED);
    zx_handle_close(thread);
    zx_handle_close(exc);
    zx_handle_close(ch); /* unbound: the victim's exit is not reported to (and held by) a debugger */
    print_exit(proc);
    return 0;
}

/* step: int3, rewind nothing (rip is past it), single-step one nop, then clear the step and resume. */
static int step(void)
{
    zx_handle_t proc = sibling(), ch, exc, thread;
    zx_task_create_exception_channel(proc, ZX_EXCEPTION_CHANNEL_DEBUGGER, &ch);
    zx_exception_info_t info;
    read_one(ch, &info, &exc);
    zx_exception_get_thread(exc, &thread);
    zx_thread_state_general_regs_t before, after;
    zx_thread_read_state(thread, ZX_THREAD_STATE_GENERAL_REGS, &before, sizeof(before));
    zx_thread_state_single_step_t on = 1, off = 0;
    guest_put_status("step_on", zx_thread_write_state(thread, ZX_THREAD_STATE_SINGLE_STEP, &on, sizeof(on)));
    set_state(exc, ZX_EXCEPTION_STATE_HANDLED);
    zx_handle_close(exc);
    read_one(ch, &info, &exc);
    printf("second_type=0x%x\n", info.type);
    zx_thread_read_state(thread, ZX_THREAD_STATE_GENERAL_REGS, &after, sizeof(after));
    printf("advanced=%llu\n", (unsigned long long)(after.rip - before.rip));
    zx_thread_state_debug_regs_t dr;
    zx_thread_read_state(thread, ZX_THREAD_STATE_DEBUG_REGS, &dr, sizeof(dr));
    printf("dr6_single_step=%d\n", (int)((dr.dr6 >> 14) & 1));
    zx_thread_write_state(thread, ZX_THREAD_STATE_SINGLE_STEP, &off, sizeof(off));
    set_state(exc, ZX_EXCEPTION_STATE_HANDLED);
    zx_handle_close(exc);
    zx_handle_close(ch);
    print_exit(proc);
    return 0;
}

/* order: process and job channels too; which channel gets the exception first, then the next. */
static int order(void)
{
    zx_handle_t proc = sibling(), dbg, pch, jch, exc;
    zx_task_create_exception_channel(zx_job_default(), 0, &jch);
    zx_task_create_exception_channel(proc, 0, &pch);
    zx_task_create_exception_channel(proc, ZX_EXCEPTION_CHANNEL_DEBUGGER, &dbg);
    zx_handle_t chans[3] = {dbg, pch, jch};
    const char *names[3] = {"debugger", "process", "job"};
    /* Each round waits, however long it takes, for the one channel the exception is on now. */
    for (int round = 0; round < 3;) {
        for (int i = 0; i < 3; i++) {
            zx_signals_t seen = 0;
            zx_object_wait_one(chans[i], ZX_CHANNEL_READABLE, zx_deadline_after(POLL_NS * 50), &seen);
            if (!(seen & ZX_CHANNEL_READABLE))
                continue;
            zx_exception_info_t info;
            uint32_t nb, nh;
            zx_channel_read(chans[i], 0, &info, &exc, sizeof(info), 1, &nb, &nh);
            if (info.type == ZX_EXCP_THREAD_STARTING) { /* the start raced the binding: not a round */
                zx_handle_close(exc);
                break;
            }
            printf("round%d=%s\n", round, names[i]);
            if (i == 2)
                set_state(exc, ZX_EXCEPTION_STATE_HANDLED);
            zx_handle_close(exc); /* TRY_NEXT for the first two */
            round++;
            break;
        }
    }
    zx_handle_close(dbg);
    print_exit(proc);
    return 0;
}

/* errors: every error of the new calls that a guest can reach, in check order; the sibling spins. */
static int errors(void)
{
    zx_handle_t proc = sibling(), ch, ch2, out, thread = ZX_HANDLE_INVALID, tok;
    zx_koid_t tids[2];
    size_t n = 0;
    guest_put_status("threads",
                     zx_object_get_info(proc, ZX_INFO_PROCESS_THREADS, tids, sizeof(tids), &n, NULL));
    printf("nthreads=%zu\n", n);
    guest_put_status("get_child_thread", zx_object_get_child(proc, tids[0], ZX_RIGHT_SAME_RIGHTS, &thread));
    guest_put_status("get_child_unknown", zx_object_get_child(proc, 1, ZX_RIGHT_SAME_RIGHTS, &out));
    printf("self_thread_type_ok=%d\n", guest_koid(zx_thread_self()) != ZX_KOID_INVALID);
    guest_put_status("create_bad_options", zx_task_create_exception_channel(proc, 2, &ch));
    guest_put_status("create_bad_handle", zx_task_create_exception_channel(BAD_HANDLE_VALUE, 0, &ch));
    zx_handle_t weak;
    zx_handle_duplicate(proc, ZX_RIGHT_INSPECT | ZX_RIGHT_DUPLICATE | ZX_RIGHT_TRANSFER, &weak);
    guest_put_status("create_no_manage_thread", zx_task_create_exception_channel(weak, 0, &ch));
    zx_handle_duplicate(
        proc, ZX_RIGHT_INSPECT | ZX_RIGHT_DUPLICATE | ZX_RIGHT_TRANSFER | ZX_RIGHT_MANAGE_THREAD, &weak);
    guest_put_status("create_no_enumerate", zx_task_create_exception_channel(weak, 0, &ch));
    guest_put_status("create_thread_debugger",
                     zx_task_create_exception_channel(thread, ZX_EXCEPTION_CHANNEL_DEBUGGER, &ch));
    guest_put_status("create_thread", zx_task_create_exception_channel(thread, 0, &ch));
    guest_put_status("create_debugger",
                     zx_task_create_exception_channel(proc, ZX_EXCEPTION_CHANNEL_DEBUGGER, &ch));
    guest_put_status("create_again",
                     zx_task_create_exception_channel(proc, ZX_EXCEPTION_CHANNEL_DEBUGGER, &ch2));
    printf("channel_rights=0x%x\n", guest_rights(ch));
    zx_info_process_t pi;
    zx_object_get_info(proc, ZX_INFO_PROCESS, &pi, sizeof(pi), NULL, NULL);
    printf("debugger_attached=%d\n", (pi.flags & ZX_INFO_PROCESS_FLAG_DEBUGGER_ATTACHED) != 0);
    zx_exception_info_t info;
    zx_handle_t exc;
    uint32_t nb = 0, nh = 0;
    guest_put_status("read_wrong_type", zx_channel_read(proc, 0, &info, &exc, sizeof(info), 1, &nb, &nh));
    guest_put_status("read_bad_options", zx_channel_read(ch, 2, &info, &exc, sizeof(info), 1, &nb, &nh));
    guest_put_status("read_empty", zx_channel_read(ch, 0, &info, &exc, sizeof(info), 1, &nb, &nh));
    zx_handle_t noread;
    zx_handle_duplicate(ch, ZX_RIGHT_WAIT, &noread);
    printf("dup_channel=%d\n", noread != ZX_HANDLE_INVALID);
    zx_thread_state_general_regs_t regs;
    guest_put_status("read_state_running",
                     zx_thread_read_state(thread, ZX_THREAD_STATE_GENERAL_REGS, &regs, sizeof(regs)));
    guest_put_status("read_state_kind", zx_thread_read_state(thread, UNKNOWN_KIND, &regs, sizeof(regs)));
    guest_put_status("read_state_small",
                     zx_thread_read_state(thread, ZX_THREAD_STATE_GENERAL_REGS, &regs, 8));
    guest_put_status("read_state_wrong_type",
                     zx_thread_read_state(proc, ZX_THREAD_STATE_GENERAL_REGS, &regs, sizeof(regs)));
    guest_put_status("read_state_self", zx_thread_read_state(zx_thread_self(), ZX_THREAD_STATE_GENERAL_REGS,
                                                             &regs, sizeof(regs)));
    guest_put_status("write_debug_regs",
                     zx_thread_write_state(thread, ZX_THREAD_STATE_DEBUG_REGS, &regs, sizeof(regs)));
    guest_put_status("suspend_self", zx_task_suspend_token(zx_process_self(), &tok));
    guest_put_status("suspend_self_thread", zx_task_suspend_token(zx_thread_self(), &tok));
    guest_put_status("suspend_wrong_type", zx_task_suspend_token(zx_job_default(), &tok));
    char name[ZX_MAX_NAME_LEN] = "renamed";
    guest_put_status("set_name", zx_object_set_property(thread, ZX_PROP_NAME, name, strlen(name)));
    memset(name, 0, sizeof(name));
    guest_put_status("get_name", zx_object_get_property(thread, ZX_PROP_NAME, name, sizeof(name)));
    printf("name=%s\n", name);
    guest_put_status("get_name_small", zx_object_get_property(thread, ZX_PROP_NAME, name, 4));
    guest_put_status("get_property_null_first",
                     zx_object_get_property(BAD_HANDLE_VALUE, ZX_PROP_NAME, NULL, sizeof(name)));
    guest_put_status("set_property_null_first",
                     zx_object_set_property(BAD_HANDLE_VALUE, ZX_PROP_NAME, NULL, sizeof(name)));
    uint32_t v = 0;
    guest_put_status("exc_state_wrong_type",
                     zx_object_get_property(thread, ZX_PROP_EXCEPTION_STATE, &v, sizeof(v)));
    guest_put_status("get_thread_wrong_type", zx_exception_get_thread(proc, &out));
    zx_handle_close(ch);
    guest_put_status("create_after_close",
                     zx_task_create_exception_channel(proc, ZX_EXCEPTION_CHANNEL_DEBUGGER, &ch));
    zx_task_kill(proc);
    /* A victim slow to start (under load) may have its THREAD_STARTING queued on this channel first. */
    zx_status_t st = zx_channel_read(ch, 0, &info, &exc, sizeof(info), 1, &nb, &nh);
    if (st == ZX_OK && info.type == ZX_EXCP_THREAD_STARTING) {
        zx_handle_close(exc);
        st = zx_channel_read(ch, 0, &info, &exc, sizeof(info), 1, &nb, &nh);
    }
    guest_put_status("read_after_death", st);
    guest_put_status("create_dead", zx_task_create_exception_channel(proc, 0, &ch2));
    guest_put_status("suspend_dead", zx_task_suspend_token(proc, &tok));
    return 0;
}

/* suspend: nested tokens on a spinning sibling; registers readable while suspended. */
static int suspend(void)
{
    zx_handle_t proc = sibling(), thread, a, b;
    zx_koid_t tid;
    zx_object_get_info(proc, ZX_INFO_PROCESS_THREADS, &tid, sizeof(tid), NULL, NULL);
    zx_object_get_child(proc, tid, ZX_RIGHT_SAME_RIGHTS, &thread);
    guest_put_status("suspend", zx_task_suspend_token(thread, &a));
    zx_signals_t seen = 0;
    guest_put_status("wait_suspended",
                     zx_object_wait_one(thread, ZX_THREAD_SUSPENDED, zx_deadline_after(5000000000LL), &seen));
    zx_thread_state_general_regs_t regs;
    guest_put_status("read_suspended",
                     zx_thread_read_state(thread, ZX_THREAD_STATE_GENERAL_REGS, &regs, sizeof(regs)));
    guest_put_status("suspend_process", zx_task_suspend_token(proc, &b));
    zx_handle_close(a);
    zx_info_thread_t ti;
    zx_object_get_info(thread, ZX_INFO_THREAD, &ti, sizeof(ti), NULL, NULL);
    printf("state_after_one_close=0x%x\n", ti.state);
    zx_handle_close(b);
    guest_put_status("wait_running",
                     zx_object_wait_one(thread, ZX_THREAD_RUNNING, zx_deadline_after(5000000000LL), &seen));
    guest_put_status("read_running",
                     zx_thread_read_state(thread, ZX_THREAD_STATE_GENERAL_REGS, &regs, sizeof(regs)));
    guest_put_status("suspend_again", zx_task_suspend_token(thread, &a));
    zx_object_wait_one(thread, ZX_THREAD_SUSPENDED, zx_deadline_after(5000000000LL), &seen);
    zx_task_kill(proc);
    print_exit(proc);
    zx_handle_close(a);
    return 0;
}

/* starting: a --spawn-stopped sibling reports THREAD_STARTING once the debugger channel binds. */
static int starting(void)
{
    zx_handle_t proc = sibling(), ch, exc;
    zx_info_process_t pi;
    zx_object_get_info(proc, ZX_INFO_PROCESS, &pi, sizeof(pi), NULL, NULL);
    zx_task_create_exception_channel(proc, ZX_EXCEPTION_CHANNEL_DEBUGGER, &ch);
    zx_exception_info_t info;
    guest_put_status("read", read_any(ch, &info, &exc));
    printf("first_type=0x%x\n", info.type);
    zx_handle_close(exc);
    read_any(ch, &info, &exc);
    printf("second_type=0x%x\n", info.type);
    zx_handle_close(exc);
    print_exit(proc);
    return 0;
}

/* exit_holding: the debugger exits while holding the exception: the victim goes on (TRY_NEXT: killed). */
static int exit_holding(void)
{
    zx_handle_t proc = sibling(), ch, exc;
    zx_task_create_exception_channel(proc, ZX_EXCEPTION_CHANNEL_DEBUGGER, &ch);
    zx_exception_info_t info;
    read_one(ch, &info, &exc);
    printf("holding=0x%x\n", info.type);
    return 0;
}

/* The mapping entry of `maps` containing `addr`, or NULL. */
static const zx_info_maps_t *maps_find(const zx_info_maps_t *maps, size_t n, uintptr_t addr)
{
    for (size_t i = 0; i < n; i++)
        if (maps[i].type == ZX_INFO_MAPS_TYPE_MAPPING && addr >= maps[i].base &&
            addr - maps[i].base < maps[i].size)
            return &maps[i];
    return NULL;
}

/* Prints what ZX_INFO_PROCESS_MAPS says of a mapping as KEY_flags=... KEY_koid_ok=... */
static void maps_put(const char *key, const zx_info_maps_t *m, zx_koid_t koid, uint64_t offset)
{
    if (!m) {
        printf("%s=missing\n", key);
        return;
    }
    printf("%s depth=%zu flags=%u koid_ok=%d offset_ok=%d committed=%zu\n", key, m->depth,
           m->u.mapping.mmu_flags, m->u.mapping.vmo_koid == koid, m->u.mapping.vmo_offset == offset,
           m->u.mapping.committed_pages);
}

#define MAPS_MAX 64

/* maps: ZX_INFO_PROCESS_MAPS of this process (with a VMO mapped and half re-protected) and of the sibling. */
static int maps(void)
{
    static zx_info_maps_t m[MAPS_MAX];
    zx_handle_t vmo, proc = sibling(), thread;
    zx_vaddr_t addr = 0;
    zx_vmo_create(2 * ZX_PAGE_SIZE, 0, &vmo);
    zx_vmar_map(zx_vmar_root_self(), ZX_VM_PERM_READ | ZX_VM_PERM_WRITE, 0, vmo, 0, 2 * ZX_PAGE_SIZE, &addr);
    zx_vmar_protect(zx_vmar_root_self(), ZX_VM_PERM_READ, addr + ZX_PAGE_SIZE, ZX_PAGE_SIZE);
    size_t actual = 99, avail = 0;
    guest_put_status("count",
                     zx_object_get_info(zx_process_self(), ZX_INFO_PROCESS_MAPS, NULL, 0, &actual, &avail));
    printf("count_actual=%zu count_avail_ok=%d\n", actual, avail >= 6 && avail <= MAPS_MAX);
    size_t want = avail;
    guest_put_status(
        "all", zx_object_get_info(zx_process_self(), ZX_INFO_PROCESS_MAPS, m, sizeof(m), &actual, &avail));
    printf("all_complete=%d\n", actual == avail && avail == want);
    char name[ZX_MAX_NAME_LEN];
    snprintf(name, sizeof(name), "proc:%llu", (unsigned long long)guest_koid(zx_process_self()));
    printf("aspace type=%u depth=%zu name_ok=%d base=0x%llx\n", m[0].type, m[0].depth,
           strcmp(m[0].name, name) == 0, (unsigned long long)m[0].base);
    printf("root type=%u depth=%zu name=%s same_range=%d\n", m[1].type, m[1].depth, m[1].name,
           m[1].base == m[0].base && m[1].size == m[0].size);
    int sorted = 1;
    for (size_t i = 3; i < actual; i++)
        sorted &= m[i].base >= m[i - 1].base + m[i - 1].size && m[i].depth == 2;
    printf("sorted=%d\n", sorted);
    zx_koid_t vk = guest_koid(vmo);
    maps_put("vmo_rw", maps_find(m, actual, addr), vk, 0);
    maps_put("vmo_r", maps_find(m, actual, addr + ZX_PAGE_SIZE), vk, ZX_PAGE_SIZE);
    maps_put("code", maps_find(m, actual, (uintptr_t)&maps), ZX_KOID_INVALID, 0);
    int local = 0;
    const zx_info_maps_t *stack = maps_find(m, actual, (uintptr_t)&local);
    printf("stack flags=%u\n", stack ? stack->u.mapping.mmu_flags : 0);
    guest_put_status("one", zx_object_get_info(zx_process_self(), ZX_INFO_PROCESS_MAPS, m, sizeof(m[0]) + 8,
                                               &actual, &avail));
    printf("one_actual=%zu one_avail_ok=%d\n", actual, avail == want);
    guest_put_status("sibling",
                     zx_object_get_info(proc, ZX_INFO_PROCESS_MAPS, m, sizeof(m), &actual, &avail));
    snprintf(name, sizeof(name), "proc:%llu", (unsigned long long)guest_koid(proc));
    printf("sibling_name_ok=%d sibling_has_mappings=%d\n", strcmp(m[0].name, name) == 0, actual >= 4);
    /* Errors in check order: handle, type, right, buffer, state. */
    guest_put_status("bad_handle",
                     zx_object_get_info(BAD_HANDLE_VALUE, ZX_INFO_PROCESS_MAPS, m, sizeof(m), NULL, NULL));
    zx_koid_t tid;
    zx_object_get_info(proc, ZX_INFO_PROCESS_THREADS, &tid, sizeof(tid), NULL, NULL);
    zx_object_get_child(proc, tid, ZX_RIGHT_SAME_RIGHTS, &thread);
    guest_put_status("wrong_type",
                     zx_object_get_info(thread, ZX_INFO_PROCESS_MAPS, m, sizeof(m), NULL, NULL));
    zx_handle_t weak;
    zx_handle_duplicate(proc, ZX_RIGHT_READ | ZX_RIGHT_WAIT, &weak);
    guest_put_status("no_inspect", zx_object_get_info(weak, ZX_INFO_PROCESS_MAPS, m, sizeof(m), NULL, NULL));
    guest_put_status("bad_buffer",
                     zx_object_get_info(proc, ZX_INFO_PROCESS_MAPS, (void *)(uintptr_t)GUEST_UNMAPPED_ADDR,
                                        sizeof(m), NULL, NULL));
    zx_task_kill(proc);
    zx_object_wait_one(proc, ZX_PROCESS_TERMINATED, ZX_TIME_INFINITE, NULL);
    actual = avail = 99;
    guest_put_status("dead", zx_object_get_info(proc, ZX_INFO_PROCESS_MAPS, m, sizeof(m), &actual, &avail));
    printf("dead_actual=%zu dead_avail=%zu\n", actual, avail);
    return 0;
}

#define DR7_L0          0x1ull
#define DR7_L1          0x4ull
#define DR7_W1_LEN4     (0xdull << 20) /* slot 1: R/W 01 (write), LEN 11 (4 bytes) */
#define DR7_GD          (1ull << 13)
#define KERNEL_ADDR     0xffff800000001000ull
#define BELOW_USER_ADDR 0x1000ull

/* Writes the debug registers; prints the status as KEY. */
static zx_status_t put_debug_regs(const char *key, zx_handle_t thread, uint64_t dr0, uint64_t dr1,
                                  uint64_t dr7)
{
    zx_thread_state_debug_regs_t dr;
    memset(&dr, 0, sizeof(dr));
    dr.dr[0] = dr0;
    dr.dr[1] = dr1;
    dr.dr7 = dr7;
    zx_status_t st = zx_thread_write_state(thread, ZX_THREAD_STATE_DEBUG_REGS, &dr, sizeof(dr));
    guest_put_status(key, st);
    return st;
}

/* Resumes `exc` (HANDLED), then reads the next exception into *exc; prints its type and where it stopped. */
static void resume_and_catch(const char *key, zx_handle_t ch, zx_handle_t thread, zx_handle_t *exc)
{
    set_state(*exc, ZX_EXCEPTION_STATE_HANDLED);
    zx_handle_close(*exc);
    zx_exception_info_t info;
    read_one(ch, &info, exc);
    zx_thread_state_general_regs_t regs;
    zx_thread_state_debug_regs_t dr;
    zx_thread_read_state(thread, ZX_THREAD_STATE_GENERAL_REGS, &regs, sizeof(regs));
    zx_thread_read_state(thread, ZX_THREAD_STATE_DEBUG_REGS, &dr, sizeof(dr));
    printf("%s type=0x%x at_target=%d dr6_b0=%d dr6_b1=%d\n", key, info.type,
           regs.rip == (uintptr_t)&hw_target, (int)(dr.dr6 & 1), (int)((dr.dr6 >> 1) & 1));
}

/* hw: DR0 on a function and DR1 on a word the victim writes; each stops it with HW_BREAKPOINT. */
static int hw(void)
{
    zx_handle_t proc = sibling(), ch, exc, thread;
    zx_task_create_exception_channel(proc, ZX_EXCEPTION_CHANNEL_DEBUGGER, &ch);
    zx_exception_info_t info;
    read_one(ch, &info, &exc);
    printf("first=0x%x\n", info.type);
    zx_exception_get_thread(exc, &thread);
    put_debug_regs("kernel_addr", thread, KERNEL_ADDR, 0, DR7_L0);
    put_debug_regs("below_user", thread, 0, BELOW_USER_ADDR, DR7_L1);
    zx_status_t armed = put_debug_regs("arm", thread, (uintptr_t)&hw_target, (uintptr_t)&hw_watched,
                                       DR7_L0 | DR7_L1 | DR7_W1_LEN4 | DR7_GD);
    zx_thread_state_debug_regs_t dr;
    zx_thread_read_state(thread, ZX_THREAD_STATE_DEBUG_REGS, &dr, sizeof(dr));
    printf("dr7=0x%llx dr0_ok=%d\n", (unsigned long long)dr.dr7, dr.dr[0] == (uintptr_t)&hw_target);
    if (armed != ZX_OK) { /* this platform: nothing armed, the victim just runs on */
        set_state(exc, ZX_EXCEPTION_STATE_HANDLED);
        zx_handle_close(exc);
        zx_handle_close(ch);
        print_exit(proc);
        return 0;
    }
    resume_and_catch("exec", ch, thread, &exc);
    put_debug_regs("disarm_exec", thread, 0, (uintptr_t)&hw_watched, DR7_L1 | DR7_W1_LEN4);
    resume_and_catch("write", ch, thread, &exc);
    uint32_t seen = 0;
    size_t actual = 0;
    zx_process_read_memory(proc, (uintptr_t)&hw_watched, &seen, sizeof(seen), &actual);
    printf("written_before_stop=%u\n", seen);
    put_debug_regs("disarm_all", thread, 0, 0, 0);
    set_state(exc, ZX_EXCEPTION_STATE_HANDLED);
    zx_handle_close(exc);
    zx_handle_close(thread);
    zx_handle_close(ch);
    print_exit(proc);
    return 0;
}

/* The job's processes in creation order; returns how many. */
static size_t job_processes(zx_koid_t *koids, size_t max)
{
    size_t n = 0;
    zx_object_get_info(zx_job_default(), ZX_INFO_JOB_PROCESSES, koids, max * sizeof(*koids), &n, NULL);
    return n;
}

#define RACER_WON  0
#define RACER_LOST 1
#define RACER_ODD  2

/* racer (spawned second): races main for the debugger channel of the first process. */
static int racer(void)
{
    zx_koid_t koids[MAX_KOIDS];
    zx_handle_t victim_proc, ch;
    if (job_processes(koids, MAX_KOIDS) < 2 ||
        zx_object_get_child(zx_job_default(), koids[0], ZX_RIGHT_SAME_RIGHTS, &victim_proc) != ZX_OK)
        return RACER_ODD;
    zx_status_t st = zx_task_create_exception_channel(victim_proc, ZX_EXCEPTION_CHANNEL_DEBUGGER, &ch);
    if (st == ZX_ERR_ALREADY_BOUND)
        return RACER_LOST;
    if (st != ZX_OK)
        return RACER_ODD;
    zx_object_wait_one(victim_proc, ZX_PROCESS_TERMINATED, ZX_TIME_INFINITE, NULL); /* hold it till the end */
    return RACER_WON;
}

/* race: main and a racer bind a debugger channel to the same victim at once; exactly one wins. */
static int race(void)
{
    zx_koid_t koids[MAX_KOIDS], self = guest_koid(zx_process_self());
    size_t n = job_processes(koids, MAX_KOIDS);
    zx_handle_t victim_proc = ZX_HANDLE_INVALID, racer_proc = ZX_HANDLE_INVALID, ch;
    zx_object_get_child(zx_job_default(), koids[0], ZX_RIGHT_SAME_RIGHTS, &victim_proc);
    for (size_t i = 1; i < n; i++)
        if (koids[i] != self)
            zx_object_get_child(zx_job_default(), koids[i], ZX_RIGHT_SAME_RIGHTS, &racer_proc);
    zx_status_t st = zx_task_create_exception_channel(victim_proc, ZX_EXCEPTION_CHANNEL_DEBUGGER, &ch);
    if (st == ZX_OK) /* the racer must have tried (and lost) before the victim goes */
        zx_object_wait_one(racer_proc, ZX_PROCESS_TERMINATED, ZX_TIME_INFINITE, NULL);
    zx_task_kill(victim_proc);
    zx_object_wait_one(racer_proc, ZX_PROCESS_TERMINATED, ZX_TIME_INFINITE, NULL);
    zx_info_process_t info;
    zx_object_get_info(racer_proc, ZX_INFO_PROCESS, &info, sizeof(info), NULL, NULL);
    int winners = (st == ZX_OK) + (info.return_code == RACER_WON);
    int loser_bound = st == ZX_OK ? info.return_code == RACER_LOST : st == ZX_ERR_ALREADY_BOUND;
    printf("race winners=%d loser_already_bound=%d\n", winners, loser_bound);
    return 0;
}

/* kill_parked: the victim is killed while parked in an exception the debugger holds. */
static int kill_parked(void)
{
    zx_handle_t proc = sibling(), ch, exc, thread;
    zx_task_create_exception_channel(proc, ZX_EXCEPTION_CHANNEL_DEBUGGER, &ch);
    zx_exception_info_t info;
    read_one(ch, &info, &exc);
    zx_exception_get_thread(exc, &thread);
    guest_put_status("kill", zx_task_kill(proc));
    print_exit(proc);
    zx_info_thread_t ti;
    zx_object_get_info(thread, ZX_INFO_THREAD, &ti, sizeof(ti), NULL, NULL);
    printf("thread_state=0x%x\n", ti.state);
    zx_thread_state_general_regs_t regs;
    guest_put_status("read_regs_dead",
                     zx_thread_read_state(thread, ZX_THREAD_STATE_GENERAL_REGS, &regs, sizeof(regs)));
    uint32_t handled = ZX_EXCEPTION_STATE_HANDLED;
    uint32_t second = ZX_EXCEPTION_STRATEGY_SECOND_CHANCE;
    guest_put_status("strategy_dead",
                     zx_object_set_property(exc, ZX_PROP_EXCEPTION_STRATEGY, &second, sizeof(second)));
    guest_put_status("set_state_dead",
                     zx_object_set_property(exc, ZX_PROP_EXCEPTION_STATE, &handled, sizeof(handled)));
    guest_put_status("close_exception", zx_handle_close(exc));
    uint32_t nb = 0, nh = 0;
    guest_put_status("read_after", zx_channel_read(ch, 0, &info, &exc, sizeof(info), 1, &nb, &nh));
    return 0;
}

/* second_chance: debugger (asks for a second chance, TRY_NEXT), process channel (TRY_NEXT), debugger again.
 */
static int second_chance(void)
{
    zx_handle_t proc = sibling(), dbg, pch, exc, out;
    zx_task_create_exception_channel(proc, 0, &pch);
    zx_task_create_exception_channel(proc, ZX_EXCEPTION_CHANNEL_DEBUGGER, &dbg);
    zx_exception_info_t info;
    read_one(dbg, &info, &exc);
    printf("first=0x%x\n", info.type);
    uint32_t v = 0;
    zx_object_get_property(exc, ZX_PROP_EXCEPTION_STRATEGY, &v, sizeof(v));
    printf("default_strategy=%u\n", v);
    v = 7;
    guest_put_status("bad_strategy", zx_object_set_property(exc, ZX_PROP_EXCEPTION_STRATEGY, &v, sizeof(v)));
    v = ZX_EXCEPTION_STRATEGY_SECOND_CHANCE;
    guest_put_status("second_chance", zx_object_set_property(exc, ZX_PROP_EXCEPTION_STRATEGY, &v, sizeof(v)));
    guest_put_status("get_process", zx_exception_get_process(exc, &out));
    zx_handle_close(out);
    zx_handle_close(exc); /* TRY_NEXT */
    zx_signals_t seen = 0;
    zx_object_wait_one(pch, ZX_CHANNEL_READABLE, zx_deadline_after(5000000000LL), &seen);
    printf("process_saw_it=%d\n", (seen & ZX_CHANNEL_READABLE) != 0);
    read_one(pch, &info, &exc);
    v = ZX_EXCEPTION_STRATEGY_SECOND_CHANCE;
    guest_put_status("strategy_on_process_channel",
                     zx_object_set_property(exc, ZX_PROP_EXCEPTION_STRATEGY, &v, sizeof(v)));
    zx_handle_close(exc); /* TRY_NEXT again */
    read_one(dbg, &info, &exc);
    printf("again=0x%x\n", info.type);
    set_state(exc, ZX_EXCEPTION_STATE_HANDLED);
    zx_handle_close(exc);
    zx_handle_close(dbg);
    print_exit(proc);
    return 0;
}

/* kill_suspended: the victim is killed while suspended; the token is closed afterwards. */
static int kill_suspended(void)
{
    zx_handle_t proc = sibling(), token;
    zx_task_suspend_token(proc, &token);
    zx_koid_t tid;
    zx_handle_t thread;
    zx_object_get_info(proc, ZX_INFO_PROCESS_THREADS, &tid, sizeof(tid), NULL, NULL);
    zx_object_get_child(proc, tid, ZX_RIGHT_SAME_RIGHTS, &thread);
    guest_put_status("wait_suspended",
                     zx_object_wait_one(thread, ZX_THREAD_SUSPENDED, zx_deadline_after(5000000000LL), NULL));
    guest_put_status("kill", zx_task_kill(proc));
    print_exit(proc);
    guest_put_status("close_token", zx_handle_close(token));
    return 0;
}

/* Whether `rip` lies in the vDSO entry point `fn` (each is 16-byte aligned and shorter than 32 bytes). */
static bool rip_in(uint64_t rip, void *fn)
{
    return rip - (uintptr_t)fn < 32;
}

/*
 * suspend_blocked: the victim blocks in a syscall for ever ("sleep" or "wait");
 * a suspension parks it at that vDSO entry, with its registers readable and
 * writable; once the token closes the call starts over and blocks again, and
 * a kill still ends it. (Until the victim has entered the call a suspension
 * may catch it before; then it is resumed and tried again.)
 */
static int suspend_blocked(void)
{
    zx_handle_t proc = sibling(), thread, token = ZX_HANDLE_INVALID;
    zx_koid_t tid;
    zx_object_get_info(proc, ZX_INFO_PROCESS_THREADS, &tid, sizeof(tid), NULL, NULL);
    zx_object_get_child(proc, tid, ZX_RIGHT_SAME_RIGHTS, &thread);
    zx_thread_state_general_regs_t regs;
    memset(&regs, 0, sizeof(regs));
    zx_status_t st = ZX_ERR_TIMED_OUT;
    bool in_call = false;
    for (int round = 0; round < 500 && !in_call; round++) {
        if (token != ZX_HANDLE_INVALID) {
            zx_handle_close(token);
            zx_nanosleep(zx_deadline_after(10000000LL));
        }
        zx_task_suspend_token(thread, &token);
        st = zx_object_wait_one(thread, ZX_THREAD_SUSPENDED, zx_deadline_after(5000000000LL), NULL);
        if (st != ZX_OK)
            break;
        zx_thread_read_state(thread, ZX_THREAD_STATE_GENERAL_REGS, &regs, sizeof(regs));
        in_call = rip_in(regs.rip, (void *)zx_nanosleep) || rip_in(regs.rip, (void *)zx_object_wait_one);
    }
    guest_put_status("wait_suspended", st);
    printf("rip_in_call=%d\n", in_call);
    guest_put_status("write_suspended",
                     zx_thread_write_state(thread, ZX_THREAD_STATE_GENERAL_REGS, &regs, sizeof(regs)));
    zx_handle_close(token);
    guest_put_status("wait_running",
                     zx_object_wait_one(thread, ZX_THREAD_RUNNING, zx_deadline_after(5000000000LL), NULL));
    zx_nanosleep(zx_deadline_after(200000000LL)); /* the restarted call blocks: the victim goes on living */
    zx_info_process_t info;
    zx_object_get_info(proc, ZX_INFO_PROCESS, &info, sizeof(info), NULL, NULL);
    printf("victim_exited=%d\n", (info.flags & ZX_INFO_PROCESS_FLAG_EXITED) != 0);
    guest_put_status("kill", zx_task_kill(proc));
    print_exit(proc);
    return 0;
}

/* suspend_hold: suspends the victim and sleeps for ever holding the token (for --timeout). */
static int suspend_hold(void)
{
    zx_handle_t proc = sibling(), token, thread;
    zx_koid_t tid;
    zx_task_suspend_token(proc, &token);
    zx_object_get_info(proc, ZX_INFO_PROCESS_THREADS, &tid, sizeof(tid), NULL, NULL);
    zx_object_get_child(proc, tid, ZX_RIGHT_SAME_RIGHTS, &thread);
    zx_status_t st = zx_object_wait_one(thread, ZX_THREAD_SUSPENDED, zx_deadline_after(5000000000LL), NULL);
    printf("suspended=%d\n", st == ZX_OK);
    zx_nanosleep(ZX_TIME_INFINITE);
    return 0;
}

#define MXCSR_ROUND_UP 0x4000 /* RC = 10b: round toward +infinity */

/* fpu: reads the victim's x87 and vector state at a breakpoint, writes xmm3 and sets MXCSR's rounding upward.
 */
static int fpu(void)
{
    zx_handle_t proc = sibling(), ch, exc, thread;
    zx_task_create_exception_channel(proc, ZX_EXCEPTION_CHANNEL_DEBUGGER, &ch);
    zx_exception_info_t info;
    read_one(ch, &info, &exc);
    zx_exception_get_thread(exc, &thread);
    static zx_thread_state_vector_regs_t v;
    zx_thread_state_fp_regs_t f;
    guest_put_status("read_vector", zx_thread_read_state(thread, ZX_THREAD_STATE_VECTOR_REGS, &v, sizeof(v)));
    printf("xmm3_seen=0x%llx mxcsr=0x%x\n", (unsigned long long)v.zmm[3].v[0], v.mxcsr);
    guest_put_status("read_fp", zx_thread_read_state(thread, ZX_THREAD_STATE_FP_REGS, &f, sizeof(f)));
    printf("fcw=0x%x\n", f.fcw);
    guest_put_status("read_vector_small",
                     zx_thread_read_state(thread, ZX_THREAD_STATE_VECTOR_REGS, &v, sizeof(v) - 8));
    v.zmm[3].v[0] = 0xcafef00dcafef00dULL;
    uint32_t good = v.mxcsr;
    v.mxcsr = 0xffff0000u;
    guest_put_status("write_bad_mxcsr",
                     zx_thread_write_state(thread, ZX_THREAD_STATE_VECTOR_REGS, &v, sizeof(v)));
    v.mxcsr = good | MXCSR_ROUND_UP;
    guest_put_status("write_vector",
                     zx_thread_write_state(thread, ZX_THREAD_STATE_VECTOR_REGS, &v, sizeof(v)));
    guest_put_status("write_fp", zx_thread_write_state(thread, ZX_THREAD_STATE_FP_REGS, &f, sizeof(f)));
    set_state(exc, ZX_EXCEPTION_STATE_HANDLED);
    zx_handle_close(exc);
    zx_handle_close(thread);
    zx_handle_close(ch);
    print_exit(proc);
    return 0;
}

/* thread_channel: debugger, then thread channel (no process handle from it), then process channel. */
static int thread_channel(void)
{
    zx_handle_t proc = sibling(), thread, tch, pch, exc, out;
    zx_koid_t tid;
    zx_object_get_info(proc, ZX_INFO_PROCESS_THREADS, &tid, sizeof(tid), NULL, NULL);
    zx_object_get_child(proc, tid, ZX_RIGHT_SAME_RIGHTS, &thread);
    zx_task_create_exception_channel(proc, 0, &pch);
    guest_put_status("bind_thread", zx_task_create_exception_channel(thread, 0, &tch));
    zx_handle_t dbg; /* the victim raises once a debugger is attached: it gets it first and passes */
    zx_task_create_exception_channel(proc, ZX_EXCEPTION_CHANNEL_DEBUGGER, &dbg);
    zx_exception_info_t info;
    read_one(dbg, &info, &exc);
    zx_handle_close(exc);
    read_one(tch, &info, &exc);
    printf("thread_got=0x%x\n", info.type);
    zx_info_thread_t ti;
    zx_object_get_info(thread, ZX_INFO_THREAD, &ti, sizeof(ti), NULL, NULL);
    printf("waiting_on=%u\n", ti.wait_exception_channel_type);
    guest_put_status("get_thread", zx_exception_get_thread(exc, &out));
    printf("same_thread=%d\n", guest_koid(out) == tid);
    guest_put_status("get_process", zx_exception_get_process(exc, &out));
    zx_handle_close(exc); /* TRY_NEXT: on to the process channel */
    read_one(pch, &info, &exc);
    zx_object_get_info(thread, ZX_INFO_THREAD, &ti, sizeof(ti), NULL, NULL);
    printf("process_got=0x%x waiting_on=%u\n", info.type, ti.wait_exception_channel_type);
    set_state(exc, ZX_EXCEPTION_STATE_HANDLED);
    zx_handle_close(exc);
    zx_handle_close(dbg); /* unbound: the exit is not held for it */
    print_exit(proc);
    return 0;
}

/* suspend_in_exception: suspended while in an exception, it stays stopped after HANDLED until the token goes.
 */
static int suspend_in_exception(void)
{
    zx_handle_t proc = sibling(), ch, exc, thread, token;
    zx_task_create_exception_channel(proc, ZX_EXCEPTION_CHANNEL_DEBUGGER, &ch);
    zx_exception_info_t info;
    read_one(ch, &info, &exc);
    zx_exception_get_thread(exc, &thread);
    guest_put_status("suspend", zx_task_suspend_token(thread, &token));
    zx_info_thread_t ti;
    zx_object_get_info(thread, ZX_INFO_THREAD, &ti, sizeof(ti), NULL, NULL);
    printf("state_in_exception=0x%x\n", ti.state);
    set_state(exc, ZX_EXCEPTION_STATE_HANDLED);
    zx_handle_close(exc);
    guest_put_status("wait_suspended",
                     zx_object_wait_one(thread, ZX_THREAD_SUSPENDED, zx_deadline_after(5000000000LL), NULL));
    zx_object_get_info(thread, ZX_INFO_THREAD, &ti, sizeof(ti), NULL, NULL);
    printf("state_after_handled=0x%x\n", ti.state);
    zx_thread_state_general_regs_t regs;
    guest_put_status("read_suspended",
                     zx_thread_read_state(thread, ZX_THREAD_STATE_GENERAL_REGS, &regs, sizeof(regs)));
    zx_handle_close(token);
    zx_handle_close(ch);
    print_exit(proc);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "victim") == 0)
        return victim(argv[2]);
    if (argc == 3 && strcmp(argv[1], "catch") == 0)
        return catch_one(argv[2]);
    if (argc == 2 && strcmp(argv[1], "step") == 0)
        return step();
    if (argc == 2 && strcmp(argv[1], "order") == 0)
        return order();
    if (argc == 2 && strcmp(argv[1], "errors") == 0)
        return errors();
    if (argc == 2 && strcmp(argv[1], "suspend") == 0)
        return suspend();
    if (argc == 2 && strcmp(argv[1], "starting") == 0)
        return starting();
    if (argc == 2 && strcmp(argv[1], "exit_holding") == 0)
        return exit_holding();
    if (argc == 2 && strcmp(argv[1], "maps") == 0)
        return maps();
    if (argc == 2 && strcmp(argv[1], "hw") == 0)
        return hw();
    if (argc == 2 && strcmp(argv[1], "fpu") == 0)
        return fpu();
    if (argc == 2 && strcmp(argv[1], "thread_channel") == 0)
        return thread_channel();
    if (argc == 2 && strcmp(argv[1], "suspend_in_exception") == 0)
        return suspend_in_exception();
    if (argc == 2 && strcmp(argv[1], "racer") == 0)
        return racer();
    if (argc == 2 && strcmp(argv[1], "race") == 0)
        return race();
    if (argc == 2 && strcmp(argv[1], "kill_parked") == 0)
        return kill_parked();
    if (argc == 2 && strcmp(argv[1], "second_chance") == 0)
        return second_chance();
    if (argc == 2 && strcmp(argv[1], "kill_suspended") == 0)
        return kill_suspended();
    if (argc == 2 && strcmp(argv[1], "suspend_hold") == 0)
        return suspend_hold();
    if (argc == 2 && strcmp(argv[1], "suspend_blocked") == 0)
        return suspend_blocked();
    printf("usage: exceptions victim KIND | catch handled|try_next | step | order | errors | suspend | "
           "starting | exit_holding | maps | hw | race | racer | kill_parked | second_chance | "
           "kill_suspended | suspend_hold | suspend_blocked | fpu | thread_channel | suspend_in_exception\n");
    return 2;
}
