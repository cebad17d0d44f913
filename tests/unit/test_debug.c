/* test_debug.c: the debug core without KVM: the handler chain, channels, exceptions, suspension, thread
 * state. */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include <zircon/errors.h>
#include <zircon/syscalls/debug.h>
#include <zircon/syscalls/exception.h>
#include <zircon/syscalls/object.h>

#include "cli/cli.h"
#include "debug/debug.h"
#include "object/process.h"
#include "object/thread.h"
#include "x86_64/cpu.h"

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t changed = PTHREAD_COND_INITIALIZER;
static struct objects objs;
static struct process proc;
static int kicks;

static void fake_stop(void *host, struct process *p)
{
    (void)host;
    (void)p;
}

static void fake_kick(void *host, struct process *p)
{
    (void)host;
    (void)p;
    kicks++;
}

/* A process with its thread, built by hand (no address space), in a fresh object set. */
static void setup(void)
{
    objects_init(&objs, &lock, &changed, NULL);
    objs.stop_process = fake_stop;
    objs.kick_process = fake_kick;
    memset(&proc, 0, sizeof(proc));
    proc.obj = (struct object){.type = ZX_OBJ_TYPE_PROCESS, .koid = objects_new_koid(&objs)};
    proc.job = &objs.root_job;
    proc.state = PROCESS_RUNNING;
    thread_init(&proc.thread, &objs, &proc);
    proc.thread.state = THREAD_RUNNING;
    exceptionate_init(&proc.exceptionate, ZX_EXCEPTION_CHANNEL_TYPE_PROCESS);
    exceptionate_init(&proc.debug_exceptionate, ZX_EXCEPTION_CHANNEL_TYPE_DEBUGGER);
    kicks = 0;
}

static void teardown(void)
{
    objects_destroy(&objs);
}

/* The "debugger" the fake wait plays: what it does with each message it finds. */
struct script {
    struct channel *channels[5]; /* looked at in this order */
    uint32_t answer[8];          /* ZX_EXCEPTION_STATE_* per message, in arrival order */
    uint32_t strategy[8];        /* set before closing when non-zero */
    uint32_t seen_type[8];       /* the channel type each message came through */
    int nseen;
    int stop_at; /* return -EINTR at this wait (-1: never) */
    int waits;
};

static struct script sc;

static int fake_wait(void *host)
{
    (void)host;
    if (sc.waits++ == sc.stop_at)
        return -EINTR;
    for (size_t i = 0; i < 5; i++) {
        struct channel *c = sc.channels[i];
        struct channel_message *m = c ? channel_take(&objs, c) : NULL;
        if (!m)
            continue;
        struct exception *x = m->exception;
        int n = sc.nseen++;
        sc.seen_type[n] = x->channel_type;
        x->state = sc.answer[n];
        if (sc.strategy[n])
            x->strategy = sc.strategy[n];
        object_unref(&objs, &x->obj);
        free(m);
        return 0;
    }
    return 0;
}

static const struct debug_host script_host = {fake_wait, NULL};

static struct channel *bind(struct exceptionate *e)
{
    struct channel *c = NULL;
    cr_assert_eq(exceptionate_bind(&objs, e, ZX_DEFAULT_THREAD_RIGHTS, ZX_DEFAULT_PROCESS_RIGHTS, &c), ZX_OK);
    return c;
}

static enum debug_verdict raise(uint32_t type)
{
    zx_exception_report_t r = {.header = {.size = sizeof(r), .type = type}};
    return debug_exception(&objs, &proc.thread, type, &r, &script_host);
}

TestSuite(debug, .init = setup, .fini = teardown);

Test(debug, vectors_map_to_zircon_exception_types)
{
    cr_assert_eq(debug_exception_type(X86_VEC_BP), ZX_EXCP_SW_BREAKPOINT);
    cr_assert_eq(debug_exception_type(X86_VEC_DB), ZX_EXCP_HW_BREAKPOINT);
    cr_assert_eq(debug_exception_type(X86_VEC_UD), ZX_EXCP_UNDEFINED_INSTRUCTION);
    cr_assert_eq(debug_exception_type(X86_VEC_PF), ZX_EXCP_FATAL_PAGE_FAULT);
    cr_assert_eq(debug_exception_type(X86_VEC_GP), ZX_EXCP_GENERAL);
    cr_assert_eq(debug_exception_type(X86_VEC_DE), ZX_EXCP_GENERAL);
    cr_assert_eq(debug_exception_type(X86_VEC_AC), ZX_EXCP_GENERAL);
}

