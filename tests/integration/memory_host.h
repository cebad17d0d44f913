/* memory_host.h: running the memaccess test guests for the process-memory suites and comparing their output.
 */
#ifndef ZXVMM_TESTS_MEMORY_HOST_H
#define ZXVMM_TESTS_MEMORY_HOST_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

#define MEMH_DEBUGGING_ON "kernel.enable-debugging-syscalls=true"
#define MEMH_MAX_ARGS     16
#define MEMH_SPAWN_LEN    1024
#define MEMH_BIG_MEM      "512M" /* room for the two 64 MiB VMOs of the size cases */

/* The lines a memaccess case prints for a failed call that touched nothing, and for a successful copy. */
#define MEMH_FAILED(status) "status=" #status "\nactual_untouched=1\nunchanged=1\n"
#define MEMH_COPIED(n)      "status=ZX_OK\nactual=" #n "\ncopied=1\n"

/* Runs zxvmm with `args` (NULL-terminated, after the executable); checks exit status 0 and stdout == want. */
static inline void memh_expect(const char *const *args, const char *want)
{
    const char *argv[MEMH_MAX_ARGS + 2] = {harness_zxvmm_path()};
    int n = 1;
    for (; args[n - 1] && n <= MEMH_MAX_ARGS; n++)
        argv[n] = args[n - 1];
    argv[n] = NULL;
    struct run_result r;
    cr_assert_eq(harness_run(argv, &r), 0);
    cr_assert_eq(r.status, 0, "zxvmm exited %d; stdout:\n%s\nstderr:\n%s", r.status, r.out, r.err);
    cr_assert_str_eq(r.out, want, "stdout differs.\n--- got:\n%s--- want:\n%s--- stderr:\n%s", r.out, want,
                     r.err);
    harness_free(&r);
}

/* `memaccess DIR CASE` with the debugging syscalls on. */
static inline void memh_case(const char *dir, const char *name, const char *want)
{
    const char *args[] = {"run", "--cmdline", MEMH_DEBUGGING_ON, harness_guest("memaccess"), dir, name, NULL};
    memh_expect(args, want);
}

/* `memaccess DIR CASE` with the kernel command line `cmdline` (NULL: none at all). */
static inline void memh_case_cmdline(const char *cmdline, const char *dir, const char *name, const char *want)
{
    const char *with[] = {"run", "--cmdline", cmdline, harness_guest("memaccess"), dir, name, NULL};
    const char *without[] = {"run", harness_guest("memaccess"), dir, name, NULL};
    memh_expect(cmdline ? with : without, want);
}

/* `memaccess DIR CASE` with the debugging syscalls on and MEMH_BIG_MEM of guest RAM. */
static inline void memh_case_big(const char *dir, const char *name, const char *want)
{
    const char *args[] = {
        "run", "--mem", MEMH_BIG_MEM, "--cmdline", MEMH_DEBUGGING_ON, harness_guest("memaccess"),
        dir,   name,    NULL};
    memh_expect(args, want);
}

/* `memaccess_cross DIR CASE` as the main process with `memaccess_cross ROLE` spawned before it;
 * `cmdline` as for memh_case_cmdline. */
static inline void memh_cross(const char *cmdline, const char *role, const char *dir, const char *name,
                              const char *want)
{
    char spawn[MEMH_SPAWN_LEN];
    snprintf(spawn, sizeof(spawn), "%s %s", harness_guest("memaccess_cross"), role);
    const char *with[] = {"run", "--cmdline", cmdline, "--spawn", spawn, harness_guest("memaccess_cross"),
                          dir,   name,        NULL};
    const char *without[] = {"run", "--spawn", spawn, harness_guest("memaccess_cross"), dir, name, NULL};
    memh_expect(cmdline ? with : without, want);
}

#endif
