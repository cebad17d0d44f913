/* test_memory_stress.c: many zxvmm runs racing zx_process_write_memory/read_memory against a kill, an unmap
 * or a protect of the target: no crash, sane exit statuses, only documented statuses, no torn copies. */
#include "memory_host.h"

#define STRESS_RUNS       20
#define STRESS_KILL_SPAN  37 /* the killer waits for a varying number of rounds: run * 7 mod this */
#define STRESS_KILL_STEP  7
#define STRESS_ROUNDS     "300"
#define STRESS_ROUNDS_MAX "1000000" /* bounded by the kill, which comes much sooner */
#define STRESS_ARG_LEN    32

/* Runs the stress guest with `spawns` (NULL-terminated) and the main process `writer ARG`; checks that zxvmm
 * exited 0 with nothing on stderr and that every line of `want` (NULL-terminated) is in stdout. */
static void stress_run(const char *const *spawns, const char *writer, const char *arg,
                       const char *const *want)
{
    char spawn_text[2][MEMH_SPAWN_LEN];
    const char *argv[MEMH_MAX_ARGS + 2] = {harness_zxvmm_path(), "run", "--cmdline", MEMH_DEBUGGING_ON};
    int n = 4;
    for (int i = 0; spawns[i]; i++) {
        snprintf(spawn_text[i], sizeof(spawn_text[i]), "%s %s", harness_guest("memaccess_stress"), spawns[i]);
        argv[n++] = "--spawn";
        argv[n++] = spawn_text[i];
    }
    argv[n++] = harness_guest("memaccess_stress");
    argv[n++] = writer;
    argv[n++] = arg;
    argv[n] = NULL;
    struct run_result r;
    cr_assert_eq(harness_run(argv, &r), 0);
    cr_assert_eq(r.status, 0, "zxvmm exited %d; stdout:\n%s\nstderr:\n%s", r.status, r.out, r.err);
    /* The one line allowed: roles still running when the writer returns are stopped, and zxvmm says so. */
    const char *stopped = strstr(r.err, "zxvmm: the main process ended; stopped ");
    size_t allowed = stopped == r.err ? strcspn(r.err, "\n") + 1 : 0;
    cr_assert_str_eq(r.err + (allowed <= strlen(r.err) ? allowed : 0), "", "stderr is not empty; stdout:\n%s",
                     r.out);
    for (int i = 0; want[i]; i++)
        assert_contains(r.out, want[i]);
    harness_free(&r);
}

static const char *const common_lines[] = {"unexpected=0\n", "torn=0\n", "revived=0\n"};

Test(memory_stress, writes_racing_a_kill_of_the_target)
{
    REQUIRE_KVM();
    const char *const want[] = {common_lines[0],
                                common_lines[1],
                                common_lines[2],
                                "saw_ok=1\n",
                                "saw_bad_state=1\n",
                                "victim_killed=1\n",
                                NULL};
    for (int run = 0; run < STRESS_RUNS; run++) {
        char killer[STRESS_ARG_LEN];
        snprintf(killer, sizeof(killer), "killer %d", run * STRESS_KILL_STEP % STRESS_KILL_SPAN);
        const char *const spawns[] = {"victim", killer, NULL};
        stress_run(spawns, "writer_kill", "-", want);
    }
}

Test(memory_stress, writes_racing_unmap_and_protect_of_the_target)
{
    REQUIRE_KVM();
    const char *const want[] = {common_lines[0], common_lines[1], common_lines[2], "victim_end=stopped\n",
                                NULL};
    const char *const spawns[] = {"remapper", NULL};
    for (int run = 0; run < STRESS_RUNS; run++)
        stress_run(spawns, "writer_remap", STRESS_ROUNDS, want);
}

Test(memory_stress, writes_racing_unmap_protect_and_kill_of_the_target)
{
    REQUIRE_KVM();
    const char *const want[] = {common_lines[0], common_lines[1], common_lines[2], "victim_end=killed\n",
                                NULL};
    for (int run = 0; run < STRESS_RUNS; run++) {
        char killer[STRESS_ARG_LEN];
        snprintf(killer, sizeof(killer), "killer %d", run * STRESS_KILL_STEP % STRESS_KILL_SPAN);
        const char *const spawns[] = {"remapper", killer, NULL};
        stress_run(spawns, "writer_remap", STRESS_ROUNDS_MAX, want);
    }
}