Test(debug, unhandled_exception_kills_without_waiting)
{
    sc = (struct script){.stop_at = -1};
    cr_assert_eq(raise(ZX_EXCP_SW_BREAKPOINT), DEBUG_KILL);
    cr_assert_eq(sc.waits, 0);
    cr_assert_not(proc.thread.in_exception);
}

Test(debug, handler_order_is_debugger_thread_process_job)
{
    sc = (struct script){.stop_at = -1};
    /* Listed in the reverse order, so the order seen is the core's, not the script's. */
    sc.channels[0] = bind(&objs.root_job.exceptionate);
    sc.channels[1] = bind(&proc.exceptionate);
    sc.channels[2] = bind(&proc.thread.exceptionate);
    sc.channels[3] = bind(&proc.debug_exceptionate);
    cr_assert_eq(raise(ZX_EXCP_GENERAL), DEBUG_KILL, "every handler said TRY_NEXT");
    cr_assert_eq(sc.nseen, 4);
    cr_assert_eq(sc.seen_type[0], ZX_EXCEPTION_CHANNEL_TYPE_DEBUGGER);
    cr_assert_eq(sc.seen_type[1], ZX_EXCEPTION_CHANNEL_TYPE_THREAD);
    cr_assert_eq(sc.seen_type[2], ZX_EXCEPTION_CHANNEL_TYPE_PROCESS);
    cr_assert_eq(sc.seen_type[3], ZX_EXCEPTION_CHANNEL_TYPE_JOB);
}

Test(debug, handled_resumes_and_later_handlers_never_see_it)
{
    sc = (struct script){.stop_at = -1};
    sc.channels[0] = bind(&proc.exceptionate);
    sc.channels[1] = bind(&objs.root_job.exceptionate);
    sc.answer[0] = ZX_EXCEPTION_STATE_HANDLED;
    cr_assert_eq(raise(ZX_EXCP_SW_BREAKPOINT), DEBUG_RESUME);
    cr_assert_eq(sc.nseen, 1);
    cr_assert_null(sc.channels[1]->head, "the job channel got nothing");
}

Test(debug, try_next_reaches_a_second_handler)
{
    sc = (struct script){.stop_at = -1};
    sc.channels[0] = bind(&proc.exceptionate);
    sc.channels[1] = bind(&objs.root_job.exceptionate);
    sc.answer[0] = ZX_EXCEPTION_STATE_TRY_NEXT;
    sc.answer[1] = ZX_EXCEPTION_STATE_HANDLED;
    cr_assert_eq(raise(ZX_EXCP_SW_BREAKPOINT), DEBUG_RESUME);
    cr_assert_eq(sc.nseen, 2);
    cr_assert_eq(sc.seen_type[1], ZX_EXCEPTION_CHANNEL_TYPE_JOB);
}

Test(debug, second_chance_debugger_sees_it_again_after_the_process)
{
    sc = (struct script){.stop_at = -1};
    sc.channels[0] = bind(&proc.debug_exceptionate);
    sc.channels[1] = bind(&proc.exceptionate);
    sc.strategy[0] = ZX_EXCEPTION_STRATEGY_SECOND_CHANCE;
    sc.answer[2] = ZX_EXCEPTION_STATE_HANDLED;
    cr_assert_eq(raise(ZX_EXCP_GENERAL), DEBUG_RESUME);
    cr_assert_eq(sc.nseen, 3);
    cr_assert_eq(sc.seen_type[0], ZX_EXCEPTION_CHANNEL_TYPE_DEBUGGER);
    cr_assert_eq(sc.seen_type[1], ZX_EXCEPTION_CHANNEL_TYPE_PROCESS);
    cr_assert_eq(sc.seen_type[2], ZX_EXCEPTION_CHANNEL_TYPE_DEBUGGER);
}

Test(debug, thread_exit_state_ends_the_thread)
{
    sc = (struct script){.stop_at = -1};
    sc.channels[0] = bind(&proc.exceptionate);
    sc.answer[0] = ZX_EXCEPTION_STATE_THREAD_EXIT;
    cr_assert_eq(raise(ZX_EXCP_GENERAL), DEBUG_EXIT_THREAD);
}

