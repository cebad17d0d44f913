/* test_seccomp.c: zxvmm's threads run under their seccomp filters (read from /proc while the guests run), a
 * run that uses every feature and a --gdb run still work under them, and --no-seccomp leaves them off. The
 * per-role allowlists themselves are tested in tests/unit/test_seccomp.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"

#define SCRIPT_SIZE 4096

/* What /proc says of every thread: "Seccomp:2" in a build that installs filters, "Seccomp:0" in the
 * sanitizer build, which installs none (docs/security.md). */
#ifdef ZXVMM_SANITIZED
#define FILTERED "Seccomp:0"
#else
#define FILTERED "Seccomp:2"
#endif

/*
 * Starts `zxvmm run ZXARGS` in the background, waits until `nthreads` threads
 * exist, each showing `want` in its /proc status, and the guest printed
 * `ready` (NULL: nothing to wait for) (at most 60 s), then prints one line per thread, "NAME Seccomp:N
 * Seccomp_filters:N", runs `then` (a shell command; $SOCK is the --gdb
 * socket's path, $pid zxvmm's) and prints zxvmm's status, stdout and stderr.
 */
static void inspect(struct run_result *r, const char *zxargs, int nthreads, const char *want,
                    const char *ready, const char *then)
{
    char dir[] = "/tmp/zxvmm-seccomp-XXXXXX";
    cr_assert_not_null(mkdtemp(dir));
    char *script = malloc(SCRIPT_SIZE);
    cr_assert_not_null(script);
    snprintf(script, SCRIPT_SIZE,
             "D=%s; SOCK=$D/sock; export SOCK\n"
             "%s run --timeout 100 %s >$D/out 2>$D/err & pid=$!\n"
             "i=0; while [ $i -lt 1200 ]; do\n"
             "  n=$(ls /proc/$pid/task 2>/dev/null | wc -l)\n"
             "  f=$(cat /proc/$pid/task/*/status 2>/dev/null | tr -d ' \\t' | grep -c '^%s$')\n"
             "  [ \"$n\" -ge %d ] && [ \"$f\" -ge \"$n\" ] && %s%s%s && break\n"
             "  sleep 0.05; i=$((i+1))\n"
             "done\n"
             "for t in /proc/$pid/task/*; do\n"
             "  echo \"$(cat $t/comm) $(tr -d ' \\t' <$t/status | grep '^Seccomp' | tr '\\n' ' ')\"\n"
             "done\n"
             "%s\n"
             "wait $pid; echo zxvmm-status=$?\n"
             "echo '--- stdout'; cat $D/out; echo '--- stderr'; cat $D/err; rm -rf $D\n",
             dir, harness_zxvmm_path(), zxargs, want, nthreads, ready ? "grep -q '" : "true",
             ready ? ready : "", ready ? "' $D/out" : "", then);
    const char *argv[] = {"/bin/sh", "-c", script, NULL};
    cr_assert_eq(harness_run(argv, r), 0);
    free(script);
}

/* Asserts that the thread named `name` was listed with `state` (e.g. "Seccomp:2 Seccomp_filters:1"). */
static void assert_thread(const char *out, const char *name, const char *state)
{
    char line[128];
    snprintf(line, sizeof(line), "%s %s \n", name, state);
    assert_contains(out, line);
}

Test(seccomp, every_thread_runs_under_one_filter_of_its_own)
{
    REQUIRE_KVM();
    struct run_result r;
    char args[1024];
    snprintf(args, sizeof(args), "--spawn %s %s", harness_guest("spin"), harness_guest("spin"));
    inspect(&r, args, 3, FILTERED, "spinning", "kill $pid");
#ifdef ZXVMM_SANITIZED
    const char *state = "Seccomp:0 Seccomp_filters:0";
#else
    const char *state = "Seccomp:2 Seccomp_filters:1"; /* one each: never stacked on the main thread's */
#endif
    assert_thread(r.out, "zxvmm", state);
    assert_thread(r.out, "zxvmm-vcpu0", state);
    assert_thread(r.out, "zxvmm-vcpu1", state);
    harness_free(&r);
}

Test(seccomp, no_seccomp_leaves_every_thread_unfiltered)
{
    REQUIRE_KVM();
    struct run_result r;
    char args[1024];
    snprintf(args, sizeof(args), "--no-seccomp --spawn %s %s", harness_guest("spin"), harness_guest("spin"));
    inspect(&r, args, 3, "Seccomp:0", "spinning", "sleep 0.5; kill $pid");
    assert_thread(r.out, "zxvmm", "Seccomp:0 Seccomp_filters:0");
    assert_thread(r.out, "zxvmm-vcpu0", "Seccomp:0 Seccomp_filters:0");
    assert_thread(r.out, "zxvmm-vcpu1", "Seccomp:0 Seccomp_filters:0");
    harness_free(&r);
}

Test(seccomp, no_seccomp_run_works)
{
    REQUIRE_KVM();
    struct run_result r;
    harness_zxvmm(&r, "run", "--no-seccomp", harness_example("hello"), "a", NULL);
    cr_assert_eq(r.status, 0, "stderr: %s", r.err);
    harness_assert_line(r.out, "Hello from a zxvmm guest!");
    harness_assert_line(r.out, "argv[1] = a");
    harness_free(&r);
}

