/* test_walkthrough.c: docs/faults.md "A walk-through", step by step, with the commands, scenarios and
 * results the page gives (the program by its absolute path, as the page allows). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "faults_support.h"

/* A fresh file name in the lab's own /tmp with `suffix`; `slot` picks one of a few kept at once. */
static const char *temp_path(unsigned slot, const char *suffix)
{
    static char path[2][64];
    return faults_temp_path(path[slot], sizeof(path[slot]), suffix);
}

/* The scenario of step 2 with `fault` as its one fault, written to a file of its own; returns its path. */
static const char *wm_lua(const char *fault)
{
    const char *path = temp_path(0, ".lua");
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    fprintf(f,
            "return {\n"
            "  program = { \"%s\", \"writes\" },\n"
            "  cmdline = \"kernel.enable-debugging-syscalls=true\",\n"
            "  faults = {\n"
            "    %s,\n"
            "  },\n"
            "}\n",
            harness_guest("inject_target"), fault);
    fclose(f);
    return path;
}

#define STEP2_FAULT                                                                                          \
    "{ id = \"wm\", on = \"syscall\", name = \"zx_process_write_memory\", nth = 2,\n"                        \
    "      action = { fail = \"ZX_ERR_NO_MEMORY\" } }"

/* Asserts zxvmm's exit status, showing both streams when it differs. */
static void assert_status(const struct run_result *r, int status)
{
    cr_assert_eq(r->status, status, "status %d\nstdout:\n%s\nstderr:\n%s", r->status, r->out, r->err);
}

Test(walkthrough, step1_the_trace_shows_the_three_writes)
{
    REQUIRE_KVM();
    const char *trace = temp_path(1, ".jsonl");
    struct run_result r;
    harness_zxvmm(&r, "run", "--cmdline", "kernel.enable-debugging-syscalls=true", "--trace", trace,
                  harness_guest("inject_target"), "writes", NULL);
    assert_status(&r, 0);
    harness_free(&r);
    char *text = faults_read_file(trace);
    unlink(trace);
    /* grep zx_process_write_memory: one row per call, when it returned. */
    cr_assert_eq(faults_count(text, "\"syscall\":\"zx_process_write_memory\""), 3, "%s", text);
    free(text);
}

Test(walkthrough, step2_the_second_write_fails_and_the_program_notices)
{
    REQUIRE_KVM();
    struct run_result r;
    harness_zxvmm(&r, "run", "--scenario", wm_lua(STEP2_FAULT), "--seed", "1", NULL);
    assert_status(&r, 1);
    harness_assert_line(r.out, "write2=ZX_ERR_NO_MEMORY actual=0 target=abc");
    harness_assert_line(r.err, "zxvmm: class detected: wm x1");
    harness_free(&r);
}

Test(walkthrough, step3_an_unmap_lets_the_kernel_refuse_and_the_program_crash)
{
    REQUIRE_KVM();
    const char *trace = temp_path(1, ".jsonl");
    struct run_result r;
    harness_zxvmm(&r, "run", "--scenario",
                  wm_lua("{ id = \"wm\", on = \"syscall\", name = \"zx_process_write_memory\", nth = 2,\n"
                         "      action = { unmap = { process = \"inject_target\", addr = 0x20005000,"
                         " len = 4096 } } }"),
                  "--seed", "1", "--trace", trace, NULL);
    assert_status(&r, 139);
    harness_assert_line(r.err, "zxvmm: class crash: wm x1");
    harness_free(&r);
    char *text = faults_read_file(trace);
    unlink(trace);
    char *fault = strstr(text, "\"id\":\"wm\",\"action\":\"unmap\"");
    cr_assert_not_null(fault, "no fault row:\n%s", text);
    char *call = strstr(fault, "\"syscall\":\"zx_process_write_memory\"");
    cr_assert_not_null(call, "no call row after the fault row:\n%s", text);
    assert_contains(call, "\"status\":\"ZX_ERR_NO_MEMORY\"");
    free(text);
}

Test(walkthrough, step4_a_sampled_campaign_and_a_row_repeated_by_its_seed)
{
    REQUIRE_KVM();
    const char *lua = wm_lua("{ id = \"wm\", on = \"syscall\", name = \"zx_process_write_memory\","
                             " probability = 50,\n      action = { fail = \"ZX_ERR_NO_MEMORY\" } }");
    const char *rows = temp_path(1, ".jsonl");
    struct run_result r;
    harness_zxvmm(&r, "campaign", lua, "--runs", "100", "-j", "2", "--seed", "42", "--out", rows, NULL);
    assert_status(&r, 0);
    harness_free(&r);
    harness_zxvmm(&r, "report", rows, NULL);
    assert_status(&r, 0);
    /* With one write in two failed at random, both classes come up in 100 runs. */
    assert_contains(r.out, "detected");
    assert_contains(r.out, "masked");
    harness_free(&r);
    char *text = faults_read_file(rows);
    unlink(rows);
    cr_assert_eq(faults_count(text, "\"run\":"), 101, "100 runs and the golden one:\n%s", text);
    /* Run 7's row names its seed; run --scenario with it repeats the run. */
    char *row = strstr(text, "\"run\":7,");
    cr_assert_not_null(row, "%s", text);
    char *seed = strstr(row, "\"seed\":\"");
    cr_assert_not_null(seed, "%s", row);
    seed += strlen("\"seed\":\"");
    seed[strcspn(seed, "\"")] = '\0';
    char *class = strstr(seed + strlen(seed) + 1, "\"class\":\"");
    cr_assert_not_null(class, "%s", row);
    class += strlen("\"class\":\"");
    class[strcspn(class, "\"")] = '\0';
    harness_zxvmm(&r, "run", "--scenario", lua, "--seed", seed, NULL);
    char want[96];
    snprintf(want, sizeof(want), "zxvmm: class %s", class);
    cr_assert(strstr(r.err, want) != NULL, "run 7 was %s; with its seed %s:\n%s", class, seed, r.err);
    harness_free(&r);
    free(text);
}

Test(walkthrough, step5_a_systematic_campaign_its_table_and_a_replayed_row)
{
    REQUIRE_KVM();
    const char *lua = wm_lua(STEP2_FAULT);
    const char *rows = temp_path(1, ".jsonl");
    struct run_result r;
    harness_zxvmm(&r, "campaign", lua, "--systematic", "-j", "2", "--seed", "1", "--out", rows, NULL);
    assert_status(&r, 0);
    harness_assert_line(r.err, "zxvmm: systematic: 27 runs (6 syscall occurrences)");
    harness_free(&r);
    char *text = faults_read_file(rows);
    unlink(rows);
    /* The 21 failed writes are detected, the 6 failed prints sdc. */
    cr_assert_eq(faults_count(text, "\"class\":\"detected\""), 21, "%s", text);
    cr_assert_eq(faults_count(text, "\"class\":\"sdc\""), 6, "%s", text);
    free(text);
    harness_zxvmm(&r, "campaign", lua, "--replay", "3", "--systematic", "--seed", "1", NULL);
    harness_assert_line(r.out, "write1=ZX_ERR_WRONG_TYPE actual=0 target=abc");
    harness_free(&r);
}
