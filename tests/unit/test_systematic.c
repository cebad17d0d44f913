/* test_systematic.c: campaign --systematic without KVM: the documented error table against the docs pages,
 * the space from a list of calls (narrowed, capped), the calls read from a trace, and the `systematic` key.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zircon/errors.h>
#include <zxvmm/abi.h>

#include "../syscall_docs.h"
#include "campaign/systematic.h"
#include "cli/cli.h"
#include "syscall/errors.h"
#include "syscall/names.h"

#define DOCS_DIR ZXVMM_SOURCE_DIR "/docs/syscalls"

Test(systematic, the_error_table_equals_what_each_docs_page_lists)
{
    int pages = 0;
    for (uint32_t number = 1; number < ZXVMM_SYSCALL_COUNT; number++) {
        const char *name = syscall_name(number);
        cr_assert_not_null(name, "syscall %u has no name", number);
        char listed[SYSCALL_DOCS_MAX_ERRORS][SYSCALL_DOCS_NAME_MAX];
        int n = syscall_docs_errors(DOCS_DIR, name, listed);
        cr_assert_geq(n, 0, "%s/%s.md cannot be read", DOCS_DIR, name);
        const zx_status_t *table;
        size_t ntable = syscall_documented_errors(number, &table);
        cr_assert_eq(ntable, (size_t)n, "%s: the table has %zu statuses, its docs page lists %d", name,
                     ntable, n);
        for (int i = 0; i < n; i++) {
            const char *in_table = syscall_status_name(table[i]);
            cr_assert_str_eq(in_table ? in_table : "?", listed[i], "%s: status %d", name, i);
        }
        pages++;
    }
    cr_assert_eq(pages, ZXVMM_SYSCALL_COUNT - 1);
}

Test(systematic, the_docs_parser_reads_the_check_order_items_only)
{
    /* zx_process_write_memory's preamble names statuses out of order; only the items count. */
    char listed[SYSCALL_DOCS_MAX_ERRORS][SYSCALL_DOCS_NAME_MAX];
    int n = syscall_docs_errors(DOCS_DIR, "zx_process_write_memory", listed);
    cr_assert_eq(n, 7);
    cr_assert_str_eq(listed[0], "ZX_ERR_NOT_SUPPORTED");
    cr_assert_str_eq(listed[1], "ZX_ERR_INVALID_ARGS");
    cr_assert_str_eq(listed[6], "ZX_ERR_NO_MEMORY");
    /* zx_task_suspend is the older name of zx_task_suspend_token. */
    cr_assert_eq(syscall_docs_errors(DOCS_DIR, "zx_task_suspend", listed), 7);
    cr_assert_eq(syscall_docs_errors(DOCS_DIR, "zx_process_exit", listed), 0);
}

Test(systematic, calls_that_cannot_fail_or_never_return_have_no_statuses)
{
    const char *none[] = {"zx_process_exit", "zx_nanosleep", "zx_clock_get_monotonic", "zx_deadline_after",
                          "zx_system_get_page_size"};
    for (size_t i = 0; i < sizeof(none) / sizeof(none[0]); i++) {
        const zx_status_t *list = (const zx_status_t *)1;
        cr_assert_eq(syscall_documented_errors(syscall_number(none[i]), &list), 0, "%s", none[i]);
        cr_assert_null(list);
    }
    const zx_status_t *list;
    cr_assert_eq(syscall_documented_errors(0, &list), 0);
    cr_assert_eq(syscall_documented_errors(ZXVMM_SYSCALL_COUNT, &list), 0);
    cr_assert_eq(syscall_documented_errors(UINT64_MAX, &list), 0);
}

static struct systematic_call call(const char *process, const char *syscall, uint64_t k)
{
    struct systematic_call c = {.number = syscall_number(syscall), .k = k};
    snprintf(c.process, sizeof(c.process), "%s", process);
    cr_assert_neq(c.number, 0, "%s", syscall);
    return c;
}

/* A golden run's calls: two processes, calls with 0, 1, 2 and 7 documented statuses. */
static const struct systematic_call *golden_calls(size_t *n)
{
    static struct systematic_call calls[6];
    calls[0] = call("main", "zx_debug_write", 1);          /* 2 statuses */
    calls[1] = call("helper", "zx_handle_close", 1);       /* 1 */
    calls[2] = call("main", "zx_clock_get_monotonic", 1);  /* 0 */
    calls[3] = call("main", "zx_process_write_memory", 1); /* 7 */
    calls[4] = call("main", "zx_debug_write", 2);          /* 2 */
    calls[5] = call("main", "zx_process_exit", 1);         /* 0 */
    *n = 6;
    return calls;
}

