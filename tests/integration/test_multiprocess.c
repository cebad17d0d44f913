/* test_multiprocess.c: how runs of several processes end and are reported: --wait-all, -v, --label-output. */
#include <stdio.h>
#include <string.h>

#include "harness.h"

/* "[PROGRAM:" at the start of a line, followed later on that line by "] TEXT". */
static void assert_labelled(const char *out, const char *program, const char *text)
{
    char head[600];
    snprintf(head, sizeof(head), "[%s:", program);
    for (const char *p = out; (p = strstr(p, head)) != NULL; p++) {
        if (p != out && p[-1] != '\n')
            continue;
        const char *end = strchr(p, '\n');
        const char *close = strstr(p, "] ");
        if (close && (!end || close < end) && strncmp(close + 2, text, strlen(text)) == 0)
            return;
    }
    cr_assert_fail("expected a line \"[%s:KOID] %s\" in:\n%s", program, text, out);
}

Test(multiprocess, wait_all_lets_every_process_finish)
{
    REQUIRE_KVM();
    char spawn[600];
    snprintf(spawn, sizeof(spawn), "%s spawned", harness_example("hello"));
    struct run_result r;
    harness_zxvmm(&r, "run", "--wait-all", "--spawn", spawn, harness_example("hello"), "main", NULL);
    cr_assert_eq(r.status, 0, "stderr: %s", r.err);
    harness_assert_line(r.out, "argv[1] = spawned");
    harness_assert_line(r.out, "argv[1] = main");
    cr_assert_str_eq(r.err, "");
    harness_free(&r);
}

Test(multiprocess, main_s_end_stops_the_others_with_a_report)
{
    REQUIRE_KVM();
    struct run_result r;
    harness_zxvmm(&r, "run", "--spawn", harness_guest("spin"), harness_guest("exit_code"), "3", NULL);
    cr_assert_eq(r.status, 3, "stderr: %s", r.err);
    harness_assert_line(r.err, "zxvmm: the main process ended; stopped 1 other process still running "
                               "(--wait-all waits for them)");
    harness_free(&r);
}

Test(multiprocess, verbose_reports_every_process_end)
{
    REQUIRE_KVM();
    char spawn_fault[600], line[1400];
    snprintf(spawn_fault, sizeof(spawn_fault), "%s pf", harness_guest("fault"));
    struct run_result r;
    harness_zxvmm(&r, "run", "-v", "--spawn", harness_guest("spin"), "--spawn", spawn_fault,
                  harness_guest("exit_code"), "3", NULL);
    cr_assert_eq(r.status, 3, "stderr: %s", r.err);
    snprintf(line, sizeof(line), "zxvmm: process %s (koid ", harness_guest("spin"));
    assert_contains(r.err, line);
    assert_contains(r.err, ") stopped: the main process had ended\n");
    snprintf(line, sizeof(line), "zxvmm: process %s (koid ", harness_guest("exit_code"));
    assert_contains(r.err, line);
    assert_contains(r.err, ") exited with return code 3\n");
    harness_free(&r);
}

Test(multiprocess, verbose_reports_a_spawned_crash)
{
    REQUIRE_KVM();
    char spawn_fault[600];
    snprintf(spawn_fault, sizeof(spawn_fault), "%s pf", harness_guest("fault"));
    struct run_result r;
    harness_zxvmm(&r, "run", "-v", "--wait-all", "--spawn", spawn_fault, harness_guest("exit_code"), "0",
                  NULL);
    cr_assert_eq(r.status, 0, "stderr: %s", r.err);
    assert_contains(r.err, ") died of a CPU exception: page fault (#PF) at rip 0x");
    assert_contains(r.err, ") exited with return code 0\n");
    cr_assert_null(strstr(r.err, "stopped"), "nothing was left to stop: %s", r.err);
    harness_free(&r);
}

Test(multiprocess, wait_all_still_honours_the_timeout)
{
    REQUIRE_KVM();
    struct run_result r;
    harness_zxvmm(&r, "run", "-v", "--wait-all", "--timeout", "1", "--spawn", harness_guest("spin"),
                  harness_guest("exit_code"), "0", NULL);
    cr_assert_eq(r.status, 124, "stderr: %s", r.err);
    assert_contains(r.err, ") stopped: --timeout expired\n");
    assert_contains(r.err, ") exited with return code 0\n");
    harness_free(&r);
}

Test(multiprocess, label_output_prefixes_each_line_with_name_and_koid)
{
    REQUIRE_KVM();
    char spawn[600];
    snprintf(spawn, sizeof(spawn), "%s spawned", harness_example("hello"));
    struct run_result r;
    harness_zxvmm(&r, "run", "--wait-all", "--label-output", "--spawn", spawn, harness_guest("args"), "x y",
                  NULL);
    cr_assert_eq(r.status, 0, "stderr: %s", r.err);
    assert_labelled(r.out, harness_example("hello"), "argv[1] = spawned");
    assert_labelled(r.out, harness_example("hello"), "Hello from a zxvmm guest!");
    for (const char *p = r.out; *p; p = strchr(p, '\n') + 1) {
        cr_assert_eq(*p, '[', "an unlabelled line in:\n%s", r.out);
        if (!strchr(p, '\n'))
            break;
    }
    harness_free(&r);
}