Test(debug, closing_the_channel_with_an_unread_exception_passes_it_on)
{
    struct channel *c = bind(&proc.exceptionate);
    cr_assert(exceptionate_send(&objs, &proc.exceptionate, &proc.thread, ZX_EXCP_GENERAL));
    cr_assert_not_null(proc.thread.exception);
    cr_assert(c->obj.signals & ZX_CHANNEL_READABLE);
    object_unref(&objs, &c->obj);
    cr_assert_null(proc.thread.exception, "the exception closed with the channel");
    cr_assert_eq(proc.thread.exception_result, ZX_EXCEPTION_STATE_TRY_NEXT);
    cr_assert_null(proc.exceptionate.channel, "unbound");
    struct channel *again = bind(&proc.exceptionate);
    cr_assert_not_null(again, "a new channel can bind");
}

Test(debug, killed_while_waiting_stops_and_detaches_the_exception)
{
    sc = (struct script){.stop_at = 0};
    struct channel *c = bind(&proc.exceptionate);
    cr_assert_eq(raise(ZX_EXCP_SW_BREAKPOINT), DEBUG_STOPPED);
    struct channel_message *m = channel_take(&objs, c);
    cr_assert_not_null(m);
    cr_assert_null(m->exception->thread, "no thread waits on it any more");
    cr_assert_eq(m->exception->task, &proc.thread, "it still names its thread");
    object_unref(&objs, &m->exception->obj); /* a late close is harmless */
    free(m);
    cr_assert_null(proc.thread.exception);
}

Test(debug, a_second_channel_of_the_same_kind_is_already_bound)
{
    struct channel *c = NULL;
    bind(&proc.debug_exceptionate);
    cr_assert_eq(exceptionate_bind(&objs, &proc.debug_exceptionate, 0, 0, &c), ZX_ERR_ALREADY_BOUND);
    cr_assert_eq(exceptionate_bind(&objs, &proc.exceptionate, 0, 0, &c), ZX_OK, "other kinds are separate");
}

Test(debug, a_dead_task_cannot_bind_and_its_channel_sees_peer_closed)
{
    struct channel *c = bind(&proc.exceptionate);
    exceptionate_shutdown(&objs, &proc.exceptionate);
    cr_assert(c->obj.signals & ZX_CHANNEL_PEER_CLOSED);
    cr_assert_null(c->owner);
    struct channel *d = NULL;
    cr_assert_eq(exceptionate_bind(&objs, &proc.exceptionate, 0, 0, &d), ZX_ERR_BAD_STATE);
    object_unref(&objs, &c->obj);
}

Test(debug, channel_readable_follows_the_queue)
{
    struct channel *c = bind(&objs.root_job.exceptionate);
    cr_assert_not(c->obj.signals & ZX_CHANNEL_READABLE);
    exceptionate_send(&objs, &objs.root_job.exceptionate, &proc.thread, ZX_EXCP_GENERAL);
    cr_assert(c->obj.signals & ZX_CHANNEL_READABLE);
    struct channel_message *m = channel_take(&objs, c);
    cr_assert_eq(m->info.pid, proc.obj.koid);
    cr_assert_eq(m->info.tid, proc.thread.obj.koid);
    cr_assert_eq(m->info.type, ZX_EXCP_GENERAL);
    cr_assert_not(c->obj.signals & ZX_CHANNEL_READABLE);
    object_unref(&objs, &m->exception->obj);
    free(m);
}

Test(debug, synthetic_exception_goes_to_one_channel_and_resumes_whatever_the_state)
{
    sc = (struct script){.stop_at = -1};
    sc.channels[0] = bind(&proc.debug_exceptionate);
    sc.channels[1] = bind(&proc.exceptionate);
    cr_assert_eq(
        debug_synthetic(&objs, &proc.thread, &proc.debug_exceptionate, ZX_EXCP_THREAD_STARTING, &script_host),
        DEBUG_RESUME);
    cr_assert_eq(sc.nseen, 1);
    cr_assert_eq(sc.seen_type[0], ZX_EXCEPTION_CHANNEL_TYPE_DEBUGGER);
}

Test(debug, synthetic_exception_without_a_debugger_is_not_sent)
{
    sc = (struct script){.stop_at = -1};
    cr_assert_eq(
        debug_synthetic(&objs, &proc.thread, &proc.debug_exceptionate, ZX_EXCP_THREAD_EXITING, &script_host),
        DEBUG_RESUME);
    cr_assert_eq(sc.waits, 0);
}