/* Asserts that run i of `s` fails call (process, syscall, k) with `status`. */
static void assert_run(const struct systematic_space *s, uint64_t i, const char *process, const char *syscall,
                       uint64_t k, zx_status_t status)
{
    cr_assert_lt(i, s->n);
    const struct systematic_run *r = &s->runs[i];
    cr_assert_str_eq(r->call.process, process, "run %lu", (unsigned long)i);
    cr_assert_str_eq(syscall_name(r->call.number), syscall, "run %lu", (unsigned long)i);
    cr_assert_eq(r->call.k, k, "run %lu", (unsigned long)i);
    cr_assert_eq(r->status, status, "run %lu: %s", (unsigned long)i, syscall_status_name(r->status));
}

Test(systematic, the_space_is_each_call_times_its_statuses_in_trace_then_docs_order)
{
    size_t n;
    const struct systematic_call *calls = golden_calls(&n);
    struct systematic_space s;
    cr_assert_eq(systematic_space_make(calls, n, NULL, 0, &s), 0);
    cr_assert_eq(s.n, 2 + 1 + 7 + 2);
    cr_assert_eq(s.total, s.n);
    cr_assert_eq(s.ncalls, 4);
    assert_run(&s, 0, "main", "zx_debug_write", 1, ZX_ERR_NOT_SUPPORTED);
    assert_run(&s, 1, "main", "zx_debug_write", 1, ZX_ERR_INVALID_ARGS);
    assert_run(&s, 2, "helper", "zx_handle_close", 1, ZX_ERR_BAD_HANDLE);
    assert_run(&s, 3, "main", "zx_process_write_memory", 1, ZX_ERR_NOT_SUPPORTED);
    assert_run(&s, 9, "main", "zx_process_write_memory", 1, ZX_ERR_NO_MEMORY);
    assert_run(&s, 10, "main", "zx_debug_write", 2, ZX_ERR_NOT_SUPPORTED);
    assert_run(&s, 11, "main", "zx_debug_write", 2, ZX_ERR_INVALID_ARGS);
    /* Every (call, status) pair once. */
    for (uint64_t i = 0; i < s.n; i++)
        for (uint64_t j = 0; j < i; j++)
            cr_assert(s.runs[i].call.number != s.runs[j].call.number ||
                          s.runs[i].call.k != s.runs[j].call.k ||
                          strcmp(s.runs[i].call.process, s.runs[j].call.process) != 0 ||
                          s.runs[i].status != s.runs[j].status,
                      "runs %lu and %lu are the same", (unsigned long)j, (unsigned long)i);
    systematic_space_free(&s);
    cr_assert_null(s.runs);
}

Test(systematic, the_scenario_narrows_by_process_and_syscalls)
{
    size_t n;
    const struct systematic_call *calls = golden_calls(&n);
    struct systematic_space s;
    struct scenario_systematic only_helper = {.process = "helper"};
    cr_assert_eq(systematic_space_make(calls, n, &only_helper, 0, &s), 0);
    cr_assert_eq(s.n, 1);
    assert_run(&s, 0, "helper", "zx_handle_close", 1, ZX_ERR_BAD_HANDLE);
    systematic_space_free(&s);

    struct scenario_systematic writes = {.syscalls = {syscall_number("zx_debug_write")}, .nsyscalls = 1};
    cr_assert_eq(systematic_space_make(calls, n, &writes, 0, &s), 0);
    cr_assert_eq(s.n, 4);
    cr_assert_eq(s.ncalls, 2);
    assert_run(&s, 2, "main", "zx_debug_write", 2, ZX_ERR_NOT_SUPPORTED);
    systematic_space_free(&s);

    struct scenario_systematic both = {
        .process = "helper", .syscalls = {syscall_number("zx_debug_write")}, .nsyscalls = 1};
    cr_assert_eq(systematic_space_make(calls, n, &both, 0, &s), 0);
    cr_assert_eq(s.n, 0);
    cr_assert_null(s.runs);
    systematic_space_free(&s);

    struct scenario_systematic exits = {.syscalls = {syscall_number("zx_process_exit")}, .nsyscalls = 1};
    cr_assert_eq(systematic_space_make(calls, n, &exits, 0, &s), 0);
    cr_assert_eq(s.n, 0, "zx_process_exit never returns: nothing to fail");
    systematic_space_free(&s);
}

