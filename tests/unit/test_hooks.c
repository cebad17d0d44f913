/* test_hooks.c: the `ev` a scenario's hooks see (docs/faults.md, Hooks), for events built by hand. No KVM. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "inject/hooks.h"
#include "object/process.h"

static struct scenario scenario;
static struct rng rng;
static struct hooks *hooks;
static char log_text[4096]; /* zx.log lines, each ended by '\n' */
static char err[512];
static struct process proc;
static struct syscall_call call;

static void log_line(void *ctx, const char *text, size_t len)
{
    size_t used = strlen(log_text);
    cr_assert_lt(used + len + 1, sizeof(log_text));
    memcpy(log_text + used, text, len);
    log_text[used + len] = '\n';
    log_text[used + len + 1] = '\0';
    (void)ctx;
}

/* Loads a scenario whose table holds `hooks_text` after its program. */
static void load(const char *hooks_text)
{
    char text[2048];
    snprintf(text, sizeof(text), "return { program = {'victim'},\n%s }\n", hooks_text);
    cr_assert_eq(scenario_parse("s.lua", text, strlen(text), &scenario, err, sizeof(err)), 0, "%s", err);
    rng = rng_seeded(1);
    hooks = hooks_new(&scenario, &rng, log_line, NULL, err, sizeof(err));
    cr_assert_not_null(hooks, "%s", err);
    log_text[0] = '\0';
    proc.obj.koid = 1026;
    for (int i = 0; i < SYSCALL_MAX_ARGS; i++)
        call.arg[i] = 100 + (uint64_t)i;
}

static void unload(void)
{
    hooks_free(hooks);
    scenario_free(&scenario);
}

TestSuite(hooks, .fini = unload);

/* One syscall's two events, as the dispatcher reports them: `number` returning `ret`. */
static void syscall_pair(uint32_t number, uint64_t n, uint64_t ret)
{
    struct fault_action a;
    struct vm_event ev = {
        .kind = VM_EVENT_SYSCALL_BEFORE, .proc = &proc, .name = "victim", .call = &call, .number = number};
    cr_assert_eq(hooks_call(hooks, HOOK_ON_SYSCALL, &ev, n, &a, err, sizeof(err)), 0, "%s", err);
    ev.kind = VM_EVENT_SYSCALL_AFTER;
    ev.ret = ret;
    cr_assert_eq(hooks_call(hooks, HOOK_ON_SYSCALL, &ev, n, &a, err, sizeof(err)), 0, "%s", err);
}

#define SHOW_SYSCALL                                                                                         \
    "function(ev) zx.log(ev.when, ev.process, ev.koid, ev.syscall, ev.number, ev.n, #ev.args, ev.args[1], "  \
    "ev.args[8], ev.status, ev.actual) end"

Test(hooks, on_syscall_sees_the_call_before_and_after_it)
{
    load("on_syscall = " SHOW_SYSCALL);
    cr_assert(hooks_has(hooks, HOOK_ON_SYSCALL));
    cr_assert_not(hooks_has(hooks, HOOK_ON_EXIT));
    syscall_pair(1, 3, (uint64_t)-11); /* zx_handle_close, ZX_ERR_BAD_HANDLE */
    cr_assert_str_eq(log_text, "before\tvictim\t1026\tzx_handle_close\t1\t3\t8\t100\t107\tnil\tnil\n"
                               "after\tvictim\t1026\tzx_handle_close\t1\t3\t8\t100\t107\t-11\tnil\n");
}

Test(hooks, a_number_the_abi_lacks_is_named_unknown)
{
    load("on_syscall = " SHOW_SYSCALL);
    syscall_pair(9999, 1, (uint64_t)-2);
    cr_assert_str_eq(log_text, "before\tvictim\t1026\tunknown\t9999\t1\t8\t100\t107\tnil\tnil\n"
                               "after\tvictim\t1026\tunknown\t9999\t1\t8\t100\t107\t-2\tnil\n");
}

Test(hooks, ev_is_one_table_refilled_whatever_the_hook_did_to_it)
{
    load("on_syscall = function(ev)\n"
         "  first = first or ev\n"
         "  zx.log(rawequal(first, ev), ev.when, ev.syscall, ev.process, ev.args and ev.args[2], ev.status)\n"
         "  ev.syscall, ev.process, ev.status = 'x', nil, 'y'\n"
         "  ev.args[2] = 'junk'\n"
         "  ev.args = nil\n"
         "end");
    syscall_pair(1, 1, 0);
    syscall_pair(1, 2, 0);
    cr_assert_str_eq(log_text, "true\tbefore\tzx_handle_close\tvictim\t101\tnil\n"
                               "true\tafter\tzx_handle_close\tvictim\t101\t0\n"
                               "true\tbefore\tzx_handle_close\tvictim\t101\tnil\n"
                               "true\tafter\tzx_handle_close\tvictim\t101\t0\n");
}

Test(hooks, a_metatable_on_ev_is_not_consulted_when_ev_is_refilled)
{
    /* The refill runs outside the hook's instruction budget: a __newindex must not run there. */
    load("on_syscall = function(ev)\n"
         "  zx.log(ev.when, ev.status)\n"
         "  setmetatable(ev, { __newindex = function(t, k, v) zx.log('newindex', k) end })\n"
         "  rawset(ev, 'process', nil)\n"
         "end");
    syscall_pair(1, 1, (uint64_t)-11);
    cr_assert_str_eq(log_text, "before\tnil\nafter\t-11\n");
}

Test(hooks, on_exception_and_on_exit_see_their_fields)
{
    load("on_exception = function(ev) zx.log(ev.process, ev.koid, ev.vector, ev.rip, ev.cr2) end,\n"
         "on_exit = function(ev) zx.log(ev.process, ev.koid, ev.code, ev['end']) end");
    struct fault_action a;
    struct vm_event exc = {.kind = VM_EVENT_EXCEPTION,
                           .proc = &proc,
                           .name = "victim",
                           .vector = 14,
                           .rip = 0x20001000,
                           .cr2 = 0x10};
    cr_assert_eq(hooks_call(hooks, HOOK_ON_EXCEPTION, &exc, 0, &a, err, sizeof(err)), 0, "%s", err);
    struct vm_event exit = {
        .kind = VM_EVENT_EXIT, .proc = &proc, .name = "victim", .end = PROCESS_END_EXIT, .code = -3};
    cr_assert_eq(hooks_call(hooks, HOOK_ON_EXIT, &exit, 0, &a, err, sizeof(err)), 0, "%s", err);
    cr_assert_str_eq(log_text, "victim\t1026\t14\t536875008\t16\n"
                               "victim\t1026\t-3\texit\n");
}

Test(hooks, an_action_a_hook_returns_is_read)
{
    load("on_syscall = function(ev) if ev.when == 'before' then return { fail = zx.ZX_ERR_NO_MEMORY } end "
         "end");
    struct fault_action a;
    struct vm_event ev = {
        .kind = VM_EVENT_SYSCALL_BEFORE, .proc = &proc, .name = "victim", .call = &call, .number = 1};
    cr_assert_eq(hooks_call(hooks, HOOK_ON_SYSCALL, &ev, 1, &a, err, sizeof(err)), 1, "%s", err);
    cr_assert_eq(a.kind, ACTION_FAIL);
    cr_assert_eq(a.status, -4);
}