Test(debug, spawn_stopped_waits_for_a_debugger_then_reports_thread_starting)
{
    sc = (struct script){.stop_at = 5};
    proc.spawn_stopped = true;
    cr_assert_eq(debug_thread_starting(&objs, &proc.thread, &script_host), DEBUG_STOPPED,
                 "no debugger: held until stopped");
    sc = (struct script){.stop_at = -1};
    sc.channels[0] = bind(&proc.debug_exceptionate);
    cr_assert_eq(debug_thread_starting(&objs, &proc.thread, &script_host), DEBUG_RESUME);
    cr_assert_eq(sc.nseen, 1);
}

Test(debug, suspension_nests_and_the_last_token_resumes)
{
    struct suspend_token *a, *b;
    cr_assert_eq(debug_suspend(&objs, &proc.thread, &a), ZX_OK);
    cr_assert_eq(kicks, 1, "the first token stops the vCPU");
    cr_assert_eq(debug_suspend(&objs, &proc.thread, &b), ZX_OK);
    cr_assert_eq(kicks, 1, "a nested one need not");
    cr_assert_eq(proc.thread.suspend_count, 2);
    object_unref(&objs, &a->obj);
    cr_assert_eq(proc.thread.suspend_count, 1);
    object_unref(&objs, &b->obj);
    cr_assert_eq(proc.thread.suspend_count, 0);
}

static struct suspend_token *token_to_close;

static int close_token_wait(void *host)
{
    (void)host;
    cr_assert(proc.thread.obj.signals & ZX_THREAD_SUSPENDED, "SUSPENDED rises while parked");
    cr_assert_eq(thread_info_state(&proc.thread), ZX_THREAD_STATE_SUSPENDED);
    object_unref(&objs, &token_to_close->obj);
    return 0;
}

Test(debug, a_parked_thread_resumes_when_its_token_closes)
{
    cr_assert_eq(debug_suspend(&objs, &proc.thread, &token_to_close), ZX_OK);
    struct debug_host h = {close_token_wait, NULL};
    cr_assert_eq(debug_park_suspended(&objs, &proc.thread, &h), DEBUG_RESUME);
    cr_assert_not(proc.thread.obj.signals & ZX_THREAD_SUSPENDED);
    cr_assert(proc.thread.obj.signals & ZX_THREAD_RUNNING);
    cr_assert_eq(thread_info_state(&proc.thread), ZX_THREAD_STATE_RUNNING);
}

Test(debug, a_dying_process_cannot_be_suspended)
{
    struct suspend_token *t;
    proc.state = PROCESS_DYING;
    cr_assert_eq(debug_suspend(&objs, &proc.thread, &t), ZX_ERR_BAD_STATE);
}

Test(debug, state_sizes_and_unsupported_kinds)
{
    cr_assert_eq(debug_state_size(ZX_THREAD_STATE_GENERAL_REGS), 160);
    cr_assert_eq(debug_state_size(ZX_THREAD_STATE_DEBUG_REGS), 48);
    cr_assert_eq(debug_state_size(ZX_THREAD_STATE_SINGLE_STEP), 4);
    cr_assert_eq(debug_state_size(ZX_THREAD_STATE_FP_REGS), 160);
    cr_assert_eq(debug_state_size(ZX_THREAD_STATE_VECTOR_REGS), 2120);
    cr_assert_eq(debug_state_size(ZX_THREAD_X86_REGISTER_FS), 0);
    cr_assert_eq(debug_state_size(99), 0);
}

Test(debug, written_rip_must_be_a_canonical_user_address)
{
    zx_thread_state_general_regs_t r = {.rip = 0x20001000};
    cr_assert_eq(debug_write_state(&proc.thread, ZX_THREAD_STATE_GENERAL_REGS, &r), ZX_OK);
    r.rip = 0xffffffff80000000ULL;
    cr_assert_eq(debug_write_state(&proc.thread, ZX_THREAD_STATE_GENERAL_REGS, &r), ZX_ERR_INVALID_ARGS);
    r.rip = 0x0000800000000000ULL;
    cr_assert_eq(debug_write_state(&proc.thread, ZX_THREAD_STATE_GENERAL_REGS, &r), ZX_ERR_INVALID_ARGS);
    r.rip = 0x1000;
    r.fs_base = 0x8000000000000000ULL;
    cr_assert_eq(debug_write_state(&proc.thread, ZX_THREAD_STATE_GENERAL_REGS, &r), ZX_ERR_INVALID_ARGS);
    cr_assert_eq(proc.thread.regs.rip, 0x20001000, "a rejected write changes nothing");
}