Test(systematic, runs_n_keeps_the_first_n_runs)
{
    size_t n;
    const struct systematic_call *calls = golden_calls(&n);
    struct systematic_space all, s;
    cr_assert_eq(systematic_space_make(calls, n, NULL, 0, &all), 0);
    cr_assert_eq(systematic_space_make(calls, n, NULL, 5, &s), 0);
    cr_assert_eq(s.n, 5);
    cr_assert_eq(s.total, 12);
    cr_assert_eq(s.ncalls, 3); /* debug_write 1, handle_close, and the first two of write_memory's seven */
    cr_assert_eq(memcmp(s.runs, all.runs, 5 * sizeof(*s.runs)), 0);
    systematic_space_free(&s);
    cr_assert_eq(systematic_space_make(calls, n, NULL, 1000, &s), 0);
    cr_assert_eq(s.n, 12, "a cap above the space changes nothing");
    systematic_space_free(&s);
    systematic_space_free(&all);
}

/* A trace as --trace writes it, from a string. */
static FILE *trace_of(const char *text)
{
    FILE *f = fmemopen((void *)text, strlen(text), "r");
    cr_assert_not_null(f);
    return f;
}

Test(systematic, calls_are_read_from_a_trace_with_their_k_per_process_and_syscall)
{
    const char *text =
        "{\"t_ns\":1,\"event\":\"start\",\"process\":\"a\",\"koid\":1026}\n"
        "{\"t_ns\":2,\"event\":\"syscall\",\"process\":\"a\",\"koid\":1026,\"syscall\":\"zx_debug_write\","
        "\"number\":19,\"args\":[1,2],\"status\":\"ZX_OK\",\"dur_ns\":9}\n"
        "{\"t_ns\":3,\"event\":\"syscall\",\"process\":\"b\\\"q\",\"koid\":1027,\"syscall\":\"zx_debug_"
        "write\","
        "\"number\":19,\"args\":[1,2],\"status\":\"ZX_OK\",\"dur_ns\":9}\n"
        "{\"t_ns\":4,\"event\":\"syscall\",\"process\":\"a\",\"koid\":1026,\"syscall\":null,\"number\":999,"
        "\"args\":[0,0,0,0,0,0,0,0],\"status\":\"ZX_ERR_BAD_SYSCALL\",\"dur_ns\":1}\n"
        "{\"t_ns\":5,\"event\":\"exception\",\"process\":\"a\",\"koid\":1026,\"vector\":14,\"name\":\"page "
        "fault "
        "(#PF)\",\"rip\":1,\"cr2\":0,\"error_code\":4}\n"
        "{\"t_ns\":6,\"event\":\"syscall\",\"process\":\"a\",\"koid\":1026,\"syscall\":\"zx_debug_write\","
        "\"number\":19,\"args\":[1,2],\"status\":\"ZX_OK\",\"dur_ns\":9}\n"
        "{\"t_ns\":7,\"event\":\"syscall\",\"process\":\"a\",\"koid\":1026,\"syscall\":\"zx_process_exit\","
        "\"number\":7,\"args\":[0],\"dur_ns\":1}\n"
        "{\"t_ns\":8,\"event\":\"exit\",\"process\":\"a\",\"koid\":1026,\"end\":\"exit\",\"code\":0}\n";
    FILE *f = trace_of(text);
    struct systematic_call *calls;
    size_t n;
    char err[128];
    cr_assert_eq(systematic_read_trace(f, &calls, &n, err, sizeof(err)), 0, "%s", err);
    fclose(f);
    cr_assert_eq(n, 4);
    cr_assert_str_eq(calls[0].process, "a");
    cr_assert_eq(calls[0].number, 19);
    cr_assert_eq(calls[0].k, 1);
    cr_assert_str_eq(calls[1].process, "b\"q");
    cr_assert_eq(calls[1].k, 1);
    cr_assert_str_eq(calls[2].process, "a");
    cr_assert_eq(calls[2].k, 2, "the second zx_debug_write of a");
    cr_assert_eq(calls[3].number, 7);
    cr_assert_eq(calls[3].k, 1);
    free(calls);
}

Test(systematic, a_line_that_is_not_a_trace_row_is_refused_with_its_number)
{
    FILE *f =
        trace_of("{\"t_ns\":1,\"event\":\"start\",\"process\":\"a\",\"koid\":1}\n{\"event\":\"syscall\",\n");
    struct systematic_call *calls = (struct systematic_call *)1;
    size_t n = 9;
    char err[128] = "";
    cr_assert_eq(systematic_read_trace(f, &calls, &n, err, sizeof(err)), -EINVAL);
    fclose(f);
    cr_assert_str_eq(err, "2: not a trace row");
    cr_assert_null(calls);
    cr_assert_eq(n, 0);
}

