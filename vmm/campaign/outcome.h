/* outcome.h: one run of a scenario in a child process (its stdout captured), and its class against the
 * golden run (docs/faults.md, Results and classes). */
#ifndef ZXVMM_CAMPAIGN_OUTCOME_H
#define ZXVMM_CAMPAIGN_OUTCOME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "inject/inject.h"
#include "vm/vm.h"

/* How one run went. */
struct campaign_run {
    bool ran;                /* the VM ran (false: zxvmm failed to set it up, or the child died) */
    int status;              /* the exit status `zxvmm run` gives it */
    enum vm_outcome outcome; /* how the main process ended, when ran */
    int64_t code;            /* its return code, for VM_MAIN_EXITED */
    struct inject_result faults;
    char *out; /* the guest's stdout (malloc'd, NUL-terminated) */
    size_t out_len;
};

/* The run itself, in the child: fills `r` (everything but out). */
typedef void (*campaign_body)(void *arg, struct campaign_run *r);

/*
 * Runs `body` in a child process with its stdout captured (and its stderr
 * sent to /dev/null when `quiet`), so that a run can neither disturb nor
 * crash the caller. Returns 0 with `r` filled (r->ran false when the child
 * died), or -errno when the child could not be made.
 */
int campaign_fork_run(campaign_body body, void *arg, bool quiet, struct campaign_run *r);

/* Frees r->out. */
void campaign_run_free(struct campaign_run *r);

/* True when any fault of the run fired. */
bool campaign_any_fired(const struct campaign_run *r);

/*
 * The class of `run` against `golden`, the first that applies: vmm_error
 * (checked first, so that a failed set-up is never not_activated),
 * not_activated, hang, crash, detected, sdc, masked; the oracle compares
 * the return code and/or stdout.
 */
const char *campaign_classify(const struct campaign_run *golden, const struct campaign_run *run,
                              bool compare_exit, bool compare_stdout);

#endif