Test(debug, only_user_rflags_bits_are_taken)
{
    proc.thread.regs.rflags = X86_RFLAGS_FIXED;
    zx_thread_state_general_regs_t r = {.rip = 0x1000, .rflags = ~0ULL};
    cr_assert_eq(debug_write_state(&proc.thread, ZX_THREAD_STATE_GENERAL_REGS, &r), ZX_OK);
    cr_assert_eq(proc.thread.regs.rflags, X86_RFLAGS_FIXED | X86_RFLAGS_USER);
    cr_assert_not(proc.thread.regs.rflags & X86_RFLAGS_IF);
    cr_assert_not(proc.thread.regs.rflags & X86_RFLAGS_IOPL_MASK);
}

Test(debug, single_step_sets_and_clears_the_trap_flag)
{
    zx_thread_state_single_step_t on = 1, off = 0, bad = 2, got = 7;
    cr_assert_eq(debug_write_state(&proc.thread, ZX_THREAD_STATE_SINGLE_STEP, &on), ZX_OK);
    cr_assert(proc.thread.regs.rflags & X86_RFLAGS_TF);
    debug_read_state(&proc.thread, ZX_THREAD_STATE_SINGLE_STEP, &got);
    cr_assert_eq(got, 1);
    cr_assert_eq(debug_write_state(&proc.thread, ZX_THREAD_STATE_SINGLE_STEP, &bad), ZX_ERR_INVALID_ARGS);
    cr_assert_eq(debug_write_state(&proc.thread, ZX_THREAD_STATE_SINGLE_STEP, &off), ZX_OK);
    cr_assert_not(proc.thread.regs.rflags & X86_RFLAGS_TF);
}

Test(debug, debug_registers_read_their_reset_values_and_writes_are_not_supported_here)
{
    zx_thread_state_debug_regs_t d;
    debug_read_state(&proc.thread, ZX_THREAD_STATE_DEBUG_REGS, &d);
    cr_assert_eq(d.dr6, X86_DR6_INIT);
    cr_assert_eq(d.dr7, X86_DR7_INIT);
    cr_assert_eq(debug_write_state(&proc.thread, ZX_THREAD_STATE_DEBUG_REGS, &d), ZX_ERR_NOT_SUPPORTED);
}

Test(debug, debug_register_addresses_must_be_user_addresses_before_anything_else)
{
    zx_thread_state_debug_regs_t d = {.dr = {0x20001000, 0, 0, 0xffff800000001000ULL}, .dr7 = 0x1};
    cr_assert_eq(debug_set_debug_regs(&proc.thread, &d), ZX_ERR_INVALID_ARGS);
    d.dr[3] = 0;
    d.dr[1] = 0x1000; /* below the user range */
    cr_assert_eq(debug_set_debug_regs(&proc.thread, &d), ZX_ERR_INVALID_ARGS);
    d.dr[1] = 0x8000000000000000ULL; /* non-canonical */
    cr_assert_eq(debug_set_debug_regs(&proc.thread, &d), ZX_ERR_INVALID_ARGS);
    d.dr[1] = 0; /* zero means unused and is always accepted */
    cr_assert_eq(debug_set_debug_regs(&proc.thread, &d),
                 DEBUG_HW_BREAKPOINTS_DELIVERED ? ZX_OK : ZX_ERR_NOT_SUPPORTED);
}