Test(systematic, a_run_is_the_fail_of_that_call_with_that_status)
{
    struct systematic_run r = {call("victim", "zx_vmo_write", 3), ZX_ERR_BAD_STATE};
    struct fault f;
    systematic_fault(&r, &f);
    cr_assert_str_eq(f.id, "systematic");
    cr_assert_eq(f.on, FAULT_ON_SYSCALL);
    cr_assert_eq(f.number, syscall_number("zx_vmo_write"));
    cr_assert_not(f.after);
    cr_assert_str_eq(f.process, "victim");
    cr_assert_eq(f.counter.nth, 3);
    cr_assert_eq(f.counter.times, 1);
    cr_assert_eq(f.counter.probability, 100);
    cr_assert_eq(f.action.kind, ACTION_FAIL);
    cr_assert_eq(f.action.status, ZX_ERR_BAD_STATE);
}

Test(systematic, run_scenarios_keep_classify_and_drop_faults_and_event_hooks)
{
    static struct scenario sc;
    memset(&sc, 0, sizeof(sc));
    sc.nfaults = 3;
    sc.on_syscall = sc.on_exception = sc.on_exit = sc.classify = true;
    sc.compare_stdout = true;
    size_t n;
    const struct systematic_call *calls = golden_calls(&n);
    struct systematic_space s;
    cr_assert_eq(systematic_space_make(calls, n, NULL, 0, &s), 0);
    static struct systematic_scenarios ss;
    systematic_scenarios_init(&ss, &sc, &s);
    cr_assert_eq(ss.base.nfaults, 0);
    cr_assert(!ss.base.on_syscall && !ss.base.on_exception && !ss.base.on_exit);
    cr_assert(ss.base.classify && ss.base.compare_stdout && !ss.base.compare_exit);
    systematic_prepare_run(&ss, 9);
    cr_assert_eq(ss.run.nfaults, 1);
    cr_assert_eq(ss.run.faults[0].action.status, ZX_ERR_NO_MEMORY);
    cr_assert_eq(ss.run.faults[0].number, syscall_number("zx_process_write_memory"));
    cr_assert(!ss.run.on_syscall && ss.run.classify);
    systematic_space_free(&s);
}

Test(systematic, rows_name_the_call_and_the_status)
{
    struct systematic_run r = {call("in\"t", "zx_vmo_write", 3), ZX_ERR_BAD_STATE};
    char buf[256] = "";
    FILE *f = fmemopen(buf, sizeof(buf), "w");
    systematic_write_row_field(f, &r);
    fclose(f);
    cr_assert_str_eq(buf, "\"systematic\":{\"process\":\"in\\\"t\",\"syscall\":\"zx_vmo_write\",\"n\":3,"
                          "\"status\":\"ZX_ERR_BAD_STATE\"},");
}

/* cli_parse on a word list. */
static int parse_words(struct cli_options *o, char *msg, size_t len, const char *const *words)
{
    int argc = 0;
    while (words[argc])
        argc++;
    return cli_parse(argc, (char **)words, o, msg, len);
}

Test(systematic, the_flag_makes_runs_optional_and_replay_still_checks_it)
{
    struct cli_options o;
    char msg[256] = "";
    const char *systematic[] = {"zxvmm", "campaign", "s.lua", "--systematic", NULL};
    cr_assert_eq(parse_words(&o, msg, sizeof(msg), systematic), 0, "%s", msg);
    cr_assert(o.systematic);
    cr_assert_eq(o.runs, 0, "no --runs: the whole space");
    cli_options_free(&o);
    const char *sampled[] = {"zxvmm", "campaign", "s.lua", NULL};
    cr_assert_neq(parse_words(&o, msg, sizeof(msg), sampled), 0);
    cr_assert_str_eq(msg, "campaign needs --runs N (or --systematic)");
    cli_options_free(&o);
    const char *past[] = {"zxvmm",  "campaign", "s.lua", "--systematic", "--runs", "3", "--replay", "5",
                          "--seed", "1",        NULL};
    cr_assert_neq(parse_words(&o, msg, sizeof(msg), past), 0);
    cr_assert_str_eq(msg, "--replay 5: not a run of --runs 3 (runs are numbered from 0)");
    cli_options_free(&o);
    const char *misspelt[] = {"zxvmm", "campaign", "s.lua", "--systematc", NULL};
    cr_assert_neq(parse_words(&o, msg, sizeof(msg), misspelt), 0);
    cr_assert(strstr(msg, "did you mean '--systematic'?") != NULL, "%s", msg);
    cli_options_free(&o);
}
