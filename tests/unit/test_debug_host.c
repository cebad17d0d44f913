/* test_debug_host.c: the debug core's side of a host debugger (the gdb stub): the exception hook that sees
 * every exception first, holds without tokens, and when a thread counts as stopped. */
#include <errno.h>
#include <pthread.h>
#include <string.h>

#include <criterion/criterion.h>

#include <zircon/errors.h>
#include <zircon/syscalls/exception.h>
#include <zircon/syscalls/object.h>

#include "debug/debug.h"
#include "object/process.h"
#include "object/thread.h"

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t changed = PTHREAD_COND_INITIALIZER;
static struct objects objs;
static struct process proc;
static int kicks, hook_calls;
static uint32_t hook_type;
static enum debug_verdict hook_answer;

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

static int never_wait(void *host)
{
    (void)host;
    cr_assert_fail("nothing should wait");
    return -EINTR;
}

static enum debug_verdict hook(void *ctx, struct thread *t, uint32_t type, const struct debug_host *h)
{
    (void)h;
    cr_assert_eq(ctx, &objs);
    cr_assert(t->in_exception, "the thread is in its exception while the host debugger looks");
    hook_calls++;
    hook_type = type;
    return hook_answer;
}

static const struct debug_host_debugger host_debugger = {.exception = hook, .ctx = &objs};
static const struct debug_host wait_never = {never_wait, NULL};

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
    kicks = hook_calls = 0;
    hook_answer = DEBUG_KILL;
}

static void teardown(void)
{
    objects_destroy(&objs);
}

TestSuite(debug_host, .init = setup, .fini = teardown);

static enum debug_verdict raise_exception(uint32_t type)
{
    zx_exception_report_t report = {.header = {.size = sizeof(report), .type = type}};
    return debug_exception(&objs, &proc.thread, type, &report, &wait_never);
}

Test(debug_host, without_a_host_debugger_the_chain_alone_decides)
{
    cr_assert_eq(raise_exception(ZX_EXCP_SW_BREAKPOINT), DEBUG_KILL);
    cr_assert_eq(hook_calls, 0);
}

Test(debug_host, host_debugger_consumes_an_exception_before_any_channel)
{
    struct channel *c;
    cr_assert_eq(exceptionate_bind(&objs, &proc.debug_exceptionate, ZX_DEFAULT_THREAD_RIGHTS,
                                   ZX_DEFAULT_PROCESS_RIGHTS, &c),
                 ZX_OK);
    debug_set_host_debugger(&objs, &host_debugger);
    hook_answer = DEBUG_RESUME;
    cr_assert_eq(raise_exception(ZX_EXCP_SW_BREAKPOINT), DEBUG_RESUME);
    cr_assert_eq(hook_calls, 1);
    cr_assert_eq(hook_type, ZX_EXCP_SW_BREAKPOINT);
    cr_assert_null(channel_take(&objs, c), "a consumed exception never reaches a guest channel");
    cr_assert_not(proc.thread.in_exception);
    object_unref(&objs, &c->obj);
}

Test(debug_host, a_passed_exception_goes_on_to_the_guest_chain)
{
    debug_set_host_debugger(&objs, &host_debugger);
    hook_answer = DEBUG_KILL;
    cr_assert_eq(raise_exception(ZX_EXCP_UNDEFINED_INSTRUCTION), DEBUG_KILL, "nobody bound: killed");
    cr_assert_eq(hook_calls, 1);
}

Test(debug_host, host_debugger_can_stop_the_thread)
{
    debug_set_host_debugger(&objs, &host_debugger);
    hook_answer = DEBUG_STOPPED;
    cr_assert_eq(raise_exception(ZX_EXCP_GENERAL), DEBUG_STOPPED);
}

Test(debug_host, detached_host_debugger_is_not_called)
{
    debug_set_host_debugger(&objs, &host_debugger);
    debug_set_host_debugger(&objs, NULL);
    raise_exception(ZX_EXCP_SW_BREAKPOINT);
    cr_assert_eq(hook_calls, 0);
}

Test(debug_host, hold_suspends_without_a_token_and_kicks_once)
{
    cr_assert(debug_hold(&objs, &proc.thread));
    cr_assert_eq(proc.thread.suspend_count, 1);
    cr_assert_eq(kicks, 1);
    cr_assert(debug_hold(&objs, &proc.thread));
    cr_assert_eq(proc.thread.suspend_count, 2);
    cr_assert_eq(kicks, 1, "an already held thread is not kicked again");
    debug_release(&objs, &proc.thread);
    debug_release(&objs, &proc.thread);
    cr_assert_eq(proc.thread.suspend_count, 0);
    debug_release(&objs, &proc.thread);
    cr_assert_eq(proc.thread.suspend_count, 0, "a release without a hold changes nothing");
}

Test(debug_host, hold_of_a_thread_not_started_yet_does_not_kick)
{
    proc.thread.state = THREAD_NEW;
    cr_assert(debug_hold(&objs, &proc.thread));
    cr_assert_eq(kicks, 0);
}

Test(debug_host, hold_of_a_dying_or_dead_process_is_refused)
{
    proc.state = PROCESS_DYING;
    cr_assert_not(debug_hold(&objs, &proc.thread));
    proc.state = PROCESS_RUNNING;
    proc.thread.state = THREAD_DEAD;
    cr_assert_not(debug_hold(&objs, &proc.thread));
    cr_assert_eq(proc.thread.suspend_count, 0);
}

Test(debug_host, thread_stopped_when_parked_dead_or_dying)
{
    cr_assert_not(debug_thread_stopped(&proc.thread), "running");
    proc.thread.state = THREAD_NEW;
    cr_assert_not(debug_thread_stopped(&proc.thread), "not started: no registers captured yet");
    proc.thread.state = THREAD_RUNNING;
    proc.thread.suspended = true;
    cr_assert(debug_thread_stopped(&proc.thread));
    proc.thread.suspended = false;
    proc.thread.in_exception = true;
    cr_assert(debug_thread_stopped(&proc.thread));
    proc.thread.in_exception = false;
    proc.thread.state = THREAD_DEAD;
    cr_assert(debug_thread_stopped(&proc.thread));
    proc.thread.state = THREAD_RUNNING;
    proc.state = PROCESS_DYING;
    cr_assert(debug_thread_stopped(&proc.thread));
}