Test(debug, hardware_slots_are_checked_for_slot_address_length_and_alignment)
{
    cr_assert_eq(debug_hw_slot_set(&proc.thread, 4, 0x20001000, DEBUG_HW_EXECUTE, 1), ZX_ERR_INVALID_ARGS);
    cr_assert_eq(debug_hw_slot_set(&proc.thread, 0, 0xffff800000000000ULL, DEBUG_HW_WRITE, 8),
                 ZX_ERR_INVALID_ARGS);
    cr_assert_eq(debug_hw_slot_set(&proc.thread, 0, 0x20001000, DEBUG_HW_WRITE, 3), ZX_ERR_INVALID_ARGS);
    cr_assert_eq(debug_hw_slot_set(&proc.thread, 0, 0x20001002, DEBUG_HW_WRITE, 4), ZX_ERR_INVALID_ARGS);
    cr_assert_eq(debug_hw_slot_set(&proc.thread, 0, 0x20001000, DEBUG_HW_EXECUTE, 2), ZX_ERR_INVALID_ARGS);
    cr_assert_eq(debug_hw_slot_set(&proc.thread, 1, 0x20001008, DEBUG_HW_ACCESS, 8),
                 DEBUG_HW_BREAKPOINTS_DELIVERED ? ZX_OK : ZX_ERR_NOT_SUPPORTED);
    if (!DEBUG_HW_BREAKPOINTS_DELIVERED) {
        cr_assert_eq(proc.thread.debug_regs.dr7, X86_DR7_INIT, "nothing armed");
        cr_assert_not(proc.thread.debug_regs_dirty);
    }
}

Test(debug, dr6_after_a_debug_exception_is_kept_and_reloaded)
{
    debug_note_dr6(&proc.thread, 0xffff4ff0ULL);
    zx_thread_state_debug_regs_t d;
    debug_read_state(&proc.thread, ZX_THREAD_STATE_DEBUG_REGS, &d);
    cr_assert_eq(d.dr6, 0xffff4ff0ULL);
    cr_assert(proc.thread.debug_regs_dirty, "the resume resets the hardware's DR6");
}

Test(debug, cli_spawn_stopped_marks_its_program)
{
    char *argv[] = {"zxvmm", "run", "--spawn", "a x", "--spawn-stopped", "b y z", "main", NULL};
    struct cli_options o;
    char err[128];
    cr_assert_eq(cli_parse(7, argv, &o, err, sizeof(err)), 0, "%s", err);
    cr_assert_eq(o.nspawn, 2);
    cr_assert_not(o.spawn[0].stopped);
    cr_assert(o.spawn[1].stopped);
    cr_assert_eq(o.spawn[1].argc, 3);
    cr_assert_str_eq(o.spawn[1].argv[0], "b");
    cli_options_free(&o);
}

Test(debug, vector_writes_take_xmm_and_a_valid_mxcsr_only)
{
    static zx_thread_state_vector_regs_t v;
    v.zmm[3].v[0] = 0x1122334455667788ULL;
    v.zmm[3].v[2] = 0x99; /* YMM: no such state here */
    v.zmm[20].v[0] = 0x77;
    v.mxcsr = 0x10000; /* a reserved bit */
    cr_assert_eq(debug_write_state(&proc.thread, ZX_THREAD_STATE_VECTOR_REGS, &v), ZX_ERR_INVALID_ARGS);
    cr_assert_not(proc.thread.fpu_dirty, "nothing changed");
    v.mxcsr = 0x1f80;
    cr_assert_eq(debug_write_state(&proc.thread, ZX_THREAD_STATE_VECTOR_REGS, &v), ZX_OK);
    static zx_thread_state_vector_regs_t back;
    debug_read_state(&proc.thread, ZX_THREAD_STATE_VECTOR_REGS, &back);
    cr_assert_eq(back.zmm[3].v[0], 0x1122334455667788ULL);
    cr_assert_eq(back.zmm[3].v[2], 0);
    cr_assert_eq(back.zmm[20].v[0], 0);
    cr_assert_eq(back.mxcsr, 0x1f80);
    cr_assert(proc.thread.fpu_dirty, "loaded at the next resume");
}

Test(debug, fp_writes_are_kept_for_the_resume)
{
    zx_thread_state_fp_regs_t f = {.fcw = 0x37f, .fsw = 0, .ftw = 0x1};
    f.st[0].low = 0x8000000000000000ULL;
    f.st[0].high = 0x3fff; /* 1.0 */
    cr_assert_eq(debug_write_state(&proc.thread, ZX_THREAD_STATE_FP_REGS, &f), ZX_OK);
    zx_thread_state_fp_regs_t back;
    debug_read_state(&proc.thread, ZX_THREAD_STATE_FP_REGS, &back);
    cr_assert_eq(memcmp(&back, &f, sizeof(f)), 0);
    cr_assert(proc.thread.fpu_dirty);
}