Test(seccomp, a_gdb_run_filters_the_stub_s_thread_and_still_works)
{
    REQUIRE_KVM();
    if (access("/usr/bin/gdb", X_OK) != 0)
        cr_skip_test("needs gdb (scripts/setup.sh installs it)");
    struct run_result r;
    char args[1024], then[1024];
    const char *hello = harness_example("hello");
    snprintf(args, sizeof(args), "--gdb unix:$SOCK %s", hello);
    /* The processes are held until gdb attaches: the threads are inspected first, then gdb runs the guest. */
    snprintf(then, sizeof(then),
             "timeout 90 /usr/bin/gdb -batch -nx -ex 'set confirm off' -ex \"target remote $SOCK\" "
             "-ex 'break main' -ex continue -ex bt -ex continue %s 2>&1",
             hello);
    inspect(&r, args, 3, FILTERED, NULL, then);
#ifdef ZXVMM_SANITIZED
    const char *state = "Seccomp:0 Seccomp_filters:0";
#else
    const char *state = "Seccomp:2 Seccomp_filters:1";
#endif
    assert_thread(r.out, "zxvmm", state);
    assert_thread(r.out, "zxvmm-gdb", state);
    assert_thread(r.out, "zxvmm-vcpu0", state);
    assert_contains(r.out, "Breakpoint 1, main");
    assert_contains(r.out, "#0  main");
    assert_contains(r.out, "exited normally");
    assert_contains(r.out, "zxvmm-status=0\n");
    assert_contains(r.out, "Hello from a zxvmm guest!");
    cr_assert_null(strstr(r.out, "zxvmm: seccomp:"), "%s", r.out);
    harness_free(&r);
}

Test(seccomp, a_run_using_every_feature_passes_under_the_filters)
{
    REQUIRE_KVM();
    char dir[] = "/tmp/zxvmm-seccomp-XXXXXX";
    cr_assert_not_null(mkdtemp(dir));
    char trace[64], fault[1024], code[1024];
    snprintf(trace, sizeof(trace), "%s/t.jsonl", dir);
    snprintf(fault, sizeof(fault), "%s pf", harness_guest("fault"));
    snprintf(code, sizeof(code), "%s 7", harness_guest("exit_code"));
    struct run_result r;
    harness_zxvmm(&r, "run", "--timeout", "60", "-v", "--label-output", "--wait-all", "--trace", trace,
                  "--cmdline", "kernel.enable-debugging-syscalls=true", "--spawn", fault, "--spawn", code,
                  harness_example("hello"), NULL);
    cr_assert_eq(r.status, 0, "stderr: %s", r.err);
    assert_contains(r.out, "Hello from a zxvmm guest!");
    assert_contains(r.err, "page fault (#PF)");                            /* the crash report */
    assert_contains(r.err, "exited with return code 7");                   /* -v */
    cr_assert_null(strstr(r.err, "zxvmm: seccomp:"), "stderr: %s", r.err); /* nothing was refused */
    FILE *f = fopen(trace, "r");
    cr_assert_not_null(f);
    char row[4096];
    int rows = 0;
    while (fgets(row, sizeof(row), f))
        rows++;
    fclose(f);
    cr_assert_gt(rows, 6, "the trace has %d rows", rows);
    remove(trace);
    rmdir(dir);
    harness_free(&r);
}

Test(seccomp, the_timeout_still_stops_a_filtered_run)
{
    REQUIRE_KVM();
    struct run_result r;
    harness_zxvmm(&r, "run", "--timeout", "0.5", harness_guest("spin"), NULL);
    cr_assert_eq(r.status, 124, "stderr: %s", r.err);
    assert_contains(r.err, "--timeout expired");
    cr_assert_null(strstr(r.err, "zxvmm: seccomp:"), "stderr: %s", r.err);
    harness_free(&r);
}

/* A crash report reads the program's symbols into a buffer and frees it on the vCPU thread; for a program of
 * about 100 KiB (this one), glibc used to open /proc/sys/vm/overcommit_memory when it shrank that thread's
 * own malloc arena afterwards. zxvmm keeps every thread on one arena (vm_seccomp_prepare). */
Test(seccomp, crash_reports_of_a_larger_program_pass_under_the_filters)
{
    REQUIRE_KVM();
    char victim[1024];
    snprintf(victim, sizeof(victim), "%s victim ud", harness_guest("exceptions"));
    for (int i = 0; i < 3; i++) {
        struct run_result r;
        /* A debugger process passes the victim's #UD on (try_next): nobody handles it, the report follows. */
        harness_zxvmm(&r, "run", "--timeout", "60", "--cmdline", "kernel.enable-debugging-syscalls=true",
                      "--spawn", victim, harness_guest("exceptions"), "catch", "try_next", NULL);
        cr_assert_eq(r.status, 0, "round %d: status %d; stderr: %s", i, r.status, r.err);
        assert_contains(r.err, "invalid opcode (#UD)");
        cr_assert_null(strstr(r.err, "zxvmm: seccomp:"), "stderr: %s", r.err);
        harness_free(&r);
    }
}
