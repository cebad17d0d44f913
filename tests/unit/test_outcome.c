/* test_outcome.c: the class of a run against the golden run, each class and the order they are tried in. No
 * KVM. */
#include <criterion/criterion.h>
#include <string.h>

#include "campaign/campaign.h"
#include "campaign/outcome.h"
#include "inject/rng.h"

static struct campaign_run golden = {
    .ran = true, .outcome = VM_MAIN_EXITED, .code = 0, .out = "ok\n", .out_len = 3};

/* A run that exited with `code` and printed `out`, with one fault that fired `fired` times. */
static struct campaign_run run_of(enum vm_outcome outcome, int64_t code, char *out, uint64_t fired)
{
    struct campaign_run r = {
        .ran = true, .outcome = outcome, .code = code, .out = out, .out_len = strlen(out)};
    r.faults.nfaults = 1;
    r.faults.faults[0].fired = fired;
    return r;
}

Test(outcome, each_class_when_it_applies)
{
    struct campaign_run r = run_of(VM_MAIN_EXITED, 0, "ok\n", 0);
    cr_assert_str_eq(campaign_classify(&golden, &r, true, true), "not_activated");
    r = run_of(VM_TIMED_OUT, 0, "", 1);
    cr_assert_str_eq(campaign_classify(&golden, &r, true, true), "hang");
    r = run_of(VM_MAIN_EXCEPTION, 0, "", 1);
    cr_assert_str_eq(campaign_classify(&golden, &r, true, true), "crash");
    r = run_of(VM_MAIN_KILLED, 0, "", 1);
    cr_assert_str_eq(campaign_classify(&golden, &r, true, true), "crash");
    r = run_of(VM_MAIN_EXITED, 1, "ok\n", 1);
    cr_assert_str_eq(campaign_classify(&golden, &r, true, true), "detected");
    r = run_of(VM_MAIN_EXITED, 0, "ko\n", 1);
    cr_assert_str_eq(campaign_classify(&golden, &r, true, true), "sdc");
    r = run_of(VM_MAIN_EXITED, 0, "ok\n", 1);
    cr_assert_str_eq(campaign_classify(&golden, &r, true, true), "masked");
}

Test(outcome, vmm_error_comes_first)
{
    struct campaign_run r = run_of(VM_RUN_FAILED, 0, "", 0);
    cr_assert_str_eq(campaign_classify(&golden, &r, true, true), "vmm_error");
    r = run_of(VM_MAIN_EXITED, 0, "ok\n", 1);
    r.ran = false;
    cr_assert_str_eq(campaign_classify(&golden, &r, true, true), "vmm_error");
}

Test(outcome, the_oracle_decides_what_is_compared)
{
    struct campaign_run r = run_of(VM_MAIN_EXITED, 1, "ko\n", 1);
    cr_assert_str_eq(campaign_classify(&golden, &r, false, true), "sdc");
    cr_assert_str_eq(campaign_classify(&golden, &r, false, false), "masked");
    r = run_of(VM_MAIN_EXITED, 0, "ok\nmore", 1);
    cr_assert_str_eq(campaign_classify(&golden, &r, true, true), "sdc");
    cr_assert_str_eq(campaign_classify(&golden, &r, true, false), "masked");
}

Test(campaign, run_seeds_are_splitmix64_outputs_of_the_campaign_seed)
{
    struct rng r = rng_seeded(42);
    for (uint64_t i = 0; i < 5; i++)
        cr_assert_eq(campaign_seed_of(42, i), rng_next(&r), "run %llu", (unsigned long long)i);
    cr_assert_eq(campaign_seed_of(0, 0), 0xe220a8397b1dcdafULL); /* splitmix64's first output from 0 */
    cr_assert_neq(campaign_seed_of(1, 0), campaign_seed_of(0, 1));
}

Test(campaign, class_names_are_found_in_rows)
{
    cr_assert_eq(campaign_class_index("sdc"), 5);
    cr_assert_eq(campaign_class_index("golden"), -1);
    cr_assert_eq(campaign_class_index_prefix("masked\",\"stdout_sha256\""), 6);
    cr_assert_eq(campaign_class_index_prefix("mask\""), -1);
    cr_assert_eq(campaign_class_index_prefix("masked"), -1); /* a row cut off inside the name */
}
