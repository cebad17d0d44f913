/* test_outcome.c: the class of a run against the golden run, each class and the order they are tried in. No
 * KVM. */
#include <criterion/criterion.h>
#include <string.h>

#include "campaign/outcome.h"

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
